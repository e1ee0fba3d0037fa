/**
 * JSON Schema for editors (SPEC §10 `prj schema`), made from the same TypeBox
 * schemas that validate the files, so an editor and prj never disagree.
 *
 * TypeBox schemas are JSON Schema already, plus a symbol key (`Kind`) and the
 * custom message notes of schema.ts (`patternMessage`, `expected`, …). Only
 * standard keywords are kept: an allow-list, so a note added to schema.ts
 * later cannot leak into the emitted files.
 */
import type { TSchema } from "@sinclair/typebox";
import { CommandConfig, GlobalConfig, ProjectConfig } from "./schema.ts";

export const SCHEMA_NAMES = ["command", "project", "global"] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

const SOURCES: Record<SchemaName, { schema: TSchema; title: string }> = {
  command: { schema: CommandConfig, title: "prj command (.prj/commands/NAME.yaml)" },
  project: { schema: ProjectConfig, title: "prj project config (.prj/configs/project.yaml)" },
  global: { schema: GlobalConfig, title: "prj global config (~/.config/prunejuice/config.yaml)" },
};

/** Draft-07: what yaml-language-server and most editors understand fully. */
export const JSON_SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#";

/** Keywords whose value is one schema. */
const SCHEMA_KEYWORDS = new Set(["items", "additionalProperties", "not", "propertyNames", "contains", "if", "then", "else"]);
/** Keywords whose value is a list of schemas. */
const SCHEMA_LIST_KEYWORDS = new Set(["anyOf", "allOf", "oneOf"]);
/** Keywords whose value maps names to schemas. */
const SCHEMA_MAP_KEYWORDS = new Set(["properties", "patternProperties", "definitions", "$defs"]);
/** Keywords whose value is data, copied as it is. */
const VALUE_KEYWORDS = new Set([
  "type", "enum", "const", "required", "pattern", "format", "minLength", "maxLength", "minimum", "maximum",
  "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties",
  "maxProperties", "title", "description", "default", "examples", "$ref", "$id",
]);

/** The JSON Schema document for one config file kind: `$schema` and `title` first, then the schema. */
export function jsonSchemaOf(name: SchemaName): Record<string, unknown> {
  const { schema, title } = SOURCES[name];
  return { $schema: JSON_SCHEMA_DIALECT, title, ...toJsonSchema(schema) };
}

/** `jsonSchemaOf` as the text written to `.prj/schemas/NAME.schema.json`. */
export function jsonSchemaText(name: SchemaName): string {
  return `${JSON.stringify(jsonSchemaOf(name), null, 2)}\n`;
}

export function isSchemaName(value: string): value is SchemaName {
  return (SCHEMA_NAMES as readonly string[]).includes(value);
}

function toJsonSchema(node: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Object.entries skips symbol keys, which is where TypeBox keeps `Kind`.
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (SCHEMA_KEYWORDS.has(key)) out[key] = typeof value === "boolean" ? value : toJsonSchema(value);
    else if (SCHEMA_LIST_KEYWORDS.has(key)) out[key] = (value as unknown[]).map(toJsonSchema);
    else if (SCHEMA_MAP_KEYWORDS.has(key)) {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, inner]) => [name, toJsonSchema(inner)]));
    } else if (VALUE_KEYWORDS.has(key)) out[key] = structuredClone(value);
  }
  return out;
}
