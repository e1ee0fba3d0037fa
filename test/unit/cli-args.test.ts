// cli.ts parses the commonest command lines itself, so they need not load
// citty (and node:util with it); the result must be what citty gives.
import { describe, expect, test } from "bun:test";
import { parseArgs, type ArgsDef } from "citty";
import { plainArgs } from "../../src/cli.ts";

const RUN: ArgsDef = {
  name: { type: "positional", description: "Command name" },
  "dry-run": { type: "boolean" },
  attach: { type: "boolean" },
  json: { type: "boolean" },
};
const LIST: ArgsDef = { all: { type: "boolean" }, json: { type: "boolean" } };

/** The fields a command reads, as a plain object. */
function view(args: Record<string, unknown>, def: ArgsDef): Record<string, unknown> {
  const out: Record<string, unknown> = { _: args._ };
  for (const name of Object.keys(def)) {
    out[name] = args[name];
    out[name.replace(/-([a-z])/g, (_, char: string) => char.toUpperCase())] = args[name.replace(/-([a-z])/g, (_, char: string) => char.toUpperCase())];
  }
  return out;
}

describe("plainArgs gives what citty gives", () => {
  const cases: [string, ArgsDef, string[]][] = [
    ["run", RUN, ["bench4"]],
    ["run", RUN, ["bench4", "--no-attach"]],
    ["run", RUN, ["feature-branch", "branch=user-auth", "env=testing", "--json", "--dry-run"]],
    ["run", RUN, ["--attach", "dev", "x=1"]],
    ["run", RUN, ["dev", "--json=false", "--attach=yes"]],
    ["run", RUN, ["dev", "--attach", "--no-attach"]],
    ["run", RUN, ["dev", "--no-attach", "--attach"]],
    ["run", RUN, ["dev", "--", "--json", "k=v"]],
    ["run", RUN, ["dev", "-", "--no-color"]],
    ["list-sessions", LIST, []],
    ["list-sessions", LIST, ["--json"]],
    ["list-sessions", LIST, ["--all", "--json"]],
  ];
  test.each(cases)("%s %j", (_, def, argv) => {
    const mine = plainArgs(argv, def);
    expect(mine).toBeDefined();
    expect(view(mine!, def)).toEqual(view(parseArgs(argv, def), def));
  });

  test("leaves to citty what it does not handle", () => {
    expect(plainArgs([], RUN)).toBeUndefined(); // citty's missing-argument message
    expect(plainArgs(["dev", "-j"], RUN)).toBeUndefined();
    expect(plainArgs(["x"], { limit: { type: "string" } })).toBeUndefined();
    expect(plainArgs(["x"], { all: { type: "boolean", default: true } })).toBeUndefined();
    expect(plainArgs(["x"], { all: { type: "boolean", alias: "a" } })).toBeUndefined();
  });
});
