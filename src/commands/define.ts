import type { ArgsDef, CommandDef } from "citty";

/** A command as prj declares it: citty's definition, plus what `--help` shows beyond the flags. */
export type PrjCommandDef<T extends ArgsDef = ArgsDef> = CommandDef<T> & {
  /** The usage line, when the one made from the arguments says less (`prj run NAME [key=value …] …`). */
  usage?: string;
  /** More help after the options, such as the project's commands for `prj run --help`. */
  helpExtra?: () => Promise<string>;
  /** The error for a missing positional, when a bare "missing NAME" says less (`prj run` lists the commands). */
  whenMissing?: () => Promise<Error>;
};

/**
 * citty's `defineCommand` (the identity, for type inference) without loading
 * citty: importing it loads `node:util`, ~1.2 ms in the compiled binary. cli.ts
 * loads citty only for command lines its own parser leaves to it.
 */
export function defineCommand<const T extends ArgsDef = ArgsDef>(def: PrjCommandDef<T>): PrjCommandDef<T> {
  return def;
}
