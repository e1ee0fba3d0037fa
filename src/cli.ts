import type { ArgsDef, CommandDef, ParsedArgs } from "citty";
import type { PrjCommandDef } from "./commands/define.ts";
import { kebab, type CommandEntry } from "./commands/entry.ts";
import { closest, PrjError, UsageError } from "./errors.ts";
import { writeOut } from "./ui/output.ts";
import { VERSION } from "./version.ts";

/**
 * Every subcommand, loaded only when it is the one being run: start-up time is
 * part of the product, and most commands never need YAML, TypeBox or SQLite.
 */
export const COMMANDS: Record<string, CommandEntry> = {
  init: { description: "Create the .prj/ tree, default commands and database", load: () => import("./commands/init.ts") },
  "list-commands": { description: "List the commands in .prj/commands", load: () => import("./commands/list-commands.ts") },
  run: { description: "Run a command: worktree, session and steps", load: () => import("./commands/run.ts") },
  "list-sessions": { description: "List this project's sessions", load: () => import("./commands/list-sessions.ts") },
  "session-info": { description: "Show a session's windows, panes, environment and history", load: () => import("./commands/session-info.ts") },
  attach: { description: "Attach to (or switch to) a session", load: () => import("./commands/attach.ts") },
  respawn: { description: "Run a window's command again, after Ctrl-C left its pane at a prompt", load: () => import("./commands/respawn.ts") },
  "kill-session": { description: "Run cleanup steps, kill a session and record its end", load: () => import("./commands/kill-session.ts") },
  "cleanup-sessions": { description: "Kill this project's managed sessions", load: () => import("./commands/cleanup-sessions.ts") },
  "reset-sessions": { description: "Reconcile the database with tmux", load: () => import("./commands/reset-sessions.ts") },
  status: { description: "Project, live sessions, worktrees and recent events", load: () => import("./commands/status.ts") },
  worktree: { description: "List, create and remove the project's git worktrees", load: () => import("./commands/worktree.ts") },
  history: { description: "List runs and session events, newest first", load: () => import("./commands/history.ts") },
  stats: { description: "Session statistics (prj stats sessions)", load: () => import("./commands/stats.ts") },
  monitor: { description: "Live table of sessions: processes, CPU and memory (prj monitor sessions)", load: () => import("./commands/monitor.ts") },
  analyze: { description: "Usage over a timeframe (prj analyze session-usage --timeframe 7d)", load: () => import("./commands/analyze.ts") },
  doctor: { description: "Check tmux, git, the shell, .prj, the database, command files and orphans", load: () => import("./commands/doctor.ts") },
  schema: { description: "Print the JSON Schema of command, project or global config files", load: () => import("./commands/schema.ts") },
  import: { description: "Convert a tmuxinator or tmuxp file into a prj command (prj import tmuxinator|tmuxp FILE)", load: () => import("./commands/import.ts") },
  freeze: { description: "Write a command that reproduces a running session's windows, panes and layouts", load: () => import("./commands/freeze.ts") },
  completion: { description: "Print the shell completion script (bash, zsh or fish)", load: () => import("./commands/completion.ts") },
  mark: { description: "Declare this pane's state, for agents' hooks (working, waiting, done, failed)", load: () => import("./commands/mark.ts") },
  restore: { description: "Recreate the sessions that were live when their tmux server went away", load: () => import("./commands/restore.ts") },
  pick: { description: "Pick a session, command or worktree of any project, fuzzy-filtered", load: () => import("./commands/pick.ts") },
  projects: { description: "List the projects prj has initialised or run in; forget one", load: () => import("./commands/projects.ts") },
  wait: { description: "Wait until a session or pane reaches a state (prj wait NAME --until waiting)", load: () => import("./commands/wait.ts") },
  send: { description: "Type text into a pane once its program is ready for input", load: () => import("./commands/send.ts") },
  __complete: { description: "Completion candidates for the completion scripts", load: () => import("./commands/complete.ts"), hidden: true, raw: true },
  __watch: { description: "The attention watcher of a tmux server (started by tmux)", load: () => import("./commands/watch.ts"), hidden: true, raw: true },
};

/**
 * Names people type for a command from other tools' habits. They are not
 * accepted (one name per command keeps scripts and docs alike), but the error
 * names the command they meant.
 */
const COMMAND_ALIASES: Record<string, string> = {
  kill: "kill-session",
  ls: "list-sessions",
  list: "list-sessions",
  sessions: "list-sessions",
  info: "session-info",
  show: "session-info",
  start: "run",
  new: "run",
  restart: "respawn",
  a: "attach",
  cleanup: "cleanup-sessions",
  reset: "reset-sessions",
  commands: "list-commands",
  worktrees: "worktree",
  wt: "worktree",
  log: "history",
  logs: "history",
};

/** The same for subcommands, by the path of their group (`prj worktree rm` → remove). */
const SUBCOMMAND_ALIASES: Record<string, Record<string, string>> = {
  "prj worktree": { rm: "remove", delete: "remove", del: "remove", ls: "list", add: "create", new: "create" },
  "prj stats": { session: "sessions" },
  "prj monitor": { session: "sessions" },
  "prj analyze": { usage: "session-usage", sessions: "session-usage" },
};

/** Flags every command accepts. */
const GLOBAL_FLAGS = new Set(["help", "h", "no-color"]);

/** Runs the command line; errors propagate to main.ts, which formats them once. */
export async function runCli(argv: string[]): Promise<void> {
  // `--no-color` may also come before the command; useColor() reads it from process.argv.
  const [name, ...rest] = argv[0] === "--no-color" ? argv.slice(1) : argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    writeOut(rootUsage());
    return;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    writeOut(`${VERSION}\n`);
    return;
  }
  if (name.startsWith("-")) {
    throw new UsageError(`unknown flag ${name}`, "run `prj --help` to see the commands and flags");
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const suggestion = COMMAND_ALIASES[name] ?? closest(name, visibleCommandNames());
    throw new UsageError(
      `unknown command "${name}"`,
      suggestion ? `did you mean \`prj ${suggestion}\`?` : "run `prj --help` to see the commands",
    );
  }
  const command = (await entry.load()).default;
  if (entry.raw && command.run) {
    // The table is handed over rather than imported: `__complete` reads it, and
    // importing cli.ts from a command the table loads would make a cycle.
    await command.run({ rawArgs: rest, args: { _: rest } as never, cmd: command, data: COMMANDS });
    return;
  }
  await dispatch(command, rest, ["prj", name]);
}

function visibleCommandNames(): string[] {
  return Object.keys(COMMANDS).filter((name) => !COMMANDS[name]!.hidden);
}

async function dispatch(command: CommandDef<any>, rawArgs: string[], path: string[]): Promise<void> {
  const subCommands = command.subCommands as Record<string, CommandDef<any>> | undefined;
  if (subCommands) {
    const [sub, ...subArgs] = rawArgs;
    if (sub === undefined || sub === "--help" || sub === "-h") {
      if (sub === undefined) {
        throw new UsageError(`missing the subcommand of \`${path.join(" ")}\``, `one of: ${Object.keys(subCommands).join(", ")}; \`${path.join(" ")} --help\` says more`);
      }
      writeOut(await usageOf(command, path));
      return;
    }
    const next = subCommands[sub];
    if (!next) {
      const suggestion = SUBCOMMAND_ALIASES[path.join(" ")]?.[sub] ?? closest(sub, Object.keys(subCommands));
      throw new UsageError(
        `unknown subcommand "${sub}" for ${path.join(" ")}`,
        suggestion ? `did you mean \`${path.join(" ")} ${suggestion}\`?` : `one of: ${Object.keys(subCommands).join(", ")}`,
      );
    }
    return dispatch(next, subArgs, [...path, sub]);
  }
  if (rawArgs.includes("--help") || rawArgs.includes("-h")) {
    writeOut(await usageOf(command, path));
    return;
  }
  const argsDef = (command.args ?? {}) as ArgsDef;
  rejectUnknownFlags(rawArgs, argsDef, path);
  let args = plainArgs(rawArgs, argsDef);
  if (args === undefined) {
    const { parseArgs } = await import("citty");
    try {
      args = parseArgs(rawArgs, argsDef);
    } catch (error) {
      if (error instanceof Error && (error as { code?: string }).code === "EARG") {
        const whenMissing = (command as PrjCommandDef).whenMissing;
        if (whenMissing && /^Missing required positional/i.test(stripAnsi(error.message))) throw await whenMissing();
        throw await argumentError(command, path, error.message);
      }
      throw error;
    }
  }
  if (!command.run) throw new PrjError(`${path.join(" ")} cannot be run`);
  await command.run({ rawArgs, args, cmd: command });
}

/**
 * The arguments of the commonest command lines, parsed as citty parses them,
 * without loading citty (see commands/define.ts): only boolean flags (no
 * aliases or defaults) and positionals, every positional given. Anything else
 * is undefined, and citty parses it. Flags were checked by rejectUnknownFlags.
 */
export function plainArgs(rawArgs: string[], argsDef: ArgsDef): ParsedArgs | undefined {
  const positionals: string[] = [];
  const defs = Object.entries(argsDef);
  for (const [, def] of defs) {
    if (def.type !== "boolean" && def.type !== "positional") return undefined;
    if ("alias" in def || "default" in def || "required" in def) return undefined;
  }
  const flags: Record<string, boolean> = {};
  const negated: string[] = [];
  for (const [index, raw] of rawArgs.entries()) {
    if (raw === "--") {
      positionals.push(...rawArgs.slice(index + 1));
      break;
    }
    if (!raw.startsWith("--")) {
      if (raw.startsWith("-") && raw !== "-") return undefined; // short flags are citty's
      positionals.push(raw);
    } else if (raw.startsWith("--no-")) negated.push(raw.slice(5));
    else {
      const equals = raw.indexOf("=");
      // citty turns `--flag=value` of a boolean into value !== "false".
      flags[equals === -1 ? raw.slice(2) : raw.slice(2, equals)] = equals === -1 || raw.slice(equals + 1) !== "false";
    }
  }
  // citty applies --no-flag after everything else.
  for (const name of negated) flags[name] = false;
  const args: Record<string, unknown> = { _: positionals };
  for (const [name, value] of Object.entries(flags)) {
    args[name] = value;
    args[camel(name)] = value;
  }
  const given = [...positionals];
  for (const [name, def] of defs) {
    if (def.type !== "positional") continue;
    const value = given.shift();
    if (value === undefined) return undefined; // citty's "missing argument" message
    args[name] = value;
  }
  return args as ParsedArgs;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, char: string) => char.toUpperCase());
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
  let valueNext = false;
  for (const raw of rawArgs) {
    if (raw === "--") return;
    // The value of a string flag (`--timeframe -1d`) is the flag's to judge, not a flag itself.
    if (valueNext) {
      valueNext = false;
      continue;
    }
    if (!raw.startsWith("-") || raw === "-") continue;
    const flag = raw.replace(/^--?/, "").split("=")[0]!;
    if (known.has(flag)) {
      valueNext = !raw.includes("=") && !booleans.has(flag) && !GLOBAL_FLAGS.has(flag);
      continue;
    }
    if (flag.startsWith("no-") && booleans.has(flag.slice(3))) continue;
    const suggestion = closest(flag, [...known].filter((each) => each.length > 1));
    throw new UsageError(
      `unknown flag ${raw.split("=")[0]} for ${path.join(" ")}`,
      suggestion ? `did you mean --${suggestion}?` : `run \`${path.join(" ")} --help\` to see its flags`,
    );
  }
}

function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

async function usageOf(command: CommandDef<any>, path: string[]): Promise<string> {
  const { renderHelp } = await import("./ui/help.ts");
  return renderHelp(command, path);
}

/**
 * citty's complaint about the arguments, in prj's voice: `missing NAME for
 * \`prj session-info\`` with the usage line as the hint, never its raw text.
 */
async function argumentError(command: CommandDef<any>, path: string[], raw: string): Promise<UsageError> {
  const { usageLine } = await import("./ui/help.ts");
  const text = stripAnsi(raw);
  const missing = /^Missing required (?:positional )?argument:\s*(\S+)/i.exec(text);
  const problem = missing ? `missing ${missing[1]!.startsWith("-") ? missing[1] : missing[1]!.toUpperCase()}` : text.charAt(0).toLowerCase() + text.slice(1);
  return new UsageError(`${problem} for \`${path.join(" ")}\``, `usage: ${usageLine(command, path)}`);
}

function rootUsage(): string {
  const visible = Object.entries(COMMANDS).filter(([, entry]) => !entry.hidden);
  const width = Math.max(...visible.map(([name]) => name.length));
  const lines = [
    `prj ${VERSION}: a git worktree and a persistent tmux session for every stream of work`,
    "",
    "Usage: prj <command> [options]",
    "",
    "Commands:",
    ...visible.map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.description}`),
    "",
    "Options:",
    "  --help, -h     show help (also `prj <command> --help`)",
    "  --version, -v  print the version",
    "",
    "Environment: PRJ_LOG_LEVEL=error|warn|info|debug|trace, PRJ_TMUX_SOCKET=<name or path>, PRJ_TMUX=<tmux binary>, NO_COLOR",
    "",
  ];
  return lines.join("\n");
}
