// No module of src/ may reach itself through its imports. Static, type-only
// and dynamic imports all count: a lazy `import()` still ties the two modules'
// designs together, and a cycle is where a change on one side breaks the other.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import ts from "typescript";

const srcRoot = resolve(import.meta.dir, "../../src");

/** Each module of src/ with the src/ modules it imports, by path relative to src/. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of new Bun.Glob("**/*.ts").scanSync(srcRoot)) {
    const path = resolve(srcRoot, file);
    const { importedFiles } = ts.preProcessFile(readFileSync(path, "utf8"), true, true);
    const targets = importedFiles
      .map((imported) => imported.fileName)
      .filter((name) => name.startsWith("."))
      .map((name) => resolve(dirname(path), name))
      .filter((target) => target.startsWith(srcRoot + "/") && existsSync(target) && target.endsWith(".ts"))
      .map((target) => relative(srcRoot, target));
    graph.set(relative(srcRoot, path), [...new Set(targets)]);
  }
  return graph;
}

/** One import path per cycle found by a depth-first walk, as `a.ts → b.ts → a.ts`. */
export function findCycles(graph: Map<string, string[]>): string[] {
  const cycles: string[] = [];
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (module: string): void => {
    const start = onPath.indexOf(module);
    if (start !== -1) {
      cycles.push([...onPath.slice(start), module].join(" → "));
      return;
    }
    if (done.has(module)) return;
    onPath.push(module);
    for (const next of graph.get(module) ?? []) visit(next);
    onPath.pop();
    done.add(module);
  };
  for (const module of [...graph.keys()].sort()) visit(module);
  return cycles;
}

describe("imports of src/", () => {
  test("the walk finds a cycle when there is one", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(findCycles(graph)).toEqual(["a.ts → b.ts → c.ts → a.ts"]);
  });

  test("the graph covers the entry point and sees dynamic and type-only imports", () => {
    const graph = importGraph();
    expect(graph.get("main.ts")).toContain("cli.ts");
    // Every command is loaded by a dynamic import; StateStore is imported as a type.
    expect(graph.get("cli.ts")).toContain("commands/run.ts");
    expect(graph.get("sessions/context.ts")).toContain("state/db.ts");
  });

  test("no module reaches itself through its imports", () => {
    expect(findCycles(importGraph())).toEqual([]);
  });
});
