#!/usr/bin/env bash
# Builds the page like the release build but keeps function names in the wasm (optimised with
# `wasm-opt -Oz -g` instead of Trunk's `-Oz`), into target/dist-profiling, for
# `node tests/e2e/profile.mjs target/dist-profiling MODE` (see BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
out=target/dist-profiling
html=profiling.html
trap 'rm -f "$html"' EXIT
sed 's/data-wasm-opt="z"/data-wasm-opt="0" data-keep-debug/' index.html > "$html"
with_wasm_env trunk build "$html" --release true --dist "$out"
wasm=$(ls "$out"/*_bg.wasm)
node_modules/.bin/wasm-opt -Oz -g --enable-reference-types --enable-bulk-memory \
  --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-multivalue \
  "$wasm" -o "$wasm.named"
mv "$wasm.named" "$wasm"
echo "profiling build: $out ($(stat -c %s "$wasm") bytes of wasm, with names)"
