// Every test process owns its world: a temp HOME and XDG tree, a private
// TMUX_TMPDIR so no tmux call can reach the developer's server, and no TMUX.
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = mkdtempSync(join(tmpdir(), "prj-test-"));
const home = join(root, "home");
for (const dir of ["home", "home/.config", "home/.local/share", "home/.local/state", "home/.cache", "tmux"]) {
  mkdirSync(join(root, dir), { recursive: true, mode: 0o700 });
}
process.env.HOME = home;
process.env.XDG_CONFIG_HOME = join(home, ".config");
process.env.XDG_DATA_HOME = join(home, ".local/share");
process.env.XDG_STATE_HOME = join(home, ".local/state");
process.env.XDG_CACHE_HOME = join(home, ".cache");
process.env.TMUX_TMPDIR = join(root, "tmux");
process.env.PRJ_TEST_ROOT = root;
delete process.env.TMUX;
delete process.env.TMUX_PANE;
delete process.env.PRJ_TMUX_SOCKET;
delete process.env.PRJ_LOG_LEVEL;
process.env.GIT_AUTHOR_NAME = "prj test";
process.env.GIT_AUTHOR_EMAIL = "test@example.invalid";
process.env.GIT_COMMITTER_NAME = "prj test";
process.env.GIT_COMMITTER_EMAIL = "test@example.invalid";
process.env.GIT_CONFIG_NOSYSTEM = "1";
process.env.SHELL = "/bin/sh";
