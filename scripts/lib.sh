# shellcheck shell=bash
# Shared helpers for scripts/test and scripts/demo. Source it; do not run it.
#
#   ensure_bun                     Bun at the version pinned in package.json `engines.bun`
#   ensure_apt_pkgs SPEC...        system commands, SPEC = command[:apt-package[:brew-package]]
#                                  (a brew-package of "-" means "not needed on macOS")
#   fetch_tmux SUITE DIR           the tmux of a Debian suite in DIR, not installed (prints DIR/bin/tmux)
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

# fetch_tmux SUITE DIR
# Puts the tmux of Debian suite SUITE (bookworm-backports: 3.5a, bullseye: 3.1c,
# trixie: 3.5a, trixie-backports: 3.7c, sid: the newest) into DIR without
# installing it on the system, and prints the path of DIR/bin/tmux (put DIR/bin
# first on PATH, or point PRJ_TMUX at it). The package and the libraries it needs, the C library
# included, come from that suite (a private apt sources list, `apt-get
# download`, `dpkg -x`), and patchelf points the binary at the suite's own
# dynamic loader and libraries: a tmux built for a newer libc runs on an older
# system, and nothing (no LD_LIBRARY_PATH) leaks into the shells tmux starts.
# A DIR that already holds a working tmux of that suite is reused.
# Needs apt-get and dpkg (Debian/Ubuntu). The mirror is the system's own for Debian
# (see debian_mirror; PRJ_DEBIAN_MIRROR overrides it).
fetch_tmux() {
  local suite="$1" dir="$2"
  [ -n "$suite" ] && [ -n "$dir" ] || die "usage: fetch_tmux SUITE DIR"
  command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 ||
    die "fetch_tmux needs apt-get and dpkg (Debian/Ubuntu)"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  local launcher="$dir/bin/tmux"
  if [ -x "$launcher" ] && [ "$(cat "$dir/suite" 2>/dev/null)" = "$suite" ] && "$launcher" -V >/dev/null 2>&1; then
    printf '%s\n' "$launcher"
    return 0
  fi

  local mirror
  mirror="$(debian_mirror)"
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -r "$keyring" ] || ensure_debian_keyring
  ensure_apt_pkgs patchelf
  local apt="$dir/apt" root="$dir/root"
  rm -rf "$apt" "$root" "$dir/debs" "$dir/bin" "$dir/suite"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$root" "$dir/debs" "$dir/bin"
  : >"$apt/status"
  {
    printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$mirror" "$suite"
    # A backports suite holds only what it backports; the rest comes from its base.
    case "$suite" in
      *-backports*) printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$mirror" "${suite%%-backports*}" ;;
    esac
  } >"$apt/sources.list"
  # An empty dpkg status makes apt resolve every dependency inside the suite,
  # as if on a bare system of that release; the real system is never consulted.
  local -a opts=(
    -o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::Etc::Preferences=/dev/null" -o Dir::Etc::PreferencesParts=/dev/null
    -o "Dir::State::Lists=$apt/lists" -o "Dir::State::status=$apt/status"
    -o "Dir::Cache=$apt/cache" -o "APT::Default-Release=$suite"
    -o "APT::Architecture=$(dpkg --print-architecture)" -o Debug::NoLocking=1 -q
  )
  log "Fetching tmux from Debian $suite into $dir"
  apt-get "${opts[@]}" update </dev/null >&2 || die "apt-get update for Debian $suite failed"
  local packages
  packages="$(apt-cache "${opts[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances tmux </dev/null | grep -v '^ ' | grep -v '^<' | sort -u)" ||
    die "cannot resolve tmux's dependencies in Debian $suite"
  [ -n "$packages" ] || die "Debian $suite has no tmux"
  # shellcheck disable=SC2086 # one word per package
  (cd "$dir/debs" && apt-get "${opts[@]}" download $packages </dev/null >&2) ||
    die "apt-get download of tmux from Debian $suite failed"
  local deb
  for deb in "$dir/debs"/*.deb; do dpkg -x "$deb" "$root" || die "cannot extract $deb"; done

  local loader libpath="" libdir
  loader="$(find "$root" -name 'ld-linux*.so.*' \( -type f -o -type l \) | sort | head -n 1)"
  [ -n "$loader" ] || die "no dynamic loader among the packages of Debian $suite"
  for libdir in "$root"/lib/*-linux-gnu* "$root"/usr/lib/*-linux-gnu* "$root"/lib "$root"/usr/lib; do
    [ -d "$libdir" ] && libpath="${libpath:+$libpath:}$libdir"
  done
  # The binary itself is pointed at the suite's loader and libraries (an RPATH also
  # covers the libraries' own dependencies). So it is a plain tmux process to
  # everything that looks (ps, /proc/PID/exe, tmux's own window names), and no
  # LD_LIBRARY_PATH reaches the shells it starts.
  patchelf --set-interpreter "$loader" --force-rpath --set-rpath "$libpath" "$root/usr/bin/tmux" ||
    die "patchelf could not point $root/usr/bin/tmux at the libraries of Debian $suite"
  ln -sfn "$root/usr/bin/tmux" "$launcher"
  "$launcher" -V >/dev/null 2>&1 || die "the tmux fetched from Debian $suite does not run here: $("$launcher" -V 2>&1 | head -n 3)"
  rm -rf "$dir/debs" "$apt/cache"
  printf '%s\n' "$suite" >"$dir/suite"
  log "$("$launcher" -V) from Debian $suite: $launcher"
  printf '%s\n' "$launcher"
}

# The Debian mirror fetch_tmux uses: PRJ_DEBIAN_MIRROR, else the one this system's
# apt already uses for Debian, else the default mirror debootstrap knows for Debian
# suites (on Ubuntu and other systems that do not use Debian's archive).
debian_mirror() {
  if [ -n "${PRJ_DEBIAN_MIRROR:-}" ]; then
    printf '%s\n' "${PRJ_DEBIAN_MIRROR%/}"
    return 0
  fi
  local found
  found="$(
    {
      sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n'
      sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
    } | grep -E '^https?://.*/debian/?$' | head -n 1
  )"
  if [ -z "$found" ]; then
    ensure_apt_pkgs debootstrap
    # Ubuntu's debootstrap names Debian's mirror in its Debian suite scripts; Debian's in its default.
    found="$(
      {
        sed -n 's/^default_mirror[[:space:]]*//p' /usr/share/debootstrap/scripts/sid
        sed -n 's/^DEF_MIRROR="\(.*\)"/\1/p' /usr/sbin/debootstrap
      } 2>/dev/null | grep -E '^https?://.*/debian/?$' | head -n 1
    )"
  fi
  [ -n "$found" ] || die "no Debian mirror known here; set PRJ_DEBIAN_MIRROR to one (its URL ends in /debian)"
  printf '%s\n' "${found%/}"
}

# Debian's archive keys, for fetch_tmux on systems that are not Debian (Ubuntu has the package).
ensure_debian_keyring() {
  [ -r /usr/share/keyrings/debian-archive-keyring.gpg ] && return 0
  can_be_root || die "Debian's archive keyring is missing; as root run: apt-get install debian-archive-keyring"
  if [ -z "${PRJ_APT_UPDATED:-}" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null >&2 || die "apt-get update failed"
    PRJ_APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debian-archive-keyring </dev/null >&2 ||
    die "apt-get install debian-archive-keyring failed"
}
