// Progress of a quiet step, seen as a user sees it: prj runs in a real
// terminal (a pane of a private tmux server, read back with capture-pane).
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PrivateTmux, tempDir, waitFor } from "../helpers/world.ts";
import { perTest, prjBinary, World, worlds } from "./support.ts";

const newWorld = worlds({ ignorePrj: true });
const terminal = perTest(() => new PrivateTmux("pty"));

/** A step that says one thing, then nothing for six seconds, then one more thing. */
const SLOW = 'name: slow\nsteps:\n  - { name: wait, run: "echo begin; sleep 6; echo end" }\n';

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/** Starts `prj run slow` in a new window of the terminal server, with `redirect` after it (a file, say). */
async function runInTerminal(pty: PrivateTmux, world: World, window: string, env: Record<string, string>, redirect = ""): Promise<void> {
  const assignments = Object.entries({ ...world.env(), ...env }).map(([key, value]) => `${key}=${quote(value ?? "")}`);
  const command = `env -u NO_COLOR ${assignments.join(" ")} ${quote(prjBinary)} run slow ${redirect}; echo EXIT=$?; sleep 600`;
  if ((await pty.sessionNames()).length === 0) await pty.ok("new-session", "-d", "-s", "pty", "-x", "120", "-y", "30", "-n", window, "-c", world.root, command);
  else await pty.ok("new-window", "-d", "-t", "=pty:", "-n", window, "-c", world.root, command);
}

/** The window's screen; with `escapes`, the colours as escape sequences too. */
async function screen(pty: PrivateTmux, window: string, escapes = false): Promise<string> {
  return pty.ok("capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", `=pty:=${window}`);
}

describe("a step that prints nothing for a few seconds", () => {
  test("shows how long it has run on a terminal, dim, then wipes the line; plain with NO_COLOR; nothing on a file", async () => {
    const world = await newWorld();
    world.writeCommand("slow", SLOW);
    const pty = terminal();
    const errors = join(tempDir("stderr-"), "stderr.txt");
    await runInTerminal(pty, world, "colour", {});
    await runInTerminal(pty, world, "plain", { NO_COLOR: "1" });
    await runInTerminal(pty, world, "file", {}, `2>${quote(errors)}`);

    const line = /^\[wait\] still running: \d+s\s*$/m;
    const coloured = await waitFor(async () => {
      const text = await screen(pty, "colour", true);
      return line.test(text.replace(/\x1b\[[0-9;]*m/g, "")) ? text : undefined;
    }, { what: "the elapsed-time line", timeoutMs: 8000 });
    expect(coloured).toMatch(/\x1b\[2m\[wait\] still running: \d+s/);
    expect(await screen(pty, "colour")).toContain("[wait] begin");

    const plain = await waitFor(async () => {
      const text = await screen(pty, "plain", true);
      return line.test(text) ? text : undefined;
    }, { what: "the elapsed-time line without colour", timeoutMs: 8000 });
    expect(plain).not.toContain("\x1b[2m");

    // When the step speaks again and ends, the line is gone.
    for (const window of ["colour", "plain", "file"]) {
      const done = await waitFor(async () => {
        const text = await screen(pty, window);
        return text.includes("EXIT=0") ? text : undefined;
      }, { what: `prj in ${window} to finish`, timeoutMs: 15_000 });
      expect(done).not.toContain("still running");
    }
    expect(await screen(pty, "colour")).toContain("[wait] end");
    const file = readFileSync(errors, "utf8");
    expect(file).toContain("[wait] begin\n[wait] end\n");
    expect(file).not.toContain("still running");
    expect(file).not.toContain("\x1b");
  }, 30_000);
});
