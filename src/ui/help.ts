/**
 * `prj <command> --help`: the usage line, the arguments and every flag (a
 * boolean's `--no-` form included) in aligned columns, and what a command adds
 * (`prj run --help` lists the project's commands). Written here rather than
 * with citty's renderer, which right-aligns flags of different lengths and
 * leaves out negations.
 */
import type { ArgDef, ArgsDef, CommandDef } from "citty";
import type { PrjCommandDef } from "../commands/define.ts";
import { kebab } from "../commands/entry.ts";
import { useColor } from "./output.ts";

interface Row {
  left: string;
  right: string;
}

/** Two aligned columns, each row indented by two spaces; on a terminal the left one in colour. */
export function columns(rows: Row[], paint: (text: string) => string = (text) => text): string[] {
  const width = Math.max(0, ...rows.map((row) => row.left.length));
  return rows.map((row) => (row.right ? `  ${paint(row.left.padEnd(width))}  ${row.right}` : `  ${paint(row.left)}`));
}

/** Bold headings and cyan names on a terminal; plain with NO_COLOR, --no-color or off a terminal. */
function palette(): { heading: (text: string) => string; name: (text: string) => string } {
  if (!useColor()) return { heading: (text) => text, name: (text) => text };
  return { heading: (text) => `\x1b[1m${text}\x1b[0m`, name: (text) => `\x1b[36m${text}\x1b[0m` };
}

function describeMeta(command: CommandDef<any>): { description: string } {
  const meta = (command.meta ?? {}) as { description?: string };
  return { description: meta.description ?? "" };
}

/** `NAME` for a positional, `--limit N` (its valueHint, else its name) for a string flag. */
function valueName(name: string, def: ArgDef): string {
  return (def.valueHint ?? name).toUpperCase().replace(/-/g, "_");
}

function isRequired(def: ArgDef): boolean {
  // citty's rule: a positional is required unless it says otherwise; a flag only when it says so.
  return def.type === "positional" ? def.required !== false : def.required === true;
}

/** The positionals a command needs and does not have among `given`, for a "needs NAME" error. */
export function missingPositionals(argsDef: ArgsDef, given: number): string[] {
  const required = Object.entries(argsDef).filter(([, def]) => def.type === "positional" && isRequired(def));
  return required.slice(given).map(([name, def]) => valueName(name, def));
}

/** The usage line made from the arguments: `prj worktree create BRANCH [--base BASE] [--json]`. */
export function usageLine(command: PrjCommandDef<any>, path: string[]): string {
  if (command.usage) return command.usage;
  if (command.subCommands) return `${path.join(" ")} <${Object.keys(command.subCommands as object).join("|")}> [options]`;
  const parts = [...path];
  for (const [name, def] of Object.entries((command.args ?? {}) as ArgsDef)) {
    if (def.type === "positional") parts.push(isRequired(def) ? valueName(name, def) : `[${valueName(name, def)}]`);
  }
  for (const [name, def] of Object.entries((command.args ?? {}) as ArgsDef)) {
    if (def.type === "positional") continue;
    const flag = def.type === "boolean" ? `--${kebab(name)}` : `--${kebab(name)} ${valueName(name, def)}`;
    parts.push(isRequired(def) ? flag : `[${flag}]`);
  }
  return parts.join(" ");
}

/** The whole help text of a command or a group of subcommands. */
export async function renderHelp(command: PrjCommandDef<any>, path: string[]): Promise<string> {
  const lines: string[] = [];
  const paint = palette();
  const { description } = describeMeta(command);
  if (description) lines.push(description, "");
  lines.push(`${paint.heading("Usage:")} ${usageLine(command, path)}`);
  const subCommands = command.subCommands as Record<string, CommandDef<any>> | undefined;
  if (subCommands) {
    lines.push("", paint.heading("Subcommands:"));
    lines.push(...columns(Object.entries(subCommands).map(([name, sub]) => ({ left: name, right: describeMeta(sub).description })), paint.name));
    lines.push("", `Run \`${path.join(" ")} <subcommand> --help\` for its options.`);
    return `${lines.join("\n")}\n`;
  }
  const args = Object.entries((command.args ?? {}) as ArgsDef);
  const positionals = args.filter(([, def]) => def.type === "positional");
  if (positionals.length) {
    lines.push("", paint.heading("Arguments:"));
    lines.push(
      ...columns(
        positionals.map(([name, def]) => ({
          left: valueName(name, def),
          right: `${def.description ?? ""}${isRequired(def) ? "" : " (optional)"}`,
        })),
        paint.name,
      ),
    );
  }
  const options: Row[] = [];
  for (const [name, def] of args) {
    if (def.type === "positional") continue;
    const alias = (def as { alias?: string | string[] }).alias;
    const aliases = (Array.isArray(alias) ? alias : alias ? [alias] : []).map((each) => (each.length === 1 ? `-${each}` : `--${each}`));
    const flag = `--${kebab(name)}`;
    const left = [def.type === "boolean" ? flag : `${flag} ${valueName(name, def)}`, ...aliases].join(", ");
    options.push({ left, right: def.description ?? "" });
    const negative = def.type === "boolean" ? (def as { negativeDescription?: string }).negativeDescription : undefined;
    if (negative) options.push({ left: `--no-${kebab(name)}`, right: negative });
  }
  options.push({ left: "--help, -h", right: "Show this help" });
  lines.push("", paint.heading("Options:"), ...columns(options, paint.name));
  if (command.helpExtra) {
    const extra = await command.helpExtra();
    if (extra) lines.push("", extra.replace(/\n$/, ""));
  }
  return `${lines.join("\n")}\n`;
}
