#!/usr/bin/env bash
# Installs everything Reqflow needs to build, serve and test, and skips what is already there.
# Idempotent: a second run takes seconds. Used by scripts/serve.sh and scripts/test.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REQFLOW_ROOT"
started=$SECONDS

# 1. The browser for end-to-end tests (Debian's; tools that download their own browser fail here).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt_install chromium chromium-driver fonts-dejavu-core
fi

# 2. A compiler that targets wasm32-unknown-unknown. First the ordinary way; where the Rust
#    distribution server cannot be reached (these machines), Debian's rustc-web builds std from
#    source instead. Nothing about the fallback is committed: it is selected by environment only.
if [ "$(wasm_route)" = "none" ]; then
  log "adding the wasm32-unknown-unknown target with rustup (60 s limit)"
  if ! timeout 60 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 \
      || ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    warn "rustup could not add the target: using Debian's rustc-web and building std from source"
    export REQFLOW_WASM_ROUTE=debian
  fi
fi
if [ "$(wasm_route)" = "debian" ]; then
  apt_install rustc-web cargo-web rust-web-src rust-web-clippy lld-22
  if ! rustup toolchain list | grep -q "^$DEBIAN_WASM_TOOLCHAIN"; then
    dir=/opt/rust-debian-web
    as_root mkdir -p "$dir/bin" "$dir/lib"
    for tool in rustc rustdoc cargo clippy-driver cargo-clippy; do
      [ -e "/usr/bin/$tool" ] && as_root ln -sf "/usr/bin/$tool" "$dir/bin/$tool"
    done
    rustup toolchain link "$DEBIAN_WASM_TOOLCHAIN" "$dir"
  fi
fi

# 3. wasm-bindgen-cli: exactly the version of the wasm-bindgen crate in Cargo.lock.
bindgen_version="$(wasm_bindgen_version)"
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]; then
  log "installing wasm-bindgen-cli $bindgen_version"
  if ! cargo install --quiet --locked wasm-bindgen-cli --version "$bindgen_version"; then
    # Its lockfile may pin a webpki-roots release the registry mirror lacks: relock that one
    # crate to the previous release and install from the unpacked source.
    warn "locked install failed: retrying with webpki-roots relocked"
    work="$(mktemp -d)"
    crate="$(find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name "wasm-bindgen-cli-$bindgen_version.crate" | head -n1)"
    tar -xzf "$crate" -C "$work"
    (cd "$work/wasm-bindgen-cli-$bindgen_version" \
      && cargo update --quiet -p webpki-roots --precise 1.0.10 \
      && cargo install --quiet --locked --path .)
    rm -rf "$work"
  fi
fi

# 4. Trunk, the bundler (0.21: the newest that builds with stable Rust 1.95).
if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  log "installing trunk $TRUNK_VERSION (takes several minutes the first time)"
  cargo install --quiet --locked trunk --version "$TRUNK_VERSION"
fi

# 5. Node packages: playwright-core (drives /usr/bin/chromium) and binaryen's wasm-opt.
if ! cmp -s package-lock.json node_modules/.reqflow-lock 2>/dev/null; then
  log "installing node packages (npm ci)"
  npm ci --silent --no-audit --no-fund
  cp package-lock.json node_modules/.reqflow-lock
fi

# 6. Crate sources, so builds can run offline (Trunk passes --offline to cargo).
cargo fetch --quiet
with_wasm_env cargo fetch --quiet --target wasm32-unknown-unknown

log "set-up complete in $((SECONDS - started)) s (wasm route: $(wasm_route))"
