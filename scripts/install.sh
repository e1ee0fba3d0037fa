#!/bin/sh
# Installs prj, one self-contained binary, into ~/.local/bin (or $PREFIX/bin).
#
#   curl -fsSL https://github.com/prunejuice-dev/prj/releases/latest/download/install.sh | sh
#
# It picks the build for this OS and CPU (linux|darwin, x64|arm64; the
# "-baseline" x64 build on CPUs without AVX2), downloads it and its .sha256,
# refuses anything whose checksum does not match, and replaces the installed
# binary in one rename, so a failed install never leaves a broken prj behind.
#
# Environment:
#   PREFIX=DIR               install into DIR/bin (default: $HOME/.local)
#   PRJ_VERSION=vX.Y.Z       a specific release (default: the latest)
#   PRJ_RELEASE_URL=URL      where the release files are (default: GitHub releases, below)
#   PRJ_INSTALL_FROM=FILE    install this local binary instead of downloading
#                            (offline machines, dev containers); FILE.sha256 is
#                            checked when it exists
#   PRJ_INSTALL_SHA256=HEX   the checksum the binary must have
#   PRJ_INSTALL_TARGET=T     skip detection, e.g. linux-x64-baseline
#
# POSIX sh: runs under dash, busybox ash, bash and zsh's sh mode.
set -eu

# The GitHub org/repo is a placeholder until the first release: set it here
# (and in scripts/homebrew-formula) to where the releases are published.
GITHUB_REPO="prunejuice-dev/prj"

say() { printf '%s\n' "$*"; }
die() {
  printf 'prj install: error: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat <<'EOF'
usage: sh install.sh        (or: curl -fsSL .../install.sh | sh)

Installs prj into $PREFIX/bin (default ~/.local/bin). Settings are environment variables:
  PREFIX=DIR               install into DIR/bin
  PRJ_VERSION=vX.Y.Z       a specific release (default: the latest)
  PRJ_RELEASE_URL=URL      where the release files are
  PRJ_INSTALL_FROM=FILE    install this local binary (FILE.sha256 is checked when present)
  PRJ_INSTALL_SHA256=HEX   the checksum the binary must have
  PRJ_INSTALL_TARGET=T     skip detection: linux-x64, linux-x64-baseline, linux-arm64, darwin-x64, darwin-arm64
EOF
}

case "${1:-}" in
  -h | --help)
    usage
    exit 0
    ;;
  "") ;;
  *) die "unknown argument: $1 (settings are environment variables; see --help)" ;;
esac

# ---------------------------------------------------------------- detection

detect_os() {
  case "$(uname -s)" in
    Linux) echo linux ;;
    Darwin) echo darwin ;;
    *) die "unsupported OS $(uname -s): prj is built for Linux and macOS" ;;
  esac
}

detect_arch() {
  case "$(uname -m)" in
    x86_64 | amd64) echo x64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) die "unsupported CPU $(uname -m): prj is built for x64 and arm64" ;;
  esac
}

# x64 builds use AVX2; older CPUs need the baseline build.
has_avx2() {
  case "$1" in
    linux) grep -q avx2 /proc/cpuinfo 2>/dev/null ;;
    darwin) sysctl -n machdep.cpu.leaf7_features 2>/dev/null | grep -q AVX2 ;;
    *) return 1 ;;
  esac
}

detect_target() {
  os="$(detect_os)" || exit 1
  arch="$(detect_arch)" || exit 1
  # A shell running under Rosetta reports x86_64 on an Apple Silicon Mac.
  if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then
    arch=arm64
  fi
  if [ "$arch" = x64 ] && ! has_avx2 "$os"; then
    echo "$os-$arch-baseline"
  else
    echo "$os-$arch"
  fi
}

# ---------------------------------------------------------------- tools

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    die "need sha256sum or shasum to verify the download"
  fi
}

download() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    die "need curl or wget to download prj"
  fi
}

# The first word of a checksum file ("<hex>  <name>", as sha256sum writes it), lower-cased.
checksum_in() {
  sed -n '1s/^[[:space:]]*\([0-9A-Fa-f]*\).*/\1/p' "$1" | tr 'A-F' 'a-f'
}

# verify FILE EXPECTED WHERE: refuse unless FILE's sha256 is EXPECTED.
verify() {
  expected="$(printf '%s' "$2" | tr 'A-F' 'a-f')"
  case "$expected" in
    *[!0-9a-f]* | "") die "malformed checksum from $3: '$2'" ;;
  esac
  [ "${#expected}" -eq 64 ] || die "malformed checksum from $3: '$2' (expected 64 hex digits)"
  actual="$(sha256_of "$1")"
  if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $(basename "$1"): expected $expected ($3), got $actual; nothing was installed"
  fi
  say "Checksum ok ($3)"
}

# ---------------------------------------------------------------- install

bin_dir="${PREFIX:-${HOME:?HOME is not set}/.local}/bin"
work="$(mktemp -d 2>/dev/null || mktemp -d -t prj-install)"
staged=""
cleanup() {
  rm -rf "$work"
  [ -z "$staged" ] || rm -f "$staged"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${PRJ_INSTALL_FROM:-}" ]; then
  source_file="$PRJ_INSTALL_FROM"
  [ -f "$source_file" ] || die "PRJ_INSTALL_FROM=$source_file: no such file"
  say "Installing prj from $source_file"
  checked=""
  if [ -n "${PRJ_INSTALL_SHA256:-}" ]; then
    verify "$source_file" "$PRJ_INSTALL_SHA256" "PRJ_INSTALL_SHA256"
    checked=1
  fi
  if [ -f "$source_file.sha256" ]; then
    verify "$source_file" "$(checksum_in "$source_file.sha256")" "$source_file.sha256"
    checked=1
  fi
  [ -n "$checked" ] || say "note: no $source_file.sha256 and no PRJ_INSTALL_SHA256; installing without a checksum check"
else
  target="${PRJ_INSTALL_TARGET:-}"
  if [ -z "$target" ]; then target="$(detect_target)" || exit 1; fi
  case "$target" in
    linux-x64 | linux-x64-baseline | linux-arm64 | darwin-x64 | darwin-arm64) ;;
    *) die "unknown target '$target': one of linux-x64, linux-x64-baseline, linux-arm64, darwin-x64, darwin-arm64" ;;
  esac
  if [ -n "${PRJ_RELEASE_URL:-}" ]; then
    base="${PRJ_RELEASE_URL%/}"
  elif [ -n "${PRJ_VERSION:-}" ]; then
    base="https://github.com/$GITHUB_REPO/releases/download/$PRJ_VERSION"
  else
    base="https://github.com/$GITHUB_REPO/releases/latest/download"
  fi
  asset="prj-$target"
  say "Downloading $asset from $base"
  source_file="$work/$asset"
  download "$base/$asset" "$source_file" || die "could not download $base/$asset"
  download "$base/$asset.sha256" "$work/$asset.sha256" || die "could not download $base/$asset.sha256"
  if [ -n "${PRJ_INSTALL_SHA256:-}" ]; then
    verify "$source_file" "$PRJ_INSTALL_SHA256" "PRJ_INSTALL_SHA256"
  fi
  verify "$source_file" "$(checksum_in "$work/$asset.sha256")" "$asset.sha256"
fi

mkdir -p "$bin_dir" || die "cannot create $bin_dir"
# Staged beside the destination, so the final mv is a rename on one filesystem.
staged="$bin_dir/.prj.install.$$"
cp "$source_file" "$staged" || die "cannot write to $bin_dir"
chmod 755 "$staged"
if ! version="$("$staged" --version 2>/dev/null)"; then
  die "the binary does not run on this machine ($(uname -s) $(uname -m)); nothing was installed"
fi
mv -f "$staged" "$bin_dir/prj"
staged=""
say "Installed prj $version to $bin_dir/prj"

case ":${PATH:-}:" in
  *":$bin_dir:"*) ;;
  *)
    say ""
    say "$bin_dir is not on your PATH. Add it:"
    case "$(basename "${SHELL:-sh}")" in
      zsh) say "  echo 'export PATH=\"$bin_dir:\$PATH\"' >> ~/.zshrc && exec zsh" ;;
      bash) say "  echo 'export PATH=\"$bin_dir:\$PATH\"' >> ~/.bashrc && exec bash" ;;
      fish) say "  fish_add_path $bin_dir" ;;
      *) say "  export PATH=\"$bin_dir:\$PATH\"   # and add this line to your shell's profile" ;;
    esac
    ;;
esac
say "Next: cd into a git repository and run \`prj init\`; \`prj doctor\` checks tmux and git."
