import type { ArgsDef, CommandDef } from "citty";

/**
 * citty's `defineCommand` (the identity, for type inference) without loading
 * citty: importing it loads `node:util`, ~1.2 ms in the compiled binary. cli.ts
 * loads citty only for command lines its own parser leaves to it, and for help.
 */
export function defineCommand<const T extends ArgsDef = ArgsDef>(def: CommandDef<T>): CommandDef<T> {
  return def;
}
