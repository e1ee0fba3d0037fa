/**
 * The project's commands as `prj list-commands` shows them, and as `prj run`
 * offers them when it is asked for help or given no name.
 */
import { UsageError } from "../errors.ts";
import type { Project } from "../project.ts";
import { table } from "../ui/output.ts";

export interface ListedCommand {
  name: string;
  description: string;
  arguments: { name: string; required: boolean; default?: string | number | boolean; description: string }[];
  file: string;
}

/** Every command file of the project, validated: a broken one throws its ConfigError. */
export async function listProjectCommands(project: Project): Promise<ListedCommand[]> {
  const { listCommandFiles, loadCommand, displayPath } = await import("../config/load.ts");
  return listCommandFiles(project.paths.prj).map((file) => {
    const { config } = loadCommand(project.paths.prj, file.name);
    return {
      name: config.name,
      description: config.description ?? "",
      arguments: (config.arguments ?? []).map((argument) => ({
        name: argument.name,
        required: argument.required ?? false,
        default: argument.default,
        description: argument.description ?? "",
      })),
      file: displayPath(file.path),
    };
  });
}

/** `branch=… [base=…]`: what a command takes on the command line. */
export function argumentsText(command: Pick<ListedCommand, "arguments">): string {
  return command.arguments.map((argument) => (argument.required ? `${argument.name}=…` : `[${argument.name}=…]`)).join(" ");
}

/**
 * The commands of the project around the working directory, one row each, for
 * help texts. Never throws: outside a project, or with a broken file, it says so.
 */
async function commandRows(): Promise<{ rows: string[]; problem?: string }> {
  const { openProject } = await import("../project.ts");
  let project: Project;
  try {
    project = await openProject();
  } catch (error) {
    return { rows: [], problem: error instanceof Error ? error.message : String(error) };
  }
  const { listCommandFiles, loadCommand } = await import("../config/load.ts");
  const rows: string[][] = [];
  for (const file of listCommandFiles(project.paths.prj)) {
    try {
      const { config } = loadCommand(project.paths.prj, file.name);
      rows.push([config.name, argumentsText({ arguments: (config.arguments ?? []).map((a) => ({ name: a.name, required: a.required ?? false, description: "" })) }), config.description ?? ""]);
    } catch (error) {
      rows.push([file.name, "", `(invalid: ${error instanceof Error ? error.message : String(error)})`]);
    }
  }
  return { rows: rows.length ? table(rows).split("\n").map((line) => `  ${line.trimEnd()}`) : [] };
}

/** The "Commands in this project" part of `prj run --help`. */
export async function projectCommandsHelp(): Promise<string> {
  const { rows, problem } = await commandRows();
  if (problem) return `Commands: none here (${problem}).\n`;
  if (rows.length === 0) return "Commands: none in .prj/commands; `prj init` writes the defaults.\n";
  return `Commands in this project:\n${rows.join("\n")}\n`;
}

/** `prj run` without a name: exit 2, with the project's commands to choose from. */
export async function missingCommandName(): Promise<UsageError> {
  const { rows, problem } = await commandRows();
  if (problem) return new UsageError("missing the NAME of the command to run", problem);
  if (rows.length === 0) return new UsageError("missing the NAME of the command to run", "there are none in .prj/commands; `prj init` writes the defaults");
  return new UsageError("missing the NAME of the command to run", `run one of this project's commands as \`prj run NAME [key=value …]\`:\n${rows.join("\n")}`);
}
