#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser with libFuzzer, on the stable toolchain.
#
#   scripts/fuzz.sh                 build, then run each target for 20 s (what scripts/test.sh does)
#   scripts/fuzz.sh 300             each target for 300 s
#   scripts/fuzz.sh --runs 10000000 [target...]   a fixed number of executions per target
#   scripts/fuzz.sh --merge         also fold new coverage into the committed corpora (minimised)
#
# The committed corpus of each target (fuzz/corpus/<target>/) is read, never written, except with
# --merge; new units go to a temporary directory. A crash stops with a non-zero exit and prints the
# input's file: make it a regression test before fixing it. Final statistics of each run (the
# executions) go to fuzz/last-run.txt.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REQFLOW_ROOT/fuzz"

seconds=20
runs=""
merge=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --merge) merge=1; shift ;;
    [0-9]*) seconds="$1"; shift ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(scenario_toml scenario_json knobs share_link traceparent tracestate import_otlp import_jaeger import_zipkin import_stream wire)
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

# The flags cargo-fuzz passes (sanitizer coverage for libFuzzer), without a sanitizer, so stable
# rustc builds it. --target keeps them off build scripts and proc macros.
host=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
export CARGO_TARGET_DIR="$REQFLOW_ROOT/fuzz/target"
log "building fuzz targets"
cargo build --quiet --release --target "$host" --bins || { echo "fuzz: build failed"; exit 1; }
bin="$CARGO_TARGET_DIR/$host/release"

: > last-run.txt
failed=0
for target in "${targets[@]}"; do
  corpus="corpus/$target"
  mkdir -p "$corpus" artifacts
  scratch=$(mktemp -d)
  args=(-artifact_prefix="artifacts/$target-" -print_final_stats=1 -rss_limit_mb=4096 -timeout=10 -max_len=262144)
  [ -f "dict/$target.dict" ] && args+=(-dict="dict/$target.dict")
  # With --runs, FUZZ_MAX_TIME (seconds) caps the run all the same (0: no cap).
  if [ -n "$runs" ]; then args+=(-runs="$runs" -max_total_time="${FUZZ_MAX_TIME:-0}"); else args+=(-max_total_time="$seconds"); fi
  log "fuzz $target (${runs:+$runs runs}${runs:-$seconds s})"
  out=$(mktemp)
  "$bin/$target" "${args[@]}" "$scratch" "$corpus" >"$out" 2>&1
  status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
  echo "$target executions=${execs:-?} status=$status" | tee -a last-run.txt
  if [ $status -ne 0 ]; then
    failed=1
    grep -E "panicked|ERROR|Test unit written|SUMMARY" "$out" | head -20
  elif [ $merge -eq 1 ]; then
    merged=$(mktemp -d)
    "$bin/$target" -merge=1 -max_len=262144 "$merged" "$corpus" "$scratch" >/dev/null 2>&1 && {
      rm -rf "$corpus"; mv "$merged" "$corpus"; }
  fi
  rm -rf "$scratch" "$out"
done
exit $failed
