import { UsageError } from "../errors.ts";
import type { PlannedActions } from "../plan/format.ts";
import type { RunPlan } from "../plan/types.ts";
import { openProject } from "../project.ts";
import { TmuxManager } from "../tmux/manager.ts";
import { log } from "../ui/log.ts";
import { parseAssignments, prepareRun } from "./prepare.ts";
import type { RunReport } from "./execute.ts";

export type RunResult = { kind: "plan"; plan: RunPlan; actions: PlannedActions } | { kind: "report"; report: RunReport };

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
    const prepared = await prepareRun(project, name, cliArguments, { sessions: [], store, lockedCheck: !options.dryRun });
    if (prepared.plan.session) {
      const clientVersion = await tmux.ensureSupported();
      const { assertLayoutsSupported } = await import("../tmux/layout-support.ts");
      await assertLayoutsSupported(prepared.plan, prepared.input.command, tmux, clientVersion);
      const { assertShellUsable } = await import("../config/shell.ts");
      await assertShellUsable(project.settings, project.paths.prj);
    }
    if (options.dryRun) {
      // Naming against the live server shows the name a real run would get.
      const live = prepared.plan.session ? await tmux.listSessions() : [];
      const plan = prepared.replan(live);
      const identity = plan.session?.identity;
      const reused = live.some(
        (session) => session.name === plan.session?.name && session.project === identity?.project && session.worktree === identity?.worktree && session.task === identity?.task,
      );
      const preflight = prepared.worktree;
      const branch = preflight?.branchExisted ? "existing" : preflight?.baseAwaited ? "awaited" : "new";
      return { kind: "plan", plan, actions: { worktree: preflight?.existing ? "reuse" : "create", session: reused ? "reuse" : "create", branch } };
    }
    const { executeRun } = await import("./execute.ts");
    const attach = await decideAttach(prepared.plan, options.attach, tmux);
    (await import("../projects/registry.ts")).noteProject(project);
    return { kind: "report", report: await executeRun(project, prepared, store!, tmux, { attach }) };
  } finally {
    store?.close();
  }
}

/**
 * Whether the run ends by attaching, decided before anything runs. Attaching
 * needs a terminal, unless prj runs inside tmux on the same server (it then
 * switches the client), and must not happen inside tmux on another server.
 * Where it cannot, an explicit `--attach` is an input error (exit 2, nothing
 * created), and `auto_attach` from the config is skipped.
 */
async function decideAttach(plan: RunPlan, cliAttach: boolean | undefined, tmux: TmuxManager): Promise<boolean> {
  const wanted = cliAttach ?? plan.session?.autoAttach ?? false;
  if (!wanted || !plan.session || tmux.isCurrentServer()) return wanted;
  if (process.env.TMUX) {
    // Inside tmux on another server, attaching would nest one tmux in the other (TmuxManager.attachSession).
    const hint = "detach first (prefix + d) and run `prj attach NAME` outside tmux";
    if (cliAttach) throw new UsageError("cannot --attach: you are inside tmux on another server than the project's, and attaching would nest tmux", hint);
    log.info("not attaching: you are inside tmux on another server, and attaching would nest tmux");
    return false;
  }
  // node:tty rather than process.stdin/stdout, whose streams cost ~10 ms to build.
  const { isatty } = await import("node:tty");
  if (isatty(0) && isatty(1)) return true;
  if (cliAttach) {
    throw new UsageError("cannot --attach: there is no terminal", "run it from a terminal, or without --attach and then `prj attach NAME` from one");
  }
  log.info("not attaching: no terminal");
  return false;
}
