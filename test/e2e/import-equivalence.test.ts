// Equivalence of `prj import` with the peers themselves: every corpus file is
// loaded by tmuxinator or tmuxp on one private tmux server, imported and run by
// prj on another, and the two sessions' shapes are compared (windows in order,
// their names, pane counts and each pane's directory once the shells settle).
//
// Nothing reaches the developer's tmux server: TMUX_TMPDIR is private (preload),
// and the peers find a `tmux` shim first on PATH that replaces any -L/-S they
// pass (tmuxinator honours `socket_name:` from the file) with a private socket.
// `sudo` and `ssh`, which corpus files run, are stubbed for both sides.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { missing } from "../helpers/tools.ts";
import { run, tempDir } from "../helpers/world.ts";
import { ensureBinary, prjBinary } from "./support.ts";

const corpusRoot = resolve(import.meta.dir, "../fixtures/peer-corpus");
type Tool = "tmuxinator" | "tmuxp";

interface CorpusFile {
  tool: Tool;
  file: string;
  key: string;
}

const files: CorpusFile[] = (["tmuxinator", "tmuxp"] as const).flatMap((tool) =>
  readdirSync(join(corpusRoot, tool))
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => ({ tool, file: join(corpusRoot, tool, name), key: `${tool}/${name}` })),
);

/**
 * Differences that are expected, each with its reason: the suite fails when a
 * file differs in any other way, or when one of these stops differing.
 */
const KNOWN_DIFFERENCES: Record<string, { differences: string[]; reason: string }> = {
  "tmuxp/pane-shell.yaml": {
    differences: ['window 1 ("first") pane 3: directory "" vs "<project>"'],
    reason: "the window_shell /usr/bin/python2 does not exist: tmuxp leaves a dead pane (remain-on-exit), prj falls back to a shell",
  },
};

interface Shape {
  windows: { name: string; panes: string[] }[];
}

interface Outcome {
  status: "same" | "differs" | "peer fails";
  detail: string;
  differences: string[];
}

/** Files the peer itself cannot load, each with the reason: nothing to compare, so their tests are skipped. */
const PEER_CANNOT_LOAD: Record<string, string> = {
  "tmuxp/plugin-system.yaml": "tmuxp needs the example plugin module tmuxp_plugin_extended_build, which is not published",
};

const installed: Record<Tool, boolean> = {
  tmuxinator: !missing("tmuxinator"),
  tmuxp: !missing("tmuxp"),
};
const outcomes = new Map<string, Outcome>();
let stubs = "";
let peerBin = "";
let socketCounter = 0;

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
  return run(["tmux", "-L", socket, ...args]);
}

/** Windows in index order, each with its name and its panes' directories; polled until it stops changing. */
async function settledShape(socket: string, project: string): Promise<Shape | undefined> {
  const read = async (): Promise<string | undefined> => {
    const result = await tmux(socket, "list-panes", "-a", "-F", "#{window_index}\t#{window_name}\t#{pane_index}\t#{pane_current_path}");
    return result.exitCode === 0 && result.stdout.trim() ? result.stdout : undefined;
  };
  const deadline = Date.now() + 15_000;
  let last: string | undefined;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const now = await read();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (now !== undefined && Date.now() - stableSince >= 800) break;
    await Bun.sleep(100);
  }
  if (last === undefined) return undefined;
  const windows = new Map<number, { name: string; panes: [number, string][] }>();
  for (const line of last.split("\n").filter(Boolean)) {
    const [windowIndex, name, paneIndex, path] = line.split("\t");
    const window = windows.get(Number(windowIndex)) ?? { name: name!, panes: [] };
    window.panes.push([Number(paneIndex), (path ?? "").replaceAll(project, "<project>")]);
    windows.set(Number(windowIndex), window);
  }
  return {
    windows: [...windows.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, window]) => ({ name: window.name, panes: window.panes.sort((a, b) => a[0] - b[0]).map(([, path]) => path) })),
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
    if (window.panes.length !== other.panes.length) out.push(`${label}: pane count ${window.panes.length} vs ${other.panes.length}`);
    window.panes.forEach((path, pane) => {
      if (other.panes[pane] !== undefined && other.panes[pane] !== path) out.push(`${label} pane ${pane + 1}: directory ${JSON.stringify(path)} vs ${JSON.stringify(other.panes[pane])}`);
    });
  });
  return out;
}

function describeShape(shape: Shape): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  return `${count(shape.windows.length, "window")}, ${count(shape.windows.reduce((sum, window) => sum + window.panes.length, 0), "pane")}`;
}

async function compareOne(entry: CorpusFile): Promise<Outcome> {
  socketCounter += 1;
  const peerSocket = `peer-${process.pid}-${socketCounter}`;
  const prjSocket = `prj-${process.pid}-${socketCounter}`;
  const project = tempDir("corpus-");
  // env-variables.yaml: start_directory ${PWD}/test and before_script ${MY_ENV_VAR}/test3.sh (run from there).
  mkdirSync(join(project, "test", "myenv"), { recursive: true });
  writeFileSync(join(project, "test", "myenv", "test3.sh"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  const env = { PWD: project, USER: "prjtest", MY_ENV_VAR: "myenv", PATH: `${stubs}:${process.env.PATH}` };
  try {
    const peerEnv = { ...env, PATH: `${peerBin}:${env.PATH}`, PEER_TMUX_SOCKET: peerSocket };
    const argv =
      entry.tool === "tmuxp"
        ? ["tmuxp", "load", "-d", "-y", "-L", peerSocket, entry.file]
        : ["tmuxinator", "start", "-p", entry.file, "--no-attach"];
    // tmuxinator's script runs `tmux start-server` first; a server with no session may exit while the
    // next client connects ("no server running"). A peer fails only when it fails twice.
    let peer = await run(["timeout", "40", ...argv], { cwd: project, env: peerEnv });
    if (peer.exitCode !== 0) {
      await tmux(peerSocket, "kill-server");
      peer = await run(["timeout", "40", ...argv], { cwd: project, env: peerEnv });
    }
    const peerShape = peer.exitCode === 0 ? await settledShape(peerSocket, project) : undefined;
    if (!peerShape) {
      const said = `${peer.stderr}\n${peer.stdout}`.replace(/\x1b\[[0-9;]*m/g, "").trim().split("\n").filter(Boolean).pop() ?? "";
      return { status: "peer fails", detail: `${entry.tool} exit ${peer.exitCode}: ${said.slice(0, 120)}`, differences: [] };
    }

    const init = await run([prjBinary, "init"], { cwd: project, env });
    if (init.exitCode !== 0) throw new Error(`prj init failed: ${init.stderr}`);
    const name = `corpus-${basename(entry.file).replace(/\.ya?ml$/, "").replace(/[^A-Za-z0-9._-]/g, "-")}`;
    const imported = await run([prjBinary, "import", entry.tool, entry.file, "--name", name], { cwd: project, env });
    if (imported.exitCode !== 0) throw new Error(`prj import ${entry.key} failed: ${imported.stderr}`);
    const ran = await run([prjBinary, "run", name], { cwd: project, env: { ...env, PRJ_TMUX_SOCKET: prjSocket } });
    if (ran.exitCode !== 0) throw new Error(`prj run ${name} failed: ${ran.stderr}`);
    const prjShape = await settledShape(prjSocket, project);
    if (!prjShape) throw new Error(`prj run ${name} left no session`);
    const differences = compareShapes(peerShape, prjShape);
    return {
      status: differences.length ? "differs" : "same",
      detail: differences.length ? differences.join("; ") : describeShape(peerShape),
      differences,
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
    // tmuxinator's sample files use `root: ~/test`.
    mkdirSync(join(process.env.HOME!, "test"), { recursive: true });
    await pool(wanted, 7, async (entry) => {
      try {
        outcomes.set(entry.key, await compareOne(entry));
      } catch (error) {
        outcomes.set(entry.key, { status: "differs", detail: `error: ${(error as Error).message}`, differences: [String(error)] });
      }
    });
  }, 120_000);

  afterAll(() => {
    if (outcomes.size === 0) return;
    const rows = files
      .filter((entry) => outcomes.has(entry.key))
      .map((entry) => {
        const outcome = outcomes.get(entry.key)!;
        const known = KNOWN_DIFFERENCES[entry.key];
        const result = outcome.status === "differs" && known ? `differs (known: ${known.reason})` : outcome.status;
        return `| ${entry.key} | ${result} | ${outcome.detail.replaceAll("|", "\\|")} |`;
      });
    console.log(["", "| corpus file | result | details |", "|---|---|---|", ...rows, ""].join("\n"));
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
      test(entry.key, () => {
        const outcome = outcomes.get(entry.key);
        expect(outcome).toBeDefined();
        // A peer that fails on a file not listed above is a broken test setup, not a pass.
        expect({ status: outcome!.status, detail: outcome!.detail }).not.toMatchObject({ status: "peer fails" });
        expect(outcome!.differences).toEqual(KNOWN_DIFFERENCES[entry.key]?.differences ?? []);
      });
    }
  }
});
