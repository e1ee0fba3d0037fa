// Every prj command the same in any locale: LANG=C, LC_ALL=C, no locale at all
// (cron, systemd units, bare containers) and a UTF-8 one, with a project whose
// path is not ASCII and windows named in several scripts. Without a UTF-8 locale
// a tmux client replaces tabs and non-ASCII bytes in what it prints with `_`;
// prj's clients must read state byte for byte all the same. A session prj did
// not make, named with tabs, newlines and non-ASCII, must never break a listing.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { run } from "../helpers/world.ts";
import { expectExit, jsonOf, worlds } from "./support.ts";

setDefaultTimeout(60_000);
const newWorld = worlds();

type Env = Record<string, string | undefined>;
const NO_LOCALE: Env = { LANG: undefined, LC_ALL: undefined, LC_CTYPE: undefined, LC_MESSAGES: undefined, LANGUAGE: undefined };

const LOCALES: [string, Env][] = [
  ["LANG=C", { ...NO_LOCALE, LANG: "C" }],
  ["LC_ALL=C", { ...NO_LOCALE, LANG: "C.UTF-8", LC_ALL: "C" }],
  ["no locale at all", NO_LOCALE],
  ["LANG=C.UTF-8", { ...NO_LOCALE, LANG: "C.UTF-8" }],
];

const WINDOWS = ["édition", "日本語 ✓", "back\\slash $HOME and ${x}", "tabs\tand\nnewlines are refused"];
const KEPT = WINDOWS.slice(0, 3);
const FOREIGN = "for\teign\nsessión";
const FOREIGN_SINCE_37 = "for eign $HOME sessión ✓";

describe.each(LOCALES)("in %s", (label, locale) => {
  const utf8 = label === "LANG=C.UTF-8";
  test("run, run again, list-sessions, session-info, status, freeze and kill-session read tmux byte for byte", async () => {
    const world = await newWorld("prøjekt-日本");
    world.writeCommand(
      "dev",
      [
        "name: dev",
        "session:",
        '  name_template: "dev"',
        "  windows:",
        `    - name: ${JSON.stringify(KEPT[0])}`,
        `    - name: ${JSON.stringify(KEPT[1])}`,
        '      panes: ["echo one", "echo two"]',
        `    - name: ${JSON.stringify(KEPT[2])}`,
        "",
      ].join("\n"),
    );
    const prj = (args: string[]) => world.prj(args, { env: locale });

    // A session prj did not make, named with a tab, a newline and non-ASCII, with odd window names.
    const created = await world.tmux.tmux("new-session", "-d", "-s", FOREIGN, "-c", world.root);
    // tmux 3.7 and later refuse control characters in names; the oddest name they take has the rest.
    if (created.exitCode !== 0) await world.tmux.ok("new-session", "-d", "-s", FOREIGN_SINCE_37, "-c", world.root);
    const foreignId = await world.tmuxOut("list-sessions", "-F", "#{session_id}");
    // Servers before 3.7 keep a tab in a window name as it is; later ones refuse it.
    await world.tmux.tmux("new-window", "-d", "-t", `${foreignId}:`, "-n", "w\tone");
    // Whatever this tmux keeps of that name (3.3 and later store it escaped) is what prj must list.
    const foreignName = await world.display(foreignId, "#{session_name}");

    // The premise: a tmux client in this locale, without -u, mangles what it prints.
    const premise = await run(["tmux", "-L", world.socket, "display-message", "-p", "-t", foreignId, "é\tx"], { env: locale });
    expect(premise.stdout).toBe(utf8 ? "é\tx\n" : "__x\n");

    const first = jsonOf(expectExit(await prj(["run", "dev", "--json"]), 0));
    expect(first).toMatchObject({ status: "succeeded", session: { name: "dev", created: true } });
    const id = await world.sessionId("dev");
    // The second run in the same locale finds its own session by its tags and reuses it.
    const second = jsonOf(expectExit(await prj(["run", "dev", "--json"]), 0));
    expect(second).toMatchObject({ status: "succeeded", session: { name: "dev", created: false } });
    expect(await world.sessionId("dev")).toBe(id);

    const listed = jsonOf(expectExit(await prj(["list-sessions", "--json"]), 0));
    expect(listed).toEqual([
      expect.objectContaining({ name: "dev", project: world.root, worktree: "main", task: "dev", working_directory: world.root, windows: 3, managed: true }),
    ]);
    const all = jsonOf<{ name: string; managed: boolean }[]>(expectExit(await prj(["list-sessions", "--all", "--json"]), 0));
    expect(all.map(({ name, managed }) => [name, managed]).sort()).toEqual([["dev", true], [foreignName, false]].sort());
    expectExit(await prj(["list-sessions", "--all"]), 0);

    const info = jsonOf(expectExit(await prj(["session-info", "dev", "--json"]), 0));
    expect(info).toMatchObject({ name: "dev", project: world.root, working_directory: world.root });
    expect(info.environment.PRJ_PROJECT_PATH).toBe(world.root);
    expect(info.windows.map((window: { name: string }) => window.name)).toEqual(KEPT);
    expect(info.windows.flatMap((window: { panes: { path: string }[] }) => window.panes.map((pane) => pane.path))).toEqual([world.root, world.root, world.root, world.root]);

    const status = jsonOf(expectExit(await prj(["status", "--json"]), 0));
    expect(status.project.path).toBe(world.root);
    expect(status.sessions.map((session: { name: string }) => session.name)).toEqual(["dev"]);

    expectExit(await prj(["freeze", "dev", "--name", "frozen"]), 0);
    const frozen = parse(readFileSync(join(world.root, ".prj", "commands", "frozen.yaml"), "utf8"));
    expect(frozen.session.windows.map((window: { name: string }) => window.name)).toEqual(KEPT);

    const killed = jsonOf(expectExit(await prj(["kill-session", "dev", "--json"]), 0));
    expect(killed).toMatchObject({ name: "dev", killed: true });
    const left = jsonOf<{ name: string }[]>(expectExit(await prj(["list-sessions", "--all", "--json"]), 0));
    expect(left.map(({ name }) => name)).toEqual([foreignName]);
    expect(await world.display(foreignId, "#{session_name}")).toBe(foreignName);
  });
});

test("a window name tmux cannot hold (a tab, a newline) is refused before anything runs, in any locale", async () => {
  const world = await newWorld();
  world.writeCommand("odd", ["name: odd", "session:", "  windows:", `    - name: ${JSON.stringify(WINDOWS[3])}`, ""].join("\n"));
  const result = await world.prj(["run", "odd"], { env: { ...NO_LOCALE, LANG: "C" } });
  expect(result.exitCode).toBe(2);
  expect(await world.sessions()).toEqual([]);
});
