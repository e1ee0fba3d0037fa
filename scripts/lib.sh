# shellcheck shell=bash
# Shared helpers for scripts/test and scripts/demo. Source it; do not run it.
#
#   ensure_bun                     Bun at the version pinned in package.json `engines.bun`
#   ensure_apt_pkgs SPEC...        system commands, SPEC = command[:apt-package[:brew-package]]
#                                  (a brew-package of "-" means "not needed on macOS")
#
# Works as root or as a normal user (sudo only when not root and sudo exists),
# with CI=true and with no standard input.

PRJ_ROOT="${PRJ_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
# Project-local npm prefix, used when the global npm prefix is not writable
# or when another Bun is already installed globally.
PRJ_TOOLS_DIR="${PRJ_TOOLS_DIR:-$PRJ_ROOT/.tools}"

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Prints a phase header.
phase() { printf '\n==> %s\n' "$*"; }

# The Bun version pinned in package.json `engines.bun` (the one place it lives).
pinned_bun_version() {
  local version=""
  if command -v node >/dev/null 2>&1; then
    version="$(node -p "require(process.argv[1]).engines.bun" "$PRJ_ROOT/package.json" 2>/dev/null || true)"
  fi
  if [ -z "$version" ] || [ "$version" = "undefined" ]; then
    # No node: a plain text match on the "engines" object.
    version="$(sed -n 's/.*"engines"[^}]*"bun"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$PRJ_ROOT/package.json" | head -n 1)"
  fi
  [ -n "$version" ] || die "cannot read engines.bun from $PRJ_ROOT/package.json"
  printf '%s\n' "$version"
}

# Runs a command as root: directly when root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    if [ -t 0 ]; then sudo "$@"; else sudo -n "$@"; fi
  else
    return 127
  fi
}

can_be_root() {
  [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1
}

# The version `bun` on PATH reports, or nothing.
current_bun_version() {
  command -v bun >/dev/null 2>&1 || return 0
  bun --version 2>/dev/null || true
}

# npm install -g bun@VERSION into PREFIX (an npm prefix: PREFIX/bin, PREFIX/lib/node_modules),
# makes sure bun's postinstall (which puts the real binary in place) has run,
# and puts PREFIX/bin first on PATH.
npm_install_bun() {
  local version="$1" prefix="$2"
  # --allow-scripts: newer npm warns about (and may one day skip) bun's
  # postinstall without it; older npm only warns about an unknown option.
  CI=true npm install -g --prefix "$prefix" --no-audit --no-fund --allow-scripts=bun "bun@$version" </dev/null >&2 ||
    return 1
  local root
  root="$(npm root -g --prefix "$prefix" 2>/dev/null)" || return 1
  if [ "$("$prefix/bin/bun" --version 2>/dev/null || true)" != "$version" ]; then
    log "bun's postinstall did not run; running it by hand"
    (cd "$root/bun" && node install.js) >&2 || return 1
  fi
  [ "$("$prefix/bin/bun" --version 2>/dev/null || true)" = "$version" ] || return 1
  export PATH="$prefix/bin:$PATH"
  hash -r
}

global_npm_prefix_writable() {
  local prefix
  prefix="$(npm prefix -g 2>/dev/null)" || return 1
  [ -n "$prefix" ] || return 1
  local dir
  for dir in "$prefix/lib/node_modules" "$prefix/bin"; do
    if [ -e "$dir" ]; then [ -w "$dir" ] || return 1; else [ -w "$prefix" ] || return 1; fi
  done
}

ensure_bun() {
  local want have
  want="$(pinned_bun_version)"
  have="$(current_bun_version)"
  if [ "$have" = "$want" ]; then return 0; fi

  # A project-local Bun from an earlier run.
  if [ "$("$PRJ_TOOLS_DIR/bin/bun" --version 2>/dev/null || true)" = "$want" ]; then
    export PATH="$PRJ_TOOLS_DIR/bin:$PATH"
    hash -r
    return 0
  fi

  command -v npm >/dev/null 2>&1 ||
    die "Bun $want is needed and npm is not installed to fetch it. Install Node.js (with npm), or Bun $want from https://bun.sh, and run this again."

  if [ -z "$have" ] && global_npm_prefix_writable; then
    log "Installing Bun $want globally with npm (no bun on PATH)"
    if npm_install_bun "$want" "$(npm prefix -g 2>/dev/null)"; then return 0; fi
    log "global install failed; falling back to a project-local install"
  elif [ -n "$have" ]; then
    # Leave the user's own Bun alone; use a private copy for this project.
    log "bun on PATH is $have, this project pins $want: installing $want into ${PRJ_TOOLS_DIR#"$PRJ_ROOT"/}"
  else
    log "Global npm prefix is not writable: installing Bun $want into ${PRJ_TOOLS_DIR#"$PRJ_ROOT"/}"
  fi

  mkdir -p "$PRJ_TOOLS_DIR"
  # Keep the private tools out of git without touching the repo's .gitignore.
  [ -e "$PRJ_TOOLS_DIR/.gitignore" ] || printf '*\n' >"$PRJ_TOOLS_DIR/.gitignore"
  npm_install_bun "$want" "$PRJ_TOOLS_DIR" ||
    die "could not install Bun $want with npm (tried ${PRJ_TOOLS_DIR}). Install it by hand: npm install -g bun@$want"
  [ "$(current_bun_version)" = "$want" ] || die "installed Bun $want but \`bun --version\` still says '$(current_bun_version)'"
}

# ensure_apt_pkgs SPEC... with SPEC = command[:apt-package[:brew-package]].
# Installs, for every command not on PATH, its package via apt-get (Debian/Ubuntu)
# or Homebrew (macOS). apt-get update runs once, and only if something is missing.
ensure_apt_pkgs() {
  local spec cmd rest apt_pkg brew_pkg
  local -a apt_missing=() brew_missing=() brew_skipped=() cmds_missing=()
  for spec in "$@"; do
    cmd="${spec%%:*}"
    rest="${spec#"$cmd"}"; rest="${rest#:}"
    apt_pkg="${rest%%:*}"; [ -n "$apt_pkg" ] || apt_pkg="$cmd"
    brew_pkg="${rest#*:}"; [ "$brew_pkg" != "$rest" ] && [ -n "$brew_pkg" ] || brew_pkg="$apt_pkg"
    command -v "$cmd" >/dev/null 2>&1 && continue
    cmds_missing+=("$cmd")
    apt_missing+=("$apt_pkg")
    if [ "$brew_pkg" = "-" ]; then brew_skipped+=("$cmd"); else brew_missing+=("$brew_pkg"); fi
  done
  [ "${#cmds_missing[@]}" -eq 0 ] && return 0

  case "$(uname -s)" in
    Darwin)
      [ "${#brew_skipped[@]}" -eq 0 ] || log "note: ${brew_skipped[*]} not needed on macOS; skipping"
      [ "${#brew_missing[@]}" -gt 0 ] || return 0
      command -v brew >/dev/null 2>&1 ||
        die "missing ${cmds_missing[*]}; install Homebrew (https://brew.sh) or run: brew install ${brew_missing[*]}"
      log "Installing ${brew_missing[*]} with Homebrew"
      HOMEBREW_NO_AUTO_UPDATE=1 HOMEBREW_NO_INSTALL_CLEANUP=1 brew install "${brew_missing[@]}" </dev/null >&2 ||
        die "brew install ${brew_missing[*]} failed"
      ;;
    *)
      command -v apt-get >/dev/null 2>&1 ||
        die "missing ${cmds_missing[*]}; install them with your system's package manager (Debian/Ubuntu package names: ${apt_missing[*]})"
      can_be_root ||
        die "missing ${cmds_missing[*]}; not root and no sudo. As root run: apt-get update && apt-get install -y ${apt_missing[*]}"
      log "Installing ${apt_missing[*]} with apt-get"
      if [ -z "${PRJ_APT_UPDATED:-}" ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >&2 || die "apt-get update failed"
        PRJ_APT_UPDATED=1
      fi
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${apt_missing[@]}" </dev/null >&2 ||
        die "apt-get install ${apt_missing[*]} failed"
      ;;
  esac
  hash -r
  if [ "$(uname -s)" != Darwin ]; then
    for cmd in "${cmds_missing[@]}"; do
      command -v "$cmd" >/dev/null 2>&1 || die "installed ${apt_missing[*]}, but '$cmd' is still not on PATH"
    done
  fi
}

# Warns when tmux is older than 3.2 (the oldest prj supports).
check_tmux_version() {
  local v major minor
  v="$(tmux -V 2>/dev/null | sed -n 's/^tmux[^0-9]*\([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p')"
  [ -n "$v" ] || return 0
  read -r major minor <<<"$v"
  if [ "$major" -lt 3 ] || { [ "$major" -eq 3 ] && [ "$minor" -lt 2 ]; }; then
    log "warning: $(tmux -V) is older than tmux 3.2, which prj needs"
  fi
}
