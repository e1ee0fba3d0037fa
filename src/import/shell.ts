/**
 * Just enough of the shell's grammar to find the `cd` commands in a peer's
 * pane command: where the top-level command lists split (`&&`, `||`, `;`,
 * `|`, `&`, newlines), skipping what is quoted, escaped, commented out or
 * nested in `( )`, `$( )`, `${ }` and backquotes. A `cd` inside those does
 * not move the pane's shell, so it is none of the importer's business.
 */

/** One top-level command of a list, and the operator that follows it ("" at the end). */
export interface ShellSegment {
  text: string;
  start: number;
  op: "&&" | "||" | ";" | "\n" | "|" | "&" | "";
}

/**
 * The top-level commands of `line`, or undefined when its quotes or brackets
 * do not close (the shell would wait for more input; nothing can be read).
 */
export function topLevelSegments(line: string): ShellSegment[] | undefined {
  const segments: ShellSegment[] = [];
  let start = 0;
  let depth = 0;
  let index = 0;
  const push = (end: number, op: ShellSegment["op"], next: number) => {
    const raw = line.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    segments.push({ text: raw.trim(), start: start + lead, op });
    start = next;
  };
  while (index < line.length) {
    const char = line[index]!;
    const next = line[index + 1];
    if (char === "\\") {
      index += 2;
      continue;
    }
    if (char === "'") {
      const close = line.indexOf("'", index + 1);
      if (close < 0) return undefined;
      index = close + 1;
      continue;
    }
    if (char === '"') {
      const close = closingDoubleQuote(line, index + 1);
      if (close < 0) return undefined;
      index = close + 1;
      continue;
    }
    if (char === "`") {
      const close = closingBackquote(line, index + 1);
      if (close < 0) return undefined;
      index = close + 1;
      continue;
    }
    if (char === "#" && (index === 0 || /\s/.test(line[index - 1]!))) {
      const newline = line.indexOf("\n", index);
      index = newline < 0 ? line.length : newline;
      continue;
    }
    if (char === "(" || (char === "{" && line[index - 1] === "$")) {
      depth++;
      index++;
      continue;
    }
    if (char === ")" || (char === "}" && depth > 0)) {
      depth = Math.max(0, depth - 1);
      index++;
      continue;
    }
    if (depth > 0) {
      index++;
      continue;
    }
    const previous = line[index - 1];
    if (char === "&" && next === "&") {
      push(index, "&&", index + 2);
      index += 2;
    } else if (char === "|" && next === "|") {
      push(index, "||", index + 2);
      index += 2;
    } else if (char === ";" && next === ";") {
      // `;;` only ends a case branch; leave the whole line alone.
      return undefined;
    } else if (char === ";" || char === "\n") {
      push(index, char, index + 1);
      index++;
    } else if (char === "|" && previous !== ">") {
      push(index, "|", next === "&" ? index + 2 : index + 1);
      index += next === "&" ? 2 : 1;
    } else if (char === "&" && next !== ">" && previous !== ">" && previous !== "<") {
      push(index, "&", index + 1);
      index++;
    } else {
      index++;
    }
  }
  if (depth > 0) return undefined;
  push(line.length, "", line.length);
  return segments.filter((segment, position) => segment.text !== "" || position < segments.length - 1 || segments.length === 1);
}

function closingDoubleQuote(line: string, from: number): number {
  for (let index = from; index < line.length; index++) {
    if (line[index] === "\\") index++;
    else if (line[index] === '"') return index;
  }
  return -1;
}

function closingBackquote(line: string, from: number): number {
  for (let index = from; index < line.length; index++) {
    if (line[index] === "\\") index++;
    else if (line[index] === "`") return index;
  }
  return -1;
}

/** The first word of a simple command, unquoted when it is a plain word. */
export function firstWord(segment: string): string {
  return /^\s*([^\s;&|()<>]+)/.exec(segment)?.[1] ?? "";
}
