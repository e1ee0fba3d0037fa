// What a row of the command table (cli.ts) is, kept apart from the table so
// that completion can read the table without importing the CLI that lists it.
import type { CommandDef } from "citty";

export interface CommandEntry {
  description: string;
  load: () => Promise<{ default: CommandDef<any> }>;
  /** Left out of `prj --help` and of completion. */
  hidden?: boolean;
  /** Gets its arguments untouched: no flag checks, no --help, no parsing; and the command table as `data`. */
  raw?: boolean;
}

/** `deleteBranch` → `delete-branch`: the flag citty accepts for a camel-case arg. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (char) => `-${char.toLowerCase()}`);
}
