#!/usr/bin/env bash
# Makes the standalone binary ./cniso with `deno compile`. deno compile needs
# Deno's runtime for the target (denort), which it downloads from Deno's
# server; where that server is unreachable, point DENORT_BIN at a local denort.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-cniso}
err=$(mktemp)
trap 'rm -f "$err"' EXIT
# The binary gets only the permissions cniso needs (builder/permissions), never -A.
# shellcheck disable=SC2046 # the flags are words
if timeout 300 deno compile $(cat builder/permissions) --no-prompt --output "$out" main.ts 2>"$err"; then
  echo "$out"
  exit 0
fi
cat "$err" >&2
if grep -qiE 'dns error|lookup address|connect|timed out|download' "$err"; then
  echo "cniso: deno compile could not download Deno's runtime (denort) from Deno's server." >&2
  echo "  This machine cannot reach it. Run the task where it can, or set DENORT_BIN=/path/to/denort." >&2
fi
exit 1
