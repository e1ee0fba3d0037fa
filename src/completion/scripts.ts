/**
 * The shell side of `prj completion SHELL` (SPEC §10). Each script is a thin
 * shim: it hands the words typed so far to `prj __complete -- WORD…` (the last
 * word is the one being completed, possibly empty) and offers the lines it
 * prints. Everything it knows (commands, flags, command names, arguments,
 * sessions) comes from the binary, so completion never drifts from the CLI.
 */
export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

export function isShell(value: string): value is Shell {
  return (SHELLS as readonly string[]).includes(value);
}

const BASH = `# bash completion for prj. Load it in this shell:
#   source <(prj completion bash)
# or for every shell, with bash-completion installed:
#   prj completion bash > ~/.local/share/bash-completion/completions/prj
_prj() {
    local line
    COMPREPLY=()
    # A while-read loop rather than mapfile: macOS still ships bash 3.2.
    while IFS= read -r line; do
        [ -n "$line" ] && COMPREPLY+=("$line")
    done < <(command prj __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
    # "name=" is half an argument: the value follows without a space.
    if [ "\${#COMPREPLY[@]}" -eq 1 ] && [ "\${COMPREPLY[0]%=}" != "\${COMPREPLY[0]}" ]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}
complete -F _prj prj
`;

const ZSH = `#compdef prj
# zsh completion for prj. Load it in this shell (after compinit):
#   source <(prj completion zsh)
# or for every shell, from a directory on $fpath:
#   prj completion zsh > "\${fpath[1]}/_prj"
_prj() {
  local -a candidates assignments others
  candidates=("\${(@f)$(command prj __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=("\${(@)candidates:#}")
  # "name=" is half an argument: the value follows without a space.
  assignments=("\${(@M)candidates:#*=}")
  others=("\${(@)candidates:#*=}")
  (( \${#others} )) && compadd -- "\${(@)others}"
  (( \${#assignments} )) && compadd -S '' -- "\${(@)assignments}"
  return 0
}
if [[ "\${funcstack[1]}" == "_prj" ]]; then
  _prj "$@"
else
  compdef _prj prj
fi
`;

const FISH = `# fish completion for prj. Load it in this shell:
#   prj completion fish | source
# or for every shell:
#   prj completion fish > ~/.config/fish/completions/prj.fish
function __prj_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l current (commandline -ct)
    command prj __complete -- $words "$current" 2>/dev/null
end
complete -c prj -f -a '(__prj_complete)'
`;

const SCRIPTS: Record<Shell, string> = { bash: BASH, zsh: ZSH, fish: FISH };

export function completionScript(shell: Shell): string {
  return SCRIPTS[shell];
}
