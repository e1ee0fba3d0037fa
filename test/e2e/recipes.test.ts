// Every recipe in docs/recipes.md and docs/workflows.md, run as written: the
// YAML blocks are taken from the pages themselves, so the docs cannot drift
// from what prj does. The project around them has what the recipes assume
// (an origin with a pull request, a develop branch, web/ and api/, a
// .env.local, the custom steps named), and stand-ins for npm, docker, go and
// psql that write down how they were called.
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { git, tempDir, waitFor } from "../helpers/world.ts";
import { expectExit, jsonOf, repoRoot, type World, worlds } from "./support.ts";

const newWorld = worlds();

interface Recipe {
  doc: string;
  /** The `##` section it is under. */
  section: string;
  /** The file its first-line comment names (`# .prj/commands/x.yaml`), if any. */
  file: string | undefined;
  yaml: string;
}

/** The YAML blocks of a page, in order, with the file each says it is. */
export function yamlBlocks(doc: string): Recipe[] {
  const text = readFileSync(join(repoRoot, doc), "utf8");
  const out: Recipe[] = [];
  let section = "";
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.startsWith("## ")) section = line.slice(3).trim();
    const fence = /^(\s*)```yaml\s*$/.exec(line);
    if (!fence) continue;
    const indent = fence[1]!.length;
    const body: string[] = [];
    for (index += 1; index < lines.length && !/^\s*```\s*$/.test(lines[index]!); index++) body.push(lines[index]!.slice(indent));
    const file = /^#\s+(\S+\.ya?ml)\b/.exec(body[0] ?? "")?.[1];
    out.push({ doc, section, file, yaml: `${body.join("\n")}\n` });
  }
  return out;
}

/** Sample values for a recipe's required arguments. */
const SAMPLE_ARGUMENTS: Record<string, string> = { branch: "feature/auth", pr: "456", db_password: "s3cret-Pa55word" };

const STUBS = ["npm", "docker", "go", "psql"];

/**
 * The project the recipes assume, named myapp as in the pages, with an origin
 * that holds pull request 456, and stand-in programs in `bin/` of a temp dir.
 */
async function recipeProject(): Promise<{ world: World; env: Record<string, string>; calls: () => string[]; prCommit: string }> {
  const world = await newWorld("myapp");
  world.writeFile(".gitignore", ".prj/\n.env.local\nlog/\nconfig/local.yaml\n");
  world.writeFile("web/index.js", "// the frontend\n");
  world.writeFile("api/server.js", "// the API\n");
  world.writeFile("package.json", "{}\n");
  await world.git("add", ".gitignore", "web", "api", "package.json");
  await world.git("commit", "-q", "-m", "the app");
  world.writeFile(".env.local", "API_TOKEN=local-only\n");
  world.writeFile("config/local.yaml", "debug: true\n");
  world.writeFile("log/development.log", "started\n");
  await world.git("branch", "develop");
  // The custom steps workflows.md names.
  world.writeStep("install-deps.sh", 'echo "installing in $PWD"\n', false);
  world.writeStep("stop-services.sh", 'echo "stopping $PRJ_SESSION_NAME"\n', false);
  // An origin serving pull request 456, as GitHub does.
  const remote = join(tempDir("origin-"), "origin.git");
  await git(world.root, "init", "-q", "--bare", remote);
  await world.git("remote", "add", "origin", remote);
  await world.git("push", "-q", "origin", "main");
  await world.git("switch", "-q", "-c", "contributor");
  world.writeFile("pr.txt", "the change under review\n");
  await world.git("add", "pr.txt");
  await world.git("commit", "-q", "-m", "the PR");
  const prCommit = await world.git("rev-parse", "HEAD");
  await world.git("push", "-q", "origin", "HEAD:refs/pull/456/head");
  await world.git("switch", "-q", "main");
  await world.git("branch", "-q", "-D", "contributor");

  const bin = tempDir("bin-");
  const log = join(tempDir("calls-"), "calls.log");
  for (const name of STUBS) {
    writeFileSync(join(bin, name), `#!/bin/sh\nprintf '%s\\n' "${name} $* (in $PWD)" >> ${JSON.stringify(log)}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const configHome = tempDir("config-");
  const env = { PATH: `${bin}:${process.env.PATH}`, XDG_CONFIG_HOME: configHome, EDITOR: "true" };
  const calls = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
  return { world, env, calls, prCommit };
}

interface Ran {
  name: string;
  config: Record<string, any>;
  args: string[];
  dry: string;
  session: string | null;
}

/**
 * Puts a recipe where it says it goes and runs it: a command dry and for real
 * (its session must then be live), a config checked by loading it.
 */
async function apply(recipe: Recipe, world: World, env: Record<string, string>, index: number): Promise<Ran | undefined> {
  const parsed = parse(recipe.yaml) as Record<string, any>;
  if (recipe.file === "~/.config/prunejuice/config.yaml") {
    mkdirSync(join(env.XDG_CONFIG_HOME!, "prunejuice"), { recursive: true });
    writeFileSync(join(env.XDG_CONFIG_HOME!, "prunejuice", "config.yaml"), recipe.yaml);
  } else if (recipe.file === ".prj/configs/project.yaml") {
    world.writeProjectConfig(recipe.yaml);
  }
  if (!parsed.name && recipe.file?.includes("config")) {
    const doctor = jsonOf(await world.prj(["doctor", "--json"], { env }));
    expect({ recipe: recipe.yaml, config: doctor.checks.find((check: { id: string }) => check.id === "config").status }).toEqual({ recipe: recipe.yaml, config: "ok" });
    return undefined;
  }
  // A part of a command (no name): it goes into a command of its own.
  const yaml = parsed.name ? recipe.yaml : `name: snippet-${index}\n${recipe.yaml}`;
  const name = parsed.name ?? `snippet-${index}`;
  world.writeCommand(name, yaml);
  const config = parse(yaml) as Record<string, any>;
  const args = ((config.arguments ?? []) as { name: string; required?: boolean }[])
    .filter((argument) => argument.required)
    .map((argument) => `${argument.name}=${SAMPLE_ARGUMENTS[argument.name] ?? "x"}`);
  const dry = expectExit(await world.prj(["run", name, ...args, "--dry-run"], { env }), 0).stdout;
  const report = jsonOf(expectExit(await world.prj(["run", name, ...args, "--no-attach", "--json"], { env }), 0));
  expect(report.status).toBe("succeeded");
  if (config.session) expect(await world.sessions()).toContain(report.session.name);
  return { name, config, args, dry, session: report.session?.name ?? null };
}

describe.each(["docs/recipes.md", "docs/workflows.md"])("%s", (doc) => {
  test("every YAML block is a recipe that runs as written", async () => {
    const recipes = yamlBlocks(doc);
    expect(recipes.length).toBeGreaterThan(5);
    const { world, env, calls, prCommit } = await recipeProject();
    const ran = new Map<string, Ran>();
    for (const [index, recipe] of recipes.entries()) {
      const result = await apply(recipe, world, env, index);
      if (result) ran.set(result.name, result);
    }

    // What the pages promise of particular recipes.
    const feature = ran.get("feature-branch");
    expect(feature).toBeDefined();
    expect(await world.worktrees()).toContain(world.worktreePath("feature-auth"));
    if (doc === "docs/recipes.md") {
      // The dev server starts after its dependencies are installed, in the worktree.
      const inWorktree = `(in ${world.worktreePath("feature-auth")})`;
      const serverStarted = await waitFor(() => calls().findIndex((call) => call === `npm run dev ${inWorktree}`) + 1, { what: "the dev server window" });
      expect(calls().indexOf(`npm ci ${inWorktree}`)).toBeGreaterThanOrEqual(0);
      expect(calls().indexOf(`npm ci ${inWorktree}`)).toBeLessThan(serverStarted - 1);
      expect(readFileSync(join(world.worktreePath("feature-auth"), ".env.local"), "utf8")).toBe("API_TOKEN=local-only\n");

      // The review branch is the pull request's head, made from origin/pr/456.
      expect(await world.git("rev-parse", "review-pr456")).toBe(prCommit);
      expect(ran.get("review-pr")!.dry).toContain("branch: review-pr456 (new, from origin/pr/456");

      // The secret never shows; the database step stops the database when its session is killed.
      const api = ran.get("start-api")!;
      expect(api.dry).toContain("DATABASE_URL=***");
      expect(api.dry).not.toContain(SAMPLE_ARGUMENTS.db_password);
      expectExit(await world.prj(["kill-session", "myapp-main-database"], { env }), 0);
      expect(calls()).toContain(`docker compose stop db (in ${world.root})`);
      for (const task of ["frontend", "backend"]) expect(ran.get(`start-${task}`)!.session).toBe(`myapp-main-${task}`);
    } else {
      // The base and the extra file of the feature-branch recipe.
      expect(readFileSync(join(world.worktreePath("feature-auth"), "config/local.yaml"), "utf8")).toBe("debug: true\n");
      expect(await world.git("merge-base", "feature/auth", "develop")).toBe(await world.git("rev-parse", "develop"));
      const full = ran.get("feature-full")!;
      expect(full.dry).toContain("install-deps");
      for (const task of ["frontend", "backend", "database"]) expect(ran.get(`start-${task}`)!.session).toBe(`myapp-main-${task}`);
    }
  }, 120_000);
});
