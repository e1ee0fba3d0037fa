import type { SessionSpec } from "./types.ts";

/** Keys whose values are sensitive by name (SPEC §6). */
const SENSITIVE_KEY = /(SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE|CREDENTIAL)/i;

export const REDACTED = "***";

export function isSecretKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/**
 * A copy of an environment with sensitive values replaced by `***`, and each of `secretValues`
 * masked inside the others (`DATABASE_URL: postgres://app:{{db_password}}@db/app`).
 */
export function redactEnvironment(
  environment: Record<string, string>,
  secretKeys: Iterable<string> = [],
  secretValues: Iterable<string> = [],
): Record<string, string> {
  const secrets = new Set(secretKeys);
  const values = [...secretValues];
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment)) {
    out[key] = secrets.has(key) || isSecretKey(key) ? REDACTED : redactText(value, values);
  }
  return out;
}

/**
 * A copy of a session spec for showing: sensitive variables are `***`, and secret values are
 * masked in every text (directories, names, commands, variables). Redact before building tmux
 * lines from it: tmux quoting escapes characters, so a secret inside a built line may no longer
 * match its plain text.
 */
export function redactSessionSpec<Spec extends SessionSpec>(spec: Spec, secretKeys: readonly string[], secrets: readonly string[]): Spec {
  const text = (value: string) => redactText(value, secrets);
  const environment = (map: Record<string, string>) => redactEnvironment(map, secretKeys, secrets);
  return {
    ...spec,
    name: text(spec.name),
    workingDirectory: text(spec.workingDirectory),
    environment: environment(spec.environment),
    identity: { ...spec.identity, worktree: text(spec.identity.worktree) },
    windows: spec.windows.map((window) => ({
      ...window,
      name: text(window.name),
      workingDirectory: text(window.workingDirectory),
      environment: environment(window.environment),
      panes: window.panes.map((pane) => ({
        ...pane,
        workingDirectory: text(pane.workingDirectory),
        environment: environment(pane.environment),
        command: pane.command === undefined ? undefined : text(pane.command),
        ...(pane.shellValues ? { shellValues: environment(pane.shellValues) } : {}),
      })),
    })),
  };
}

/**
 * Replaces every occurrence of each secret value in free text (logs, errors,
 * tmux scripts). Short values are left alone: masking "1" everywhere would
 * mangle the text and protect nothing.
 */
export function redactText(text: string, secretValues: Iterable<string>): string {
  let out = text;
  for (const value of secretValues) {
    if (value.length >= 3) out = out.split(value).join(REDACTED);
  }
  return out;
}

/**
 * Values of sensitive variables in an environment (by the name pattern, or listed in
 * `secretKeys`), for masking output. Values shorter than 6 characters are left out: in an
 * inherited environment those are flags (`1`, `true`, `3600` in `TOKEN_TTL`), and masking them
 * everywhere would mangle the output and protect nothing.
 */
export function inheritedSecrets(environment: Record<string, string>, secretKeys: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(environment)) {
    if (value.length >= 6 && (isSecretKey(key) || secretKeys.includes(key))) out.push(value);
  }
  return out;
}

/**
 * Masks secrets in text that arrives in pieces (a step's output): a secret split between two
 * pieces is still masked, because the end of a piece that could be the start of a secret is held
 * back until the next piece shows whether it is.
 */
export class StreamRedactor {
  private held = "";
  private readonly secrets: string[];

  /** `extra` runs after the masking, for redaction the caller does its own way. */
  constructor(
    secrets: Iterable<string>,
    private readonly extra: (text: string) => string = (text) => text,
  ) {
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...new Set(secrets)].filter((secret) => secret.length >= 3).sort((a, b) => b.length - a.length);
  }

  /** The part of the text so far that is safe to show. */
  push(piece: string): string {
    const text = redactText(this.held + piece, this.secrets);
    const keep = this.unfinishedTail(text);
    this.held = text.slice(text.length - keep);
    return this.extra(text.slice(0, text.length - keep));
  }

  /** The rest, at the end of the stream; a held start of a secret is not the secret. */
  end(piece = ""): string {
    const text = redactText(this.held + piece, this.secrets);
    this.held = "";
    return this.extra(text);
  }

  /** Length of the longest end of `text` that is the beginning of some secret. */
  private unfinishedTail(text: string): number {
    let longest = 0;
    for (const secret of this.secrets) {
      const from = Math.max(0, text.length - secret.length + 1);
      for (let start = from; start < text.length - longest; start++) {
        if (text.charCodeAt(start) !== secret.charCodeAt(0)) continue;
        if (secret.startsWith(text.slice(start))) {
          longest = text.length - start;
          break;
        }
      }
    }
    return longest;
  }
}
