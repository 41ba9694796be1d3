# Shared helpers for scripts/*.sh. Source it; it changes nothing by itself.
# shellcheck shell=bash

REQFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REQFLOW_ROOT
export PATH="$REQFLOW_ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# Pinned tool versions. wasm-bindgen-cli is read from Cargo.lock so it always equals the crate.
TRUNK_VERSION="0.21.14"
DEBIAN_WASM_TOOLCHAIN="debian-web"
DEBIAN_WASM_LINKER="/usr/lib/llvm-22/bin/wasm-ld"

wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$REQFLOW_ROOT/Cargo.lock"
}

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }

# Which way this machine builds wasm32: "rustup" (the standard target is installed) or "debian"
# (Debian's rustc-web with std built from source, see docs on the fallback in README.md).
wasm_route() {
  if [ "${REQFLOW_WASM_ROUTE:-}" = "debian" ]; then
    echo debian
  elif rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    echo rustup
  elif rustup toolchain list 2>/dev/null | grep -q "^$DEBIAN_WASM_TOOLCHAIN"; then
    echo debian
  else
    echo none
  fi
}

# Runs a command with the environment that builds for wasm32 on this machine. Only wasm builds
# get it: native builds and tests keep the default toolchain.
with_wasm_env() {
  if [ "$(wasm_route)" = "debian" ]; then
    RUSTUP_TOOLCHAIN="$DEBIAN_WASM_TOOLCHAIN" \
    RUSTC_BOOTSTRAP=1 \
    CARGO_UNSTABLE_BUILD_STD="std,panic_abort" \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$DEBIAN_WASM_LINKER" \
    CARGO_TARGET_DIR="$REQFLOW_ROOT/target/wasm-debian" \
    TRUNK_SKIP_VERSION_CHECK=true \
      "$@"
  else
    TRUNK_SKIP_VERSION_CHECK=true "$@"
  fi
}

# Root privileges for apt, when needed.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    warn "need root to run: $*"; return 1
  fi
}

# Installs the Debian packages that are missing (and runs apt-get update only then).
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    warn "apt-get not found: install ${missing[*]} with your package manager"
    return 1
  fi
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
