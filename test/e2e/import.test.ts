// `prj import` from the command line: what it writes, what it prints, and how it refuses.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/world.ts";
import { ensureBinary, World } from "./support.ts";

const world = World.bare();
const project = world.root;

const prj = (...args: string[]) => world.prj(args);

function peerFile(name: string, text: string): string {
  const file = join(tempDir("peer-"), name);
  writeFileSync(file, text);
  return file;
}

describe("prj import", () => {
  afterAll(() => world.dispose());

  beforeAll(async () => {
    await ensureBinary();
    expect((await prj("init")).exitCode).toBe(0);
  });

  test("writes .prj/commands/NAME.yaml that prj loads, and prints each thing not converted with its key path", async () => {
    const file = peerFile("web.yml", "name: web\nsocket_name: work\nwindows:\n  - editor:\n      synchronize: true\n      panes: [vim, null]\n  - logs: tail -f log/dev.log\n");
    const result = await prj("import", "tmuxinator", file);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("Wrote .prj/commands/web.yaml");
    expect(result.stderr).toContain("socket_name: not converted");
    expect(result.stderr).toContain("windows[0].synchronize: tmux option synchronize-panes; not converted");
    const written = readFileSync(join(project, ".prj/commands/web.yaml"), "utf8");
    expect(written).toContain("#   socket_name: not converted");
    const plan = await prj("run", "web", "--dry-run", "--json");
    expect(plan.exitCode).toBe(0);
    expect(JSON.parse(plan.stdout).session.windows.map((window: { name: string }) => window.name)).toEqual(["editor", "logs"]);
  });

  test("refuses to replace a command unless --force; --name picks another", async () => {
    const file = peerFile("api.yaml", "session_name: api\nwindows:\n  - window_name: w\n");
    expect((await prj("import", "tmuxp", file)).exitCode).toBe(0);
    const again = await prj("import", "tmuxp", file);
    // A refusal that changed nothing: exit 2.
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("already exists");
    expect((await prj("import", "tmuxp", file, "--force")).exitCode).toBe(0);
    expect((await prj("import", "tmuxp", file, "--name", "api2")).exitCode).toBe(0);
    expect((await prj("import", "tmuxp", file, "--name", "../evil")).exitCode).toBe(2);
  });

  test("ERB templates are refused with exit 2 and a way forward", async () => {
    const file = peerFile("erb.yml", "name: erb\nroot: <%= ENV['HOME'] %>/code\nwindows:\n  - e: vim\n");
    const result = await prj("import", "tmuxinator", file);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("ERB templates");
    expect(result.stderr).toContain("{{name}}");
  });

  test("a file that is not YAML, or is missing, is refused with exit 2", async () => {
    const broken = await prj("import", "tmuxp", peerFile("broken.yaml", "session_name: [unclosed\n"));
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toContain("not valid YAML");
    const missing = await prj("import", "tmuxp", join(project, "nope.yaml"));
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("no such file");
  });

  test("a file the peer itself refuses is refused with the peer's own words, where the cause is, exit 2", async () => {
    const tmuxp = await prj("import", "tmuxp", peerFile("api.yaml", "session_name: api\nenvironment:\n  PORT: 8000\nwindows:\n  - window_name: w\n"));
    expect(tmuxp.exitCode).toBe(2);
    expect(tmuxp.stderr).toContain("api.yaml:3:9 environment.PORT: tmuxp cannot load this file: TypeError: expected str, bytes or os.PathLike object, not int");
    const tabs = await prj("import", "tmuxinator", peerFile("old.yml", "name: old\ntabs:\n  - editor: vim\n"));
    expect(tabs.exitCode).toBe(2);
    expect(tabs.stderr).toContain("tmuxinator cannot load this file: undefined method `map' for nil:NilClass (NoMethodError)");
    expect(tabs.stderr).toContain("rename `tabs:` to `windows:`");
    expect(tabs.stderr).not.toMatch(/^\s+at /m);
  });

  test("a tmuxinator `pre` that fails does not stop the session, as under tmuxinator; the file says why", async () => {
    const file = peerFile("db.yml", "name: db\nroot: .\npre: exit 3\non_project_first_start: touch first-start-ran\nwindows:\n  - shell:\n");
    expect((await prj("import", "tmuxinator", file, "--name", "db")).exitCode).toBe(0);
    const written = readFileSync(join(project, ".prj/commands/db.yaml"), "utf8");
    expect(written).toContain("continue_on_error: true # tmuxinator carries on when pre fails");
    const ran = await prj("run", "db");
    expect(ran.exitCode).toBe(0);
    expect(ran.stderr).toContain("step pre exited with status 3; continuing (continue_on_error)");
    expect(existsSync(join(project, "first-start-ran"))).toBe(true);
    expect(await world.sessions()).toContain("db");
  });

  test("--dry-run prints the YAML and writes nothing", async () => {
    const result = await prj("import", "tmuxp", peerFile("dry.yaml", "session_name: dry\nwindows: [{ window_name: w }]\n"), "--dry-run");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("name: dry");
    expect((await prj("list-commands", "--json")).stdout).not.toContain('"dry"');
  });
});
