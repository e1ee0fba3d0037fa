/**
 * Values substituted into shell commands (inline `run:` steps, window and pane commands) never
 * become shell source. Each `{{ … }}` there is replaced by a reference to an environment
 * variable that holds the rendered value, and the plan carries the variables as data; the step's
 * process and the tmux pane get them in their environment. A value such as `$(rm -rf ~)` or
 * `'; touch x; '` is then only ever the contents of a variable, whatever quotes surround it.
 *
 * shell-placement.ts decides where a reference may stand at all.
 */
import { renderTemplate, TemplateError, type ExpressionSite } from "./render.ts";
import { MARK, placeSubstitutions, substitutionMark, type ShellContext, type ShellDialect } from "./shell-placement.ts";

/** The variables one shell command's substitutions are handed in, by name. */
export class ShellValues {
  private readonly values = new Map<string, string>();
  private readonly variables = new Map<string, string>();

  /**
   * The environment variable that carries `value`, substituted from template variable `variable`.
   *
   * Named after the template variable (`{{ branch }}` → `PRJ_V_branch`) rather than numbered, so a
   * dry run and a pane's environment read like the template; a second, different value from the
   * same variable (another filter) gets `_2`, `_3`. The name depends only on the template and the
   * order of its substitutions, so every rebuild of a plan names alike. A name never ends in
   * `PATH`: fish splits such variables at `:`.
   */
  nameFor(variable: string, value: string): string {
    const base = `PRJ_V_${variable.replace(/[^A-Za-z0-9_]/g, "_")}`;
    for (let n = 1; ; n++) {
      let name = n === 1 ? base : `${base}_${n}`;
      if (name.endsWith("PATH")) name += "_";
      const held = this.values.get(name);
      if (held === value) return name;
      if (held === undefined) {
        this.values.set(name, value);
        this.variables.set(name, variable);
        return name;
      }
    }
  }

  /** The template variable a name was made for. */
  variableOf(name: string): string | undefined {
    return this.variables.get(name);
  }

  get size(): number {
    return this.values.size;
  }

  toRecord(): Record<string, string> {
    return Object.fromEntries(this.values);
  }
}

/**
 * How a reference to `name` is written where the text around it is quoted as `context`. Each
 * form reads the same in sh, dash, bash, zsh and fish:
 *
 * - bare: `"$NAME"`, one word, not split or globbed;
 * - inside '…': `'"$NAME"'`, which closes the quote, expands, and reopens it;
 * - inside "…": `$NAME""`; the empty `""` ends the name, so letters, `[1]` (zsh and fish
 *   subscripts) or `:h` (zsh modifiers) after it stay text.
 */
export function shellReference(name: string, context: ShellContext): string {
  switch (context) {
    case "bare":
      return `"$${name}"`;
    case "single":
      return `'"$${name}"'`;
    case "double":
      return `$${name}""`;
  }
}

export interface ShellCommandOptions {
  dialect: ShellDialect;
  /** Collects the values; share one between the lines of one command. */
  values: ShellValues;
  /** Shell text that runs before this template in the same script (earlier lines, the window's command). */
  before?: string;
  /** How else to reach a variable's value, for the error when a placement is refused. */
  hint?: (variable: string) => string | undefined;
}

/**
 * Renders a shell command template: every `{{ … }}` becomes a reference to an environment
 * variable in `options.values`.
 *
 * @throws TemplateError for a template that does not render, or a substitution placed where prj
 *   cannot prove it stays data (see shell-placement.ts).
 */
export function renderShellCommand(template: string, vars: Readonly<Record<string, string | undefined>>, options: ShellCommandOptions): string {
  if (!template.includes("{{")) return template;
  const nul = template.indexOf(MARK);
  if (nul >= 0) throw new TemplateError("a NUL character cannot be part of a shell command", template, nul);
  const substitutions: { value: string; site: ExpressionSite }[] = [];
  const marked = renderTemplate(template, vars, {
    quote: (value, _before, site) => {
      substitutions.push({ value, site });
      return substitutionMark(substitutions.length - 1);
    },
  });
  if (substitutions.length === 0) return marked;
  const before = options.before ?? "";
  const placements = placeSubstitutions(before + marked, options.dialect);
  const references = substitutions.map(({ value, site }, index) => {
    const placement = placements[index];
    if (!placement || placement.refused !== undefined) {
      const why = placement?.refused ?? "could not be placed";
      throw new TemplateError(`${site.text} cannot stand here: it ${why}`, template, site.offset, {
        variable: site.variable,
        hint: options.hint?.(site.variable) ?? "pass the value through the environment and refer to it as \"$NAME\"",
      });
    }
    return shellReference(options.values.nameFor(site.variable, value), placement.context);
  });
  return marked.replace(/\0(\d+)\0/g, (_, index: string) => references[Number(index)]!);
}
