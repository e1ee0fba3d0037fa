/**
 * Reading, validating and layering the YAML config files (SPEC §3).
 *
 * Every problem becomes one ConfigError that names file:line:col and the
 * dotted path. `yaml` and TypeBox are imported here and in schema.ts only;
 * callers load this module lazily, so commands that never read config do not
 * pay for them at start-up.
 *
 * Schemas carry no `default`s, so there is no `Value.Default` pass: layering
 * needs to know which values a file really set. `Value.Clean` is never used
 * either, because it would drop unknown keys instead of reporting them.
 */
import { readdirSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { Static, TSchema } from "@sinclair/typebox";
import { Value, ValueErrorType, type ValueError } from "@sinclair/typebox/value";
import { CST, Lexer, LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document, type YAMLError } from "yaml";
import { ConfigError, PrjError, closest } from "../errors.ts";
import { globalConfigPath } from "../paths.ts";
import { displayPath, positionIn, readConfigText, type Env } from "./files.ts";
import { mergeSettings } from "./merge.ts";
import { CommandConfig, GlobalConfig, NAME_PATTERN, ProjectConfig, type Settings } from "./schema.ts";

// Light helpers that live apart so the config cache can use them without yaml or TypeBox.
export { displayPath, globalConfigPath, mergeSettings, type Env };

/** 1-based line and column, as editors show them. */
export interface Position {
  line: number;
  col: number;
}

/** A parsed YAML file that can say where any of its values stands. */
export interface SourceFile {
  /** Absolute path. */
  path: string;
  /** The path as shown to the user (see {@link displayPath}). */
  displayPath: string;
  /** The text that was parsed; the config cache keys its entries on it. */
  text: string;
  /** Plain JS data; `null` for an empty or comment-only file. */
  data: unknown;
  /**
   * Position of the node at `path`, or of its nearest existing ancestor.
   * With `target: "key"` a mapping entry is located by its key, which is where
   * an unknown key should point. An empty value (`key:`) is located by its key
   * too, since the value has no text of its own.
   */
  positionOf(path: readonly (string | number)[], target?: "value" | "key"): Position;
  /** Whether a node exists at exactly `path`. */
  has(path: readonly (string | number)[]): boolean;
}

/**
 * Parses one YAML file into a {@link SourceFile}. Syntax errors (tabs used
 * for indentation, unclosed brackets, duplicate keys, several documents, …)
 * throw a ConfigError at the first one's line and column. `text` skips the read.
 */
export function parseYamlFile(path: string, text?: string): SourceFile {
  const absolute = resolve(path);
  const shown = displayPath(absolute);
  const source = text ?? readConfigText(absolute);
  if (source === undefined) throw new PrjError(`cannot read ${shown}: no such file`);

  const lineCounter = new LineCounter();
  const position = (offset: number): Position => lineCounter.linePos(Math.max(0, Math.min(offset, source.length)));
  const nul = source.indexOf("\0");
  if (nul >= 0) throw new ConfigError({ file: shown, ...positionIn(source, nul) }, "contains a NUL byte; a config file is text", "remove it");
  const shape = scanTokens(source);
  if (shape.problem) throw new ConfigError({ file: shown, ...positionIn(source, shape.problem.offset) }, shape.problem.message, RESOURCE_HINT);
  // yaml's own duplicate-key check compares every key with every other; prj checks with a Set (checkNodes).
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const nodes = checkNodes(doc);
  if (nodes.tooDeep !== undefined) {
    throw new ConfigError({ file: shown, ...position(nodes.tooDeep) }, `nested more than ${MAX_YAML_DEPTH} levels deep`, RESOURCE_HINT);
  }

  // Warnings count as errors: an unresolved tag or a bad directive means the
  // file does not say what its author thinks it says.
  const problems: YamlProblem[] = [...doc.errors, ...doc.warnings];
  if (nodes.duplicateKey !== undefined) problems.push({ code: "DUPLICATE_KEY", pos: [nodes.duplicateKey, nodes.duplicateKey + 1], message: "duplicate key" });
  if (problems.length > 0) {
    // A tab in the indentation makes the parser misread the lines around it, and
    // those follow-on errors can sit earlier in the file; the tab is the cause.
    const tab = problems.find((problem) => problem.code === "TAB_AS_INDENT");
    const first = tab ?? problems.reduce((a, b) => (b.pos[0] < a.pos[0] ? b : a));
    throw new ConfigError({ file: shown, ...position(first.pos[0]) }, describeYamlError(first, source));
  }

  // toJS would stringify a mapping used as a key (and warn on stderr); no prj key is one.
  visit(doc, {
    Pair(_, pair) {
      if (pair.key !== null && !isScalar(pair.key)) {
        throw new ConfigError(
          { file: shown, ...position(rangeStart(pair.key) ?? 0) },
          "keys must be plain words, not lists or mappings",
        );
      }
    },
  });

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // toJS throws only for alias abuse (a "billion laughs" file) or a broken alias.
    const message = error instanceof Error ? error.message : String(error);
    const where = nodes.firstAlias === undefined ? { line: 1, col: 1 } : position(nodes.firstAlias);
    throw new ConfigError({ file: shown, ...where }, `cannot expand YAML aliases: ${message}`, "write the values out instead of repeating aliases of aliases");
  }

  return {
    path: absolute,
    displayPath: shown,
    text: source,
    data,
    positionOf(nodePath, target = "value") {
      return position(locate(doc, nodePath, target).offset);
    },
    has(nodePath) {
      return locate(doc, nodePath, "value").found;
    },
  };
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

/** A problem found while parsing: one of yaml's errors or warnings, or a duplicate key found by {@link checkNodes}. */
type YamlProblem = Pick<YAMLError, "code" | "pos" | "message">;

/** Deeper than any real config (a pane's environment sits 7 levels down); also bounds the parser's recursion. */
export const MAX_YAML_DEPTH = 64;

/** Keys and values in one file; a large command file holds a few hundred. */
export const MAX_YAML_VALUES = 50_000;

const RESOURCE_HINT = "prj refuses YAML that would take unbounded time or memory to read; a config file is a few kilobytes";

/**
 * A pass over yaml's lexer tokens, before anything is built: flow nesting
 * (`[[[[…`, which would exhaust the parser's stack) and the number of values
 * (huge key counts) are bounded here, stopping at the first token past a
 * limit. The tokens, minus three control markers, are the source itself, so
 * summing their lengths gives each one's offset.
 */
function scanTokens(source: string): { problem?: { offset: number; message: string } } {
  let offset = 0;
  let depth = 0;
  let values = 0;
  for (const token of new Lexer().lex(source)) {
    if (token === CST.SCALAR) {
      values++;
    } else if (token !== CST.DOCUMENT && token !== CST.FLOW_END) {
      if (token === "[" || token === "{") {
        depth++;
        if (depth > MAX_YAML_DEPTH) return { problem: { offset, message: `nested more than ${MAX_YAML_DEPTH} levels deep` } };
      } else if (token === "]" || token === "}") {
        depth = Math.max(0, depth - 1);
      } else if (token[0] === "'" || token[0] === '"' || token[0] === "*") {
        values++;
      }
      if (values > MAX_YAML_VALUES) {
        return { problem: { offset, message: `holds more than ${MAX_YAML_VALUES.toLocaleString("en")} keys and values` } };
      }
      offset += token.length;
    }
  }
  return {};
}

/**
 * One walk over the parsed document: block nesting past {@link MAX_YAML_DEPTH},
 * the first key repeated within a mapping, and the first alias (where an alias
 * bomb is reported). Iterative, so a deep file cannot exhaust the stack here.
 */
function checkNodes(doc: Document): { tooDeep?: number; duplicateKey?: number; firstAlias?: number } {
  const out: { tooDeep?: number; duplicateKey?: number; firstAlias?: number } = {};
  const earliest = (current: number | undefined, offset: number | undefined) =>
    offset === undefined ? current : current === undefined ? offset : Math.min(current, offset);
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (isAlias(node)) {
      out.firstAlias = earliest(out.firstAlias, rangeStart(node));
      continue;
    }
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth >= MAX_YAML_DEPTH) {
      out.tooDeep = earliest(out.tooDeep, rangeStart(node));
      continue;
    }
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          if (seen.has(pair.key.value)) out.duplicateKey = earliest(out.duplicateKey, rangeStart(pair.key));
          seen.add(pair.key.value);
        }
        stack.push({ node: pair.key, depth: depth + 1 }, { node: pair.value, depth: depth + 1 });
      }
    } else {
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    }
  }
  return out;
}

function describeYamlError(error: YamlProblem, source: string): string {
  switch (error.code) {
    case "TAB_AS_INDENT":
      return "tabs are not allowed for indentation; use spaces";
    case "DUPLICATE_KEY": {
      const key = /^["']?([^"':\n]*)/.exec(source.slice(error.pos[0]))?.[1]?.trim();
      return key ? `duplicate key ${JSON.stringify(key)}` : "duplicate key";
    }
    case "MULTIPLE_DOCS":
      return "a config file holds one YAML document; remove the extra '---'";
    default: {
      const message = error.message.replace(/\s+/g, " ").trim();
      return `invalid YAML: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
    }
  }
}

/** Walks the document along `path`, stopping at the deepest node that exists. */
function locate(
  doc: Document,
  path: readonly (string | number)[],
  target: "value" | "key",
): { offset: number; found: boolean } {
  let node: unknown = doc.contents;
  let keyOffset: number | undefined;
  let found = true;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item.key) === String(segment));
      if (!pair) {
        found = false;
        break;
      }
      keyOffset = rangeStart(pair.key);
      node = pair.value;
    } else if (isSeq(node)) {
      const index = typeof segment === "number" ? segment : Number(segment);
      const item = Number.isInteger(index) ? node.items[index] : undefined;
      if (item === undefined) {
        found = false;
        break;
      }
      keyOffset = undefined;
      node = item;
    } else {
      found = false;
      break;
    }
  }
  const valueOffset = rangeStart(node);
  const emptyValue = node === null || (isScalar(node) && node.value === null && !node.source);
  const useKey = keyOffset !== undefined && (emptyValue || valueOffset === undefined || (found && target === "key"));
  return { offset: (useKey ? keyOffset : valueOffset) ?? 0, found };
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== "object" || node === null || !("range" in node)) return undefined;
  const range = (node as { range?: [number, number, number] | null }).range;
  return range ? range[0] : undefined;
}

// ---------------------------------------------------------------- validation

interface Issue {
  path: string[];
  problem: string;
  hint?: string;
  target: "value" | "key";
  /** Missing-field errors sort last: their position is only the parent, and a typo elsewhere often explains them. */
  missing: boolean;
  /** The value has the wrong kind for this schema (a list where a string belongs). */
  kindMismatch: boolean;
}

/** Error types meaning "the value is of another kind", as opposed to "right kind, bad content". */
const KIND_ERRORS = new Set<ValueErrorType>([
  ValueErrorType.Array,
  ValueErrorType.Boolean,
  ValueErrorType.Integer,
  ValueErrorType.Null,
  ValueErrorType.Number,
  ValueErrorType.Object,
  ValueErrorType.String,
  ValueErrorType.Literal,
  ValueErrorType.Tuple,
]);

/**
 * Checks `source.data` against `schema` and returns it typed, or throws one
 * ConfigError for the most useful problem: the first in the file, with
 * missing-field errors last. An empty file counts as an empty mapping.
 * `what` names the file's role for top-level problems ("command file").
 */
export function validate<T extends TSchema>(schema: T, source: SourceFile, what: string): Static<T> {
  const data = source.data ?? {};
  const errors = [...Value.Errors(schema, data)];
  if (errors.length === 0) return data as Static<T>;

  const issues = errors.flatMap((error) => explain(error, what));
  const ranked = issues
    .map((issue, order) => {
      const { line, col } = source.positionOf(issue.path, issue.target);
      return { issue, order, line, col };
    })
    .sort((a, b) => Number(a.issue.missing) - Number(b.issue.missing) || a.line - b.line || a.col - b.col || a.order - b.order);
  const best = ranked[0];
  if (!best) throw new ConfigError({ file: source.displayPath, line: 1, col: 1 }, `invalid ${what}`);
  throw new ConfigError(
    { file: source.displayPath, line: best.line, col: best.col, path: best.issue.path.join(".") },
    best.issue.problem,
    best.issue.hint,
  );
}

function explain(error: ValueError, what: string): Issue[] {
  // A missing required key is also visited with `undefined`; the required-field error already says it.
  if (error.value === undefined && error.type !== ValueErrorType.ObjectRequiredProperty) return [];
  const path = pointerSegments(error.path);
  const schema = error.schema as SchemaNotes;
  const issue = (problem: string, extra: Partial<Issue> = {}): Issue[] => [
    { path, problem, target: "value", missing: false, kindMismatch: false, ...extra },
  ];

  switch (error.type) {
    case ValueErrorType.Union:
      return explainUnion(error, path, what);
    case ValueErrorType.ObjectAdditionalProperties: {
      const key = path[path.length - 1] ?? "";
      if (schema.properties) {
        const allowed = Object.keys(schema.properties);
        const suggestion = closest(key, allowed);
        return issue(suggestion ? `unknown key (did you mean ${suggestion}?)` : "unknown key", {
          target: "key",
          hint: `allowed keys here: ${allowed.join(", ")}`,
        });
      }
      return issue(`${JSON.stringify(key)} ${schema.keyMessage ?? "is not an allowed key"}`, { target: "key" });
    }
    case ValueErrorType.ObjectRequiredProperty:
      return issue("required field missing", { missing: true });
    case ValueErrorType.Object:
      return path.length === 0
        ? issue(`a ${what} must be a mapping of keys to values, got ${describeValue(error.value)}`, { kindMismatch: true })
        : issue(`expected ${schema.expected ?? "a mapping"}, got ${describeValue(error.value)}`, { kindMismatch: true });
    case ValueErrorType.Array:
      return issue(`expected a list, got ${describeValue(error.value)}`, { kindMismatch: true });
    case ValueErrorType.String:
      return issue(`expected a string, got ${describeValue(error.value)}`, { kindMismatch: true });
    case ValueErrorType.Boolean:
      return issue(`expected true or false, got ${describeValue(error.value)}`, { kindMismatch: true });
    case ValueErrorType.Number:
      return issue(`expected a number, got ${describeValue(error.value)}`, { kindMismatch: true });
    case ValueErrorType.Integer:
      return issue(
        typeof error.value === "number"
          ? `expected a whole number, got ${error.value}`
          : `expected a whole number, got ${describeValue(error.value)}`,
        { kindMismatch: true },
      );
    case ValueErrorType.StringPattern:
      return issue(
        schema.patternMessage
          ? schema.patternMessage.replace("{value}", JSON.stringify(error.value))
          : `${JSON.stringify(error.value)} does not match the pattern ${schema.pattern}`,
      );
    case ValueErrorType.StringMinLength:
      return issue(schema.minLength === 1 ? "must not be empty" : `must be at least ${schema.minLength} characters long`);
    case ValueErrorType.StringMaxLength:
      return issue(`must be at most ${schema.maxLength} characters long`);
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return issue(`must be at least ${schema.minimum}, got ${String(error.value)}`);
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return issue(`must be at most ${schema.maximum}, got ${String(error.value)}`);
    default: {
      const message = error.message;
      return issue(`${message.charAt(0).toLowerCase()}${message.slice(1)}`, { kindMismatch: KIND_ERRORS.has(error.type) });
    }
  }
}

/**
 * TypeBox reports a failed union as one "Expected union value" with the errors
 * of each variant. Report the variant the value was evidently meant to be (one
 * whose kind fits, e.g. the string form of a step for a string); when no
 * variant fits, say what the union accepts.
 */
function explainUnion(error: ValueError, path: string[], what: string): Issue[] {
  const here = path.join("/");
  for (const variant of error.errors) {
    const issues = [...variant].flatMap((inner) => explain(inner, what));
    const wrongKind = issues.some((issue) => issue.kindMismatch && issue.path.join("/") === here);
    if (issues.length > 0 && !wrongKind) return issues;
  }
  const schema = error.schema as SchemaNotes;
  const expected = schema.expected ?? describeSchema(schema);
  return [
    {
      path,
      problem: `expected ${expected}, got ${describeValue(error.value)}`,
      target: "value",
      missing: false,
      kindMismatch: true,
    },
  ];
}

/** The JSON-Schema fields and custom notes (see schema.ts) that messages use. */
interface SchemaNotes {
  type?: string;
  anyOf?: SchemaNotes[];
  properties?: Record<string, unknown>;
  pattern?: string;
  patternMessage?: string;
  keyMessage?: string;
  expected?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

function describeSchema(schema: SchemaNotes): string {
  if (schema.expected) return schema.expected;
  if (schema.anyOf) return schema.anyOf.map(describeSchema).join(" or ");
  switch (schema.type) {
    case "string":
      return "a string";
    case "array":
      return "a list";
    case "object":
      return "a mapping";
    case "number":
      return "a number";
    case "integer":
      return "a whole number";
    case "boolean":
      return "true or false";
    default:
      return "another kind of value";
  }
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "an empty value";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "a mapping";
    default:
      return typeof value;
  }
}

function pointerSegments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .split("/")
    .slice(1)
    .map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"));
}

// ---------------------------------------------------------------- files and layering

/** A config after loading; `source` is undefined when the file does not exist. */
export interface LoadedConfig<T> {
  config: T;
  source: SourceFile | undefined;
}

/** A command after loading, with its source so later stages (templates) can point into it. */
export interface LoadedCommand {
  name: string;
  config: CommandConfig;
  source: SourceFile;
}

export interface CommandFile {
  name: string;
  /** Absolute path. */
  path: string;
}

/** Loads and validates the global config; a missing file means all defaults. */
export function loadGlobalConfig(env: Env = process.env): LoadedConfig<GlobalConfig> {
  const path = globalConfigPath(env);
  // No repository rule here: the global config is often a link into a dotfiles checkout.
  const text = readConfigText(path);
  if (text === undefined) return { config: {}, source: undefined };
  const source = parseYamlFile(path, text);
  return { config: validate(GlobalConfig, source, "global config"), source };
}

/** Loads and validates `.prj/configs/project.yaml` (`prjDir` is the `.prj` directory); missing means defaults. */
export function loadProjectConfig(prjDir: string): LoadedConfig<ProjectConfig> {
  const path = join(prjDir, "configs", "project.yaml");
  const text = readConfigText(path, { insideRoot: repositoryOf(prjDir) });
  if (text === undefined) return { config: {}, source: undefined };
  const source = parseYamlFile(path, text);
  const config = validate(ProjectConfig, source, "project config");
  if (config.sessions?.session_timeout !== undefined && config.tmux?.session_timeout !== undefined) {
    // Two places for one setting in one file: refuse rather than pick one silently.
    throw new ConfigError(
      { file: source.displayPath, ...source.positionOf(["sessions", "session_timeout"], "key"), path: "sessions.session_timeout" },
      "also set as tmux.session_timeout in this file; keep only one",
    );
  }
  return { config, source };
}

/**
 * The command files in `.prj/commands`, sorted by name. Dotfiles are skipped
 * (editor backups); a name defined by both `.yaml` and `.yml` is an error.
 */
export function listCommandFiles(prjDir: string): CommandFile[] {
  const dir = join(prjDir, "commands");
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return [];
    if (errorCode(error) === "ENOTDIR") throw new ConfigError({ file: displayPath(dir) }, "is not a directory", "`.prj/commands` holds one YAML file per command");
    const reason = error instanceof Error ? error.message : String(error);
    throw new PrjError(`cannot read ${displayPath(dir)}: ${reason}`, { cause: error });
  }
  const byName = new Map<string, CommandFile>();
  for (const entry of entries.sort()) {
    const extension = extname(entry);
    if (entry.startsWith(".") || (extension !== ".yaml" && extension !== ".yml")) continue;
    const path = join(dir, entry);
    if (!isCommandEntry(path)) continue;
    const name = entry.slice(0, -extension.length);
    const other = byName.get(name);
    if (other) {
      throw new ConfigError(
        { file: displayPath(path) },
        `command ${JSON.stringify(name)} is also defined by ${basename(other.path)}`,
        "keep only one of the two files",
      );
    }
    byName.set(name, { name, path });
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Whether a `.yaml` entry counts as a command. A dangling link does not; a
 * FIFO, a device or a directory does, so that loading it says what is wrong
 * with it instead of "unknown command".
 */
function isCommandEntry(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    // A link loop or an unreadable target: loading it reports the reason.
    return true;
  }
}

/** The repository a `.prj` directory belongs to: config read for it must stay inside. */
function repositoryOf(prjDir: string): string {
  return dirname(resolve(prjDir));
}

const NAME_RE = new RegExp(NAME_PATTERN);

/**
 * Loads and validates `.prj/commands/NAME.yaml` (or `.yml`). An unknown
 * command is an exit-2 error listing what exists, with a suggestion; the file's
 * `name:` must equal its file name.
 */
export function loadCommand(prjDir: string, name: string): LoadedCommand {
  const commandsDir = join(prjDir, "commands");
  const files = listCommandFiles(prjDir);
  // Exact match on directory entries, so `DEV` does not open dev.yaml on a case-insensitive disk.
  const file = files.find((candidate) => candidate.name === name);
  if (!file) {
    if (!NAME_RE.test(name)) {
      throw new ConfigError(
        { file: displayPath(commandsDir) },
        `invalid command name ${JSON.stringify(name)}: it may contain only letters, digits, '.', '_' and '-'`,
      );
    }
    const names = files.map((candidate) => candidate.name);
    const suggestion = closest(name, names);
    const available = names.length > 0 ? `available commands: ${names.join(", ")}` : "there are no commands yet; `prj init` writes the defaults";
    throw new ConfigError(
      { file: displayPath(commandsDir) },
      `unknown command ${JSON.stringify(name)}`,
      suggestion ? `did you mean ${suggestion}? ${available}` : available,
    );
  }
  const text = readConfigText(file.path, { insideRoot: repositoryOf(prjDir) });
  if (text === undefined) throw new PrjError(`cannot read ${displayPath(file.path)}: it disappeared while prj was reading the commands`);
  const source = parseYamlFile(file.path, text);
  if (!NAME_RE.test(file.name)) {
    throw new ConfigError(
      { file: source.displayPath },
      `file name ${JSON.stringify(basename(file.path))}: command names may contain only letters, digits, '.', '_' and '-'`,
    );
  }
  const config = validate(CommandConfig, source, "command file");
  if (config.name !== file.name) {
    throw new ConfigError(
      { file: source.displayPath, ...source.positionOf(["name"], "key"), path: "name" },
      `${JSON.stringify(config.name)} does not match the file name ${basename(file.path)}`,
      `rename the file to ${config.name}${extname(file.path)} or set name: ${file.name}`,
    );
  }
  checkArguments(config, source);
  return { name: file.name, config, source };
}

/** Rules about arguments that a schema cannot say: names are unique, and required ones have no default. */
function checkArguments(config: CommandConfig, source: SourceFile): void {
  const seen = new Set<string>();
  for (const [index, argument] of (config.arguments ?? []).entries()) {
    if (seen.has(argument.name)) {
      throw new ConfigError(
        { file: source.displayPath, ...source.positionOf(["arguments", index, "name"]), path: `arguments.${index}.name` },
        `argument ${JSON.stringify(argument.name)} is declared twice`,
      );
    }
    seen.add(argument.name);
    if (argument.required === true && argument.default !== undefined) {
      throw new ConfigError(
        { file: source.displayPath, ...source.positionOf(["arguments", index, "default"], "key"), path: `arguments.${index}.default` },
        "a required argument cannot have a default",
        "drop `required: true` or the default",
      );
    }
  }
}

/**
 * Loads the global and project configs and layers them. `prjDir` is the
 * project's `.prj` directory; the project root is its parent.
 */
export function loadSettings(prjDir: string, env: Env = process.env): Settings {
  const global = loadGlobalConfig(env).config;
  const project = loadProjectConfig(prjDir).config;
  return mergeSettings(global, project, { projectRoot: dirname(resolve(prjDir)), env });
}
