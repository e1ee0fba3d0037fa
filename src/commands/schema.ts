import { defineCommand } from "./define.ts";
import { UsageError } from "../errors.ts";
import { writeOut } from "../ui/output.ts";

export default defineCommand({
  meta: { name: "schema", description: "Print the JSON Schema of a config file: command (default), project or global" },
  args: {
    kind: { type: "positional", required: false, description: "command, project or global (default: command)" },
    json: { type: "boolean", description: "Accepted for uniformity; the output is always one JSON document" },
  },
  async run({ args }) {
    const { SCHEMA_NAMES, isSchemaName, jsonSchemaText } = await import("../config/json-schema.ts");
    const kind = args.kind ?? "command";
    if (!isSchemaName(kind)) throw new UsageError(`unknown schema "${kind}"`, `one of: ${SCHEMA_NAMES.join(", ")}`);
    writeOut(jsonSchemaText(kind));
  },
});
