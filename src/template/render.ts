/**
 * The `{{ name | filter }}` templates of SPEC §4. Pure: a template and a map of values in, a string out.
 * A hand-written scanner, linear in the template's length, so no input can make it backtrack.
 */
import { closest } from "../errors.ts";
import { sanitizeName } from "../naming.ts";

/**
 * A template that cannot be parsed or rendered. Not a PrjError: only the caller knows which file and
 * YAML node the template came from, so it turns this into a ConfigError with that position.
 */
export class TemplateError extends Error {
  /** What is wrong, e.g. `unknown variable "brnch"`; also the message. */
  readonly reason: string;
  /** The variable the problem is about, when there is one. */
  readonly variable?: string;
  /** Character offset of the `{{` that opens the faulty expression. */
  readonly offset: number;
  /** 1-based line and column of `offset` inside the template, for multi-line `run:` scripts. */
  readonly line: number;
  readonly column: number;
  /** A "did you mean" or a fix, for the user. */
  readonly hint?: string;

  constructor(reason: string, template: string, offset: number, details: { variable?: string; hint?: string } = {}) {
    super(reason);
    this.name = "TemplateError";
    this.reason = reason;
    this.variable = details.variable;
    this.offset = offset;
    this.hint = details.hint;
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (template.charCodeAt(i) === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    this.line = line;
    this.column = offset - lineStart + 1;
  }
}

/** One `{{ … }}` of a template, as {@link RenderOptions.quote} sees it. */
export interface ExpressionSite {
  /** The variable it names first (before any filter). */
  variable: string;
  /** Offset of its `{{` in the template. */
  offset: number;
  /** Its source text, `{{ … }}` included. */
  text: string;
}

/** Options of {@link renderTemplate}. */
export interface RenderOptions {
  /**
   * Replaces the final value of every `{{ … }}` (shell commands put a reference to an environment
   * variable there). It also gets the text rendered so far and where the expression stands.
   */
  quote?: (value: string, before: string, site: ExpressionSite) => string;
}

/**
 * Renders `template` with `vars`.
 *
 * - `{{ name }}` substitutes a variable; names may contain letters, digits, `_`, `.` and `-`.
 * - Filters run left to right after `|`: `lower`, `upper`, `trim`, `slug` (session-name
 *   sanitising) and `default(value)`, whose value is a quoted literal (`'x'` or `"x"`, no escapes)
 *   or another variable. `default` applies when the value is missing or empty, like the shell's
 *   `${x:-y}`, so `{{ branch | slug | default('main') }}` also covers a branch that slugs to nothing.
 * - `\{{` is a literal `{{`, for commands that use Go templates (`docker ps --format '\{{.Names}}'`).
 *
 * A variable that is missing from `vars`, or whose value is undefined, is an error unless a
 * `default` supplies a value: a template never renders a missing value as "".
 *
 * @throws TemplateError naming the problem, the variable and the offset of its `{{`.
 */
export function renderTemplate(
  template: string,
  vars: Readonly<Record<string, string | undefined>>,
  options: RenderOptions = {},
): string {
  if (!template.includes("{{")) return template;
  let out = "";
  for (const segment of parseTemplate(template)) {
    if (typeof segment === "string") {
      out += segment;
      continue;
    }
    const value = evaluate(segment, template, vars);
    out += options.quote
      ? options.quote(value, out, { variable: segment.variable, offset: segment.offset, text: template.slice(segment.offset, segment.end) })
      : value;
  }
  return out;
}

/**
 * The variable names a template refers to, in order of first appearance, including those used as
 * `default(...)` values. For validating templates before anything runs.
 *
 * @throws TemplateError when the template does not parse.
 */
export function templateVariables(template: string): string[] {
  if (!template.includes("{{")) return [];
  const names = new Set<string>();
  for (const segment of parseTemplate(template)) {
    if (typeof segment === "string") continue;
    names.add(segment.variable);
    for (const filter of segment.filters) {
      if (filter.name === "default" && filter.argument.kind === "variable") names.add(filter.argument.name);
    }
  }
  return [...names];
}

const SIMPLE_FILTERS = {
  lower: (value: string) => value.toLowerCase(),
  upper: (value: string) => value.toUpperCase(),
  trim: (value: string) => value.trim(),
  slug: sanitizeName,
} as const;

type SimpleFilterName = keyof typeof SIMPLE_FILTERS;
const FILTER_NAMES: readonly string[] = ["default", ...Object.keys(SIMPLE_FILTERS)];

type Filter =
  | { name: SimpleFilterName }
  | { name: "default"; argument: { kind: "literal"; value: string } | { kind: "variable"; name: string } };

interface Expression {
  /** Offset of the opening `{{`. */
  offset: number;
  /** Offset just past the closing `}}`. */
  end: number;
  variable: string;
  filters: Filter[];
}

/** Text stays a string; each `{{ … }}` becomes an Expression. */
type Segment = string | Expression;

function evaluate(expression: Expression, template: string, vars: Readonly<Record<string, string | undefined>>): string {
  // The last variable that had no value is the one to blame if nothing fills the gap.
  let missing: string | undefined;
  const lookup = (name: string): string | undefined => {
    const value = Object.hasOwn(vars, name) ? vars[name] : undefined;
    if (value === undefined) missing = name;
    return value;
  };

  let value = lookup(expression.variable);
  for (const filter of expression.filters) {
    if (filter.name === "default") {
      if (value === undefined || value === "") {
        value = filter.argument.kind === "literal" ? filter.argument.value : lookup(filter.argument.name);
      }
    } else if (value !== undefined) {
      value = SIMPLE_FILTERS[filter.name](value);
    }
  }
  if (value !== undefined) return value;

  const name = missing ?? expression.variable;
  if (!Object.hasOwn(vars, name)) {
    const suggestion = closest(name, Object.keys(vars));
    throw new TemplateError(`unknown variable "${name}"`, template, expression.offset, {
      variable: name,
      hint: suggestion
        ? `did you mean "${suggestion}"?`
        : `give it a fallback: {{ ${name} | default('…') }}`,
    });
  }
  throw new TemplateError(`variable "${name}" has no value here`, template, expression.offset, {
    variable: name,
    hint: `give it a fallback: {{ ${name} | default('…') }}`,
  });
}

function parseTemplate(template: string): Segment[] {
  const segments: Segment[] = [];
  let text = "";
  let position = 0;
  for (;;) {
    const open = template.indexOf("{{", position);
    if (open === -1) break;
    if (open > 0 && template.charCodeAt(open - 1) === 0x5c) {
      text += template.slice(position, open - 1) + "{{";
      position = open + 2;
      continue;
    }
    text += template.slice(position, open);
    if (text !== "") segments.push(text);
    text = "";
    const parser = new ExpressionParser(template, open);
    segments.push(parser.parse());
    position = parser.position;
  }
  text += template.slice(position);
  if (text !== "") segments.push(text);
  return segments;
}

/** Parses one `{{ … }}` starting at its `{{`; afterwards `position` is just past the `}}`. */
class ExpressionParser {
  position: number;

  constructor(
    private readonly template: string,
    private readonly open: number,
  ) {
    this.position = open + 2;
  }

  parse(): Expression {
    this.skipSpace();
    if (this.atClose()) {
      throw this.error("empty expression {{ }}", { hint: "put a variable inside, such as {{ project }}" });
    }
    const variable = this.readName();
    if (variable === undefined) throw this.unexpected("a variable name");
    const filters: Filter[] = [];
    for (;;) {
      this.skipSpace();
      if (this.atClose()) {
        this.position += 2;
        return { offset: this.open, end: this.position, variable, filters };
      }
      if (this.peek() !== "|") throw this.unexpected('"|" or "}}"');
      this.position++;
      this.skipSpace();
      filters.push(this.readFilter());
    }
  }

  private readFilter(): Filter {
    const name = this.readName();
    if (name === undefined) throw this.unexpected('a filter name after "|"');
    if (name === "default") return { name, argument: this.readDefaultArgument() };
    if (!Object.hasOwn(SIMPLE_FILTERS, name)) {
      const suggestion = closest(name, FILTER_NAMES);
      throw this.error(`unknown filter "${name}"`, {
        hint: suggestion ? `did you mean "${suggestion}"?` : `filters are: ${FILTER_NAMES.join(", ")}`,
      });
    }
    this.skipSpace();
    if (this.peek() === "(") throw this.error(`filter "${name}" takes no argument`);
    return { name: name as SimpleFilterName };
  }

  private readDefaultArgument(): Extract<Filter, { name: "default" }>["argument"] {
    const malformed = (what: string) =>
      this.error(`malformed default argument: ${what}`, { hint: "write default('text') or default(variable)" });
    this.skipSpace();
    if (this.peek() !== "(") throw malformed('expected "(" after default');
    this.position++;
    this.skipSpace();
    let argument: Extract<Filter, { name: "default" }>["argument"];
    const quote = this.peek();
    if (quote === "'" || quote === '"') {
      const end = this.template.indexOf(quote, this.position + 1);
      if (end === -1) throw malformed(`unclosed ${quote}`);
      argument = { kind: "literal", value: this.template.slice(this.position + 1, end) };
      this.position = end + 1;
    } else {
      const name = this.readName();
      if (name === undefined) throw malformed("expected a quoted value or a variable name");
      argument = { kind: "variable", name };
    }
    this.skipSpace();
    if (this.peek() !== ")") throw malformed('expected ")" after the one value');
    this.position++;
    return argument;
  }

  /** `[A-Za-z_][A-Za-z0-9_.-]*`, or undefined when no name starts here. */
  private readName(): string | undefined {
    const start = this.position;
    const first = this.template.charCodeAt(start);
    if (!(isLetter(first) || first === 0x5f)) return undefined;
    let end = start + 1;
    for (; end < this.template.length; end++) {
      const code = this.template.charCodeAt(end);
      if (!(isLetter(code) || isDigit(code) || code === 0x5f || code === 0x2e || code === 0x2d)) break;
    }
    this.position = end;
    return this.template.slice(start, end);
  }

  private skipSpace(): void {
    while (this.position < this.template.length && /\s/.test(this.template[this.position]!)) this.position++;
  }

  private peek(): string | undefined {
    return this.template[this.position];
  }

  private atClose(): boolean {
    return this.template.startsWith("}}", this.position);
  }

  private unexpected(expected: string): TemplateError {
    const found = this.peek();
    return this.error(found === undefined ? `expected ${expected}` : `unexpected ${JSON.stringify(found)}, expected ${expected}`);
  }

  /**
   * Any problem inside a `{{` that is never closed is reported as the unclosed `{{`: that is the
   * mistake the user made, and the rest is its consequence.
   */
  private error(reason: string, details: { variable?: string; hint?: string } = {}): TemplateError {
    if (!this.template.includes("}}", this.open + 2)) {
      return new TemplateError("unclosed {{", this.template, this.open, {
        hint: "close it with }}, or write \\{{ for a literal {{",
      });
    }
    return new TemplateError(reason, this.template, this.open, details);
  }
}

function isLetter(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}
