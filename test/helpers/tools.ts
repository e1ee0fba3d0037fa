// Programs that some tests need besides tmux and git. scripts/test installs
// every one of them on Debian and Ubuntu, so there a CI run that lacks one
// fails (test/unit/test-tools.test.ts) instead of skipping tests quietly.
// Elsewhere the tests that need a missing tool are skipped, and say why.

/** Each tool, with what needs it. */
export const TEST_TOOLS = {
  tmux: "every session test",
  git: "every worktree test",
  ps: "prj reads process trees with it (session-info, monitor, kill); tests count processes with it",
  strace: "sessions e2e: how many tmux clients a run starts, and that no secret reaches an argv",
  script: "util-linux `script` gives prj a terminal (terminal size, colour, log lines)",
  zsh: "completion e2e: the zsh script; the shell-injection test runs every case in zsh",
  fish: "completion e2e: the fish script; the shell-injection test runs every case in fish",
  tmuxinator: "import equivalence e2e: the tmuxinator corpus",
  tmuxp: "import equivalence e2e: the tmuxp corpus",
  ruby: "the Homebrew formula's syntax check",
  curl: "install.sh and the formula script fetching from a URL",
} as const;

export type TestTool = keyof typeof TEST_TOOLS;

const known = new Map<TestTool, boolean>();

/** Whether `tool` is installed (for `script`: the util-linux one, whose flags the tests use). */
export function have(tool: TestTool): boolean {
  let found = known.get(tool);
  if (found === undefined) {
    found = Bun.which(tool) !== null;
    if (found && tool === "script") {
      const version = Bun.spawnSync(["script", "--version"], { stdout: "pipe", stderr: "pipe" });
      found = version.stdout.toString().includes("util-linux");
    }
    known.set(tool, found);
  }
  return found;
}

const reported = new Set<TestTool>();

/**
 * For `test.skipIf(missing("strace"))`: true when `tool` is not installed,
 * and then it says once which tests are skipped for it.
 */
export function missing(tool: TestTool): boolean {
  if (have(tool)) return false;
  if (!reported.has(tool)) {
    reported.add(tool);
    console.warn(`SKIPPED: ${tool} is not installed; tests that need it do not run (${TEST_TOOLS[tool]})`);
  }
  return true;
}
