import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findEndTime, parseEndRecords } from "../../src/sessions/ends.ts";
import { configureLogging } from "../../src/ui/log.ts";
import { resetSessionLogWarning, sessionLog, sessionLogFile } from "../../src/ui/session-log.ts";
import { run, tempDir } from "../helpers/world.ts";

const savedDataHome = process.env.XDG_DATA_HOME;
beforeEach(() => {
  process.env.XDG_DATA_HOME = tempDir("data-");
  resetSessionLogWarning();
});
afterEach(() => {
  process.env.XDG_DATA_HOME = savedDataHome;
  delete process.env.PRJ_LOG_LEVEL;
  configureLogging();
});

describe("sessions.log", () => {
  test("one line per entry: ISO time, kind, key=value; private file and directory", () => {
    sessionLog("created", { session: "app-main-dev", project: "/p q", task: "dev", tmux_id: "$3", empty: "", none: undefined }, { now: new Date("2026-11-23T18:45:00.123Z") });
    sessionLog("error", { error: 'step "x" failed\nbadly' });
    const file = sessionLogFile();
    expect(file).toBe(join(process.env.XDG_DATA_HOME!, "prunejuice", "logs", "sessions.log"));
    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines[0]).toBe('2026-11-23T18:45:00.123Z created session=app-main-dev project="/p q" task=dev tmux_id=$3');
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z error error="step \\"x\\" failed\\nbadly"$/);
    expect(lines).toHaveLength(3);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, "..")).mode & 0o777).toBe(0o700);
  });

  test("rotates past the size limit, keeping one .1", () => {
    const file = sessionLogFile();
    for (let index = 0; index < 30; index++) sessionLog("ended", { session: `s${index}`, pad: "x".repeat(40) }, { maxBytes: 500 });
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(`${file}.2`)).toBe(false);
    expect(statSync(file).size).toBeLessThan(600);
    expect(readFileSync(file, "utf8")).toContain("session=s29 ");
  });

  test("an unwritable log directory warns once and does not throw", async () => {
    const blocker = join(tempDir("blocked-"), "not-a-dir");
    writeFileSync(blocker, "");
    // Log lines go straight to fd 2, so the warning is read from a child's stderr.
    const script = `
      const { sessionLog } = await import(${JSON.stringify(join(import.meta.dir, "../../src/ui/session-log.ts"))});
      sessionLog("created", { session: "a" });
      sessionLog("killed", { session: "a" });
      sessionLog("error", { error: "x" });
    `;
    // mkdir under a regular file fails even for root.
    const result = await run([process.execPath, "-e", script], { env: { XDG_DATA_HOME: blocker } });
    expect(result.exitCode).toBe(0);
    const warnings = result.stderr.split("\n").filter((line) => line.includes("session log"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toStartWith("[warn] cannot write the session log");
  });
});

describe("PRJ_LOG_LEVEL", () => {
  test.each(["DEBUG", "debug", "Debug", "TRACE"])("%s enables debug", (level) => {
    process.env.PRJ_LOG_LEVEL = level;
    const { logs } = require("../../src/ui/log.ts") as typeof import("../../src/ui/log.ts");
    configureLogging();
    expect(logs("debug")).toBe(true);
  });
  test.each(["ERROR", "warn", "Info"])("%s hides debug", (level) => {
    process.env.PRJ_LOG_LEVEL = level;
    const { logs } = require("../../src/ui/log.ts") as typeof import("../../src/ui/log.ts");
    configureLogging();
    expect(logs("debug")).toBe(false);
    expect(logs("error")).toBe(true);
  });
});

describe("session end records", () => {
  const sock = "/tmp/tmux-0/work";
  const text = [
    `closed\t${sock}\t$1\t1000`,
    `closed\t${sock}\t$2\t1010`,
    "garbage line",
    `server\t${sock}\t4242\t1020`,
    `closed\t/tmp/tmux-0/other\t$3\t1005`,
    `closed\t${sock}\t$3\t9`, // an older server's $3
    `closed\t${sock}\t$1\tnot-a-number`,
  ].join("\n");
  const records = parseEndRecords(text);

  test("malformed lines are skipped", () => expect(records).toHaveLength(5));

  test("a closed record for the session wins; otherwise its server's exit; never one from before it began", () => {
    const created = new Date(500_000).toISOString();
    expect(findEndTime(records, { socketPath: sock, tmuxId: "$1", createdAt: created })).toEqual({ at: new Date(1_000_000), source: "tmux-hook" });
    expect(findEndTime(records, { socketPath: sock, tmuxId: "$3", createdAt: created })).toEqual({ at: new Date(1_020_000), source: "server-exit" });
    expect(findEndTime(records, { socketPath: sock, tmuxId: "$2", createdAt: new Date(1_015_000).toISOString() })).toEqual({ at: new Date(1_020_000), source: "server-exit" });
    expect(findEndTime(records, { socketPath: sock, tmuxId: "$1", createdAt: new Date(1_000_700).toISOString() })?.source).toBe("tmux-hook");
    expect(findEndTime(records, { socketPath: "/elsewhere", tmuxId: "$1", createdAt: created })).toBeUndefined();
    expect(findEndTime(records, { socketPath: sock, tmuxId: "$9", createdAt: new Date(2_000_000).toISOString() })).toBeUndefined();
  });

  test("read for one session, only its closed records and server exits are parsed, with the same answers", () => {
    const forOne = parseEndRecords(text, { tmuxId: "$1" });
    expect(forOne.map((record) => `${record.kind} ${record.id}`)).toEqual(["closed $1", "server 4242"]);
    expect(parseEndRecords(text, { tmuxId: null }).map((record) => record.kind)).toEqual(["server"]);
    for (const tmuxId of ["$1", "$2", "$3", "$9"]) {
      const session = { socketPath: sock, tmuxId, createdAt: new Date(500_000).toISOString() };
      expect(findEndTime(parseEndRecords(text, { tmuxId }), session)).toEqual(findEndTime(records, session));
    }
  });
});
