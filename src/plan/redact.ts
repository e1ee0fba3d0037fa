/** Keys whose values are sensitive by name (SPEC §6). */
const SENSITIVE_KEY = /(SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE|CREDENTIAL)/i;

export const REDACTED = "***";

export function isSecretKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** A copy of an environment with sensitive values replaced by `***`. */
export function redactEnvironment(
  environment: Record<string, string>,
  secretKeys: Iterable<string> = [],
): Record<string, string> {
  const secrets = new Set(secretKeys);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment)) {
    out[key] = secrets.has(key) || isSecretKey(key) ? REDACTED : value;
  }
  return out;
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
