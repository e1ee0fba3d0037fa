import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { PrjError } from "../errors.ts";
import { findGitRoot, projectPaths } from "../paths.ts";
import feature from "../defaults/feature-branch.yaml" with { type: "text" };
import gitignore from "../defaults/gitignore.txt" with { type: "text" };
import projectConfig from "../defaults/project.yaml" with { type: "text" };
import review from "../defaults/review-pr.yaml" with { type: "text" };
import startDev from "../defaults/start-dev.yaml" with { type: "text" };

export interface InitResult {
  root: string;
  created: string[];
  kept: string[];
}

/**
 * Creates the `.prj/` tree. Never overwrites: a file that exists is kept as
 * the user left it, so running init again changes nothing.
 * Without PATH, the repository root is used (the main worktree when run from a
 * linked one), or the current directory outside git.
 */
export async function initProject(path: string | undefined, cwd: string = process.cwd()): Promise<InitResult> {
  const root = path ? resolve(cwd, path) : (findGitRoot(cwd) ?? cwd);
  if (!existsSync(root)) throw new PrjError(`cannot initialise ${root}: no such directory`, { exitCode: 2 });
  const paths = projectPaths(root);
  const created: string[] = [];
  const kept: string[] = [];
  // Editors read these through the modeline on the first line of each file below.
  const { SCHEMA_NAMES, jsonSchemaText } = await import("../config/json-schema.ts");
  try {
    for (const dir of [paths.prj, paths.commands, paths.steps, paths.configs, paths.artifacts, paths.schemas]) {
      if (!existsSync(dir)) {
        mkdirSync(dir, { recursive: true });
        created.push(dir);
      }
    }
    const files: [string, string][] = [
      [paths.gitignore, gitignore],
      [paths.projectConfig, projectConfig],
      [`${paths.commands}/start-dev.yaml`, startDev],
      [`${paths.commands}/feature-branch.yaml`, feature],
      [`${paths.commands}/review-pr.yaml`, review],
      ...SCHEMA_NAMES.map((name): [string, string] => [`${paths.schemas}/${name}.schema.json`, jsonSchemaText(name)]),
    ];
    for (const [file, text] of files) {
      if (existsSync(file) || (file.endsWith(".yaml") && existsSync(file.replace(/\.yaml$/, ".yml")))) {
        kept.push(file);
        continue;
      }
      // `wx` refuses to replace a file that appeared since the check.
      writeFileSync(file, text, { flag: "wx" });
      created.push(file);
    }
  } catch (error) {
    if (error instanceof PrjError) throw error;
    throw new PrjError(`cannot initialise ${paths.prj}: ${(error as Error).message}`, { cause: error });
  }
  const { refuseLinkedDatabase } = await import("../project.ts");
  refuseLinkedDatabase(paths.database);
  const hadDatabase = existsSync(paths.database);
  const { openStateDatabase } = await import("../state/db.ts");
  openStateDatabase(paths.database, { create: true }).close();
  (hadDatabase ? kept : created).push(paths.database);
  return { root, created, kept };
}
