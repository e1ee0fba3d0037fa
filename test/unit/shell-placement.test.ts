// Where a substitution may stand in a shell command (template/shell-placement.ts): a table of
// placements and refusals. The generated matrix with real shells is test/integration/shell-injection.test.ts.
import { describe, expect, test } from "bun:test";
import { placeSubstitutions, substitutionMark, type ShellDialect } from "../../src/template/shell-placement.ts";

/** The placement of the one `@` in `text`. */
function place(text: string, dialect: ShellDialect) {
  return placeSubstitutions(text.replace("@", substitutionMark(0)), dialect)[0]!;
}

describe("accepted placements and their quoting context", () => {
  test.each<[string, ShellDialect, "bare" | "single" | "double"]>([
    ["echo @", "any", "bare"],
    ["echo '@'", "any", "single"],
    ['echo "a @ b"', "any", "double"],
    ["echo 'it''s @'", "any", "single"],
    ['echo "\\"@"', "any", "double"],
    ["X=@ make", "any", "bare"],
    ["export X=@", "any", "bare"],
    ["cd @ && npm run dev -- --port 3000", "any", "bare"],
    ["git -C @ status", "any", "bare"],
    ["git commit -m @", "any", "bare"],
    ["sudo make @", "any", "bare"],
    ["env -u X A=@ make", "any", "bare"],
    ["timeout 5 make @", "any", "bare"],
    ["sh -c 'printf %s \"$1\"' _ @", "any", "bare"],
    ["python3 manage.py runserver @", "any", "bare"],
    ["awk -v x=@ '{print x}' f", "any", "bare"],
    ["awk -f prog.awk @", "any", "bare"],
    ["printf %s @ > out", "any", "bare"],
    ["printf %s x > @", "any", "bare"],
    ["echo ok 2>@", "any", "bare"],
    ["$EDITOR @", "any", "bare"],
    ["set -euo pipefail; echo @", "any", "bare"],
    ["set -o errexit; echo @", "any", "bare"],
    ["echo @ | grep x", "any", "bare"],
    ["curl x | sh; echo @", "any", "bare"],
    ["sh -s -- @ < script.sh", "any", "bare"],
    ["# it's\necho @", "sh", "bare"],
    ["(cd sub); echo @", "sh", "bare"],
    ["for x in @; do echo \"$x\"; done", "sh", "bare"],
    ["f() { :; }\necho @", "sh", "bare"],
  ])("%j (%s) → %s", (text, dialect, context) => {
    expect(place(text, dialect)).toEqual({ context });
  });
});

describe("refused placements say why", () => {
  test.each<[string, ShellDialect, string]>([
    ["@", "sh", "name of the command"],
    ["./@ --help", "sh", "name of the command"],
    ["sudo -u root @", "sh", "command that `sudo` runs"],
    ["xargs -n1 @", "sh", "command that `xargs` runs"],
    ["eval echo @", "sh", "argument of `eval`"],
    ["command eval @", "sh", "argument of `eval`"],
    ["bash -ec @", "sh", "program of `bash -ec`"],
    ["bash -o pipefail @", "sh", "script that `bash` runs"],
    ["node --eval=@", "sh", "option of `node`"],
    ["sed -i s/a/@/ f", "sh", "part of the `sed` program"],
    ["git -c @ log", "sh", "code of `git -c`"],
    ["echo @ | sudo bash", "sh", "before `| sudo bash`"],
    ["{ echo @; } | sh", "sh", "before `| sh`"],
    ["printf -v@ x", "sh", "follows `printf -v`"],
    ["read x @", "sh", "variable names"],
    ["export @", "sh", "variable name for `export`"],
    ["a[@]=1", "sh", "array subscript"],
    ["PS4=@ sh -x", "sh", "assigned to PS4"],
    ["echo $@", "sh", "follows a `$`"],
    ["echo \"$@\"", "sh", "follows a `$`"],
    ["echo $(date) @", "sh", "a $(…) command substitution, which prj does not parse"],
    ["echo `date` @", "sh", "a `…` command substitution"],
    ["x=$((1)) @", "sh", "a $((…)) arithmetic expansion"],
    ["cat <<X\n@\nX", "sh", "a here-document"],
    ["echo ${X:-@}", "sh", "a ${…} expansion with an operator"],
    ["case @ in *) ;; esac", "sh", "a case statement"],
    ["declare -i n; n=@", "sh", "`declare -i`, after which"],
    ["shopt -s extglob; echo @", "sh", "`shopt`, which changes how the shell reads"],
    ["(echo @)", "sh", "inside a ( … ) subshell"],
    ["f() { eval \"$1\"; }; f @", "sh", "a function defined in this script"],
    ["echo '\\n@'", "any", "a backslash inside '…'"],
    ["echo \\x41@", "any", "a backslash escape such as \\x"],
    ["# note\necho @", "any", "a # comment"],
    ["echo (pwd) @", "any", "a ( … ) (fish reads it as a command substitution)"],
    ["echo ~@", "any", "word-initial `~`"],
    ["echo =@", "any", "word-initial `=`"],
    ["set -o vi; echo @", "any", "`set -o vi`, which may change how the shell reads what follows"],
  ])("%j (%s): %s", (text, dialect, reason) => {
    expect(place(text, dialect).refused).toContain(reason);
  });

  test("everything after a construct prj does not parse is refused, even where it would be fine alone", () => {
    const marks = `echo ${substitutionMark(0)}; x=$(date); echo ${substitutionMark(1)}; echo '${substitutionMark(2)}'`;
    const [before, after, quoted] = placeSubstitutions(marks, "sh");
    expect(before).toEqual({ context: "bare" });
    expect(after!.refused).toContain("$(…)");
    expect(quoted!.refused).toContain("$(…)");
  });
});
