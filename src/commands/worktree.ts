import { defineCommand } from "./define.ts";
import { printJson, table, writeOut } from "../ui/output.ts";

const list = defineCommand({
  meta: { name: "list", description: "List the worktrees with their branch, changes, sessions and port" },
  args: { json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const { openProject } = await import("../project.ts");
    const { TmuxManager } = await import("../tmux/manager.ts");
    const { openStateDatabase } = await import("../state/db.ts");
    const { existsSync } = await import("node:fs");
    const { listProjectWorktrees } = await import("../worktrees/manage.ts");
    const project = await openProject();
    // A read command: without a database there is nothing recorded, and none is created.
    const store = existsSync(project.paths.database) ? openStateDatabase(project.paths.database, { create: false }) : undefined;
    try {
      const rows = await listProjectWorktrees(project, new TmuxManager({ socket: project.socket }), store);
      if (args.json) return printJson(rows);
      const lines = rows.map((row) => [
        row.branch ?? `(detached ${row.head.slice(0, 7)})`,
        row.path,
        row.missing ? "missing" : row.dirty ? "dirty" : "clean",
        row.port === null ? "-" : String(row.port),
        row.sessions.join(", ") || "-",
      ]);
      writeOut(`${table(lines, ["BRANCH", "PATH", "STATE", "PORT", "SESSIONS"])}\n`);
      const { log } = await import("../ui/log.ts");
      for (const row of rows.filter((each) => each.missing)) {
        const name = row.branch ?? row.path;
        log.warn(`worktree ${name} is missing: ${row.path} was deleted; \`prj worktree remove ${name}\` (or \`git worktree prune\`) forgets it`);
      }
    } finally {
      store?.close();
    }
  },
});

const create = defineCommand({
  meta: { name: "create", description: "Make a worktree for BRANCH (a new branch from --base, or an existing one)" },
  args: {
    branch: { type: "positional", required: true, description: "Branch to check out (created when missing)" },
    base: { type: "string", description: "Base of a new branch (default: the main checkout's current branch)" },
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  async run({ args }) {
    const { openProject } = await import("../project.ts");
    const { openStateDatabase } = await import("../state/db.ts");
    const { createProjectWorktree } = await import("../worktrees/manage.ts");
    const project = await openProject();
    const store = openStateDatabase(project.paths.database, { create: true });
    try {
      const result = await createProjectWorktree(project, store, args.branch, args.base);
      if (args.json) return printJson(result);
      writeOut(`${result.created ? "Created" : "Reusing"} worktree ${result.path} (branch ${result.branch}, port ${result.port})\n`);
    } finally {
      store.close();
    }
  },
});

const remove = defineCommand({
  meta: { name: "remove", description: "Kill a worktree's sessions and remove it (the branch stays unless --delete-branch)" },
  args: {
    target: { type: "positional", required: true, description: "Branch or path of the worktree" },
    force: { type: "boolean", description: "Remove even with uncommitted changes or commits on no other branch" },
    "delete-branch": { type: "boolean", description: "Delete the branch too" },
    json: { type: "boolean", description: "Print the result as JSON" },
  },
  async run({ args }) {
    const { withSessionContext } = await import("../sessions/context.ts");
    const { removeProjectWorktree } = await import("../worktrees/manage.ts");
    const result = await withSessionContext((context) =>
      removeProjectWorktree(context, args.target, { force: Boolean(args.force), deleteBranch: Boolean(args["delete-branch"]) }),
    );
    if (args.json) return printJson(result);
    const killed = result.sessions_killed.length ? `; killed ${result.sessions_killed.join(", ")}` : "";
    const branch = result.branch ? (result.branch_deleted ? `; deleted branch ${result.branch}` : `; kept branch ${result.branch}`) : "";
    writeOut(`Removed worktree ${result.path}${killed}${branch}\n`);
  },
});

export default defineCommand({
  meta: { name: "worktree", description: "List, create and remove the project's git worktrees" },
  subCommands: { list, create, remove },
});
