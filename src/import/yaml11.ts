/**
 * Plain YAML scalars as each peer's own YAML 1.1 loader reads them.
 *
 * tmuxinator loads its files with Ruby's Psych (`YAML.safe_load`), tmuxp with
 * PyYAML (`SafeLoader`). Both claim YAML 1.1 and still disagree: Psych reads
 * `1,000` as 1000 and `1:30` as 5400 (hours and minutes), PyYAML keeps `1,000`
 * a string and reads `1:30` as 90; Psych refuses dates, PyYAML makes them
 * date objects. Neither reads `.`, `-.`, `y` or `08` as anything but a string,
 * which the generic 1.1 schema of the `yaml` package does (`root: .` became
 * NaN). So each peer gets its own resolver, ported from
 * psych/scalar_scanner.rb (`tokenize`) and yaml/resolver.py + constructor.py;
 * test/unit/import-yaml.test.ts compares them with the real loaders.
 *
 * Only plain (unquoted, untagged) scalars come here; quoted ones are strings.
 */
import type { ScalarTag, Tags } from "yaml";

export type PeerYaml = "psych" | "pyyaml";

/**
 * A float from a peer file. It keeps the text the peer's language prints for
 * it (`1.0`, not JavaScript's `1`), because a float window name or session
 * name is shown that way.
 */
export class PeerFloat {
  constructor(
    readonly value: number,
    readonly text: string,
  ) {}
}

/**
 * A date, time or symbol from a peer file: Psych's `safe_load` refuses to load
 * one (tmuxinator stops), PyYAML makes a date object that no string function
 * of tmuxp takes.
 */
export class PeerObject {
  constructor(
    readonly kind: "Date" | "Time" | "Symbol",
    readonly text: string,
  ) {}
}

/** What {@link resolvePlain} yields: the value, or an error the peer's loader raises for this scalar. */
export type PlainValue = string | number | bigint | boolean | null | PeerFloat | PeerObject;

/** Thrown while parsing when the peer's loader itself raises for a scalar (PyYAML's `=`). */
export class PeerScalarError extends Error {}

// ---------------------------------------------------------------- Psych (Ruby 3.x)

const PSYCH_TIME = /^-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?$/;
const PSYCH_DATE = /^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$/;
const PSYCH_FLOAT = /^(?:[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?)$/;
const PSYCH_INTEGER = /^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$/;
// Ruby's [[:alpha:]] is Unicode-aware; \p{L}\p{M} is the nearest JavaScript class.
const PSYCH_WORDISH = /^[^\d.:-]?[\p{L}\p{M}_\s!@#$%^&*(){}<>|/\\~;=]+/u;

function psych(text: string): PlainValue {
  if (text === "") return null;
  if (PSYCH_WORDISH.test(text) || text.includes("\n")) {
    if (text.length > 5) return text;
    if (/^[^ytonf~]/i.test(text)) return text;
    if (text === "~" || /^null$/i.test(text)) return null;
    if (/^(?:yes|true|on)$/i.test(text)) return true;
    if (/^(?:no|false|off)$/i.test(text)) return false;
    return text;
  }
  if (PSYCH_TIME.test(text)) return new PeerObject("Time", text);
  // safe_load refuses the Date class before it even looks at the date.
  if (PSYCH_DATE.test(text)) return new PeerObject("Date", text);
  if (/^\+?\.inf$/i.test(text)) return new PeerFloat(Infinity, "Infinity");
  if (/^-\.inf$/i.test(text)) return new PeerFloat(-Infinity, "-Infinity");
  if (/^\.nan$/i.test(text)) return new PeerFloat(NaN, "NaN");
  if (/^:./.test(text)) return new PeerObject("Symbol", text);
  if (/^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}$/.test(text)) {
    // Psych reads the first part as hours whatever the number of parts: 1:30 is 5400.
    return text.split(":").reduce((sum, part, index) => sum + rubyToI(part) * 60 ** Math.abs(index - 2), 0);
  }
  if (/^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9]){1,2}\.[0-9_]*$/.test(text)) {
    const value = text.split(":").reduce((sum, part, index) => sum + rubyToF(part) * 60 ** Math.abs(index - 2), 0);
    return new PeerFloat(value, rubyFloatText(value));
  }
  if (PSYCH_FLOAT.test(text)) {
    if (/^[-+]?\.$/.test(text)) return text;
    const value = Number(text.replace(/[,_]/g, "").replace(/\.([Ee]|$)/, "$1"));
    return new PeerFloat(value, rubyFloatText(value));
  }
  if (PSYCH_INTEGER.test(text)) return integer(text.replace(/[,_]/g, ""));
  return text;
}

function validDate(text: string): boolean {
  const [year, month, day] = text.split(/[-\sTt]/).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Ruby's String#to_i: leading digits (underscores allowed between them), else 0. */
function rubyToI(part: string): number {
  const match = /^[-+]?[0-9]+(?:_[0-9]+)*/.exec(part);
  return match ? Number(match[0].replaceAll("_", "")) : 0;
}

function rubyToF(part: string): number {
  const match = /^[-+]?[0-9]+(?:_[0-9]+)*(?:\.[0-9]+)?/.exec(part);
  return match ? Number(match[0].replaceAll("_", "")) : 0;
}

/** Ruby's Float#to_s: `1.0`, `0.1`, `1.0e+16`, `1.0e-05`. */
export function rubyFloatText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent >= 16 || exponent < -4) {
    const [mantissa, power] = value.toExponential().split("e") as [string, string];
    const sign = power.startsWith("-") ? "-" : "+";
    return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}e${sign}${power.replace(/^[-+]/, "").padStart(2, "0")}`;
  }
  const plain = String(value);
  return plain.includes(".") ? plain : `${plain}.0`;
}

// ---------------------------------------------------------------- PyYAML (SafeLoader)

const PY_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const PY_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const PY_INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const PY_NULL = /^(?:~|null|Null|NULL|)$/;
const PY_TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;

function pyyaml(text: string): PlainValue {
  if (PY_BOOL.test(text)) return /^(?:yes|true|on)$/i.test(text);
  if (PY_INT.test(text)) return pythonInt(text);
  if (PY_FLOAT.test(text)) {
    const value = pythonFloat(text);
    return new PeerFloat(value, pythonFloatText(value));
  }
  if (PY_NULL.test(text)) return null;
  if (PY_TIMESTAMP.test(text)) {
    if (!validDate(text)) throw new PeerScalarError(`${text}: day is out of range for month`);
    return new PeerObject(text.length === 10 ? "Date" : "Time", text);
  }
  if (text === "=") throw new PeerScalarError("could not determine a constructor for the tag 'tag:yaml.org,2002:value'");
  return text;
}

function pythonInt(text: string): number | bigint {
  let value = text.replaceAll("_", "");
  let sign = 1n;
  if (value.startsWith("-")) sign = -1n;
  if (/^[-+]/.test(value)) value = value.slice(1);
  if (value === "0") return 0;
  if (value.startsWith("0b") || value.startsWith("0x")) return narrow(sign * BigInt(value));
  if (value.startsWith("0")) return narrow(sign * BigInt(`0o${value.slice(1)}`));
  if (value.includes(":")) {
    let out = 0n;
    for (const part of value.split(":")) out = out * 60n + BigInt(part);
    return narrow(sign * out);
  }
  return narrow(sign * BigInt(value));
}

function pythonFloat(text: string): number {
  let value = text.replaceAll("_", "").toLowerCase();
  let sign = 1;
  if (value.startsWith("-")) sign = -1;
  if (/^[-+]/.test(value)) value = value.slice(1);
  if (value === ".inf") return sign * Infinity;
  if (value === ".nan") return NaN;
  if (value.includes(":")) {
    const parts = value.split(":").map(Number);
    return sign * parts.reduce((sum, part) => sum * 60 + part, 0);
  }
  return sign * Number(value);
}

/** Python's repr of a float: `1.0`, `1e+16`, `1e-05`, `inf`. */
export function pythonFloatText(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent >= 16 || exponent < -4) {
    const [mantissa, power] = value.toExponential().split("e") as [string, string];
    const sign = power.startsWith("-") ? "-" : "+";
    return `${mantissa}e${sign}${power.replace(/^[-+]/, "").padStart(2, "0")}`;
  }
  const plain = String(value);
  return plain.includes(".") ? plain : `${plain}.0`;
}

// ---------------------------------------------------------------- shared

function integer(text: string): number | bigint {
  let value = text;
  let sign = 1n;
  if (value.startsWith("-")) sign = -1n;
  if (/^[-+]/.test(value)) value = value.slice(1);
  if (value.startsWith("0b") || value.startsWith("0x")) return narrow(sign * BigInt(value));
  if (value.length > 1 && value.startsWith("0")) return narrow(sign * BigInt(`0o${value.slice(1)}`));
  return narrow(sign * BigInt(value));
}

/** Numbers where they are exact, BigInt where a double would lose digits. */
function narrow(value: bigint): number | bigint {
  const asNumber = Number(value);
  return Number.isSafeInteger(asNumber) ? asNumber : value;
}

/** The value `peer`'s loader gives a plain scalar. */
export function resolvePlain(peer: PeerYaml, text: string): PlainValue {
  return peer === "psych" ? psych(text) : pyyaml(text);
}

/**
 * Custom tags for the `yaml` package: one catch-all tag, first in line, that
 * resolves every plain scalar as `peer` does. Explicit tags (`!!str 12`) and
 * quoted scalars never reach it.
 */
export function peerScalarTags(peer: PeerYaml): (tags: Tags) => Tags {
  const plain: ScalarTag = {
    tag: `tag:prj.invalid,2025:${peer}-plain`,
    default: true,
    test: /^[\s\S]*$/,
    resolve: (text: string) => resolvePlain(peer, text) as unknown as string,
  };
  return (tags) => [plain, ...tags];
}
