// End-to-end workflows of `prj run` on real git repositories and private tmux
// servers: the default commands, step order and hooks, side-by-side sessions,
// and what happens on failure, timeout and Ctrl-C (rollback of exactly what
// the run created).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { git, tempDir, waitFor } from "../helpers/world.ts";
import { alive, expectExit, perTest, readPid, World } from "./support.ts";

const newProject = perTest((name: string = "proj") => World.create(name, { ignorePrj: true }));

/** A step that records where it ran and what existed at that moment. */
const RECORD = `#!/bin/sh
wt=no; [ -d "$PRJ_WORKTREE_PATH" ] && wt=yes
ss=no; tmux -L "$PRJ_TMUX_SOCKET" has-session -t "=$PRJ_SESSION_NAME" 2>/dev/null && ss=yes
echo "$1 worktree=$wt session=$ss cwd=$(pwd)" >> "$PRJ_ARG_TRACE"
echo "recorded $1"
`;
const record = (name: string) => `{ name: ${name}, run: 'sh "$PRJ_PROJECT_PATH/.prj/steps/record.sh" ${name}' }`;

function traceLines(trace: string): string[] {
  return existsSync(trace) ? readFileSync(trace, "utf8").trim().split("\n") : [];
}

describe("default commands on a real repository", () => {
  test("start-dev, feature-branch and review-pr make their sessions and worktrees", async () => {
    const p = await newProject("shop");
    // A bare remote holding a pull request ref, as GitHub serves them.
    const remote = join(tempDir("remote-"), "origin.git");
    await git(p.root, "init", "-q", "--bare", remote);
    await p.git("remote", "add", "origin", remote);
    await p.git("push", "-q", "origin", "main");
    await p.git("switch", "-q", "-c", "contributor");
    writeFileSync(join(p.root, "pr.txt"), "change under review\n");
    await p.git("add", "pr.txt");
    await p.git("commit", "-q", "-m", "the PR");
    const prCommit = await p.git("rev-parse", "HEAD");
    await p.git("push", "-q", "origin", "HEAD:refs/pull/456/head");
    await p.git("switch", "-q", "main");
    await p.git("branch", "-q", "-D", "contributor");

    const dev = JSON.parse(expectExit(await p.prj(["run", "start-dev", "--json"]), 0).stdout);
    expect(dev).toMatchObject({ status: "succeeded", session: { name: "shop-main-dev", created: true }, worktree: null });

    const feature = JSON.parse(expectExit(await p.prj(["run", "feature-branch", "branch=user-auth", "--json"]), 0).stdout);
    const featurePath = p.worktreePath("user-auth");
    expect(feature).toMatchObject({
      status: "succeeded",
      session: { name: "shop-user-auth-dev", created: true },
      worktree: { path: featurePath, created: true },
    });
    expect(await p.worktrees()).toContain(featurePath);
    expect(await p.git("-C", featurePath, "rev-parse", "--abbrev-ref", "HEAD")).toBe("user-auth");
    // The session lives in the worktree, which was made before it.
    expect((await p.tmux.ok("display-message", "-p", "-t", "=shop-user-auth-dev:", "#{session_path}")).trim()).toBe(featurePath);

    const review = JSON.parse(expectExit(await p.prj(["run", "review-pr", "pr=456", "--json"]), 0).stdout);
    const reviewPath = p.worktreePath("review-pr456");
    expect(review).toMatchObject({
      status: "succeeded",
      session: { name: "shop-review-pr456-review", created: true },
      worktree: { path: reviewPath, created: true },
    });
    expect(await p.git("rev-parse", "review-pr456")).toBe(prCommit);
    expect(readFileSync(join(reviewPath, "pr.txt"), "utf8")).toBe("change under review\n");

    // Linked in the database: sessions carry their worktree, worktrees their port.
    const rows = p.query<{ name: string; worktree_path: string }>(
      "SELECT name, worktree_path FROM sessions WHERE ended_at IS NULL ORDER BY name",
    );
    expect(rows).toEqual([
      { name: "shop-main-dev", worktree_path: p.root },
      { name: "shop-review-pr456-review", worktree_path: reviewPath },
      { name: "shop-user-auth-dev", worktree_path: featurePath },
    ]);
    const ports = Object.fromEntries(
      p.query<{ path: string; port: number }>("SELECT path, port FROM worktrees WHERE removed_at IS NULL").map((row) => [row.path, row.port]),
    );
    expect(new Set(Object.values(ports)).size).toBe(3);
    expect(await p.sessionEnv("shop-user-auth-dev", "PRJ_PORT")).toBe(String(ports[featurePath]));
    expect(await p.sessionEnv("shop-main-dev", "PRJ_PORT")).toBe(String(ports[p.root]));

    // Again: everything is reused, and the port block is the same.
    const again = JSON.parse(expectExit(await p.prj(["run", "feature-branch", "branch=user-auth", "--json"]), 0).stdout);
    expect(again).toMatchObject({ session: { created: false }, worktree: { path: featurePath, created: false } });
    // The branch was made from the fetched head, and tracks nothing (origin has no branch pr/456 to pull).
    expect(await p.git("config", "--default", "none", "branch.review-pr456.merge")).toBe("none");
    // The author pushes again: a second run refreshes origin/pr/456, leaves the branch, and says it is behind.
    await p.git("switch", "-q", "-c", "contributor", prCommit);
    await p.git("commit", "-q", "--allow-empty", "-m", "review feedback");
    await p.git("push", "-q", "origin", "HEAD:refs/pull/456/head");
    await p.git("switch", "-q", "main");
    await p.git("branch", "-q", "-D", "contributor");
    const reviewAgain = expectExit(await p.prj(["run", "review-pr", "pr=456", "--json"]), 0);
    expect(JSON.parse(reviewAgain.stdout)).toMatchObject({ session: { created: false }, worktree: { created: false } });
    expect(await p.git("rev-parse", "review-pr456")).toBe(prCommit);
    expect(reviewAgain.stderr).toContain(
      `branch review-pr456 is 1 commit behind origin/pr/456; to take it: git -C ${reviewPath} merge --ff-only origin/pr/456`,
    );
    expect(p.query<{ port: number }>("SELECT port FROM worktrees WHERE path = ?", featurePath)[0]?.port).toBe(ports[featurePath]!);

    const listed = JSON.parse(expectExit(await p.prj(["list-sessions", "--json"]), 0).stdout) as { name: string }[];
    expect(listed.map((session) => session.name).sort()).toEqual(["shop-main-dev", "shop-review-pr456-review", "shop-user-auth-dev"]);
  });

  test("several sessions of one project side by side, one per command and task", async () => {
    const p = await newProject("app");
    for (const part of ["frontend", "backend", "database"]) {
      p.writeCommand(
        `start-${part}`,
        `name: start-${part}\nsession:\n  task: ${part}\n  windows:\n    - { name: ${part}, command: "echo ${part}" }\n`,
      );
    }
    // Same name and identity as start-dev: reused, with a warning that says how to separate them.
    p.writeCommand("start-shell", 'name: start-shell\nsession:\n  name_template: "{{project}}-{{worktree}}-dev"\n');
    for (const name of ["start-dev", "start-frontend", "start-backend", "start-database"]) {
      expectExit(await p.prj(["run", name]), 0);
    }
    const shared = expectExit(await p.prj(["run", "start-shell", "--json"]), 0);
    expect(JSON.parse(shared.stdout).session).toEqual({ name: "app-main-dev", created: false });
    expect(shared.stderr).toContain("own session.task");

    const listed = JSON.parse(expectExit(await p.prj(["list-sessions", "--json"]), 0).stdout) as { name: string; command: string; task: string }[];
    expect(listed.map(({ name, command, task }) => ({ name, command, task })).sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: "app-main-backend", command: "start-backend", task: "backend" },
      { name: "app-main-database", command: "start-database", task: "database" },
      { name: "app-main-dev", command: "start-dev", task: "dev" },
      { name: "app-main-frontend", command: "start-frontend", task: "frontend" },
    ]);
    const text = expectExit(await p.prj(["list-sessions"]), 0).stdout;
    for (const name of ["app-main-backend", "app-main-database", "app-main-dev", "app-main-frontend"]) expect(text).toContain(name);
  });
});

describe("steps and hooks", () => {
  test("run in SPEC order, with PRJ_* and PRJ_ARG_*, streamed with a prefix and saved per step", async () => {
    const p = await newProject();
    const trace = join(tempDir("trace-"), "trace");
    p.writeStep("record.sh", RECORD, false);
    p.writeStep(
      "check-env",
      '#!/bin/sh\necho "env $PRJ_PROJECT $PRJ_BRANCH $PRJ_ARG_BRANCH $PRJ_COMMAND $PRJ_TASK $PRJ_SESSION_NAME $PRJ_PORT $PRJ_EVENT_ID" >> "$PRJ_ARG_TRACE"\n',
    );
    p.writeStep("hello.sh", 'echo "hello.sh ran" >> "$PRJ_ARG_TRACE"\necho to-stderr >&2\n', false);
    p.writeCommand(
      "ordered",
      `name: ordered
arguments: [{ name: branch, required: true }, { name: trace, required: true }]
worktree: { branch: "{{branch}}" }
session:
  task: work
  pre_create_steps: [${record("pre-create")}]
  post_create_steps: [${record("post-create")}]
pre_steps: [${record("pre")}]
steps: [${record("main")}, check-env, hello]
post_steps: [${record("post")}]
`,
    );
    const result = expectExit(await p.prj(["run", "ordered", "branch=Feature/X", `trace=${trace}`, "--json"]), 0);
    const eventId = JSON.parse(result.stdout).event_id as number;
    const wt = p.worktreePath("feature-x");
    expect(traceLines(trace)).toEqual([
      `pre worktree=no session=no cwd=${p.root}`,
      `pre-create worktree=yes session=no cwd=${wt}`,
      `post-create worktree=yes session=yes cwd=${wt}`,
      `main worktree=yes session=yes cwd=${wt}`,
      expect.stringMatching(new RegExp(`^env proj Feature/X Feature/X ordered work proj-feature-x-work 30[0-9]0 ${eventId}$`)),
      "hello.sh ran",
      `post worktree=yes session=yes cwd=${wt}`,
    ]);
    expect(result.stderr).toContain("[pre] recorded pre");
    expect(result.stderr).toContain("[hello] to-stderr");
    const logs = p.artifacts(eventId);
    expect(Object.keys(logs)).toEqual(["01-pre.log", "02-pre-create.log", "03-post-create.log", "04-main.log", "05-check-env.log", "06-hello.log", "07-post.log"]);
    expect(logs["01-pre.log"]).toBe("recorded pre\n");
    expect(logs["06-hello.log"]).toBe("to-stderr\n");
  });

  test("create-worktree and start-session listed as steps run there, once", async () => {
    const p = await newProject();
    const trace = join(tempDir("trace-"), "trace");
    p.writeStep("record.sh", RECORD, false);
    p.writeCommand(
      "explicit",
      `name: explicit
arguments: [{ name: branch, required: true }, { name: trace, required: true }]
worktree: { branch: "{{branch}}" }
session: { task: explicit }
pre_steps: [${record("a")}]
steps: [${record("b")}, create-worktree, ${record("c")}, start-session, ${record("d")}]
`,
    );
    const result = expectExit(await p.prj(["run", "explicit", "branch=late", `trace=${trace}`, "--json"]), 0);
    expect(traceLines(trace).map((line) => line.replace(/ cwd=.*/, ""))).toEqual([
      "a worktree=no session=no",
      "b worktree=no session=no",
      "c worktree=yes session=no",
      "d worktree=yes session=yes",
    ]);
    expect(await p.sessions()).toEqual(["proj-late-explicit"]);
    expect(p.events("session.created").length).toBe(1);
    expect(p.events("worktree.created").length).toBe(1);
    expect(JSON.parse(result.stdout).worktree).toEqual({ path: p.worktreePath("late"), created: true });
  });

  test("the dry run lists explicit built-ins at their place only", async () => {
    const p = await newProject();
    p.writeCommand(
      "explicit",
      'name: explicit\narguments: [{ name: branch, required: true }]\nworktree: { branch: "{{branch}}" }\nsession: {}\nsteps: [{ run: "true" }, create-worktree, start-session]\n',
    );
    const plan = expectExit(await p.prj(["run", "explicit", "branch=x", "--dry-run"]), 0).stdout;
    expect(plan.match(/create-worktree/g)).toHaveLength(1);
    expect(plan.match(/start-session/g)).toHaveLength(1);
  });
});

describe("failure, timeout and Ctrl-C roll back exactly what the run created", () => {
  const failing = (step: string, extra = "") => `name: risky
arguments: [{ name: branch, required: true }, { name: marker, required: true }]
worktree: { branch: "{{branch}}" }
session: { task: risky }
steps:
  - { name: before, run: "echo before" }
  - ${step}
cleanup_on_failure:
  - { name: undo, run: 'echo "undo for $PRJ_ARG_BRANCH" > "$PRJ_ARG_MARKER.undo"' }
${extra}`;

  async function expectRolledBack(p: World, branch: string): Promise<void> {
    expect(await p.sessions()).toEqual([]);
    expect(await p.worktrees()).toEqual([p.root]);
    expect(existsSync(p.worktreePath(branch))).toBe(false);
    expect(await p.branches()).toEqual(["main"]);
    expect(p.query<{ n: number }>("SELECT count(*) AS n FROM worktrees WHERE removed_at IS NULL AND path != ?", p.root)[0]!.n).toBe(0);
  }

  test("a step that exits non-zero: failed event with the error, clean-up, rollback, logs kept", async () => {
    const p = await newProject();
    const marker = join(tempDir("m-"), "m");
    p.writeCommand("risky", failing('{ name: breaks, run: "echo broken; exit 3" }'));
    const result = expectExit(await p.prj(["run", "risky", "branch=doomed", `marker=${marker}`]), 1);
    // The failure is said once, last, after the rollback's lines, with where the logs are as its hint.
    expect(result.stderr.match(/step breaks exited with status 3/g)).toHaveLength(1);
    expect(result.stderr.trimEnd().split("\n").slice(-2)).toEqual([
      "prj: run of risky failed: step breaks exited with status 3",
      `  hint: step logs: ${join(p.root, ".prj/artifacts", String(p.lastRun().id))}`,
    ]);
    const run = p.lastRun();
    expect(run).toMatchObject({ status: "failed", error: "step breaks exited with status 3" });
    expect(readFileSync(`${marker}.undo`, "utf8")).toBe("undo for doomed\n");
    await expectRolledBack(p, "doomed");
    expect(Object.keys(p.artifacts(run.id))).toEqual(["01-before.log", "02-breaks.log", "03-undo.log"]);
    expect(p.artifacts(run.id)["02-breaks.log"]).toBe("broken\n");
    expect(result.stderr).toContain(`step logs: ${join(p.root, ".prj/artifacts", String(run.id))}`);
    const cleanup = p.events("cleanup").at(-1)!;
    expect(JSON.parse(cleanup.metadata!)).toMatchObject({
      run_event_id: run.id,
      session_killed: "proj-doomed-risky",
      worktree_removed: p.worktreePath("doomed"),
      branch_deleted: "doomed",
    });
  });

  test("a run that fails before any step starts points at no step logs", async () => {
    const p = await newProject();
    p.writeCommand("nowhere", 'name: nowhere\nsteps:\n  - { name: lost, run: "echo hi", working_directory: does-not-exist }\n');
    const result = expectExit(await p.prj(["run", "nowhere"]), 1);
    expect(result.stderr).toContain(`its directory ${join(p.root, "does-not-exist")} does not exist`);
    expect(result.stderr).not.toContain("step logs:");
    expect(existsSync(join(p.root, ".prj/artifacts", String(p.lastRun().id)))).toBe(false);
  });

  test("a step that hangs past its timeout is stopped with everything it started", async () => {
    const p = await newProject();
    const marker = join(tempDir("m-"), "m");
    p.writeCommand(
      "risky",
      failing(`{ name: hangs, timeout: 1, run: 'sleep 300 & echo $! > "$PRJ_ARG_MARKER.child"; echo $$ > "$PRJ_ARG_MARKER"; wait' }`),
    );
    const started = Date.now();
    const result = expectExit(await p.prj(["run", "risky", "branch=slow", `marker=${marker}`]), 1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.stderr).toContain("step hangs timed out after 1s");
    expect(p.lastRun()).toMatchObject({ status: "failed", error: "step hangs timed out after 1s" });
    for (const pid of [readPid(marker)!, readPid(`${marker}.child`)!]) {
      await waitFor(() => !alive(pid), { what: `step process ${pid} to be gone`, timeoutMs: 5000 });
    }
    await expectRolledBack(p, "slow");
  });

  test("the run's own timeout stops the current step and fails the run", async () => {
    const p = await newProject();
    const marker = join(tempDir("m-"), "m");
    p.writeCommand("risky", failing('{ name: long, run: "sleep 300" }', "timeout: 1s\n"));
    const result = expectExit(await p.prj(["run", "risky", "branch=late", `marker=${marker}`]), 1);
    expect(result.stderr).toContain("timed out");
    expect(p.lastRun().status).toBe("failed");
    await expectRolledBack(p, "late");
  });

  test("timeouts far beyond setTimeout's range do not fire early", async () => {
    const p = await newProject();
    p.writeCommand(
      "patient",
      'name: patient\ntimeout: 999999d\nsession: { task: patient }\nsteps: [{ name: quick, run: "true", timeout: 86400000 }]\n',
    );
    expectExit(await p.prj(["run", "patient"]), 0);
    expect(p.lastRun().status).toBe("succeeded");
  });

  test("SIGINT during a step: cancelled, rolled back, no orphan session, worktree or process", async () => {
    const p = await newProject();
    const marker = join(tempDir("m-"), "m");
    p.writeCommand(
      "risky",
      failing(`{ name: waits, run: 'sleep 300 & echo $! > "$PRJ_ARG_MARKER.child"; echo $$ > "$PRJ_ARG_MARKER"; wait' }`),
    );
    const child = p.spawnPrj(["run", "risky", "branch=interrupted", `marker=${marker}`]);
    const stderr = new Response(child.stderr).text();
    const stepPid = await waitFor(() => readPid(marker), { what: "the step to start", timeoutMs: 15_000 });
    const childPid = readPid(`${marker}.child`)!;
    expect(await p.sessions()).toEqual(["proj-interrupted-risky"]);
    child.kill("SIGINT");
    // 130, as for any command Ctrl-C stops; the error is said once.
    expect(await child.exited).toBe(130);
    expect((await stderr).match(/step waits was cancelled/g)).toHaveLength(1);
    expect(await stderr).toContain("prj: run of risky cancelled: step waits was cancelled");
    expect(p.lastRun()).toMatchObject({ status: "cancelled", error: "step waits was cancelled" });
    expect(existsSync(`${marker}.undo`)).toBe(true);
    for (const pid of [stepPid, childPid]) {
      await waitFor(() => !alive(pid), { what: `step process ${pid} to be gone`, timeoutMs: 5000 });
    }
    await expectRolledBack(p, "interrupted");
  });

  test("a new worktree with changes is kept, and so is its branch", async () => {
    const p = await newProject();
    const marker = join(tempDir("m-"), "m");
    p.writeCommand("risky", failing(`{ name: edits, run: 'echo work > notes.txt; exit 1' }`));
    expectExit(await p.prj(["run", "risky", "branch=edited", `marker=${marker}`]), 1);
    expect(await p.sessions()).toEqual([]);
    expect(existsSync(join(p.worktreePath("edited"), "notes.txt"))).toBe(true);
    expect(await p.branches()).toContain("edited");
  });

  test("a branch a step of this run made is deleted; one that existed before is kept", async () => {
    const p = await newProject();
    p.writeCommand(
      "fetchy",
      `name: fetchy
arguments: [{ name: branch, required: true }]
pre_steps: [{ name: make-branch, run: "git show-ref --quiet refs/heads/{{branch}} || git branch {{branch}}" }]
worktree: { branch: "{{branch}}" }
session: { task: fetchy }
steps: [{ name: fails, run: "exit 1" }]
`,
    );
    expectExit(await p.prj(["run", "fetchy", "branch=from-step"]), 1);
    expect(await p.branches()).toEqual(["main"]);
    await p.git("branch", "existing");
    expectExit(await p.prj(["run", "fetchy", "branch=existing"]), 1);
    expect(await p.branches()).toEqual(["existing", "main"]);
    expect(await p.worktrees()).toEqual([p.root]);
  });

  test("review-pr of a pull request that does not exist fails and leaves nothing", async () => {
    const p = await newProject();
    const remote = join(tempDir("remote-"), "origin.git");
    await git(p.root, "init", "-q", "--bare", remote);
    await p.git("remote", "add", "origin", remote);
    const result = expectExit(await p.prj(["run", "review-pr", "pr=999"]), 1);
    expect(result.stderr).toContain("step fetch-pr exited");
    expect(p.lastRun().status).toBe("failed");
    expect(await p.branches()).toEqual(["main"]);
    expect(await p.worktrees()).toEqual([p.root]);
    expect(await p.sessions()).toEqual([]);
  });

  test("a reused worktree and a reused session survive a failed run", async () => {
    const p = await newProject();
    const elsewhere = join(realpathSync(tempDir("elsewhere-")), "feat");
    await p.git("worktree", "add", "-q", "-b", "feat", elsewhere);
    // The worktree elsewhere is reused, not duplicated at the default path.
    const ok = JSON.parse(expectExit(await p.prj(["run", "feature-branch", "branch=feat", "--json"]), 0).stdout);
    expect(ok).toMatchObject({ worktree: { path: elsewhere, created: false }, session: { name: "proj-feat-dev", created: true } });
    expect((await p.tmux.ok("display-message", "-p", "-t", "=proj-feat-dev:", "#{session_path}")).trim()).toBe(elsewhere);
    expect(existsSync(p.worktreePath("feat"))).toBe(false);

    p.writeCommand(
      "feat-fails",
      'name: feat-fails\nworktree: { branch: feat }\nsession: { name_template: "{{project}}-{{branch}}-dev" }\nsteps: [{ run: "exit 1" }]\n',
    );
    expectExit(await p.prj(["run", "feat-fails"]), 1);
    expect(await p.sessions()).toEqual(["proj-feat-dev"]);
    expect(await p.worktrees()).toContain(elsewhere);
    expect(await p.branches()).toContain("feat");
  });
});

describe("bad input is refused before anything changes", () => {
  async function expectNothingCreated(p: World): Promise<void> {
    expect(await p.sessions()).toEqual([]);
    expect(await p.worktrees()).toEqual([p.root]);
    expect(await p.branches()).toEqual(["main"]);
    expect(existsSync(join(p.root, "..", "worktrees"))).toBe(false);
    expect(p.events("run")).toEqual([]);
  }

  test.each(["has space", "a..b", "-rf", "x.lock"])("branch %j: exit 2 with a clear error", async (branch) => {
    const p = await newProject();
    const result = expectExit(await p.prj(["run", "feature-branch", `branch=${branch}`]), 2);
    expect(result.stderr).toContain(`invalid branch name ${JSON.stringify(branch)}`);
    await expectNothingCreated(p);
  });

  test("a base_branch that does not exist: exit 2, nothing created", async () => {
    const p = await newProject();
    p.writeCommand("from-nowhere", 'name: from-nowhere\nworktree: { branch: topic, base_branch: no-such-branch }\nsession: {}\n');
    const result = expectExit(await p.prj(["run", "from-nowhere"]), 2);
    expect(result.stderr).toContain('base branch "no-such-branch" does not exist');
    await expectNothingCreated(p);
  });

  test.each([
    ["../../bin/sh", "may contain only letters"],
    ["..", 'step name ".." is not allowed'],
  ])("step %j is refused", async (name, message) => {
    const p = await newProject();
    p.writeCommand("sneaky", `name: sneaky\nsession: {}\nsteps: [${JSON.stringify(name)}]\n`);
    const result = expectExit(await p.prj(["run", "sneaky"]), 2);
    expect(result.stderr).toContain(message);
    await expectNothingCreated(p);
  });

  test("a missing step is reported with the available ones", async () => {
    const p = await newProject();
    p.writeStep("lint", "#!/bin/sh\ntrue\n");
    p.writeCommand("typo", "name: typo\nsession: {}\nsteps: [lnit]\n");
    const result = expectExit(await p.prj(["run", "typo"]), 2);
    expect(result.stderr).toContain('unknown step "lnit"');
    expect(result.stderr).toContain("did you mean lint?");
    expect(result.stderr).toContain("create-worktree, lint, start-session");
    await expectNothingCreated(p);
  });

  test("an argument with $(…) stays data in inline steps, bare or in quotes", async () => {
    const p = await newProject();
    const target = join(tempDir("pwn-"), "created");
    p.writeCommand(
      "echoes",
      `name: echoes\narguments: [{ name: text, required: true }]\nsteps:\n  - { name: bare, run: "echo {{text}}" }\n  - { name: quoted, run: 'echo "{{text}}"' }\n  - { name: single, run: "echo '{{text}}'" }\n`,
    );
    const hostile = `$(touch ${target})`;
    const result = expectExit(await p.prj(["run", "echoes", `text=${hostile}`]), 0);
    expect(existsSync(target)).toBe(false);
    for (const step of ["bare", "quoted", "single"]) expect(result.stderr).toContain(`[${step}] ${hostile}`);
  });
});
