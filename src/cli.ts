import type { ArgsDef, CommandDef } from "citty";
import { closest, PrjError, UsageError } from "./errors.ts";
import { VERSION } from "./version.ts";

type Loader = () => Promise<{ default: CommandDef<any> }>;

interface Entry {
  description: string;
  load: Loader;
}

/**
 * Every subcommand, loaded only when it is the one being run: start-up time is
 * part of the product, and most commands never need YAML, TypeBox or SQLite.
 */
const COMMANDS: Record<string, Entry> = {
  init: { description: "Create the .prj/ tree, default commands and database", load: () => import("./commands/init.ts") },
  "list-commands": { description: "List the commands in .prj/commands", load: () => import("./commands/list-commands.ts") },
  run: { description: "Run a command: worktree, session and steps", load: () => import("./commands/run.ts") },
  "list-sessions": { description: "List this project's sessions", load: () => import("./commands/list-sessions.ts") },
  "session-info": { description: "Show a session's windows, panes, environment and history", load: () => import("./commands/session-info.ts") },
  attach: { description: "Attach to (or switch to) a session", load: () => import("./commands/attach.ts") },
  "kill-session": { description: "Run cleanup steps, kill a session and record its end", load: () => import("./commands/kill-session.ts") },
  "cleanup-sessions": { description: "Kill this project's managed sessions", load: () => import("./commands/cleanup-sessions.ts") },
  "reset-sessions": { description: "Reconcile the database with tmux", load: () => import("./commands/reset-sessions.ts") },
  status: { description: "Project, live sessions, worktrees and recent events", load: () => import("./commands/status.ts") },
};

/** Flags every command accepts. */
const GLOBAL_FLAGS = new Set(["help", "h", "no-color"]);

/** Runs the command line; errors propagate to main.ts, which formats them once. */
export async function runCli(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(rootUsage());
    return;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (name.startsWith("-")) {
    throw new UsageError(`unknown flag ${name}`, "run `prj --help` to see the commands and flags");
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const suggestion = closest(name, Object.keys(COMMANDS));
    throw new UsageError(
      `unknown command "${name}"`,
      suggestion ? `did you mean \`prj ${suggestion}\`?` : "run `prj --help` to see the commands",
    );
  }
  const command = (await entry.load()).default;
  await dispatch(command, rest, ["prj", name]);
}

async function dispatch(command: CommandDef<any>, rawArgs: string[], path: string[]): Promise<void> {
  const subCommands = command.subCommands as Record<string, CommandDef<any>> | undefined;
  if (subCommands) {
    const [sub, ...subArgs] = rawArgs;
    if (sub === undefined || sub === "--help" || sub === "-h") {
      process.stdout.write(await usageOf(command, path));
      if (sub === undefined) throw new UsageError(`${path.join(" ")} needs a subcommand`);
      return;
    }
    const next = subCommands[sub];
    if (!next) {
      const suggestion = closest(sub, Object.keys(subCommands));
      throw new UsageError(
        `unknown subcommand "${sub}" for ${path.join(" ")}`,
        suggestion ? `did you mean \`${path.join(" ")} ${suggestion}\`?` : `one of: ${Object.keys(subCommands).join(", ")}`,
      );
    }
    return dispatch(next, subArgs, [...path, sub]);
  }
  if (rawArgs.includes("--help") || rawArgs.includes("-h")) {
    process.stdout.write(await usageOf(command, path));
    return;
  }
  const argsDef = (command.args ?? {}) as ArgsDef;
  rejectUnknownFlags(rawArgs, argsDef, path);
  const { parseArgs } = await import("citty");
  let args;
  try {
    args = parseArgs(rawArgs, argsDef);
  } catch (error) {
    if (error instanceof Error && (error as { code?: string }).code === "EARG") {
      throw new UsageError(`${path.join(" ")}: ${stripAnsi(error.message)}`, `run \`${path.join(" ")} --help\``);
    }
    throw error;
  }
  if (!command.run) throw new PrjError(`${path.join(" ")} cannot be run`);
  await command.run({ rawArgs, args, cmd: command });
}

/** citty accepts any flag; a typo must instead stop the run with a hint. */
function rejectUnknownFlags(rawArgs: string[], argsDef: ArgsDef, path: string[]): void {
  const known = new Set(GLOBAL_FLAGS);
  const booleans = new Set<string>();
  for (const [name, def] of Object.entries(argsDef)) {
    if (def.type === "positional") continue;
    const alias = (def as { alias?: string | string[] }).alias;
    const names = [name, kebab(name), ...(Array.isArray(alias) ? alias : alias ? [alias] : [])];
    for (const each of names) {
      known.add(each);
      if (def.type === "boolean") booleans.add(each);
    }
  }
  for (const raw of rawArgs) {
    if (raw === "--") return;
    if (!raw.startsWith("-") || raw === "-") continue;
    const flag = raw.replace(/^--?/, "").split("=")[0]!;
    if (known.has(flag)) continue;
    if (flag.startsWith("no-") && booleans.has(flag.slice(3))) continue;
    const suggestion = closest(flag, [...known].filter((each) => each.length > 1));
    throw new UsageError(
      `unknown flag ${raw.split("=")[0]} for ${path.join(" ")}`,
      suggestion ? `did you mean --${suggestion}?` : `run \`${path.join(" ")} --help\` to see its flags`,
    );
  }
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (char) => `-${char.toLowerCase()}`);
}

function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

async function usageOf(command: CommandDef<any>, path: string[]): Promise<string> {
  const { renderUsage } = await import("citty");
  const named = { ...command, meta: { ...(command.meta as object), name: path.join(" ") } };
  return `${stripAnsiUnlessColor(await renderUsage(named))}\n`;
}

function stripAnsiUnlessColor(text: string): string {
  return process.stdout.isTTY && !process.env.NO_COLOR ? text : stripAnsi(text);
}

function rootUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = [
    `prj ${VERSION}: a git worktree and a persistent tmux session for every stream of work`,
    "",
    "Usage: prj <command> [options]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.description}`),
    "",
    "Options:",
    "  --help, -h     show help (also `prj <command> --help`)",
    "  --version, -v  print the version",
    "",
    "Environment: PRJ_LOG_LEVEL=error|warn|info|debug|trace, PRJ_TMUX_SOCKET=<name or path>, NO_COLOR",
    "",
  ];
  return lines.join("\n");
}
