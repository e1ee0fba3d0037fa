/**
 * Where config files are, how their paths are shown, and how they are read
 * without trusting what the path turns out to be. No yaml or TypeBox here:
 * the config cache (cache.ts) needs these on its fast path.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, type Stats } from "node:fs";
import { isAbsolute, relative, sep } from "node:path";
import { ConfigError, PrjError } from "../errors.ts";

export type Env = Record<string, string | undefined>;

/**
 * How a file path is shown in messages: relative to the current directory when
 * the file is inside it (`.prj/commands/dev.yaml`), else `~/…` under HOME,
 * else absolute. One rule everywhere, so messages are predictable.
 */
export function displayPath(absPath: string, cwd?: string, home: string | undefined = process.env.HOME): string {
  let base = cwd;
  if (base === undefined) {
    try {
      base = process.cwd();
    } catch (error) {
      // The current directory was deleted under us; an absolute path is still exact.
      if (!(error instanceof Error)) throw error;
      base = undefined;
    }
  }
  if (base !== undefined) {
    const rel = relative(base, absPath);
    if (rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)) return rel;
  }
  if (home && home !== sep && absPath.startsWith(home + sep)) return `~${absPath.slice(home.length)}`;
  return absPath;
}

// ---------------------------------------------------------------- reading config files safely

/** Config and command files are small; anything larger is refused before it is read. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export interface ConfigReadOptions {
  /**
   * The repository the file belongs to: the file, after following every
   * symbolic link, must be inside it. Unset for the global config, which may
   * well be a link into a dotfiles checkout.
   */
  insideRoot?: string;
}

/**
 * The text of a config or command file, or undefined when there is none (a
 * dangling link counts as none). Whatever the path turns out to be, this
 * returns or throws at once and reads at most {@link MAX_CONFIG_BYTES}:
 *
 * - not a regular file (a FIFO, a device such as /dev/zero, a directory, a
 *   socket), larger than the limit, or a link that leaves `insideRoot`: a
 *   {@link ConfigError} (exit 2) naming the file;
 * - bytes that are not UTF-8, or a NUL: a ConfigError at its line and column,
 *   never a silently replaced or truncated character.
 *
 * The file is opened non-blocking, so a FIFO that appears between any check
 * and the open cannot make prj wait for a writer.
 */
export function readConfigText(path: string, options: ConfigReadOptions = {}): string | undefined {
  const shown = displayPath(path);
  let real: string;
  try {
    real = realpathSync(path);
  } catch (error) {
    if (isMissing(error)) return undefined;
    if (errorCode(error) === "ELOOP") throw new ConfigError({ file: shown }, "is a symbolic link that loops back on itself");
    throw cannotRead(shown, error);
  }
  if (options.insideRoot !== undefined) {
    let root: string;
    try {
      root = realpathSync(options.insideRoot);
    } catch (error) {
      throw cannotRead(displayPath(options.insideRoot), error);
    }
    if (!isInside(real, root)) {
      throw new ConfigError(
        { file: shown },
        `is a link to ${real}, outside the repository; prj reads no config from outside it`,
        "copy the file into the repository instead of linking to it",
      );
    }
  }
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw cannotRead(shown, error);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new ConfigError({ file: shown }, `is ${kindOf(stat)}, not a regular file`, "a config or command file must be a plain YAML file");
    }
    if (stat.size > MAX_CONFIG_BYTES) throw tooLarge(shown, `${stat.size} bytes`);
    // Read to the end, but never past one byte over the limit: a file can grow
    // after fstat, and files under /proc report a size of 0.
    let buffer = Buffer.allocUnsafe(Math.min(stat.size, MAX_CONFIG_BYTES) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > MAX_CONFIG_BYTES) throw tooLarge(shown, `more than ${MAX_CONFIG_BYTES} bytes`);
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2 + 4096, MAX_CONFIG_BYTES + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return decodeConfigText(buffer.subarray(0, length), shown);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw cannotRead(shown, error);
  } finally {
    closeSync(fd);
  }
}

/**
 * Strict UTF-8: an invalid byte or a NUL is a ConfigError at its line and
 * column (1-based; the column counts characters, as editors do).
 */
export function decodeConfigText(bytes: Uint8Array, shown: string): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const before = new TextDecoder("utf-8").decode(bytes.subarray(0, offset));
    const byte = bytes[offset] ?? 0;
    throw new ConfigError(
      { file: shown, ...positionIn(before, before.length) },
      `byte 0x${byte.toString(16).padStart(2, "0")} is not UTF-8 text`,
      "save the file as UTF-8",
    );
  }
  const nul = text.indexOf("\0");
  if (nul >= 0) throw new ConfigError({ file: shown, ...positionIn(text, nul) }, "contains a NUL byte; a config file is text", "remove it");
  return text;
}

/** 1-based line and column of `offset` in `text`. */
export function positionIn(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = text.indexOf("\n"); index !== -1 && index < offset; index = text.indexOf("\n", index + 1)) {
    line++;
    lineStart = index + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index]!;
    let length: number;
    let min: number;
    if (lead < 0x80) {
      index++;
      continue;
    } else if (lead >= 0xc2 && lead <= 0xdf) [length, min] = [2, 0x80];
    else if (lead >= 0xe0 && lead <= 0xef) [length, min] = [3, 0x800];
    else if (lead >= 0xf0 && lead <= 0xf4) [length, min] = [4, 0x10000];
    else return index;
    let code = lead & (0xff >> (length + 1));
    for (let next = 1; next < length; next++) {
      const byte = bytes[index + next];
      if (byte === undefined || (byte & 0xc0) !== 0x80) return index;
      code = (code << 6) | (byte & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return index;
    index += length;
  }
  return index;
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "not a plain file";
}

function tooLarge(shown: string, size: string): ConfigError {
  return new ConfigError(
    { file: shown },
    `is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB (${size}); prj refuses config files that large`,
    "a command or config file is a few kilobytes of YAML; move data elsewhere",
  );
}

function cannotRead(shown: string, error: unknown): PrjError {
  const reason = error instanceof Error ? error.message : String(error);
  return new PrjError(`cannot read ${shown}: ${reason}`, { cause: error });
}

function errorCode(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  // ENOTDIR: a path component is a file, so the file cannot exist either.
  return code === "ENOENT" || code === "ENOTDIR";
}

/** Whether `path` is `root` or below it (both already real paths). */
export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
