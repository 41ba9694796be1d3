#!/usr/bin/env bash
# Sets up if needed, builds the page (release) and serves it at http://127.0.0.1:8080/.
# Usage: scripts/serve.sh [--port N]   (or PORT=N scripts/serve.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REQFLOW_ROOT"

port="${PORT:-8080}"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

"$REQFLOW_ROOT/scripts/setup.sh"
log "building and serving Reqflow: open http://127.0.0.1:$port/ (Ctrl-C stops)"
with_wasm_env trunk serve --release --address 127.0.0.1 --port "$port" --no-autoreload
