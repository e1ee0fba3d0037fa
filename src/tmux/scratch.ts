/**
 * A throw-away private tmux server for asking tmux's own arithmetic (layouts
 * of presets) without touching the user's. Its socket lives in a directory of
 * its own that is removed afterwards: tmux (3.3a at least) leaves its socket
 * file behind after `kill-server`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProcess } from "../exec/runner.ts";
import { log } from "../ui/log.ts";

/**
 * Runs `body` with the argv prefix of a scratch server (`tmux -u -S SOCKET -f
 * /dev/null`), then kills that server and removes its socket, however `body` ends.
 */
export async function withScratchServer<T>(tmuxBinary: string, body: (argv: string[]) => Promise<T>): Promise<T> {
  // A short path: a socket's path must fit in sun_path (about 100 bytes).
  const dir = mkdtempSync(join(tmpdir(), "prj-scratch-"));
  const argv = [tmuxBinary, "-u", "-S", join(dir, "s"), "-f", "/dev/null"];
  try {
    return await body(argv);
  } finally {
    await runProcess([...argv, "kill-server"]);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      log.debug(`scratch tmux directory ${dir} not removed: ${String(error)}`);
    }
  }
}
