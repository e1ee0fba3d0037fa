// `prj schema` and what `prj init` writes for editors: the emitted JSON Schema
// is plain JSON Schema (no TypeBox symbols or message notes), is closed like
// the TypeBox schemas, and accepts exactly what they accept. Every YAML example
// in docs/*.md and every default file is checked against both.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { parse } from "yaml";
import { JSON_SCHEMA_DIALECT, jsonSchemaOf, jsonSchemaText, SCHEMA_NAMES, type SchemaName } from "../../src/config/json-schema.ts";
import { CommandConfig, GlobalConfig, ProjectConfig } from "../../src/config/schema.ts";
import { initProject } from "../../src/init/init.ts";
import { run, tempDir } from "../helpers/world.ts";

const root = resolve(import.meta.dir, "../..");
const TYPEBOX: Record<SchemaName, TSchema> = { command: CommandConfig, project: ProjectConfig, global: GlobalConfig };

type Json = Record<string, unknown>;

// ---------------------------------------------------------------- a small JSON Schema checker

/** The draft-07 keywords the emitted schemas may use; anything else is a leak from TypeBox. */
const KEYWORDS = new Set([
  "$schema", "title", "description", "type", "properties", "patternProperties", "additionalProperties", "required",
  "items", "anyOf", "pattern", "minLength", "maxLength", "minimum", "maximum",
]);
const TYPES = new Set(["object", "array", "string", "number", "integer", "boolean", "null"]);

/** Structural problems of a schema node and everything under it, as "path: problem" lines. */
function structureProblems(node: unknown, path = "#"): string[] {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return [`${path}: a schema must be an object`];
  const schema = node as Json;
  const problems: string[] = [];
  if (Object.getOwnPropertySymbols(schema).length > 0) problems.push(`${path}: symbol keys`);
  for (const key of Object.keys(schema)) if (!KEYWORDS.has(key)) problems.push(`${path}: unknown keyword ${key}`);
  if (schema.type !== undefined && !TYPES.has(schema.type as string)) problems.push(`${path}: bad type ${String(schema.type)}`);
  if (schema.type === "object") {
    if (schema.properties === undefined && schema.patternProperties === undefined) problems.push(`${path}: object without properties`);
    // Closed like the TypeBox schemas: a typo is an error in the editor too. A map of names (patternProperties only) is open by design.
    if (schema.properties !== undefined && schema.additionalProperties !== false) problems.push(`${path}: additionalProperties is not false`);
  }
  for (const [name, inner] of Object.entries((schema.properties ?? {}) as Json)) problems.push(...structureProblems(inner, `${path}/properties/${name}`));
  for (const [pattern, inner] of Object.entries((schema.patternProperties ?? {}) as Json)) {
    try {
      new RegExp(pattern, "u");
    } catch {
      problems.push(`${path}: invalid pattern ${pattern}`);
    }
    problems.push(...structureProblems(inner, `${path}/patternProperties/${pattern}`));
  }
  if (schema.items !== undefined) problems.push(...structureProblems(schema.items, `${path}/items`));
  if (schema.anyOf !== undefined) (schema.anyOf as unknown[]).forEach((inner, index) => problems.push(...structureProblems(inner, `${path}/anyOf/${index}`)));
  if (schema.required !== undefined && !(schema.required as unknown[]).every((name) => typeof name === "string" && name in ((schema.properties ?? {}) as Json))) {
    problems.push(`${path}: required names a property that is not declared`);
  }
  return problems;
}

/** Whether `value` fits `schema`, for the keywords in KEYWORDS (what an editor would check). */
function accepts(schema: Json, value: unknown): boolean {
  if (schema.anyOf && !(schema.anyOf as Json[]).some((inner) => accepts(inner, value))) return false;
  switch (schema.type) {
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
      const record = value as Json;
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      const patterns = Object.entries((schema.patternProperties ?? {}) as Record<string, Json>);
      if (((schema.required ?? []) as string[]).some((name) => !(name in record))) return false;
      for (const [key, inner] of Object.entries(record)) {
        const matching = patterns.filter(([pattern]) => new RegExp(pattern, "u").test(key));
        if (key in properties) {
          if (!accepts(properties[key]!, inner)) return false;
        } else if (matching.length > 0) {
          if (!matching.every(([, each]) => accepts(each, inner))) return false;
        } else if (schema.additionalProperties === false) return false;
      }
      return true;
    }
    case "array":
      return Array.isArray(value) && (!schema.items || value.every((item) => accepts(schema.items as Json, item)));
    case "string":
      if (typeof value !== "string") return false;
      if (schema.minLength !== undefined && [...value].length < (schema.minLength as number)) return false;
      if (schema.maxLength !== undefined && [...value].length > (schema.maxLength as number)) return false;
      return schema.pattern === undefined || new RegExp(schema.pattern as string, "u").test(value);
    case "integer":
    case "number":
      if (typeof value !== "number" || (schema.type === "integer" && !Number.isInteger(value))) return false;
      if (schema.minimum !== undefined && value < (schema.minimum as number)) return false;
      return schema.maximum === undefined || value <= (schema.maximum as number);
    case "boolean":
      return typeof value === "boolean";
    case undefined:
      return true;
    default:
      return false;
  }
}

/** TypeBox and the emitted JSON Schema must agree; returns that shared verdict. */
function verdict(name: SchemaName, value: unknown): boolean {
  const typebox = Value.Check(TYPEBOX[name], value);
  expect({ schema: name, value, json: accepts(jsonSchemaOf(name), value) }).toEqual({ schema: name, value, json: typebox });
  return typebox;
}

// ---------------------------------------------------------------- examples

interface Example {
  where: string;
  text: string;
}

/** ```yaml blocks of docs/*.md, except those right after a `<!-- not-validated -->` comment. */
function docExamples(): Example[] {
  const dir = join(root, "docs");
  const examples: Example[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".md")).sort()) {
    const lines = readFileSync(join(dir, file), "utf8").split("\n");
    for (let index = 0; index < lines.length; index++) {
      if (!/^\s*```ya?ml\s*$/.test(lines[index]!)) continue;
      const end = lines.findIndex((line, at) => at > index && /^\s*```\s*$/.test(line));
      if (end === -1) throw new Error(`docs/${file}:${index + 1}: unclosed yaml block`);
      let previous = index - 1;
      while (previous >= 0 && lines[previous]!.trim() === "") previous--;
      const skipped = previous >= 0 && /<!--\s*not-validated\s*-->/.test(lines[previous]!);
      if (!skipped) examples.push({ where: `docs/${file}:${index + 1}`, text: lines.slice(index + 1, end).join("\n") });
      index = end;
    }
  }
  return examples;
}

const PROJECT_ONLY_KEYS = ["project", "sessions", "worktrees", "environments"];
const GLOBAL_KEYS = ["defaults", "tmux"];

/** Which file an example is: a command (top-level `name:`), a project or global config, or none of prj's. */
function kindOf(data: unknown): SchemaName | undefined {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  const keys = Object.keys(data);
  if (keys.includes("name")) return "command";
  if (keys.some((key) => PROJECT_ONLY_KEYS.includes(key))) return "project";
  if (keys.some((key) => GLOBAL_KEYS.includes(key))) return "global";
  return undefined;
}

describe("emitted JSON Schema", () => {
  test.each([...SCHEMA_NAMES])("%s: $schema and title, standard keywords only, closed objects", (name) => {
    const schema = jsonSchemaOf(name);
    expect(Object.keys(schema).slice(0, 2)).toEqual(["$schema", "title"]);
    expect(schema.$schema).toBe(JSON_SCHEMA_DIALECT);
    expect(schema.title).toContain(name);
    expect(schema.type).toBe("object");
    expect(structureProblems(schema)).toEqual([]);
    // Plain data: JSON round-trips it exactly (TypeBox's Kind symbol would not survive).
    expect(JSON.parse(jsonSchemaText(name))).toEqual(schema);
    expect(JSON.stringify(schema)).not.toMatch(/patternMessage|expected|keyMessage|\{value\}/);
  });

  test("the command schema requires name and describes every top-level key of CommandConfig", () => {
    const schema = jsonSchemaOf("command") as { required: string[]; properties: Json };
    expect(schema.required).toEqual(["name"]);
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(CommandConfig.properties).sort());
  });

  test("it rejects what TypeBox rejects", () => {
    const rejected: [SchemaName, unknown][] = [
      ["command", { name: "dev", sesion: {} }],
      ["command", { name: "has space" }],
      ["command", { description: "no name" }],
      ["command", { name: "dev", timeout: "0" }],
      ["command", { name: "dev", session: { windows: [{ name: "a", panes: [{ comand: "x" }] }] } }],
      ["command", { name: "dev", environment: { "BAD-NAME": "x" } }],
      ["command", { name: "dev", arguments: [{ name: "1st" }] }],
      ["project", { worktrees: { copy_files: ["../secret"] } }],
      ["project", { worktrees: { port_base: 70000 } }],
      ["global", { tmux: { auto_attach: "yes" } }],
      ["global", { defaults: { shell: "" } }],
    ];
    for (const [name, value] of rejected) expect(verdict(name, value)).toBe(false);
  });
});

describe("examples validate against the schemas", () => {
  test("src/defaults/*.yaml", () => {
    const dir = join(root, "src/defaults");
    const files = readdirSync(dir).filter((name) => name.endsWith(".yaml")).sort();
    expect(files).toContain("project.yaml");
    for (const file of files) {
      const name: SchemaName = file === "project.yaml" ? "project" : "command";
      const data = parse(readFileSync(join(dir, file), "utf8"));
      expect({ file, valid: verdict(name, data) }).toEqual({ file, valid: true });
    }
  });

  test("every ```yaml block in docs/*.md that is a prj file", () => {
    let checked = 0;
    for (const example of docExamples()) {
      let data: unknown;
      try {
        data = parse(example.text);
      } catch (error) {
        throw new Error(`${example.where}: not valid YAML (mark it <!-- not-validated --> if it is a fragment): ${String(error)}`);
      }
      const kind = kindOf(data);
      if (!kind) continue;
      const errors = [...Value.Errors(TYPEBOX[kind], data)].map((error) => `${error.path}: ${error.message}`);
      expect({ example: example.where, kind, errors }).toEqual({ example: example.where, kind, errors: [] });
      verdict(kind, data);
      checked++;
    }
    // Checking nothing is not a pass: the docs do have examples.
    expect(checked).toBeGreaterThan(0);
  });
});

describe("prj init writes schemas and modelines", () => {
  test("schema files, a modeline on the first line of each YAML file, never overwritten", async () => {
    const dir = tempDir("init-schema-");
    const first = await initProject(dir);
    for (const name of SCHEMA_NAMES) {
      const file = join(dir, ".prj/schemas", `${name}.schema.json`);
      expect(first.created).toContain(file);
      expect(readFileSync(file, "utf8")).toBe(jsonSchemaText(name));
    }
    const firstLine = (file: string) => readFileSync(join(dir, ".prj", file), "utf8").split("\n")[0];
    expect(firstLine("configs/project.yaml")).toBe("# yaml-language-server: $schema=../schemas/project.schema.json");
    const commands = readdirSync(join(dir, ".prj/commands"));
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      expect(firstLine(`commands/${command}`)).toBe("# yaml-language-server: $schema=../schemas/command.schema.json");
    }

    const edited = join(dir, ".prj/schemas/command.schema.json");
    writeFileSync(edited, "{}\n");
    const again = await initProject(dir);
    expect(again.created).toEqual([]);
    expect(readFileSync(edited, "utf8")).toBe("{}\n");
  });
});

describe("prj schema", () => {
  const prj = (...args: string[]) => run(["bun", join(root, "src/main.ts"), ...args], { cwd: tempDir() });

  test("prints the schema named, command by default, as one JSON document", async () => {
    const project = await prj("schema", "project");
    expect(project.exitCode).toBe(0);
    expect(project.stdout).toBe(jsonSchemaText("project"));
    const byDefault = await prj("schema", "--json");
    expect(JSON.parse(byDefault.stdout)).toEqual(jsonSchemaOf("command"));
  });

  test("an unknown schema is a usage error listing the names", async () => {
    const result = await prj("schema", "tmuxinator");
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("command, project, global");
  });
});
