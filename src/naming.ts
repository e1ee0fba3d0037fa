/**
 * Session names (SPEC §5): sanitise, shorten to tmux-friendly length, make unique.
 * Everything here is pure and deterministic: the same input always gives the same name,
 * which is what lets `prj run` find and reuse the session it made last time.
 */
import { PrjError, UsageError } from "./errors.ts";

/** The longest session name prj creates. */
export const MAX_SESSION_NAME = 50;

/** Length of the hex hash inserted into a shortened name. */
const HASH_LENGTH = 6;

// A cut name is at least `x-hash-y`; below this there is no room for anything readable.
const MIN_MAX_LENGTH = HASH_LENGTH + 4;

/**
 * Session-name sanitising: lowercase, every character outside `[a-z0-9_-]` becomes `-`,
 * runs of `-` collapse, leading and trailing `-` are trimmed. Returns "" when nothing
 * is left; whether that is an error is the caller's call.
 *
 * Non-ASCII letters are replaced, not transliterated (`Café` → `caf`): transliteration
 * needs locale tables that differ between ICU versions and languages (`ü` → `u` or `ue`?),
 * and a name must come out the same on every machine and every release, or prj stops
 * recognising its own sessions. A name that is only non-ASCII (`日本`) sanitises to ""
 * and the caller reports it.
 */
export function sanitizeName(raw: string): string {
  const lower = raw.toLowerCase();
  let out = "";
  let pendingDash = false;
  for (let i = 0; i < lower.length; i++) {
    const code = lower.charCodeAt(i);
    const keep =
      (code >= 0x61 && code <= 0x7a) || // a-z
      (code >= 0x30 && code <= 0x39) || // 0-9
      code === 0x5f; // _
    if (keep) {
      if (pendingDash && out.length > 0) out += "-";
      pendingDash = false;
      out += lower[i];
    } else {
      // `-` itself and every replaced character behave the same: one dash, only between kept characters.
      pendingDash = true;
    }
  }
  return out;
}

/**
 * A name split into the part that may be cut (`middle`, the worktree) and the parts that stay whole
 * (`prefix`, the project; `suffix`, the task). Each part is already sanitised; empty parts are skipped.
 */
export interface NameParts {
  prefix: string;
  middle: string;
  suffix: string;
}

/**
 * Fits a name within `max` characters (default {@link MAX_SESSION_NAME}).
 *
 * A name that fits is returned unchanged (parts joined with `-`). A longer one becomes
 * `prefix-<start of middle>-<hash>-suffix`, where the hash is the first 6 hex digits of the
 * SHA-1 of the full, uncut name, so two different long names do not cut to the same result.
 * If prefix and suffix alone leave no room, they are cut too: the prefix keeps its start and
 * the suffix its end, so what is lost is always the middle of the whole name.
 *
 * A plain string has no known structure and is cut in its middle, keeping both ends.
 *
 * @throws RangeError when `max` is too small to hold a hash (a programming error).
 */
export function shortenName(name: string | NameParts, max: number = MAX_SESSION_NAME): string {
  if (max < MIN_MAX_LENGTH) throw new RangeError(`shortenName: max ${max} is below ${MIN_MAX_LENGTH}`);
  if (typeof name === "string") {
    if (name.length <= max) return name;
    // Splitting into two halves and keeping the start of one and the end of the other cuts the middle.
    const half = Math.ceil(name.length / 2);
    return fit(trimDashes(name.slice(0, half)), "", trimDashes(name.slice(half)), hashOf(name), max);
  }
  const full = joinParts([name.prefix, name.middle, name.suffix]);
  if (full.length <= max) return full;
  return fit(name.prefix, name.middle, name.suffix, hashOf(full), max);
}

/** Inputs of {@link buildSessionName}. */
export interface SessionNameInput {
  /** The naming pattern already rendered, e.g. `MyApp-feature/Auth-dev`; sanitised here. */
  rendered: string;
  /** The project name (raw or sanitised); when the name starts with it, it is kept whole when shortening. */
  project?: string;
  /** The task (raw or sanitised); when the name ends with it, it is kept whole when shortening. */
  task?: string;
  /** Global `defaults.tmux_session_prefix`; when set to `prj`, every name starts with `prj-`. */
  prefix?: string;
  /** Upper bound on the length; {@link MAX_SESSION_NAME} unless a caller needs room for more. */
  max?: number;
}

/**
 * The final session name for a rendered naming pattern: sanitised, prefixed with the global
 * session prefix, and at most 50 characters.
 *
 * The pattern need not contain the project or the task (`session.name_template` is free-form),
 * so they are recognised rather than assumed: the project is kept whole only when the sanitised
 * name starts with `project-`, the task only when it ends with `-task`. With neither, the name is
 * cut in the middle of the whole string. The prefix is always added, even when the name already
 * starts with it, so that `prj-` reliably means "the prefix" and not "a project called prj".
 *
 * @throws UsageError (exit 2) when the rendered name or the prefix sanitises to nothing.
 */
export function buildSessionName(input: SessionNameInput): string {
  const max = input.max ?? MAX_SESSION_NAME;
  const name = sanitizeName(input.rendered);
  if (name === "") {
    throw new UsageError(
      `session name ${JSON.stringify(input.rendered)} has no usable characters`,
      "session names keep only a-z, 0-9, _ and -; use a branch, task or pattern with some ASCII letters or digits",
    );
  }
  let sessionPrefix = "";
  if (input.prefix !== undefined && input.prefix !== "") {
    sessionPrefix = sanitizeName(input.prefix);
    if (sessionPrefix === "") {
      throw new UsageError(
        `tmux_session_prefix ${JSON.stringify(input.prefix)} has no usable characters`,
        "use a prefix made of a-z, 0-9, _ and -, such as `prj`",
      );
    }
  }

  const project = sanitizeName(input.project ?? "");
  const task = sanitizeName(input.task ?? "");
  const head = project !== "" && (name === project || name.startsWith(`${project}-`)) ? project : "";
  const rest = head === "" ? name : name.slice(head.length + 1);
  // The task may only claim what the project left, so a name `dev` is never both head and tail.
  const tail = task !== "" && (rest === task || rest.endsWith(`-${task}`)) ? task : "";
  const middle = tail === "" ? rest : trimDashes(rest.slice(0, rest.length - tail.length));

  if (head === "" && tail === "") {
    const full = joinParts([sessionPrefix, name]);
    if (full.length <= max) return full;
    if (sessionPrefix === "") return shortenName(name, max);
    // Keep the global prefix whole and cut the middle of the rest, hashing the full name.
    const half = Math.ceil(name.length / 2);
    return fit(joinParts([sessionPrefix, trimDashes(name.slice(0, half))]), "", trimDashes(name.slice(half)), hashOf(full), max);
  }
  return shortenName({ prefix: joinParts([sessionPrefix, head]), middle, suffix: tail }, max);
}

/**
 * `base` if it is free, otherwise the first free one of `base-2`, `base-3`, … Every candidate stays
 * within `max` characters: when the number does not fit, a few characters are dropped from the
 * middle of the base, keeping its start (project) and end (hash and task). No second hash is
 * inserted: `taken` already guarantees the result is unique, and two hashes would be unreadable.
 *
 * @throws PrjError when no candidate is free after many tries, which means `taken` is wrong.
 */
export function uniqueName(base: string, taken: (name: string) => boolean, max: number = MAX_SESSION_NAME): string {
  if (!taken(base)) return base;
  for (let n = 2; n <= MAX_UNIQUE_TRIES; n++) {
    const number = `-${n}`;
    const candidate = `${cutMiddle(base, max - number.length)}${number}`;
    if (!taken(candidate)) return candidate;
  }
  throw new PrjError(`no free session name for "${base}" after ${MAX_UNIQUE_TRIES} tries`);
}

const MAX_UNIQUE_TRIES = 10_000;

/** Assembles `prefix-middleCut-hash-suffix` in `max` characters, cutting the middle first. */
function fit(prefix: string, middle: string, suffix: string, hash: string, max: number): string {
  const fixed = joinParts([prefix, hash, suffix]);
  // +1 for the dash that joins the middle; a middle that would keep nothing is dropped.
  const middleRoom = max - fixed.length - 1;
  if (middle !== "" && middleRoom > 0) {
    const cut = trimDashes(middle.slice(0, middleRoom));
    return joinParts([prefix, cut, hash, suffix]);
  }
  if (fixed.length <= max) return fixed;

  // Prefix and suffix share what is left after the hash and its dashes; a short one gives its
  // unused share to the other.
  const room = max - hash.length - (prefix !== "" ? 1 : 0) - (suffix !== "" ? 1 : 0);
  let prefixRoom = prefix === "" ? 0 : suffix === "" ? room : Math.ceil(room / 2);
  let suffixRoom = room - prefixRoom;
  if (suffix.length < suffixRoom) {
    prefixRoom += suffixRoom - suffix.length;
    suffixRoom = suffix.length;
  } else if (prefix.length < prefixRoom) {
    suffixRoom += prefixRoom - prefix.length;
    prefixRoom = prefix.length;
  }
  const keptPrefix = trimDashes(prefix.slice(0, prefixRoom));
  const keptSuffix = suffixRoom > 0 ? trimDashes(suffix.slice(suffix.length - suffixRoom)) : "";
  return joinParts([keptPrefix, hash, keptSuffix]);
}

/** Drops characters from the middle of `value` so it fits in `max`, joining the two ends with `-`. */
function cutMiddle(value: string, max: number): string {
  if (value.length <= max) return value;
  const room = max - 1;
  const headLength = Math.ceil(room / 2);
  return joinParts([trimDashes(value.slice(0, headLength)), trimDashes(value.slice(value.length - (room - headLength)))]);
}

function hashOf(full: string): string {
  return new Bun.CryptoHasher("sha1").update(full).digest("hex").slice(0, HASH_LENGTH);
}

function joinParts(parts: readonly string[]): string {
  return parts.filter((part) => part !== "").join("-");
}

function trimDashes(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && value.charCodeAt(start) === 0x2d) start++;
  while (end > start && value.charCodeAt(end - 1) === 0x2d) end--;
  return value.slice(start, end);
}
