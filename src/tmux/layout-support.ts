/**
 * The one layout question the plan builder cannot answer: whether the tmux
 * server that will run `select-layout` has the `-mirrored` presets (3.5+).
 * Asked only when a plan uses one, so other runs pay nothing.
 */
import { ConfigError } from "../errors.ts";
import type { RunPlan } from "../plan/types.ts";
import { layoutKind, layoutProblem, versionHasMirroredLayouts } from "./layout.ts";
import type { TmuxManager } from "./manager.ts";

/**
 * The version of the server that will run the commands: the running one
 * (`#{version}`; after an upgrade it can be older than the client), else the
 * client's, which is what a new server would be.
 */
export async function serverTmuxVersion(tmux: TmuxManager, clientVersion: string): Promise<string> {
  const result = await tmux.run(["display-message", "-p", "#{version}"]);
  const running = result.stdout.trim();
  return result.exitCode === 0 && running !== "" ? running : clientVersion;
}

/**
 * Throws a ConfigError (exit 2) at the `layout:` of the first window whose
 * mirrored preset the server does not have; tmux 3.3a would crash on it.
 */
export async function assertLayoutsSupported(
  plan: RunPlan,
  command: { file: string; positionOf(path: (string | number)[]): { line: number; col: number } },
  tmux: TmuxManager,
  clientVersion: string,
): Promise<void> {
  const windows = plan.session?.windows ?? [];
  const mirrored = windows.findIndex((window) => window.layout !== undefined && layoutKind(window.layout) === "mirrored-preset");
  if (mirrored < 0) return;
  const version = await serverTmuxVersion(tmux, clientVersion);
  if (versionHasMirroredLayouts(version) === true) return;
  const window = windows[mirrored]!;
  const problem = layoutProblem(window.layout!, { panes: window.panes.length, mirroredPresets: false })!;
  const path = ["session", "windows", mirrored, "layout"];
  throw new ConfigError(
    { file: command.file, ...command.positionOf(path), path: path.join(".") },
    `${problem.problem} (the tmux server is ${version})`,
    problem.hint,
  );
}
