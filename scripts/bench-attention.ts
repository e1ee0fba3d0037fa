// What attention costs (docs/attention.md, docs/benchmarks.md "Attention"):
// the watcher's CPU and memory while it watches 20 sessions, and the time of
// `prj status --format tmux` and `prj mark`. Self-contained: a temp HOME, XDG
// tree and tmux server, removed afterwards. Run after `bun run build`:
//
//   bun scripts/bench-attention.ts [--seconds 60] [--sessions 20]
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { seconds: { type: "string", default: "60" }, sessions: { type: "string", default: "20" } },
});
const SECONDS = Number(values.seconds);
const SESSIONS = Number(values.sessions);
const prj = resolve(import.meta.dir, "../dist/prj");
const work = mkdtempSync(join(tmpdir(), "prj-bench-attention-"));
const socket = `bench-attention-${process.pid}`;
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  HOME: join(work, "home"),
  XDG_CONFIG_HOME: join(work, "home/.config"),
  XDG_DATA_HOME: join(work, "home/.local/share"),
  XDG_STATE_HOME: join(work, "home/.local/state"),
  XDG_CACHE_HOME: join(work, "home/.cache"),
  TMUX_TMPDIR: join(work, "tmux"),
  PRJ_TMUX_SOCKET: socket,
  SHELL: "/bin/bash",
};
delete env.TMUX;
delete env.TMUX_PANE;
for (const dir of ["home/.config", "home/.local/share", "home/.local/state", "home/.cache", "tmux", "project"]) mkdirSync(join(work, dir), { recursive: true });
const project = join(work, "project");

function run(argv: string[], extra: Record<string, string> = {}): string {
  const result = Bun.spawnSync(argv, { cwd: project, env: { ...env, ...extra }, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${result.stderr.toString()}`);
  return result.stdout.toString();
}
const tmux = (...args: string[]) => run(["tmux", "-L", socket, ...args]);

/** utime + stime (and what reaped children used) of a process, in ms. */
function cpuMs(pid: number): { own: number; children: number } {
  const text = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { own: (Number(fields[11]) + Number(fields[12])) * 10, children: (Number(fields[13]) + Number(fields[14])) * 10 };
}

function memory(pid: number): { rssKb: number; anonKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "latin1");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  return { rssKb: field("VmRSS"), anonKb: field("RssAnon") };
}

async function hyperfine(commands: Record<string, string>, extra: Record<string, string>): Promise<Record<string, { mean: number; stddev: number }>> {
  const out = join(work, "hyperfine.json");
  const names = Object.keys(commands);
  run(["hyperfine", "-N", "--warmup", "5", "--runs", "100", "--export-json", out, ...names.flatMap((name) => ["-n", name, commands[name]!])], extra);
  const results = JSON.parse(readFileSync(out, "utf8")).results as { command: string; mean: number; stddev: number }[];
  return Object.fromEntries(results.map((result) => [result.command, { mean: result.mean * 1000, stddev: result.stddev * 1000 }]));
}

try {
  run(["git", "init", "-q", "-b", "main"]);
  run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-q", "--allow-empty", "-m", "init"]);
  run([prj, "init"]);
  // Three panes a session: a program working (sleeping), one waiting at a prompt, a shell.
  writeFileSync(
    join(project, ".prj/commands/agent.yaml"),
    ["name: agent", "session:", "  windows:", '    - { name: work, command: "sleep 3600" }', '    - { name: ask, command: "read -r answer" }', "    - { name: shell }", ""].join("\n"),
  );
  for (let index = 0; index < SESSIONS; index++) run([prj, "run", "agent", `task=t${index}`]);
  const watcher = Number(tmux("show-options", "-gqv", "@prj_watcher").trim());
  const server = Number(tmux("display-message", "-p", "#{pid}").trim());
  const panes = tmux("list-panes", "-a", "-F", "#{pane_id}").split("\n").filter(Boolean).length;
  // Let start-up settle, then measure.
  await Bun.sleep(3000);
  const before = { watcher: cpuMs(watcher), server: cpuMs(server), at: performance.now() };
  await Bun.sleep(SECONDS * 1000);
  const after = { watcher: cpuMs(watcher), server: cpuMs(server), at: performance.now() };
  const elapsed = after.at - before.at;
  const memoryNow = memory(watcher);
  // The server's CPU with no watcher, over the same time, for what the watcher's clients cost it.
  process.kill(watcher, "SIGTERM");
  const quietBefore = { server: cpuMs(server), at: performance.now() };
  await Bun.sleep(SECONDS * 1000);
  const quietAfter = { server: cpuMs(server), at: performance.now() };
  const percent = (ms: number, over: number) => ((ms / over) * 100).toFixed(2);
  const watcherOwn = after.watcher.own - before.watcher.own;
  const clients = after.watcher.children - before.watcher.children;
  const serverWith = after.server.own - before.server.own;
  const serverWithout = ((quietAfter.server.own - quietBefore.server.own) / (quietAfter.at - quietBefore.at)) * elapsed;

  // A status line inside tmux, and an agent's hook: prj's start-up plus one tmux client each.
  run([prj, "list-sessions"]); // starts a watcher again, so the summary is there
  await Bun.sleep(2000);
  const inside = { TMUX: `${join(work, "tmux", `tmux-${process.getuid!()}`, socket)},${server},0`, TMUX_PANE: tmux("display-message", "-p", "-t", `=${tmux("list-sessions", "-F", "#{session_name}").split("\n")[0]}:ask`, "#{pane_id}").trim() };
  delete env.PRJ_TMUX_SOCKET;
  const times = await hyperfine(
    {
      "prj status --format tmux": `${prj} status --format tmux`,
      "prj mark waiting": `${prj} mark waiting --message bench`,
      "tmux show-options -gqv @prj_attention": `tmux show-options -gqv @prj_attention`,
      "prj --version": `${prj} --version`,
    },
    inside,
  );
  const lines = [
    `Watching ${SESSIONS} sessions (${panes} panes: a program, a prompt and a shell each) for ${(elapsed / 1000).toFixed(0)} s, one sample a second:`,
    "",
    "| | |",
    "|---|---|",
    `| watcher process (\`prj __watch\`) CPU | ${percent(watcherOwn, elapsed)} % of one core (${(watcherOwn / (elapsed / 1000)).toFixed(1)} ms a sample) |`,
    `| its tmux clients (one \`list-panes -a\` a sample, one more when a state changes) | ${percent(clients, elapsed)} % |`,
    `| the tmux server answering them | ${percent(Math.max(0, serverWith - serverWithout), elapsed)} % (server ${percent(serverWith, elapsed)} % with the watcher, ${percent(serverWithout, elapsed)} % without) |`,
    `| watcher memory | ${(memoryNow.rssKb / 1024).toFixed(1)} MiB resident, of which ${(memoryNow.anonKb / 1024).toFixed(1)} MiB its own (the rest is the binary's pages, shared with every prj) |`,
    `| processes | one watcher per tmux server, plus one short tmux client a second |`,
    "",
    "| command (inside tmux, hyperfine, 100 runs) | mean | ± |",
    "|---|---|---|",
    ...Object.entries(times).map(([name, time]) => `| \`${name}\` | ${time.mean.toFixed(1)} ms | ${time.stddev.toFixed(1)} ms |`),
  ];
  console.log(lines.join("\n"));
} finally {
  Bun.spawnSync(["tmux", "-L", socket, "kill-server"], { env });
  rmSync(work, { recursive: true, force: true });
}
