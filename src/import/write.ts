/**
 * The impure edges of `prj import` and `prj freeze`: reading a peer's file,
 * rendering the command as YAML, checking it loads like any command file, and
 * writing it into `.prj/commands` without clobbering anything by accident.
 */
import { existsSync, writeFileSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { Document, isNode, LineCounter, parseDocument } from "yaml";
import { readConfigText } from "../config/files.ts";
import { CommandConfig, NAME_PATTERN } from "../config/schema.ts";
import { ConfigError, PrjError, UsageError } from "../errors.ts";
import { isRecord, normalizeParsed, type ValueComment } from "./common.ts";
import { PeerScalarError, peerScalarTags } from "./yaml11.ts";

/** Where a key path of the peer file is, for messages that point at it. */
export type PeerLocator = (path: (string | number)[]) => { line: number; col: number } | undefined;

/**
 * Reads a peer's YAML file the way its own loader reads it: tmuxinator's
 * (Ruby's Psych) or tmuxp's (Python's PyYAML), both YAML 1.1 with their own
 * quirks (src/import/yaml11.ts). Anything that does not parse is an exit-2
 * error naming the file and position. The value is returned as loaded, mapping
 * or not: what the peer makes of the rest is the converter's call.
 */
export function readPeerDocument(path: string, shown: string, tool: string, checkText?: (text: string) => void): { data: unknown; locate: PeerLocator } {
  // Same rules as prj's own config files (a regular file of at most 1 MiB, strict UTF-8): a FIFO or /dev/zero must not hang the import.
  let text: string | undefined;
  try {
    text = readConfigText(path);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new UsageError(error instanceof PrjError ? error.message : `cannot read ${shown}: ${(error as Error).message}`);
  }
  if (text === undefined) throw new UsageError(`cannot read ${shown}: no such file`);
  checkText?.(text);
  const lineCounter = new LineCounter();
  const peer = tool === "tmuxinator" ? "psych" : "pyyaml";
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { version: "1.1", intAsBigInt: true, uniqueKeys: false, prettyErrors: false, lineCounter, customTags: peerScalarTags(peer) });
  } catch (error) {
    if (error instanceof PeerScalarError) throw new ConfigError({ file: shown }, `${tool} cannot load this file: ${error.message}`, "quote the value");
    throw error;
  }
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw new ConfigError({ file: shown, line, col }, `not valid YAML: ${first.message.split("\n")[0]}`, `\`prj import ${tool}\` reads ${tool}'s YAML files`);
  }
  let data: unknown;
  try {
    data = normalizeParsed(doc.toJS({ mapAsMap: true, maxAliasCount: 100 }));
  } catch (error) {
    throw new PrjError(`${shown}: cannot expand YAML aliases: ${(error as Error).message}`, { exitCode: 2, cause: error });
  }
  const locate: PeerLocator = (keyPath) => {
    for (let length = keyPath.length; length >= 0; length--) {
      const node = length === 0 ? doc.contents : doc.getIn(keyPath.slice(0, length), true);
      const range = isNode(node) ? node.range : undefined;
      if (range) return lineCounter.linePos(range[0]);
    }
    return undefined;
  };
  return { data, locate };
}

/** {@link readPeerDocument} for callers that need a mapping: anything else is an exit-2 error. */
export function readPeerFile(path: string, shown: string, tool: string, checkText?: (text: string) => void): Record<string, unknown> {
  const { data } = readPeerDocument(path, shown, tool, checkText);
  if (!isRecord(data)) {
    throw new PrjError(`${shown} is not a ${tool} file: expected a mapping (such as \`windows:\`) at the top level`, { exitCode: 2 });
  }
  return data;
}

/** YAML text of a command, with header comment lines, the notes of what was not converted, and comments next to values. */
export function renderCommandYaml(
  command: CommandConfig,
  header: string[],
  notes: string[],
  notesHeading = "Not converted exactly (see docs/import.md):",
  comments: ValueComment[] = [],
): string {
  const lines = header.map((line) => `# ${line}`);
  if (notes.length) {
    lines.push("#", `# ${notesHeading}`);
    for (const note of notes) lines.push(`#   ${note.replaceAll("\n", " ")}`);
  }
  const doc = new Document(command);
  for (const comment of comments) {
    const node = doc.getIn(comment.path, true);
    if (isNode(node)) node.comment = ` ${comment.text.replaceAll("\n", " ")}`;
  }
  return `${lines.join("\n")}\n${doc.toString({ lineWidth: 0 })}`;
}

/**
 * Parses `text` back and validates it as prj validates every command file, so
 * an import never leaves a file that `prj run` would refuse. A failure here is
 * a prj bug, not the user's input.
 */
export async function checkCommandYaml(text: string, file: string): Promise<void> {
  const { parseYamlFile, validate } = await import("../config/load.ts");
  try {
    validate(CommandConfig, parseYamlFile(file, text), "command file");
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new PrjError(`the command written for ${basename(file)} does not validate (a prj bug): ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Longest command name written: `NAME.yaml` must fit the 255 bytes most file systems allow. */
export const MAX_COMMAND_NAME_LENGTH = 200;

/**
 * Why `prj run NAME` could not run a command of this name, or undefined when
 * it could. The name becomes `.prj/commands/NAME.yaml`.
 */
export function commandNameProblem(name: string): string | undefined {
  if (!new RegExp(NAME_PATTERN).test(name)) return "it may contain only letters, digits, '.', '_' and '-'";
  // Command files starting with '.' are skipped as editor backups, so the command would never be found.
  if (name.startsWith(".")) return "it may not start with '.' (prj skips dotfiles in .prj/commands)";
  if (name.startsWith("-")) return "it may not start with '-' (`prj run` would read it as a flag)";
  if (name.length > MAX_COMMAND_NAME_LENGTH) return `it is longer than ${MAX_COMMAND_NAME_LENGTH} characters`;
  return undefined;
}

/** Checks a `--name` (exit 2 unless `prj run` can run it); returns it unchanged. */
export function checkCommandName(name: string): string {
  const problem = commandNameProblem(name);
  if (problem) throw new UsageError(`invalid command name ${JSON.stringify(name)}: ${problem}`, "e.g. --name dev-session");
  return name;
}

/**
 * Writes `.prj/commands/NAME.yaml`. An existing `NAME.yaml` or `NAME.yml` is
 * kept unless `force`; with `force` the existing file is replaced in place, so
 * there is never a `.yaml` and a `.yml` for one name.
 */
export function writeCommandFile(commandsDir: string, name: string, text: string, force: boolean): string {
  // A name derived from a session or file name gets the same rule as --name.
  const problem = commandNameProblem(name);
  if (problem) throw new UsageError(`cannot write a command named ${JSON.stringify(name)}: ${problem}`, "choose one with --name");
  const existing = [".yaml", ".yml"].map((ext) => join(commandsDir, `${name}${ext}`)).find((file) => existsSync(file));
  if (existing && !force) {
    throw new PrjError(`${existing} already exists`, { exitCode: 2, hint: "pass --force to replace it, or --name to write another command" });
  }
  const target = existing ?? join(commandsDir, `${name}.yaml`);
  try {
    writeFileSync(target, text, { flag: existing ? "w" : "wx" });
  } catch (error) {
    throw new PrjError(`cannot write ${target}: ${(error as Error).message}`, { cause: error });
  }
  return target;
}

/** A file name without its YAML or JSON extension. */
export function fileStem(path: string): string {
  const name = basename(path);
  const ext = extname(name);
  return [".yml", ".yaml", ".json"].includes(ext.toLowerCase()) ? name.slice(0, -ext.length) : name;
}
