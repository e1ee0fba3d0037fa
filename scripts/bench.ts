// The benchmark of SPEC §11; run it through scripts/bench, which installs the
// tools, builds dist/prj, points HOME/XDG_*/TMUX_TMPDIR at a temp dir and
// removes the private tmux server afterwards.
//
// Method: the commands a row compares are measured in rounds; each round runs
// every command of its group once, in a new random order, and a row's ratio is
// the median of its per-round ratios (with the 25th and 75th percentiles), so
// whatever else the machine does at a moment weighs on both sides of a ratio.
// Only the command is timed: creating what it needs and removing what it made
// (killing the session it created) happen between commands, untimed. Times
// are wall-clock from spawn to exit, output to /dev/null; memory is the
// child's maximum resident set size as the kernel reports it.
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { seedBulk } from "../test/helpers/seed.ts";
import { buildChunkCounter, parseStrace, readChunkLog, STRACE_ARGS } from "../test/helpers/run-counts.ts";

function required(name: string): string {
  const value = process.env[name];
  if (value) return value;
  console.error("error: run ./scripts/bench, which sets up a private HOME and tmux server first");
  process.exit(2);
}
const root = required("BENCH_ROOT");
const work = required("BENCH_WORK");
const socket = required("BENCH_SOCKET");
const ROUNDS = Math.max(10, Number(process.env.BENCH_ROUNDS ?? 30) || 30);
const WARMUP_ROUNDS = 2;
const prj = join(root, "dist/prj");
const bin = join(work, "bin");
mkdirSync(bin, { recursive: true });
const ENV = { ...process.env, PRJ_TMUX_SOCKET: socket } as Record<string, string>;
const loadSamples: number[] = [];
const sampleLoad = () => loadSamples.push(loadavg()[0]!);

// ---------------------------------------------------------------- helpers

function run(argv: string[], options: { cwd?: string; stdin?: string; env?: Record<string, string> } = {}): string {
  const result = Bun.spawnSync(argv, {
    cwd: options.cwd,
    env: { ...ENV, ...options.env },
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
const killSession = (name: string) => Bun.spawnSync(["tmux", "-L", socket, "kill-session", "-t", `=${name}`], { stdout: "ignore", stderr: "ignore" });

/** Runs many tmux commands with one client; they go on stdin because argv has a size limit. */
function tmuxBatch(commands: string[][]): void {
  run(["tmux", "-L", socket, "source-file", "-"], { stdin: `${commands.map(commandLine).join("\n")}\n` });
}

/** Quotes one word for tmux's command parser (POSIX shell word rules). */
function quote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
const commandLine = (argv: string[]) => argv.map(quote).join(" ");

function makeRepo(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  run(["git", "init", "-q", dir]);
  run(["git", "-C", dir, "-c", "user.name=prj bench", "-c", "user.email=bench@example.invalid", "commit", "-q", "--allow-empty", "-m", "initial"]);
  run([prj, "init"], { cwd: dir });
  return dir;
}

// ---------------------------------------------------------------- measuring

interface Command {
  label: string;
  argv: string[];
  cwd: string;
  env?: Record<string, string>;
  /** The session the command creates, if it creates one. */
  session?: string;
  /** Untimed, after the command: remove what it made. */
  after?: () => void;
}

interface Sample {
  ms: number;
  rssKb: number;
}

const samples = new Map<string, Sample[]>();

function timeOnce(command: Command): Sample {
  const started = performance.now();
  const result = Bun.spawnSync(command.argv, {
    cwd: command.cwd,
    env: { ...ENV, ...command.env },
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  const ms = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`${command.label} exited ${result.exitCode}: ${result.stderr.toString()}`);
  return { ms, rssKb: Math.round(result.resourceUsage.maxRSS / 1024) };
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let index = out.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    [out[index], out[other]] = [out[other]!, out[index]!];
  }
  return out;
}

/** Rounds of `commands`, each round in a new random order; the first WARMUP_ROUNDS are not kept. */
function measure(group: string, commands: Command[], rounds = ROUNDS): void {
  sampleLoad();
  console.log(`\n==> ${group}: ${rounds} rounds of ${commands.map((command) => command.label).join(", ")}`);
  for (const command of commands) if (!samples.has(command.label)) samples.set(command.label, []);
  for (let round = 0; round < WARMUP_ROUNDS + rounds; round++) {
    for (const command of shuffled(commands)) {
      const sample = timeOnce(command);
      command.after?.();
      if (round >= WARMUP_ROUNDS) samples.get(command.label)!.push(sample);
    }
  }
  for (const command of commands) {
    const ms = samples.get(command.label)!.map((sample) => sample.ms);
    console.log(`    ${command.label}: median ${quantile(ms, 0.5).toFixed(1)} ms`);
  }
  sampleLoad();
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

const timesOf = (label: string) => samples.get(label)!.map((sample) => sample.ms);

/** Per-round values of `fn` over the rounds of the labels it reads. */
function perRound(labels: string[], fn: (ms: number[]) => number): number[] {
  const series = labels.map(timesOf);
  const rounds = Math.min(...series.map((values) => values.length));
  return Array.from({ length: rounds }, (_, round) => fn(series.map((values) => values[round]!)));
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

/** One tmux client that creates the whole session, written by hand: "raw tmux". */
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
  killSession(name);
}

/** prj's own batch for a command, from its dry run (the session operation's tmux lines). */
function prjBatch(dir: string, command: string): string {
  const plan = JSON.parse(run([prj, "run", command, "--dry-run", "--json"], { cwd: dir })) as { operations?: { op: string; tmux?: string[] }[] };
  const lines = plan.operations?.find((operation) => operation.op === "session")?.tmux;
  if (!lines?.length) throw new Error(`prj run ${command} --dry-run --json shows no tmux batch`);
  return `${lines.join("\n")}\n`;
}

const loadBefore = loadavg();

// One server for everything, started without any tmux config and kept alive by
// a session of its own, so no tool pays for starting it.
tmux("-f", "/dev/null", "new-session", "-d", "-s", "bench-keepalive");

const repo = makeRepo("benchproj");
writeFileSync(join(repo, ".prj/commands/bench4.yaml"), prjCommandYaml("bench4", SHAPE4));
writeFileSync(join(repo, ".prj/commands/bench20.yaml"), prjCommandYaml("bench20", SHAPE20));
const tmuxinatorDir = join(process.env.XDG_CONFIG_HOME!, "tmuxinator");
mkdirSync(tmuxinatorDir, { recursive: true });
writeFileSync(join(tmuxinatorDir, "bench4.yml"), tmuxinatorYaml("bench4", repo, SHAPE4));
const tmuxpFile = join(work, "tmuxp-bench4.yaml");
writeFileSync(tmuxpFile, tmuxpYaml("bench4", repo, SHAPE4));

// The compiled programs prj is compared with, built by scripts/build.ts with prj's own flags.
function compile(entry: string, outfile: string): string {
  run(["bun", join(root, "scripts/build.ts"), "--entry", entry, "--outfile", outfile]);
  return outfile;
}
writeFileSync(join(bin, "hello.ts"), 'console.log("hello, world");\n');
const hello = compile(join(bin, "hello.ts"), join(bin, "hello"));
const floor = compile(join(root, "scripts/bench-floor.ts"), join(bin, "floor"));
const floorDatabase = join(work, "floor.db");
{
  const db = new Database(floorDatabase, { create: true });
  db.run("PRAGMA journal_mode = WAL");
  db.run("CREATE TABLE runs (id INTEGER PRIMARY KEY, at TEXT NOT NULL)");
  db.close();
}
const batch4 = join(work, "prj-bench4.tmux");
writeFileSync(batch4, prjBatch(repo, "bench4"));
const batch20 = join(work, "prj-bench20.tmux");
writeFileSync(batch20, prjBatch(repo, "bench20"));

const create = (label: string, argv: string[], session: string, cwd = repo): Command => ({ label, argv, cwd, session, after: () => killSession(session) });
const PRJ4 = "prj run (4 windows)";
const FLOOR = "floor program";
const TMUXINATOR = "tmuxinator start";
const TMUXP = "tmuxp load -d";
const PRJ20 = "prj run (20 windows)";
const RAW4 = "raw tmux (4 windows)";
const RAW20 = "raw tmux (20 windows)";
const REPLAY4 = "prj's batch alone (4 windows)";
const sessionCommands = [
  create(PRJ4, [prj, "run", "bench4", "--no-attach"], "bench4"),
  create(FLOOR, [floor, socket, batch4, floorDatabase], "bench4"),
  create(TMUXINATOR, ["tmuxinator", "start", "bench4", "--no-attach"], "bench4"),
  create(TMUXP, ["tmuxp", "load", "-L", socket, "-d", "-y", tmuxpFile], "bench4"),
];
// Its own label: ratios pair the rounds of one group.
const PRJ4_BESIDE_20 = "prj run (4 windows, beside 20)";
const windowCommands = [
  create(PRJ4_BESIDE_20, [prj, "run", "bench4", "--no-attach"], "bench4"),
  create(PRJ20, [prj, "run", "bench20", "--no-attach"], "bench20"),
  create(RAW4, batchedTmuxArgv("bench4", repo, SHAPE4), "bench4"),
  create(RAW20, batchedTmuxArgv("bench20", repo, SHAPE20), "bench20"),
  create(REPLAY4, ["tmux", "-L", socket, "start-server", ";", "source-file", batch4], "bench4"),
];
// Same shape from every tool, checked before anything is timed.
for (const command of [...sessionCommands, ...windowCommands]) {
  run(command.argv, { cwd: command.cwd });
  checkShape(command.label, command.session!, command.session === "bench20" ? SHAPE20 : SHAPE4);
}

// ---------------------------------------------------------------- measurements

measure("creating a 4-window session", sessionCommands);
measure("extra cost per window", windowCommands, Math.max(10, Math.round(ROUNDS * 0.7)));
measure("start-up", [
  { label: "prj --version", argv: [prj, "--version"], cwd: repo },
  { label: "hello-world", argv: [hello], cwd: repo },
]);

// 200 tagged sessions from one tmux client, tagged as prj tags them.
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
measure("200 sessions", [
  { label: "prj list-sessions --json", argv: [prj, "list-sessions", "--json"], cwd: repo },
  { label: "tmux list-sessions -F", argv: ["tmux", "-L", socket, "list-sessions", "-F", SESSION_FIELDS.map((field) => `#{${field}}`).join("\t")], cwd: repo },
  { label: "prj monitor sessions --once --json", argv: [prj, "monitor", "sessions", "--once", "--json"], cwd: repo },
]);
tmuxBatch(manyNames.map((name) => ["kill-session", "-t", `=${name}`]));

// Two projects that differ only in how many events (and sessions, one per ten events) their database holds.
console.log("\n==> seeding 1,000,000 events");
const small = makeRepo("events10");
const large = makeRepo("events1m");
for (const [dir, events] of [[small, 10], [large, 1_000_000]] as const) {
  writeFileSync(join(dir, ".prj/commands/bench4.yaml"), prjCommandYaml("bench4", SHAPE4));
  seedBulk(join(dir, ".prj/prunejuice.db"), { events, sessions: Math.max(1, events / 10), days: 400 });
  // The first run after seeding validates the command and reconciles nothing new; not measured.
  run([prj, "run", "bench4", "--no-attach"], { cwd: dir });
  killSession("bench4");
}
const SCALE_COMMANDS: [string, string[], boolean][] = [
  ["status", ["status"], false],
  ["history", ["history"], false],
  ["run", ["run", "bench4", "--no-attach"], true],
  ["stats sessions", ["stats", "sessions"], false],
  ["analyze session-usage (7d)", ["analyze", "session-usage", "--timeframe", "7d"], false],
  ["analyze session-usage (52w)", ["analyze", "session-usage", "--timeframe", "52w"], false],
];
const scaleLabel = (name: string, events: string) => `prj ${name}, ${events} events`;
for (const [name, args, createsSession] of SCALE_COMMANDS) {
  measure(
    `prj ${name} at 10 and 1,000,000 events`,
    [small, large].map((dir) => ({
      label: scaleLabel(name, dir === small ? "10" : "1,000,000"),
      argv: [prj, ...args],
      cwd: dir,
      after: createsSession ? () => killSession("bench4") : undefined,
    })),
    Math.max(10, Math.round(ROUNDS * 0.7)),
  );
}

// ---------------------------------------------------------------- counts per run

console.log("\n==> counts per prj run (strace, and a build that lists its chunks)");
// Without strace (macOS) nothing is counted, and the table says so.
const COUNTED_RUNS = Bun.which("strace") ? 20 : 0;
const counts: { processes: string[]; transactions: number; fsyncs: number; checkpointed: boolean }[] = [];
const trace = join(work, "trace.txt");
for (let index = 0; index < COUNTED_RUNS; index++) {
  run(["strace", ...STRACE_ARGS, "-o", trace, prj, "run", "bench4", "--no-attach"], { cwd: repo });
  killSession("bench4");
  const text = readFileSync(trace, "utf8");
  counts.push({ ...parseStrace(text), checkpointed: /fsync\(\d+<[^>]*\/prunejuice\.db>\)/.test(text) });
}
const counter = join(bin, "prj-count-chunks");
buildChunkCounter(root, counter);
const chunkLog = join(work, "chunks.txt");
// Twice, counting the second: a build of other sources has its own build id, so its first run validates the
// config files (loading yaml and TypeBox), which a user's runs do once per edit.
for (let index = 0; index < 2; index++) {
  run([counter, "run", "bench4", "--no-attach"], { cwd: repo, env: { PRJ_CHUNK_LOG: chunkLog } });
  killSession("bench4");
}
const chunks = readChunkLog(chunkLog)?.length ?? Number.NaN;

// ---------------------------------------------------------------- the table

interface Row {
  what: string;
  measured: string;
  compared: string;
  ratios: number[];
  /** How the ratio reads: "×" (prj over the other) or "× faster" (the other over prj). */
  unit: string;
  target: string;
  pass: (ratio: number) => boolean;
}

const ms = (label: string) => `${quantile(timesOf(label), 0.5).toFixed(1)} ms`;
const ratio = (a: string, b: string) => perRound([a, b], ([x, y]) => x! / y!);
const rows: Row[] = [
  { what: "`prj run`, 4 windows", measured: `${ms(PRJ4)}`, compared: `floor program, ${ms(FLOOR)}`, ratios: ratio(PRJ4, FLOOR), unit: "×", target: "≤ 1.15×", pass: (r) => r <= 1.15 },
  { what: "`tmuxinator start`, same shape", measured: `${ms(TMUXINATOR)}`, compared: `\`prj run\`, ${ms(PRJ4)}`, ratios: ratio(TMUXINATOR, PRJ4), unit: "× slower", target: "≥ 4.5× slower", pass: (r) => r >= 4.5 },
  { what: "`tmuxp load -d`, same shape", measured: `${ms(TMUXP)}`, compared: `\`prj run\`, ${ms(PRJ4)}`, ratios: ratio(TMUXP, PRJ4), unit: "× slower", target: "≥ 6× slower", pass: (r) => r >= 6 },
  {
    what: "extra cost per window, (prj 20 − prj 4) ÷ (raw 20 − raw 4)",
    measured: `${ms(PRJ20)} − ${ms(PRJ4_BESIDE_20)}`,
    compared: `raw tmux ${ms(RAW20)} − ${ms(RAW4)}`,
    ratios: perRound([PRJ20, PRJ4_BESIDE_20, RAW20, RAW4], ([p20, p4, r20, r4]) => (p20! - p4!) / (r20! - r4!)),
    unit: "×",
    target: "≤ 1.25×",
    pass: (r) => r <= 1.25,
  },
  { what: "`prj --version`", measured: ms("prj --version"), compared: `compiled hello-world, ${ms("hello-world")}`, ratios: ratio("prj --version", "hello-world"), unit: "×", target: "≤ 1.1×", pass: (r) => r <= 1.1 },
  {
    what: "`prj list-sessions --json`, 200 sessions",
    measured: ms("prj list-sessions --json"),
    compared: `\`tmux list-sessions -F\` (same fields), ${ms("tmux list-sessions -F")}`,
    ratios: ratio("prj list-sessions --json", "tmux list-sessions -F"),
    unit: "×",
    target: "≤ 2.5×",
    pass: (r) => r <= 2.5,
  },
  {
    what: "`prj monitor sessions --once --json`, 200 sessions",
    measured: ms("prj monitor sessions --once --json"),
    compared: `\`prj list-sessions --json\`, ${ms("prj list-sessions --json")}`,
    ratios: ratio("prj monitor sessions --once --json", "prj list-sessions --json"),
    unit: "×",
    target: "≤ 2×",
    pass: (r) => r <= 2,
  },
];
const SCALE_TARGETS: Record<string, number> = {
  status: 1.2,
  history: 1.2,
  run: 1.2,
  "stats sessions": 5,
  "analyze session-usage (7d)": 2,
  "analyze session-usage (52w)": 5,
};
for (const [name] of SCALE_COMMANDS) {
  const big = scaleLabel(name, "1,000,000");
  const little = scaleLabel(name, "10");
  const limit = SCALE_TARGETS[name]!;
  rows.push({ what: `\`prj ${name}\`, 1,000,000 events`, measured: ms(big), compared: `10 events, ${ms(little)}`, ratios: ratio(big, little), unit: "×", target: `≤ ${limit}×`, pass: (r) => r <= limit });
}

const medianOf = (row: Row) => quantile(row.ratios, 0.5);
const ratioText = (row: Row) => `${medianOf(row).toFixed(2)}${row.unit} (${quantile(row.ratios, 0.25).toFixed(2)}–${quantile(row.ratios, 0.75).toFixed(2)})`;
const table = [
  "| what | prj, median | compared with, median | ratio, median of rounds (25th–75th percentile) | target | result |",
  "|---|---:|---|---:|---|---|",
  ...rows.map((row) => `| ${row.what} | ${row.measured} | ${row.compared} | ${ratioText(row)} | ${row.target} | ${row.pass(medianOf(row)) ? "pass" : "**MISSED**"} |`),
].join("\n");

// Memory: the largest maximum RSS of each command at a million events, over all its rounds.
const MEMORY_LIMIT_KB = 80 * 1024;
const memory = SCALE_COMMANDS.map(([name]) => {
  const kb = Math.max(...samples.get(scaleLabel(name, "1,000,000"))!.map((sample) => sample.rssKb));
  const smallKb = Math.max(...samples.get(scaleLabel(name, "10"))!.map((sample) => sample.rssKb));
  return { name, kb, smallKb, pass: kb <= MEMORY_LIMIT_KB };
});
const memoryTable = [
  "| command | max RSS, 1,000,000 events | max RSS, 10 events | target | result |",
  "|---|---:|---:|---|---|",
  ...memory.map((entry) => `| \`prj ${entry.name}\` | ${(entry.kb / 1024).toFixed(1)} MB | ${(entry.smallKb / 1024).toFixed(1)} MB | ≤ 80 MB | ${entry.pass ? "pass" : "**MISSED**"} |`),
].join("\n");

// Counts per run.
const processesOk = counts.every((entry) => entry.processes.length === 1 && entry.processes[0]!.endsWith("/tmux"));
const maxTransactions = Math.max(...counts.map((entry) => entry.transactions));
const plainFsyncs = counts.filter((entry) => !entry.checkpointed).map((entry) => entry.fsyncs);
const checkpointFsyncs = counts.filter((entry) => entry.checkpointed).map((entry) => entry.fsyncs);
const allFsyncs = counts.map((entry) => entry.fsyncs);
const fsyncDistribution = [...new Set(allFsyncs)].sort((a, b) => a - b).map((n) => `${n} in ${allFsyncs.filter((value) => value === n).length}`).join(", ");
const countRows = [
  { what: "processes started", value: processesOk ? "1 (`tmux`, one client) in every run" : `**${JSON.stringify(counts.map((entry) => entry.processes))}**`, target: "1 tmux client", pass: processesOk },
  { what: "SQLite write transactions", value: `${maxTransactions} at most (${counts.map((entry) => entry.transactions).join(", ")})`, target: "≤ 2", pass: maxTransactions <= 2 },
  {
    what: "fsyncs",
    value: `${fsyncDistribution} of ${counts.length} runs; ${(allFsyncs.reduce((a, b) => a + b, 0) / counts.length).toFixed(2)} a run on average; ${checkpointFsyncs.length ? `the ${checkpointFsyncs.length} run(s) that checkpointed the log: ${checkpointFsyncs.join(", ")}` : "no run checkpointed"}`,
    target: "≤ 2",
    pass: Math.max(...allFsyncs) <= 2,
  },
  { what: "module chunks loaded", value: String(chunks), target: "≤ 20", pass: chunks <= 20 },
];
const countsTable = [
  "| per `prj run` (4 windows) | measured | target | result |",
  "|---|---|---|---|",
  ...countRows.map((row) => `| ${row.what} | ${row.value} | ${row.target} | ${row.pass ? "pass" : "**MISSED**"} |`),
].join("\n");

const missed = [
  ...rows.filter((row) => !row.pass(medianOf(row))).map((row) => `${row.what}: ${ratioText(row)}, target ${row.target}`),
  ...memory.filter((entry) => !entry.pass).map((entry) => `memory of \`prj ${entry.name}\` at 1,000,000 events: ${(entry.kb / 1024).toFixed(1)} MB, target ≤ 80 MB`),
  ...countRows.filter((row) => !row.pass).map((row) => `${row.what} per run: ${row.value}, target ${row.target}`),
];

// ---------------------------------------------------------------- the page

function machine(): string[] {
  const cpuinfo = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown";
  const osRelease = existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8") : "";
  const os = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(osRelease)?.[1] ?? versionOf(["uname", "-s"]);
  const loadAfter = loadavg();
  return [
    `- CPU: ${model}, ${cpus().length} logical CPUs`,
    `- memory: ${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- OS: ${os}, kernel ${versionOf(["uname", "-r"])}`,
    `- load average (1, 5, 15 min): ${loadBefore.map((n) => n.toFixed(2)).join(", ")} before, ${loadAfter.map((n) => n.toFixed(2)).join(", ")} after; ` +
      `the 1-minute load between groups ranged ${Math.min(...loadSamples).toFixed(2)}–${Math.max(...loadSamples).toFixed(2)} ` +
      `(on ${cpus().length} CPUs; above that, other work on the machine was waiting for a CPU as well)`,
  ];
}

const versions = [
  `- prj ${versionOf([prj, "--version"])} (dist/prj)`,
  `- ${versionOf(["tmux", "-V"])}`,
  `- ${versionOf(["tmuxinator", "version"])}`,
  `- ${versionOf(["tmuxp", "--version"])}`,
  `- Bun ${Bun.version}, SQLite ${new Database(":memory:").query<{ v: string }, []>("SELECT sqlite_version() AS v").get()!.v}`,
];

// The hand-written part of the page (where the time goes, why a target is
// missed) sits between these markers and survives every rerun.
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

Written by \`./scripts/bench\` on ${new Date().toISOString().replace(/\.\d+Z$/, "Z")} (${ROUNDS} rounds). Run it again to
refresh this page; the targets are SPEC §11's.

${table}

${memoryTable}

${countsTable}

${missed.length === 0 ? "Every target is met." : `Missed:\n\n${missed.map((line) => `- ${line}`).join("\n")}`}

${notes}

## How it is measured

- **Rounds, interleaved.** The commands a row compares are measured together: every round runs each of them once, in a
  new random order, and the ratio shown is the median of the per-round ratios, with the 25th and 75th percentiles. Two
  rounds before the kept ones warm caches. The times shown are the medians of each command alone.
- **Only the command is timed**: wall-clock from spawn to exit, output to /dev/null. What a command needs is made
  before the rounds; what it made (the session it created) is removed after it with \`tmux kill-session\`, untimed.
- **One private tmux server** (started with \`-f /dev/null\`, kept alive by a session of its own), with \`HOME\`,
  \`XDG_*\` and \`TMUX_TMPDIR\` in a temp dir, so no user config is read and no tool pays for starting the server.
- **Sessions**: the same 4-window shape (editor, server, tests with 2 panes in \`main-vertical\`, shell; \`echo ready\`
  in every pane but the shell's) as a prj command, a tmuxinator project, a tmuxp workspace and one hand-written batched
  tmux call ("raw tmux"); the script checks that all make the same windows and panes. 20 windows is that shape five times.
- **The floor program** (\`scripts/bench-floor.ts\`, compiled by \`scripts/build.ts\` like prj) does only what a run
  must: it starts, sends prj's own batch for the session (from \`prj run bench4 --dry-run --json\`) through one tmux
  client, and commits one row to a SQLite database kept as prj keeps its own (WAL, \`synchronous = NORMAL\`, the log
  left in place), while tmux works. \`prj --version\` is compared with a compiled \`console.log("hello, world")\`.
- **200 sessions** tagged for the project, made by one tmux client; \`tmux list-sessions -F\` prints the same fields
  as \`prj list-sessions --json\`.
- **A million events**: two projects made by \`prj init\`, seeded by \`seedBulk\` (test/helpers/seed.ts) with 10 and
  1,000,000 events and one session per ten events (1 and 100,000), spread over 400 days. \`prj run\` there creates the
  4-window session. Memory is the largest maximum RSS over a command's rounds.
- **Counts** come from ${COUNTED_RUNS} runs under \`strace -f\` (execve, fsync, fdatasync, fcntl): processes are the
  execs, write transactions the times the WAL write lock (byte 120 of the \`-shm\` file) is taken outside a recovery or
  checkpoint, or a RESERVED lock on a rollback-journal database; chunks from a build with \`--count-chunks\`
  (test/helpers/run-counts.ts; \`test/e2e/run-counts.test.ts\` checks the same counts in the suite).

## Machine

${machine().join("\n")}

## Versions

${versions.join("\n")}
`;
mkdirSync(join(root, "docs"), { recursive: true });
writeFileSync(docFile, doc);

console.log(`\n${table}\n\n${memoryTable}\n\n${countsTable}\n`);
console.log("wrote docs/benchmarks.md");
if (missed.length > 0) {
  for (const line of missed) console.error(`missed: ${line}`);
  process.exitCode = 1;
}
