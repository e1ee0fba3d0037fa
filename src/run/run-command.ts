import type { RunPlan } from "../plan/types.ts";
import { openProject } from "../project.ts";
import { TmuxManager } from "../tmux/manager.ts";
import { parseAssignments, prepareRun } from "./prepare.ts";
import type { RunReport } from "./execute.ts";

export type RunResult = { kind: "plan"; plan: RunPlan } | { kind: "report"; report: RunReport };

/**
 * `prj run NAME k=v…`: validate everything, then either print the plan (dry
 * run: no file, session or row is created) or execute it.
 */
export async function runNamedCommand(
  name: string,
  tokens: string[],
  options: { dryRun: boolean; attach?: boolean },
): Promise<RunResult> {
  const cliArguments = parseAssignments(tokens);
  const project = await openProject();
  const tmux = new TmuxManager({ socket: project.socket });
  const { existsSync } = await import("node:fs");
  const { openStateDatabase } = await import("../state/db.ts");
  // A dry run reads the database only if it is there; it must not create it.
  const store =
    options.dryRun && !existsSync(project.paths.database)
      ? undefined
      : openStateDatabase(project.paths.database, { create: !options.dryRun });
  try {
    const prepared = await prepareRun(project, name, cliArguments, { sessions: [], store });
    if (prepared.plan.session) await tmux.ensureSupported();
    if (options.dryRun) {
      // Naming against the live server shows the name a real run would get.
      const live = prepared.plan.session ? await tmux.listSessions() : [];
      return { kind: "plan", plan: prepared.replan(live) };
    }
    const { executeRun } = await import("./execute.ts");
    return { kind: "report", report: await executeRun(project, prepared, store!, tmux, { attach: options.attach }) };
  } finally {
    store?.close();
  }
}
