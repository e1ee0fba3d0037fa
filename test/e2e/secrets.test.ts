// Secrets stay secret everywhere (SPEC §6): a sensitive argument substituted into a pane command
// or a step reaches them through the environment, so no process's argv ever shows it; a secret
// templated into other values is redacted wherever they are shown; sensitive variables inherited
// from the user's environment are masked in step output and logs.
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../helpers/world.ts";
import { expectExit, worlds } from "./support.ts";

const newWorld = worlds();

/** A token that is also hostile: if it ran as code, `pwned` would appear. */
const TOKEN = `tok-SECRET-$(touch pwned)-'"\`x\`-9f8e7d6c`;

/** Every process's argv, by pid, read from /proc (NUL-separated arguments joined with spaces). */
function commandLines(): Map<number, string> {
  const out = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      out.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " "));
    } catch {
      // the process ended between listing and reading
    }
  }
  return out;
}

/** The bytes of the state database and its write-ahead log, as text to search. */
function databaseText(root: string): string {
  const dir = join(root, ".prj");
  return readdirSync(dir)
    .filter((name) => name.startsWith("prunejuice.db"))
    .map((name) => readFileSync(join(dir, name), "latin1"))
    .join("\n");
}

describe.skipIf(!existsSync("/proc/self/cmdline"))("a sensitive argument never appears in an argv", () => {
  test("{{api_token}} in a pane command and in a step: the values arrive, ps never shows them, logs and database mask them", async () => {
    const w = await newWorld();
    w.writeCommand(
      "secret",
      [
        "name: secret",
        "arguments: [{ name: api_token, required: true }]",
        "steps:",
        "  - name: look",
        "    run: |",
        "      ps -eww -o pid=,args= > ps-during-step.txt",
        "      printf '%s' {{api_token}} > step-token.txt",
        "      printf 'said %s\\n' {{api_token}}",
        "session:",
        "  windows:",
        "    - name: w",
        "      command: \"printf '%s' {{api_token}} > pane-token.txt\"",
        "",
      ].join("\n"),
    );
    const prj = w.spawnPrj(["run", "secret", `api_token=${TOKEN}`, "--no-attach", "--json"]);
    const [stdout, stderr, exitCode] = await Promise.all([new Response(prj.stdout).text(), new Response(prj.stderr).text(), prj.exited]);
    expectExit({ stdout, stderr, exitCode }, 0);
    const session = JSON.parse(stdout).session.name as string;

    // Delivered exactly, to the step and to the pane, and never run.
    expect(readFileSync(join(w.root, "step-token.txt"), "utf8")).toBe(TOKEN);
    await waitFor(() => existsSync(join(w.root, "pane-token.txt")) && readFileSync(join(w.root, "pane-token.txt"), "utf8") === TOKEN, {
      what: "the pane to write the token",
    });
    expect(existsSync(join(w.root, "pwned"))).toBe(false);

    // While the step ran, only prj's own command line (where the user typed it) held the token.
    const during = readFileSync(join(w.root, "ps-during-step.txt"), "utf8").split("\n").filter((line) => line.includes("tok-SECRET"));
    expect(during.map((line) => Number(line.trim().split(/\s+/)[0]))).toEqual([prj.pid]);
    // With the session alive and prj gone, no process shows it.
    expect((await w.panes(session)).length).toBe(1);
    const showing = [...commandLines()].filter(([, line]) => line.includes("tok-SECRET"));
    expect(showing).toEqual([]);

    // The step's output is masked in the terminal and in its log; the database holds no trace.
    expect(stderr).toContain("said ***");
    expect(stderr).not.toContain("tok-SECRET");
    const logs = Object.values(w.artifacts(w.lastRun().id)).join("\n");
    expect(logs).toContain("said ***");
    expect(logs).not.toContain("tok-SECRET");
    expect(databaseText(w.root)).not.toContain("tok-SECRET");
  });
});

describe("secrets inside other values, and inherited ones", () => {
  test("a secret templated into an environment value, a directory, a window name and a command is *** in the dry run", async () => {
    const w = await newWorld();
    w.writeCommand(
      "db",
      [
        "name: db",
        "arguments: [{ name: db_password, required: true }]",
        "environment:",
        '  DATABASE_URL: "postgres://app:{{db_password}}@db/app"',
        "session:",
        '  working_directory: "/srv/{{db_password}}"',
        "  windows:",
        '    - name: "w-{{db_password}}"',
        '      command: "psql {{db_password}}"',
        "steps:",
        "  - run: echo {{db_password}}",
        '    working_directory: "sub-{{db_password}}"',
        "",
      ].join("\n"),
    );
    const password = "hunter2-Pa55word";
    const json = expectExit(await w.prj(["run", "db", `db_password=${password}`, "--dry-run", "--json"]), 0).stdout;
    const text = expectExit(await w.prj(["run", "db", `db_password=${password}`, "--dry-run"]), 0).stdout;
    for (const output of [json, text]) expect(output).not.toContain(password);
    const plan = JSON.parse(json);
    expect(plan.environment.DATABASE_URL).toBe("postgres://app:***@db/app");
    expect(plan.session.working_directory).toBe("/srv/***");
    expect(plan.session.windows[0].name).toBe("w-***");
    expect(plan.session.windows[0].panes[0].shell_values).toEqual({ PRJ_V_db_password: "***" });
    expect(plan.steps.main[0]).toMatchObject({ run: 'echo "$PRJ_V_db_password"', working_directory: "sub-***" });
  });

  test("a sensitive variable inherited from the user's environment is masked in step output and logs, even split across writes", async () => {
    const w = await newWorld();
    w.writeCommand(
      "inherit",
      [
        "name: inherit",
        "steps:",
        "  - name: show",
        "    run: |",
        "      printf 'whole %s\\n' \"$MY_SERVICE_TOKEN\"",
        "      printf 'split %s' \"$(printf %s \"$MY_SERVICE_TOKEN\" | cut -c1-7)\"",
        "      sleep 0.1",
        "      printf '%s\\n' \"$(printf %s \"$MY_SERVICE_TOKEN\" | cut -c8-)\"",
        "      printf 'flag %s\\n' \"$HAS_TOKEN\"",
        "",
      ].join("\n"),
    );
    const result = expectExit(
      await w.prj(["run", "inherit"], { env: { MY_SERVICE_TOKEN: "inherited-0123456789", HAS_TOKEN: "true" } }),
      0,
    );
    const logs = Object.values(w.artifacts(w.lastRun().id)).join("\n");
    for (const output of [result.stderr, logs]) {
      expect(output).toContain("whole ***");
      expect(output).toContain("split ***");
      expect(output).not.toContain("inherited-0123456789");
      // A short value is a flag, not a credential: it stays readable.
      expect(output).toContain("flag true");
    }
  });
});
