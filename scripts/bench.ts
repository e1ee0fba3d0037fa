// The benchmark of SPEC §11; run it through scripts/bench, which installs the
// tools, builds dist/prj, points HOME/XDG_*/TMUX_TMPDIR at a temp dir and
// removes the private tmux server afterwards.
//
// Every row is a ratio of two hyperfine measurements taken in this one run, on
// this machine and this tmux server. Sessions are created by the timed command
// and killed by hyperfine's --prepare (not timed), the same way for every tool,
// so each timed run of prj creates a new session.
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";

function required(name: string): string {
  const value = process.env[name];
  if (value) return value;
  console.error("error: run ./scripts/bench, which sets up a private HOME and tmux server first");
  process.exit(2);
}
const root = required("BENCH_ROOT");
const work = required("BENCH_WORK");
const socket = required("BENCH_SOCKET");
const runs = Math.max(15, Number(process.env.BENCH_RUNS ?? 30) || 30);
const warmup = Math.max(3, Number(process.env.BENCH_WARMUP ?? 5) || 5);
const prj = join(root, "dist/prj");
const results = join(work, "results");
const bin = join(work, "bin");
for (const dir of [results, bin]) mkdirSync(dir, { recursive: true });

/** Session names the benchmarks create; --prepare kills any that are left. */
const SESSION4 = "bench4";
const SESSION20 = "bench20";
const ENV = { ...process.env, PRJ_TMUX_SOCKET: socket } as Record<string, string>;

// ---------------------------------------------------------------- helpers

function run(argv: string[], options: { cwd?: string; stdin?: string } = {}): string {
  const result = Bun.spawnSync(argv, {
    cwd: options.cwd,
    env: ENV,
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) {
    const shown = argv.join(" ");
    throw new Error(
      `${shown.length > 300 ? `${shown.slice(0, 300)}…` : shown} (in ${options.cwd ?? process.cwd()}) exited ${result.exitCode}:\n` +
        `${result.stderr.toString()}${result.stdout.toString()}`,
    );
  }
  return result.stdout.toString();
}

/** The first line a command prints, or "not found". */
function versionOf(argv: string[]): string {
  try {
    return run(argv).trim().split("\n")[0] ?? "";
  } catch {
    return "not found"; // a missing tool is reported in the table, not fatal here
  }
}

const tmux = (...args: string[]) => run(["tmux", "-L", socket, ...args]);

/** Runs many tmux commands with one client; they go on stdin because argv has a size limit. */
function tmuxBatch(commands: string[][]): void {
  run(["tmux", "-L", socket, "source-file", "-"], { stdin: `${commands.map(commandLine).join("\n")}\n` });
}

/** Quotes one word for hyperfine's command parser (POSIX shell word rules, no shell is started: -N). */
function quote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const commandLine = (argv: string[]) => argv.map(quote).join(" ");

function writeExecutable(path: string, text: string): string {
  writeFileSync(path, text, { mode: 0o755 });
  return path;
}

function makeRepo(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  run(["git", "init", "-q", dir]);
  run(["git", "-C", dir, "-c", "user.name=prj bench", "-c", "user.email=bench@example.invalid", "commit", "-q", "--allow-empty", "-m", "initial"]);
  run([prj, "init"], { cwd: dir });
  return dir;
}

interface Stat {
  command: string;
  median: number; // ms
  stddev: number; // ms
  runs: number;
}

/**
 * Runs hyperfine over `commands` (label → argv) in `cwd` and returns each
 * command's median and standard deviation in milliseconds.
 */
function hyperfine(
  group: string,
  commands: Record<string, string[]>,
  options: { cwd: string; prepare?: string[]; cleanup?: string[] },
): Record<string, Stat> {
  const json = join(results, `${group}.json`);
  const argv = ["hyperfine", "-N", "--warmup", String(warmup), "--runs", String(runs), "--export-json", json];
  if (options.prepare) argv.push("--prepare", commandLine(options.prepare));
  if (options.cleanup) argv.push("--cleanup", commandLine(options.cleanup));
  const labels = Object.keys(commands);
  for (const label of labels) argv.push("--command-name", label);
  for (const label of labels) argv.push(commandLine(commands[label]!));
  console.log(`\n==> hyperfine: ${group}`);
  const child = Bun.spawnSync(argv, { cwd: options.cwd, env: ENV, stdin: "ignore", stdout: "inherit", stderr: "inherit" });
  if (child.exitCode !== 0) throw new Error(`hyperfine (${group}) failed with exit ${child.exitCode}`);
  const parsed = JSON.parse(readFileSync(json, "utf8")) as {
    results: { command: string; median: number; stddev: number | null; times: number[] }[];
  };
  const out: Record<string, Stat> = {};
  parsed.results.forEach((result, index) => {
    out[labels[index]!] = {
      command: commandLine(commands[labels[index]!]!),
      median: result.median * 1000,
      stddev: (result.stddev ?? 0) * 1000,
      runs: result.times.length,
    };
  });
  return out;
}

// ---------------------------------------------------------------- the world

/** The 4-window shape: editor, server, tests (2 panes, main-vertical), shell. */
interface WindowShape {
  name: string;
  panes: number;
  layout?: string;
}
function shape(copies: number): WindowShape[] {
  const out: WindowShape[] = [];
  for (let copy = 1; copy <= copies; copy++) {
    const suffix = copies === 1 ? "" : `-${copy}`;
    out.push({ name: `editor${suffix}`, panes: 1 });
    out.push({ name: `server${suffix}`, panes: 1 });
    out.push({ name: `tests${suffix}`, panes: 2, layout: "main-vertical" });
    out.push({ name: `shell${suffix}`, panes: 1 });
  }
  return out;
}
const SHAPE4 = shape(1);
const SHAPE20 = shape(5);
/** The shell window gets no command, the others `echo ready` in every pane. */
const commandFor = (window: WindowShape) => (window.name.startsWith("shell") ? undefined : "echo ready");

function prjCommandYaml(name: string, windows: WindowShape[]): string {
  const lines = [`name: ${name}`, `description: benchmark shape, ${windows.length} windows`, "session:", `  name_template: "${name}"`, "  windows:"];
  for (const window of windows) {
    lines.push(`    - name: ${window.name}`);
    const command = commandFor(window);
    if (window.panes === 1) {
      if (command) lines.push(`      command: ${command}`);
      continue;
    }
    if (window.layout) lines.push(`      layout: ${window.layout}`);
    lines.push("      panes:");
    for (let pane = 0; pane < window.panes; pane++) lines.push(`        - ${command ?? "{}"}`);
  }
  return `${lines.join("\n")}\n`;
}

function tmuxinatorYaml(name: string, dir: string, windows: WindowShape[]): string {
  const lines = [`name: ${name}`, `root: ${dir}`, `socket_name: ${socket}`, "attach: false", "windows:"];
  for (const window of windows) {
    const command = commandFor(window);
    if (window.panes === 1) {
      lines.push(`  - ${window.name}:${command ? ` ${command}` : ""}`);
      continue;
    }
    lines.push(`  - ${window.name}:`);
    if (window.layout) lines.push(`      layout: ${window.layout}`);
    lines.push("      panes:");
    for (let pane = 0; pane < window.panes; pane++) lines.push(`        - ${command ?? ""}`);
  }
  return `${lines.join("\n")}\n`;
}

function tmuxpYaml(name: string, dir: string, windows: WindowShape[]): string {
  const lines = [`session_name: ${name}`, `start_directory: ${dir}`, "windows:"];
  for (const window of windows) {
    lines.push(`  - window_name: ${window.name}`);
    if (window.layout) lines.push(`    layout: ${window.layout}`);
    lines.push("    panes:");
    for (let pane = 0; pane < window.panes; pane++) lines.push(`      - ${commandFor(window) ?? "blank"}`);
  }
  return `${lines.join("\n")}\n`;
}

/** One tmux client that creates the whole session: the hand-written reference. */
function batchedTmuxArgv(name: string, dir: string, windows: WindowShape[]): string[] {
  const argv = ["tmux", "-L", socket];
  const target = `=${name}:`;
  const paneCommand = (window: WindowShape) => {
    const command = commandFor(window);
    return command ? [`${command}; exec "\${SHELL:-/bin/sh}"`] : [];
  };
  windows.forEach((window, index) => {
    if (index === 0) argv.push("new-session", "-d", "-s", name, "-n", window.name, "-c", dir, ...paneCommand(window));
    else argv.push(";", "new-window", "-d", "-t", target, "-n", window.name, "-c", dir, ...paneCommand(window));
    for (let pane = 1; pane < window.panes; pane++) argv.push(";", "split-window", "-t", `${target}{end}`, "-c", dir, ...paneCommand(window));
    if (window.layout) argv.push(";", "select-layout", "-t", `${target}{end}`, window.layout);
  });
  return argv;
}

/** Checks that a session has exactly the windows and panes of `windows`, then kills it. */
function checkShape(label: string, name: string, windows: WindowShape[]): void {
  const got = tmux("list-windows", "-t", `=${name}:`, "-F", "#{window_name} #{window_panes}").trim();
  const want = windows.map((window) => `${window.name} ${window.panes}`).join("\n");
  if (got !== want) throw new Error(`${label} made a different session than the others:\n${got}\nexpected:\n${want}`);
  tmux("kill-session", "-t", `=${name}`);
}

// One server for everything, started without any tmux config and kept alive by
// a session of its own, so no tool pays for starting it.
tmux("-f", "/dev/null", "new-session", "-d", "-s", "bench-keepalive");

const repo = makeRepo("benchproj");
writeFileSync(join(repo, ".prj/commands/bench4.yaml"), prjCommandYaml(SESSION4, SHAPE4));
writeFileSync(join(repo, ".prj/commands/bench20.yaml"), prjCommandYaml(SESSION20, SHAPE20));
const tmuxinatorDir = join(process.env.XDG_CONFIG_HOME!, "tmuxinator");
mkdirSync(tmuxinatorDir, { recursive: true });
writeFileSync(join(tmuxinatorDir, `${SESSION4}.yml`), tmuxinatorYaml(SESSION4, repo, SHAPE4));
const tmuxpFile = join(work, "tmuxp-bench4.yaml");
writeFileSync(tmuxpFile, tmuxpYaml(SESSION4, repo, SHAPE4));

const killSessions = writeExecutable(
  join(bin, "kill-bench-sessions"),
  `#!/bin/sh\n# hyperfine --prepare/--cleanup: remove the benchmark sessions if they exist.\n` +
    [SESSION4, SESSION20].map((name) => `tmux -L ${socket} kill-session -t '=${name}' 2>/dev/null`).join("\n") +
    "\nexit 0\n",
);

const create4: Record<string, string[]> = {
  "tmux (one batched call)": batchedTmuxArgv(SESSION4, repo, SHAPE4),
  "prj run bench4": [prj, "run", "bench4", "--no-attach"],
  "tmuxinator start": ["tmuxinator", "start", SESSION4, "--no-attach"],
  "tmuxp load -d": ["tmuxp", "load", "-L", socket, "-d", "-y", tmuxpFile],
};
// Same shape from every tool, checked before anything is timed.
for (const [label, argv] of Object.entries(create4)) {
  run(argv, { cwd: repo });
  checkShape(label, SESSION4, SHAPE4);
}
run(batchedTmuxArgv(SESSION20, repo, SHAPE20));
checkShape("tmux (one batched call), 20 windows", SESSION20, SHAPE20);
const report = JSON.parse(run([prj, "run", "bench20", "--no-attach", "--json"], { cwd: repo })) as { session?: { created?: boolean } };
if (!report.session?.created) throw new Error(`prj run bench20 did not create a session: ${JSON.stringify(report)}`);
checkShape("prj run bench20", SESSION20, SHAPE20);

// prj's own tmux batch for bench4 (from the dry-run plan), replayed by one tmux
// client: what tmux itself spends on the session prj creates.
const plan = JSON.parse(run([prj, "run", "bench4", "--dry-run", "--json"], { cwd: repo })) as { tmux_operations?: string[] };
const prjBatch = join(work, "prj-bench4.tmux");
const replay: Record<string, string[]> = {};
if (plan.tmux_operations?.length) {
  writeFileSync(prjBatch, `${plan.tmux_operations.join("\n")}\n`);
  replay["tmux source-file (prj's bench4 batch)"] = ["tmux", "-L", socket, "source-file", prjBatch];
  run(replay["tmux source-file (prj's bench4 batch)"]!);
  checkShape("prj's batch replayed", SESSION4, SHAPE4);
}

// The compiled hello-world, built by scripts/build.ts with prj's own flags.
const helloDir = join(work, "hello");
mkdirSync(helloDir, { recursive: true });
writeFileSync(join(helloDir, "hello.ts"), 'console.log("hello, world");\n');
run(["bun", join(root, "scripts/build.ts"), "--entry", join(helloDir, "hello.ts"), "--outfile", join(helloDir, "hello")]);

// ---------------------------------------------------------------- measurements

const loadBefore = loadavg();

const sessionRowsBefore = countSessionRows(repo, SESSION4);
const sessions = hyperfine(
  "sessions",
  {
    ...create4,
    "prj run bench20": [prj, "run", "bench20", "--no-attach"],
    "tmux (one batched call), 20 windows": batchedTmuxArgv(SESSION20, repo, SHAPE20),
    "prj run bench4 --dry-run": [prj, "run", "bench4", "--dry-run"],
    ...replay,
  },
  { cwd: repo, prepare: [killSessions], cleanup: [killSessions] },
);
const created = countSessionRows(repo, SESSION4) - sessionRowsBefore;
if (created !== runs + warmup) {
  throw new Error(`prj run bench4 created ${created} sessions in ${runs + warmup} runs: some runs reused a session`);
}

// A second run of the same command finds its session and reuses it: new-session
// reports the name taken, then one list-sessions (two tmux clients).
run([prj, "run", "bench4", "--no-attach"], { cwd: repo });
const reuse = hyperfine("reuse", { "prj run bench4 (reuse)": [prj, "run", "bench4", "--no-attach"] }, { cwd: repo });
tmux("kill-session", "-t", `=${SESSION4}`);

const startup = hyperfine(
  "startup",
  { "hello-world": [join(helloDir, "hello")], "prj --version": [prj, "--version"] },
  { cwd: repo },
);

// 200 tagged sessions from one tmux client (source-file -), tagged as prj tags them.
const SESSION_FIELDS = [
  "session_id", "session_name", "session_windows", "session_attached", "session_created", "session_activity",
  "session_path", "@prj_project", "@prj_worktree", "@prj_task", "@prj_command",
];
const many: string[][] = [];
const manyNames: string[] = [];
for (let index = 1; index <= 200; index++) {
  const name = `benchproj-w${String(index).padStart(3, "0")}-dev`;
  manyNames.push(name);
  many.push(["new-session", "-d", "-s", name, "-c", repo, "sleep 86400"]);
  for (const [option, value] of [["@prj_project", repo], ["@prj_worktree", `w${index}`], ["@prj_task", "dev"], ["@prj_command", "feature-branch"]]) {
    many.push(["set-option", "-t", `=${name}:`, option!, value!]);
  }
}
tmuxBatch(many);
const listed = JSON.parse(run([prj, "list-sessions", "--json"], { cwd: repo })) as unknown[];
if (listed.length !== 200) throw new Error(`prj list-sessions --json listed ${listed.length} sessions, expected 200`);
const listing = hyperfine(
  "list-sessions",
  {
    "prj list-sessions --json": [prj, "list-sessions", "--json"],
    "tmux list-sessions -F": ["tmux", "-L", socket, "list-sessions", "-F", SESSION_FIELDS.map((field) => `#{${field}}`).join("\t")],
  },
  { cwd: repo },
);
tmuxBatch(manyNames.map((name) => ["kill-session", "-t", `=${name}`]));

// Two projects that differ only in how many events their database holds.
const status10 = makeRepo("status10");
const status10k = makeRepo("status10k");
seedEvents(status10, 10);
seedEvents(status10k, 10_000);
const status = {
  ...hyperfine("status-10", { "prj status (10 events)": [prj, "status"] }, { cwd: status10 }),
  ...hyperfine("status-10k", { "prj status (10,000 events)": [prj, "status"] }, { cwd: status10k }),
};

/** Inserts `count` finished runs straight into the project's database (made by `prj init`). */
function seedEvents(dir: string, count: number): void {
  const db = new Database(join(dir, ".prj/prunejuice.db"));
  try {
    const insert = db.prepare(
      `INSERT INTO events (kind, status, command, session_name, worktree, project_path, started_at, ended_at, exit_code, metadata)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const start = Date.parse("2026-01-01T00:00:00Z");
    db.transaction(() => {
      for (let index = 0; index < count; index++) {
        const started = new Date(start + index * 60_000);
        insert.run(
          "run",
          index % 10 === 9 ? "failed" : "succeeded",
          "feature-branch",
          `benchproj-w${index % 50}-dev`,
          `w${index % 50}`,
          dir,
          started.toISOString(),
          new Date(started.getTime() + 1500).toISOString(),
          index % 10 === 9 ? 1 : 0,
          JSON.stringify({ arguments: { branch: `w${index % 50}` } }),
        );
      }
    })();
    const rows = db.query<{ n: number }, []>("SELECT count(*) AS n FROM events").get()!.n;
    if (rows !== count) throw new Error(`${dir}: ${rows} events after seeding ${count}`);
  } finally {
    db.close();
  }
}

function countSessionRows(dir: string, name: string): number {
  const db = new Database(join(dir, ".prj/prunejuice.db"), { readonly: true });
  try {
    return db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM sessions WHERE name = ?").get(name)!.n;
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------- the table

interface Row {
  what: string;
  prj: Stat;
  other: Stat;
  otherLabel: string;
  ratio: string;
  target: string;
  pass: boolean;
}

const s = sessions;
const ratio = (a: Stat, b: Stat) => a.median / b.median;
const rows: Row[] = [];
{
  const r = ratio(s["prj run bench4"]!, s["tmux (one batched call)"]!);
  rows.push({ what: "`prj run`, 4-window session (create)", prj: s["prj run bench4"]!, other: s["tmux (one batched call)"]!, otherLabel: "one batched `tmux` call", ratio: `${r.toFixed(2)}×`, target: "≤ 1.5×", pass: r <= 1.5 });
}
for (const label of ["tmuxinator start", "tmuxp load -d"]) {
  const r = ratio(s[label]!, s["prj run bench4"]!);
  rows.push({ what: "`prj run`, 4-window session (create)", prj: s["prj run bench4"]!, other: s[label]!, otherLabel: `\`${label}\``, ratio: `${r.toFixed(2)}× faster`, target: "≥ 4× faster", pass: r >= 4 });
}
{
  const r = ratio(startup["prj --version"]!, startup["hello-world"]!);
  rows.push({ what: "`prj --version`", prj: startup["prj --version"]!, other: startup["hello-world"]!, otherLabel: "compiled Bun hello-world", ratio: `${r.toFixed(2)}×`, target: "≤ 3×", pass: r <= 3 });
}
{
  const p = listing["prj list-sessions --json"]!;
  const r = ratio(p, listing["tmux list-sessions -F"]!);
  rows.push({ what: "`prj list-sessions --json`, 200 sessions", prj: p, other: listing["tmux list-sessions -F"]!, otherLabel: "`tmux list-sessions -F` (same fields)", ratio: `${r.toFixed(2)}×`, target: "≤ 40 ms", pass: p.median <= 40 });
}
{
  const r = ratio(status["prj status (10,000 events)"]!, status["prj status (10 events)"]!);
  rows.push({ what: "`prj status`, 10,000 events", prj: status["prj status (10,000 events)"]!, other: status["prj status (10 events)"]!, otherLabel: "`prj status`, 10 events", ratio: `${r.toFixed(2)}×`, target: "≤ 1.5×", pass: r <= 1.5 });
}
{
  const r = ratio(s["prj run bench20"]!, s["prj run bench4"]!);
  rows.push({ what: "`prj run`, 20-window session (create)", prj: s["prj run bench20"]!, other: s["prj run bench4"]!, otherLabel: "`prj run`, 4-window session", ratio: `${r.toFixed(2)}×`, target: "≤ 2×", pass: r <= 2 });
}

const ms = (stat: Stat) => `${stat.median.toFixed(1)} ± ${stat.stddev.toFixed(1)} ms`;
const table = [
  "| what | prj, median ± σ | compared with | its median ± σ | ratio | target | result |",
  "|---|---:|---|---:|---:|---|---|",
  ...rows.map((row) => `| ${row.what} | ${ms(row.prj)} | ${row.otherLabel} | ${ms(row.other)} | ${row.ratio} | ${row.target} | ${row.pass ? "pass" : "**FAIL**"} |`),
].join("\n");

const reference = [
  "| command | median ± σ |",
  "|---|---:|",
  ...Object.entries({ ...s, ...reuse, ...listing }).map(([label, stat]) => `| \`${label}\` | ${ms(stat)} |`),
].join("\n");

function machine(): string[] {
  const cpuinfo = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown";
  const osRelease = existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8") : "";
  const os = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(osRelease)?.[1] ?? versionOf(["uname", "-s"]);
  return [
    `- CPU: ${model}, ${cpus().length} logical CPUs (nproc ${versionOf(["nproc"])})`,
    `- memory: ${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- OS: ${os}, kernel ${versionOf(["uname", "-r"])}`,
    `- load average (1, 5, 15 min): ${loadBefore.map((n) => n.toFixed(2)).join(", ")} before the measurements, ` +
      `${loadavg().map((n) => n.toFixed(2)).join(", ")} after; other work on the machine widens σ and can move a ratio`,
  ];
}

const versions = [
  `- prj ${versionOf([prj, "--version"])} (dist/prj)`,
  `- ${versionOf(["tmux", "-V"])}`,
  `- ${versionOf(["tmuxinator", "version"])}`,
  `- ${versionOf(["tmuxp", "--version"])}`,
  `- Bun ${Bun.version}`,
  `- ${versionOf(["hyperfine", "--version"])}`,
];

const missed = rows.filter((row) => !row.pass);

// The hand-written part of the page (where the time goes, what a missed row
// would need) sits between these markers and survives every rerun.
const docFile = join(root, "docs/benchmarks.md");
const NOTES_START = "<!-- notes: written by hand, kept by scripts/bench -->";
const NOTES_END = "<!-- end of notes -->";
const previousDoc = existsSync(docFile) ? readFileSync(docFile, "utf8") : "";
const notesAt = previousDoc.indexOf(NOTES_START);
const notesEnd = previousDoc.indexOf(NOTES_END, notesAt);
const notes =
  notesAt !== -1 && notesEnd !== -1
    ? previousDoc.slice(notesAt, notesEnd + NOTES_END.length)
    : `${NOTES_START}\n## Where the time goes\n\n(Not written yet: profile the rows that miss and say what they would need.)\n${NOTES_END}`;

const doc = `# Benchmarks

Written by \`./scripts/bench\` on ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}. Run it again to refresh this page;
the speed targets come from SPEC §11.

${table}

${missed.length === 0 ? "Every target is met." : `Missed: ${missed.map((row) => `${row.what} against ${row.otherLabel} (${row.ratio}, target ${row.target})`).join("; ")}.`}

${notes}

## How it is measured

- One private tmux server (\`tmux -L ${"prj-bench-$$"}\`, started with \`-f /dev/null\`, kept alive by a session of its own),
  with \`HOME\`, \`XDG_*\` and \`TMUX_TMPDIR\` in a temp dir, so no user config is read and no tool pays for starting the server.
- hyperfine ${"`-N`"} (no shell), ${warmup} warm-up runs and ${runs} timed runs per command; medians and standard deviations
  come from its \`--export-json\` output.
- Sessions: the same 4-window shape (editor, server, tests with 2 panes in \`main-vertical\`, shell; \`echo ready\` in
  every pane but the shell's) is written as a prj command (\`.prj/commands/bench4.yaml\`), a tmuxinator project, a tmuxp
  workspace and one batched \`tmux new-session … \\; new-window … \\; split-window … \\; select-layout …\` call. The script
  checks that all four make the same windows and panes. The timed command creates the session; \`--prepare\` kills it
  with \`tmux kill-session\` (not timed), so every run creates a new one. prj reaches the server through \`PRJ_TMUX_SOCKET\`.
  The 20-window session is the same shape five times over.
- \`prj --version\` against \`console.log("hello, world")\` compiled by \`scripts/build.ts\` with prj's own flags.
- \`prj list-sessions --json\` with 200 sessions tagged \`@prj_project\` = the repository, made by one batched tmux call.
- \`prj status\` in two projects made by \`prj init\`, whose databases were seeded with 10 and 10,000 finished runs.

## All commands timed (reference)

${reference}

## Machine

${machine().join("\n")}

## Versions

${versions.join("\n")}
`;
mkdirSync(join(root, "docs"), { recursive: true });
writeFileSync(docFile, doc);

console.log(`\n${table}\n`);
console.log("wrote docs/benchmarks.md");
if (missed.length > 0) {
  for (const row of missed) console.error(`missed: ${row.what} against ${row.otherLabel}: ${row.ratio}, target ${row.target} (prj ${ms(row.prj)})`);
  process.exitCode = 1;
}
