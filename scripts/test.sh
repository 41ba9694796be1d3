#!/usr/bin/env bash
# Sets up if needed, then runs every check: formatting, lints (native and wasm32), unit and
# integration tests, the release build with its size budget, and the browser end-to-end tests.
# Prints a summary line and exits non-zero when anything failed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REQFLOW_ROOT"

"$REQFLOW_ROOT/scripts/setup.sh" || { echo "SUMMARY: set-up failed"; exit 1; }

passed=0
failed=0
failed_names=()
check() {
  local name="$1"; shift
  local started=$SECONDS
  log "$name"
  if "$@"; then
    passed=$((passed + 1))
    printf '\033[1;32mPASS\033[0m %s (%d s)\n' "$name" $((SECONDS - started))
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    printf '\033[1;31mFAIL\033[0m %s (%d s)\n' "$name" $((SECONDS - started))
  fi
}

check "cargo fmt --check" cargo fmt --all --check
check "cargo clippy (native, -D warnings)" \
  cargo clippy --quiet --workspace --all-targets --exclude reqflow-web -- -D warnings
check "cargo clippy (web for wasm32, -D warnings)" \
  with_wasm_env cargo clippy --quiet -p reqflow-web --target wasm32-unknown-unknown -- -D warnings
check "cargo test (workspace)" cargo test --quiet --workspace
check "fuzz every parser (20 s per target)" scripts/fuzz.sh 20
check "trunk build --release" with_wasm_env trunk build --release
check "bundle size budget" node tests/e2e/bundle-size.mjs dist
check "end-to-end (headless Chromium)" node tests/e2e/run.mjs

echo
if [ "$failed" -eq 0 ]; then
  echo "SUMMARY: $passed passed, 0 failed"
else
  echo "SUMMARY: $passed passed, $failed failed (${failed_names[*]})"
  exit 1
fi
