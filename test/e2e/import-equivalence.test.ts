// Equivalence of `prj import` with the peers themselves. Every corpus file (the
// peers' own examples, and prj's corpus of files shaped like real users' ones)
// is copied into a fresh project directory, loaded there by tmuxinator or tmuxp
// on one private tmux server, imported and run by prj on another, and the two
// sessions are compared in full: windows in order with their names, which one is
// active, each window's layout, and for each pane its directory, whether it is
// active, and what ran in it (program, arguments, directory and environment,
// told by stand-in programs on PATH). Hooks and steps are compared the same way.
// A difference must be one the import reported: each is listed below with the
// key path of the note that reports it.
//
// Nothing reaches the developer's tmux server: TMUX_TMPDIR is private (preload),
// and the peers find a `tmux` shim first on PATH that replaces any -L/-S they
// pass (tmuxinator honours `socket_name:` from the file) with a private socket.
// Both servers are started by the test first, so the panes of both sides get
// the same environment, and prj's session is as big as the peer's (tmuxp builds
// at 800x600; tmuxinator at tmux's default 80x24).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { readPeerDocument } from "../../src/import/write.ts";
import { missing } from "../helpers/tools.ts";
import { run, tempDir } from "../helpers/world.ts";
import { ensureBinary, prjBinary } from "./support.ts";

const fixtures = resolve(import.meta.dir, "../fixtures");
type Tool = "tmuxinator" | "tmuxp";

interface CorpusFile {
  tool: Tool;
  file: string;
  /** `peer-corpus/tmuxp/3-pane.yaml`, `import-corpus/tmuxinator/shop.yml`. */
  key: string;
}

const files: CorpusFile[] = ["peer-corpus", "import-corpus"].flatMap((corpus) =>
  (["tmuxinator", "tmuxp"] as const).flatMap((tool) =>
    readdirSync(join(fixtures, corpus, tool))
      .filter((name) => /\.(ya?ml|json)$/.test(name))
      .sort()
      .map((name) => ({ tool, file: join(fixtures, corpus, tool, name), key: `${corpus}/${tool}/${name}` })),
  ),
);

/**
 * Differences that remain, each with the key path of the note the import prints
 * for it and the reason. The suite fails when a file differs in any other way,
 * when a listed difference goes away, or when the note is missing.
 */
const KNOWN_DIFFERENCES: Record<string, { differences: string[]; reportedAs: string[]; reason: string }> = {
  "peer-corpus/tmuxp/pane-shell.yaml": {
    differences: ['window 1 ("first") pane 3: directory "" vs "<project>"'],
    reportedAs: ["windows[0].panes[2]"],
    reason: "the window_shell /usr/bin/python2 does not exist: tmuxp leaves a dead pane (remain-on-exit), prj falls back to a shell",
  },
  "import-corpus/tmuxinator/cd-not-first.yml": {
    differences: [
      'window 1 ("web") pane 2: directory "~/code/shop/web" vs "~/code/shop"',
      'window 2 ("api") pane 1: directory "~/code/shop/api" vs "~/code/shop"',
      'window 2 ("api") pane 2: directory "~" vs "~/code/shop"',
    ],
    reportedAs: ["windows[0].panes[1]", "windows[1].panes[0]", "windows[1].panes[1]"],
    reason: "where the shell ends depends on a command succeeding (`yarn install && cd web`, `cd api || exit 1`) or on a variable (`cd $API_DIR`); prj cannot tell at import",
  },
  "import-corpus/tmuxinator/hooks-all.yml": {
    differences: ['hooks ["docker compose up -d @ ~/code/api","bundle install @ ~/code/api","rake db:migrate @ ~/code/api","docker compose stop @ ~/code/api"] vs ["docker compose up -d @ ~/code/api","bundle install @ ~/code/api","rake db:migrate @ ~/code/api"]'],
    reportedAs: ["on_project_exit"],
    reason: "on_project_exit runs when you detach (at once here, as the test starts tmuxinator with --no-attach); prj has no step for detaching",
  },
  "import-corpus/tmuxinator/quoted-names.yml": {
    differences: [`window 3 (${JSON.stringify(`${hostShortName()}ash`)}): name vs "#hash"`],
    reportedAs: ["windows[2] name"],
    reason: "tmux expands `#h` in a name tmuxinator passes to the host name; prj keeps the name as written",
  },
  "import-corpus/tmuxp/env-levels.yaml": {
    differences: [
      'window 1 ("server") pane 2: runs ["rails server @ ~/code/api APP_ENV=development DATABASE_URL=postgres://localhost/app_dev PORT=3001"] vs ["rails server @ ~/code/api APP_ENV=development DATABASE_URL=postgres://localhost/app_dev LOG_LEVEL=debug PORT=3001"]',
    ],
    reportedAs: ["windows[0].panes[1].environment"],
    reason: "a tmuxp pane with its own environment gets none of its window's; prj layers the pane's over the window's",
  },
};

/**
 * tmux 3.5 added main-vertical-mirrored, so the `main-v` of custom-layout.yml is
 * ambiguous to the peer's tmux there: it refuses the layout and the panes stay as
 * split. prj writes main-vertical and says so.
 */
const tmuxVersion = /(\d+)\.(\d+)/.exec(Bun.spawnSync(["tmux", "-V"]).stdout.toString());
if (tmuxVersion && (Number(tmuxVersion[1]) > 3 || (Number(tmuxVersion[1]) === 3 && Number(tmuxVersion[2]) >= 5))) {
  KNOWN_DIFFERENCES["import-corpus/tmuxinator/custom-layout.yml"] = {
    differences: ['window 2 ("logs"): layout 80x24,0,0[80x11,0,0,80x12,0,12] vs 80x24,0,0{78x24,0,0,1x24,79,0}'],
    reportedAs: ["windows[1].layout"],
    reason: "`main-v` also starts main-vertical-mirrored on tmux 3.5 and newer: the peer's tmux refuses it and leaves the panes as split; prj writes main-vertical",
  };
}

/** What tmux's `#h` gives: the host name up to the first dot. */
function hostShortName(): string {
  return (Bun.spawnSync(["uname", "-n"]).stdout.toString().trim().split(".")[0]) ?? "";
}

/** Files the peer cannot load for reasons outside the file (a missing module): nothing to compare, so their tests are skipped. */
const PEER_CANNOT_LOAD: Record<string, string> = {
  "peer-corpus/tmuxp/plugin-system.yaml": "tmuxp needs the example plugin module tmuxp_plugin_extended_build, which is not published",
};

/** Files the peer itself refuses: prj must refuse them too (exit 2), saying what the peer says. */
const PEER_REFUSES: Record<string, string> = {
  "import-corpus/tmuxinator/tabs-only.yml": "tmuxinator 3.0 reads `windows:` even when a file uses the old `tabs:`",
  "import-corpus/tmuxp/env-number.yaml": "tmuxp expands every environment value as text; a number stops it",
  "import-corpus/tmuxp/dotted-name.yaml": "libtmux refuses session names with a period",
  "import-corpus/tmuxp/no-windows-key.yaml": "tmuxp needs `windows:`",
};

/**
 * Programs that corpus files run, each replaced by the recorder on PATH: it
 * writes down the pane, directory, arguments and chosen variables, and exits.
 * `pg_ctl` then fails, as a database that is already running makes it.
 */
const RECORDED_PROGRAMS = [
  "bundle", "btop", "cargo", "docker", "docker-compose", "flask", "go", "guard", "htop", "hugo", "ipython", "jest",
  "journalctl", "k9s", "kubectl", "lazygit", "less", "make", "mix", "node", "npm", "npx", "nvim", "nvm", "pg_ctl", "pip",
  "psql", "pytest", "python", "rails", "rake", "rbenv", "redis-server", "rvm", "sidekiq", "tail", "terraform", "tig", "top",
  "vim", "watch", "yarn",
];
const FAILING_PROGRAMS = ["pg_ctl"];

/** The recorder: one tab-separated line per run (pane or "-", directory, argv, then VAR=value for each set REC_VARS). */
const RECORDER = `#!/bin/sh
line="\${TMUX_PANE:--}	$(pwd -P)	\${0##*/}"
for arg in "$@"; do line="$line $arg"; done
for var in $REC_VARS; do
  eval "set=\\\${$var+x}"
  [ -n "$set" ] && eval "line=\\"\\$line	$var=\\\${$var}\\""
done
printf '%s\\n' "$line" >> "$REC_LOG"
case " $REC_FAIL " in *" \${0##*/} "*) exit 1 ;; esac
exit 0
`;

interface PaneShape {
  dir: string;
  active: boolean;
  runs: string[];
}

interface WindowShape {
  name: string;
  active: boolean;
  layout: string;
  panes: PaneShape[];
}

interface Shape {
  windows: WindowShape[];
  /** What ran outside panes: tmuxinator hooks and tmuxp's before_script, prj's steps. */
  hooks: string[];
}

interface Outcome {
  status: "same" | "differs" | "peer fails" | "refused by both";
  detail: string;
  differences: string[];
  /** The notes the import wrote into the command file. */
  notes: string[];
  /** Refused files: what the peer said, and what prj said. */
  peerSaid?: string;
  prjSaid?: string;
  prjExit?: number;
}

const installed: Record<Tool, boolean> = {
  tmuxinator: !missing("tmuxinator"),
  tmuxp: !missing("tmuxp"),
};
const outcomes = new Map<string, Outcome>();
let stubs = "";
let peerBin = "";
let recVars = "";
let socketCounter = 0;
const home = process.env.HOME!;

/** A bash script named `tmux` that drops the caller's -L/-S and forces $PEER_TMUX_SOCKET. */
function tmuxShim(realTmux: string): string {
  return `#!/bin/bash
: "\${PEER_TMUX_SOCKET:?PEER_TMUX_SOCKET must be set}"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -L|-S) shift 2 ;;
    -L?*|-S?*) shift ;;
    -f|-c|-T) args+=("$1" "$2"); shift 2 ;;
    --) shift; break ;;
    -*) args+=("$1"); shift ;;
    *) break ;;
  esac
done
exec ${realTmux} -L "$PEER_TMUX_SOCKET" "\${args[@]}" "$@"
`;
}

function tmux(socket: string, ...args: string[]) {
  // -u: byte-exact output (tabs, non-ASCII names) whatever the locale the suite runs in, as prj's own clients.
  return run(["tmux", "-u", "-L", socket, ...args]);
}

/** Makes what `dirs.txt` lists under `base` (`prefix` selects `~/` or `./` lines). */
function makeListed(base: string, prefix: "~/" | "./"): void {
  const lines = readFileSync(join(fixtures, "import-corpus", "dirs.txt"), "utf8").split("\n");
  for (const line of lines.map((each) => each.trim()).filter((each) => each.startsWith(prefix))) {
    const program = line.endsWith("*");
    const path = join(base, line.slice(2).replace(/\*$/, ""));
    if (program) {
      mkdirSync(resolve(path, ".."), { recursive: true });
      writeFileSync(path, RECORDER, { mode: 0o755 });
    } else {
      mkdirSync(path, { recursive: true });
    }
  }
}

/** The variable names any corpus file sets in `environment:`, so the recorder writes their values down. */
function environmentNames(): string[] {
  const names = new Set<string>(["VIRTUAL_ENV"]);
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === "object") {
      for (const [key, each] of Object.entries(value)) {
        if (key === "environment" && each !== null && typeof each === "object") for (const name of Object.keys(each)) names.add(name);
        walk(each);
      }
    }
  };
  for (const entry of files.filter((each) => each.tool === "tmuxp")) {
    try {
      walk(readPeerDocument(entry.file, entry.key, "tmuxp").data);
    } catch {
      // A file that does not load has nothing to add.
    }
  }
  return [...names].sort();
}

/** tmux's layout without its checksum and pane ids: the geometry alone. */
function geometry(layout: string): string {
  return layout.replace(/^[0-9a-f]{4},/, "").replace(/(\d+x\d+,\d+,\d+),\d+/g, "$1");
}

function normalizePath(path: string, project: string): string {
  return path.replaceAll(project, "<project>").replaceAll(home, "~");
}

/** The session on `socket` with what ran in it, once panes and the record stop changing. */
async function settledShape(socket: string, project: string, log: string): Promise<Shape | undefined> {
  const read = async (): Promise<string | undefined> => {
    const result = await tmux(
      socket,
      "list-panes", "-a", "-F",
      "#{window_index}\t#{window_name}\t#{window_active}\t#{window_layout}\t#{pane_index}\t#{pane_id}\t#{pane_active}\t#{pane_current_path}",
    );
    if (result.exitCode !== 0 || !result.stdout.trim()) return undefined;
    return `${result.stdout}\n--\n${existsSync(log) ? readFileSync(log, "utf8") : ""}`;
  };
  const deadline = Date.now() + 15_000;
  let last: string | undefined;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const now = await read();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (now !== undefined && Date.now() - stableSince >= 1000) break;
    await Bun.sleep(100);
  }
  if (last === undefined) return undefined;
  const [panesText, logText] = last.split("\n--\n") as [string, string];
  const runsByPane = new Map<string, string[]>();
  const hooks: string[] = [];
  for (const line of logText.split("\n").filter(Boolean)) {
    const [pane, dir, argv, ...vars] = line.split("\t");
    const entry = [`${argv} @ ${normalizePath(dir ?? "", project)}`, ...vars.map((each) => normalizePath(each, project))].join(" ");
    if (pane === "-") hooks.push(entry);
    else runsByPane.set(pane!, [...(runsByPane.get(pane!) ?? []), entry]);
  }
  const windows = new Map<number, WindowShape & { order: [number, PaneShape][] }>();
  for (const line of panesText.split("\n").filter(Boolean)) {
    const [windowIndex, name, windowActive, layout, paneIndex, paneId, paneActive, path] = line.split("\t");
    const window = windows.get(Number(windowIndex)) ?? { name: name!, active: windowActive === "1", layout: geometry(layout!), panes: [], order: [] };
    window.order.push([Number(paneIndex), { dir: normalizePath(path ?? "", project), active: paneActive === "1", runs: runsByPane.get(paneId!) ?? [] }]);
    windows.set(Number(windowIndex), window);
  }
  return {
    hooks,
    windows: [...windows.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, window]) => ({ name: window.name, active: window.active, layout: window.layout, panes: window.order.sort((a, b) => a[0] - b[0]).map(([, pane]) => pane) })),
  };
}

function compareShapes(peer: Shape, prj: Shape): string[] {
  const out: string[] = [];
  if (peer.windows.length !== prj.windows.length) out.push(`window count ${peer.windows.length} vs ${prj.windows.length}`);
  peer.windows.forEach((window, index) => {
    const other = prj.windows[index];
    if (!other) return;
    const label = `window ${index + 1} (${JSON.stringify(window.name)})`;
    if (window.name !== other.name) out.push(`${label}: name vs ${JSON.stringify(other.name)}`);
    if (window.active !== other.active) out.push(`${label}: ${window.active ? "active" : "not active"} vs ${other.active ? "active" : "not active"}`);
    if (window.panes.length !== other.panes.length) out.push(`${label}: pane count ${window.panes.length} vs ${other.panes.length}`);
    else if (window.layout !== other.layout) out.push(`${label}: layout ${window.layout} vs ${other.layout}`);
    window.panes.forEach((pane, paneIndex) => {
      const mine = other.panes[paneIndex];
      if (!mine) return;
      const where = `${label} pane ${paneIndex + 1}`;
      if (pane.dir !== mine.dir) out.push(`${where}: directory ${JSON.stringify(pane.dir)} vs ${JSON.stringify(mine.dir)}`);
      if (window.panes.length > 1 && pane.active !== mine.active) out.push(`${where}: ${pane.active ? "active" : "not active"} vs ${mine.active ? "active" : "not active"}`);
      if (JSON.stringify(pane.runs) !== JSON.stringify(mine.runs)) out.push(`${where}: runs ${JSON.stringify(pane.runs)} vs ${JSON.stringify(mine.runs)}`);
    });
  });
  if (JSON.stringify(peer.hooks) !== JSON.stringify(prj.hooks)) out.push(`hooks ${JSON.stringify(peer.hooks)} vs ${JSON.stringify(prj.hooks)}`);
  return out;
}

function describeShape(shape: Shape): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const runs = shape.windows.reduce((sum, window) => sum + window.panes.reduce((each, pane) => each + pane.runs.length, 0), 0);
  return `${count(shape.windows.length, "window")}, ${count(shape.windows.reduce((sum, window) => sum + window.panes.length, 0), "pane")}, ${count(runs + shape.hooks.length, "recorded run")}`;
}

/** The peer's own words for why it stopped: tmuxinator's message or Ruby exception, tmuxp's last traceback line. */
function peerMessage(tool: Tool, output: string): string {
  const lines = output.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((line) => line.trimEnd()).filter(Boolean);
  if (tool === "tmuxinator") {
    for (const line of lines) {
      const exception = /:in `[^']*': (.*\([A-Za-z:]+Error\))$/.exec(line);
      if (exception) return exception[1]!;
    }
    return lines[0] ?? "";
  }
  return lines.filter((line) => !/^\s/.test(line) && !line.startsWith("[Loading]") && !line.startsWith("Traceback")).pop() ?? "";
}

/** Notes the import kept as comments in the written command file. */
function notesOf(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("#   "))
    .map((line) => line.slice(4));
}

async function compareOne(entry: CorpusFile): Promise<Outcome> {
  socketCounter += 1;
  const peerSocket = `peer-${process.pid}-${socketCounter}`;
  const prjSocket = `prj-${process.pid}-${socketCounter}`;
  const project = tempDir("corpus-");
  makeListed(project, "./");
  const copy = join(project, entry.file.slice(entry.file.lastIndexOf("/") + 1));
  copyFileSync(entry.file, copy);
  const peerLog = join(project, ".peer-runs.log");
  const prjLog = join(project, ".prj-runs.log");
  const env = {
    PWD: project,
    USER: "prjtest",
    SHELL: "/bin/sh",
    MY_ENV_VAR: "myenv",
    PATH: `${stubs}:${process.env.PATH}`,
    REC_VARS: recVars,
    REC_FAIL: FAILING_PROGRAMS.join(" "),
  };
  // The servers start here, so their panes inherit this environment; prj's session gets the peer's size.
  const size = entry.tool === "tmuxp" ? "800x600" : "80x24";
  const startServer = (socket: string, log: string) =>
    run(["tmux", "-L", socket, "-f", "/dev/null", "start-server", ";", "set", "-g", "exit-empty", "off", ";", "set", "-g", "default-size", size], {
      cwd: project,
      env: { ...env, REC_LOG: log },
    });
  try {
    const init = await run([prjBinary, "init"], { cwd: project, env });
    if (init.exitCode !== 0) throw new Error(`prj init failed: ${init.stderr}`);

    await startServer(peerSocket, peerLog);
    // The peers are the reference, and Ruby and Python refuse emoji names outside a UTF-8 locale: they always get one.
    // prj runs in whatever locale the suite has (LANG=C included), which is what is under test.
    const peerEnv = { ...env, LANG: "C.UTF-8", LC_ALL: "C.UTF-8", REC_LOG: peerLog, PATH: `${peerBin}:${env.PATH}`, PEER_TMUX_SOCKET: peerSocket };
    const argv = entry.tool === "tmuxp" ? ["tmuxp", "load", "-d", "-y", "-L", peerSocket, copy] : ["tmuxinator", "start", "-p", copy, "--no-attach"];
    const peer = await run(["timeout", "40", ...argv], { cwd: project, env: peerEnv });
    const peerShape = peer.exitCode === 0 ? await settledShape(peerSocket, project, peerLog) : undefined;

    const name = `corpus-${entry.key.slice(entry.key.lastIndexOf("/") + 1).replace(/\.(ya?ml|json)$/, "").replace(/[^A-Za-z0-9._-]/g, "-")}`;
    const imported = await run([prjBinary, "import", entry.tool, copy, "--name", name], { cwd: project, env });
    const commandFile = join(project, ".prj", "commands", `${name}.yaml`);
    if (!peerShape) {
      const said = peerMessage(entry.tool, `${peer.stdout}\n${peer.stderr}`);
      const prjSaid = imported.stderr.trim();
      const refused = imported.exitCode === 2 && said !== "" && prjSaid.includes(said);
      return {
        status: refused ? "refused by both" : "peer fails",
        detail: `${entry.tool} exit ${peer.exitCode}: ${said.slice(0, 140)}`,
        differences: [],
        notes: [],
        peerSaid: said,
        prjSaid,
        prjExit: imported.exitCode,
      };
    }
    if (imported.exitCode !== 0) throw new Error(`prj import ${entry.key} failed: ${imported.stderr}`);
    const notes = notesOf(commandFile);

    await startServer(prjSocket, prjLog);
    const ran = await run([prjBinary, "run", name], { cwd: project, env: { ...env, REC_LOG: prjLog, PRJ_TMUX_SOCKET: prjSocket } });
    if (ran.exitCode !== 0) throw new Error(`prj run ${name} failed: ${ran.stderr}`);
    const prjShape = await settledShape(prjSocket, project, prjLog);
    if (!prjShape) throw new Error(`prj run ${name} left no session`);
    const differences = compareShapes(peerShape, prjShape);
    return {
      status: differences.length ? "differs" : "same",
      detail: differences.length ? differences.join("; ") : describeShape(peerShape),
      differences,
      notes,
    };
  } finally {
    await Promise.all([tmux(peerSocket, "kill-server"), tmux(prjSocket, "kill-server")]);
  }
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

describe("prj import gives the sessions the peers give", () => {
  beforeAll(async () => {
    const wanted = files.filter((entry) => installed[entry.tool] && !(entry.key in PEER_CANNOT_LOAD));
    if (wanted.length === 0) return;
    await ensureBinary();
    const realTmux = Bun.which("tmux");
    if (!realTmux) throw new Error("tmux is not installed");
    const bin = tempDir("bin-");
    peerBin = join(bin, "peer");
    stubs = join(bin, "stubs");
    mkdirSync(peerBin, { recursive: true });
    mkdirSync(stubs, { recursive: true });
    writeFileSync(join(peerBin, "tmux"), tmuxShim(realTmux));
    chmodSync(join(peerBin, "tmux"), 0o755);
    for (const stub of ["sudo", "ssh"]) {
      writeFileSync(join(stubs, stub), `#!/bin/sh\necho "${stub} is stubbed in this test: $*" >&2\nexit 0\n`);
      chmodSync(join(stubs, stub), 0o755);
    }
    for (const program of RECORDED_PROGRAMS) writeFileSync(join(stubs, program), RECORDER, { mode: 0o755 });
    // Login shells read /etc/profile, which resets PATH; ~/.profile puts the stand-ins back in front.
    writeFileSync(join(home, ".profile"), `PATH="${stubs}:$PATH"; export PATH\n`);
    makeListed(home, "~/");
    recVars = environmentNames().join(" ");
    await pool(wanted, 6, async (entry) => {
      try {
        outcomes.set(entry.key, await compareOne(entry));
      } catch (error) {
        outcomes.set(entry.key, { status: "differs", detail: `error: ${(error as Error).message}`, differences: [String(error)], notes: [] });
      }
    });
  }, 150_000);

  afterAll(() => {
    if (outcomes.size === 0) return;
    const rows = files
      .filter((entry) => outcomes.has(entry.key))
      .map((entry) => {
        const outcome = outcomes.get(entry.key)!;
        const known = KNOWN_DIFFERENCES[entry.key];
        const result = outcome.status === "differs" && known ? `differs, reported (${known.reason})` : outcome.status;
        return `| ${entry.key} | ${result} | ${outcome.detail.replaceAll("|", "\\|")} |`;
      });
    const compared = [...outcomes.values()].filter((outcome) => outcome.status === "same" || outcome.status === "differs");
    const same = compared.filter((outcome) => outcome.status === "same").length;
    const refused = [...outcomes.values()].filter((outcome) => outcome.status === "refused by both").length;
    console.log(
      ["", "| corpus file | result | details |", "|---|---|---|", ...rows, "", `${same} same / ${compared.length} compared; ${refused} refused by the peer and by prj alike`, ""].join("\n"),
    );
  });

  for (const tool of ["tmuxinator", "tmuxp"] as const) {
    if (!installed[tool]) {
      test.skip(`${tool} corpus (${tool} not installed; ./scripts/test installs it on Debian/Ubuntu)`, () => {});
      continue;
    }
    for (const entry of files.filter((each) => each.tool === tool)) {
      const cannotLoad = PEER_CANNOT_LOAD[entry.key];
      if (cannotLoad !== undefined) {
        test.skip(`${entry.key} (${tool} cannot load it: ${cannotLoad})`, () => {});
        continue;
      }
      const refusal = PEER_REFUSES[entry.key];
      if (refusal !== undefined) {
        test(`${entry.key}: refused by ${tool}, and by prj with ${tool}'s words (${refusal})`, () => {
          const outcome = outcomes.get(entry.key);
          expect(outcome).toBeDefined();
          expect({ status: outcome!.status, prjExit: outcome!.prjExit }).toEqual({ status: "refused by both", prjExit: 2 });
          expect(outcome!.prjSaid).toContain(outcome!.peerSaid!);
        });
        continue;
      }
      test(entry.key, () => {
        const outcome = outcomes.get(entry.key);
        expect(outcome).toBeDefined();
        // A peer that fails on a file not listed above is a broken test setup, not a pass.
        expect({ status: outcome!.status, detail: outcome!.detail }).not.toMatchObject({ status: "peer fails" });
        const known = KNOWN_DIFFERENCES[entry.key];
        expect(outcome!.differences).toEqual(known?.differences ?? []);
        for (const key of known?.reportedAs ?? []) expect(outcome!.notes.filter((note) => note.startsWith(`${key}:`) || note.startsWith(`${key} `))).not.toEqual([]);
      });
    }
  }
});
