/**
 * `prj __complete -- WORD…`: the candidates for the last word, one per line.
 * The shell scripts in scripts.ts call it on every TAB, so it loads only what
 * the position needs: the one command module for its flags, the command files
 * for `prj run`, the tmux server for session names.
 */
import type { ArgsDef, CommandDef } from "citty";
import { kebab, type CommandEntry } from "../commands/entry.ts";

/** Completes for one command's positional arguments; `given` are the positionals before the cursor. */
type PositionalCompleter = (given: string[], current: string) => Promise<string[]>;

const sessionNames: PositionalCompleter = async (given) => (given.length === 0 ? liveSessionNames() : []);

const POSITIONALS: Record<string, PositionalCompleter> = {
  run: async (given, current) => {
    if (given.length === 0) return commandNames();
    // A value after "name=" is the user's to type.
    if (current.includes("=")) return [];
    return argumentNames(given[0]!, given.slice(1));
  },
  attach: sessionNames,
  "kill-session": sessionNames,
  "session-info": sessionNames,
  freeze: sessionNames,
  // The session part of SESSION:WINDOW; the window is the user's to type after the colon.
  respawn: sessionNames,
  completion: async (given) => {
    if (given.length > 0) return [];
    const { SHELLS } = await import("./scripts.ts");
    return [...SHELLS];
  },
  schema: async (given) => {
    if (given.length > 0) return [];
    const { SCHEMA_NAMES } = await import("../config/json-schema.ts");
    return [...SCHEMA_NAMES];
  },
};

/**
 * Candidates for the last of `words` (the words after `prj`, the last one
 * being completed, possibly ""), already filtered by that word as a prefix.
 */
export async function completeWords(words: string[], commands: Record<string, CommandEntry>): Promise<string[]> {
  // `prj --no-color CMD` is accepted (cli.ts), so it must not hide CMD here.
  const all = joinAssignments(words.length === 0 ? [""] : words[0] === "--no-color" && words.length > 1 ? words.slice(1) : words);
  const current = all[all.length - 1]!;
  const before = all.slice(0, -1);
  if (before.length === 0) {
    const names = current.startsWith("-")
      ? ["--help", "--version", "--no-color"]
      : Object.keys(commands).filter((name) => !commands[name]!.hidden);
    return byPrefix(names, current);
  }
  const entry = commands[before[0]!];
  if (!entry || entry.hidden) return [];
  let command: CommandDef<any> = (await entry.load()).default;
  let rest = before.slice(1);
  // Commands with subcommands: complete the subcommand, then descend.
  while (command.subCommands) {
    const subCommands = (await resolve(command.subCommands)) as Record<string, CommandDef<any>>;
    if (rest.length === 0) return byPrefix(current.startsWith("-") ? ["--help"] : Object.keys(subCommands), current);
    const next = subCommands[rest[0]!];
    if (!next) return [];
    command = (await resolve(next)) as CommandDef<any>;
    rest = rest.slice(1);
  }
  const args = ((await resolve(command.args)) ?? {}) as ArgsDef;
  const { positionals, afterDashDash, pendingValue } = scan(rest, args);
  if (pendingValue) {
    const def = args[pendingValue] as { options?: string[] } | undefined;
    return byPrefix(def?.options ?? [], current);
  }
  if (current.startsWith("-") && !afterDashDash) return byPrefix(flagsOf(args, current), current);
  const completer = POSITIONALS[before[0]!];
  return completer ? byPrefix(await completer(positionals, current), current) : [];
}

/**
 * bash splits words at `=` (COMP_WORDBREAKS), so `branch=x` arrives as
 * `branch`, `=`, `x`. A lone `=` is never a prj argument, so glue it back.
 */
export function joinAssignments(words: string[]): string[] {
  const out: string[] = [];
  let glue = false;
  for (const word of words) {
    if (word === "=" && out.length > 0) {
      out[out.length - 1] += "=";
      glue = true;
    } else if (glue) {
      out[out.length - 1] += word;
      glue = false;
    } else out.push(word);
  }
  return out;
}

/** Splits the words before the cursor into positionals, and notes a flag still waiting for its value. */
function scan(words: string[], args: ArgsDef): { positionals: string[]; afterDashDash: boolean; pendingValue?: string } {
  const valueFlags = new Map<string, string>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type !== "string" && def.type !== "enum") continue;
    for (const flag of flagNames(name, def)) valueFlags.set(flag, name);
  }
  const positionals: string[] = [];
  let pendingValue: string | undefined;
  let afterDashDash = false;
  for (const word of words) {
    if (pendingValue) {
      pendingValue = undefined;
      continue;
    }
    if (afterDashDash) positionals.push(word);
    else if (word === "--") afterDashDash = true;
    else if (word.startsWith("-") && word !== "-") {
      if (!word.includes("=")) pendingValue = valueFlags.get(word);
    } else positionals.push(word);
  }
  return { positionals, afterDashDash, pendingValue };
}

/** `--name` and `-a` forms of one argument. */
function flagNames(name: string, def: ArgsDef[string]): string[] {
  const alias = (def as { alias?: string | string[] }).alias;
  const aliases = Array.isArray(alias) ? alias : alias ? [alias] : [];
  return [`--${kebab(name)}`, ...aliases.map((each) => (each.length === 1 ? `-${each}` : `--${each}`))];
}

/** The flags of a command. `--no-X` forms are offered only once the user has typed `--no-`. */
function flagsOf(args: ArgsDef, current: string): string[] {
  const out: string[] = [];
  const negative = current.startsWith("--no-");
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") continue;
    if (negative) {
      if (def.type === "boolean") out.push(`--no-${kebab(name)}`);
    } else out.push(...flagNames(name, def));
  }
  out.push(negative ? "--no-color" : "--help");
  return out;
}

async function commandNames(): Promise<string[]> {
  const prjDir = await projectDir();
  if (!prjDir) return [];
  const { listCommandFiles } = await import("../config/load.ts");
  return listCommandFiles(prjDir).map((file) => file.name);
}

/** `name=` for each argument of the command not given yet. */
async function argumentNames(commandName: string, given: string[]): Promise<string[]> {
  const prjDir = await projectDir();
  if (!prjDir) return [];
  const { loadCommand } = await import("../config/load.ts");
  const { config } = loadCommand(prjDir, commandName);
  const used = new Set(given.map((token) => token.split("=")[0]));
  return (config.arguments ?? []).filter((argument) => !used.has(argument.name)).map((argument) => `${argument.name}=`);
}

/** Every session on the server prj would drive: attach, session-info and kill-session accept any of them. */
async function liveSessionNames(): Promise<string[]> {
  let socket = process.env.PRJ_TMUX_SOCKET || undefined;
  if (!socket && (await projectDir())) {
    const { openProject } = await import("../project.ts");
    socket = (await openProject()).socket;
  }
  const { TmuxManager } = await import("../tmux/manager.ts");
  const sessions = await new TmuxManager({ socket }).listSessions();
  return sessions.map((session) => session.name).sort();
}

async function projectDir(): Promise<string | undefined> {
  const { findProjectRoot, projectPaths } = await import("../paths.ts");
  const root = findProjectRoot();
  return root ? projectPaths(root).prj : undefined;
}

function byPrefix(candidates: string[], prefix: string): string[] {
  return [...new Set(candidates.filter((candidate) => candidate.startsWith(prefix)))];
}

async function resolve<T>(value: T | (() => T) | (() => Promise<T>) | Promise<T>): Promise<T> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}
