/**
 * Git's rules for branch names (`git check-ref-format --branch`), checked
 * without starting git, so a bad name is refused while planning, before
 * anything has changed.
 */

/** Why `name` cannot be a branch name, or undefined when git would accept it. */
export function branchNameProblem(name: string): string | undefined {
  if (name === "") return "it is empty";
  if (name === "@") return "it is '@'";
  if (name === "HEAD") return "HEAD is not a branch name";
  if (name.startsWith("-")) return "it starts with '-'";
  if (/\s/.test(name)) return "it contains whitespace";
  if (/[\x00-\x1f\x7f]/.test(name)) return "it contains a control character";
  const bad = /[~^:?*[\\]/.exec(name);
  if (bad) return `it contains '${bad[0]}'`;
  if (name.includes("..")) return "it contains '..'";
  if (name.includes("@{")) return "it contains '@{'";
  if (name.startsWith("/") || name.endsWith("/") || name.includes("//")) return "it has an empty path component";
  if (name.endsWith(".")) return "it ends with '.'";
  for (const component of name.split("/")) {
    if (component.startsWith(".")) return `the part "${component}" starts with '.'`;
    if (component.endsWith(".lock")) return `the part "${component}" ends with '.lock'`;
  }
  return undefined;
}
