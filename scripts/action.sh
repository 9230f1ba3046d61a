#!/usr/bin/env bash
# The GitHub Action's step (action.yml): runs cniso's builder image on INPUT_IMAGE
# and writes `iso=<path>` to $GITHUB_OUTPUT. Inputs arrive as INPUT_* variables,
# as the runner passes them; each is checked and passed as one argument (no eval).
set -euo pipefail
# An annotation is one line: inputs quoted in it have their line breaks escaped as GitHub does.
fail() {
  local msg=$*
  msg=${msg//'%'/'%25'}
  msg=${msg//$'\r'/'%0D'}
  msg=${msg//$'\n'/'%0A'}
  echo "::error::cniso action: $msg" >&2
  exit 2
}

image=${INPUT_IMAGE:-}
out=${INPUT_OUTPUT_DIR:-output}
compression=${INPUT_COMPRESSION:-zstd}
mode=${INPUT_MODE:-unprivileged}
builder=${INPUT_BUILDER_IMAGE:-localhost/cniso}
[ -n "$image" ] || fail "the input 'image' is required"
# Image references as podman's grammar has them (name[:tag][@digest], or an ID): nothing that
# starts with '-' (an option), no ',' (it would add options to --mount), no white space.
ref='^[A-Za-z0-9][A-Za-z0-9._/:-]*(@sha256:[a-f0-9]{64})?$'
[[ "$image" =~ $ref ]] || fail "image: not an image reference: '$image'"
[[ "$builder" =~ $ref ]] || fail "builder-image: not an image reference: '$builder'"
case "$mode" in unprivileged | privileged) ;; *) fail "mode: expected unprivileged or privileged, got '$mode'" ;; esac
case "${INPUT_ALLOW_LABEL_MISMATCH:-false}" in
  true) extra=(--allow-label-mismatch) ;;
  false) extra=() ;;
  *) fail "allow-label-mismatch: expected true or false" ;;
esac
# Payloads: one argument per name (split on white space, never evaluated).
read -r -d '' -a payloads <<<"${INPUT_PAYLOADS:-}" || true
for p in "${payloads[@]}"; do
  case "$p" in -*) fail "a payload name cannot start with '-'" ;; esac
  extra+=(--payload "$p")
done
case "${INPUT_PAYLOAD_BOUND:-false}" in
  true) extra+=(--payload-bound) ;;
  false) ;;
  *) fail "payload-bound: expected true or false" ;;
esac
format=${INPUT_PAYLOAD_FORMAT:-containers-storage}
case "$format" in containers-storage | oci) ;; *) fail "payload-format: expected containers-storage or oci, got '$format'" ;; esac
if [ ${#payloads[@]} -gt 0 ]; then
  # The builder reads payloads from the host's storage and mounts a view: it needs both.
  [ "$mode" = privileged ] || fail "payloads need mode: privileged"
  extra+=(--payload-format "$format")
fi
[ -n "${GITHUB_OUTPUT:-}" ] || fail "GITHUB_OUTPUT is not set (run inside a GitHub Actions job)"

mkdir -p -- "$out"
out=$(cd -- "$out" && pwd)
# Unprivileged: the runner's own podman (rootless on GitHub's hosted runners): no sudo, no
# capability on the host; cniso runs as uid 0 of podman's user namespace. Privileged mode reads
# root's storage, so it needs root.
podman=(podman)
[ "$(id -u)" = 0 ] || [ "$mode" = unprivileged ] || podman=(sudo podman)
if [ "$mode" = unprivileged ]; then
  run=("${podman[@]}" run --rm --mount "type=image,source=$image,destination=/image"
    -v "$out:/output" "$builder" build --rootfs /image)
else
  run=("${podman[@]}" run --rm --privileged
    -v /var/lib/containers/storage:/var/lib/containers/storage
    -v "$out:/output" "$builder" build "$image")
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# JSON progress on stdout (kept for the result), human messages on stderr (the job's log).
# The builder's output quotes the image (paths, names, tool output): the runner must not read
# any of it as a workflow command (::error::, ::add-mask::, ...), so commands are off meanwhile,
# with a token nobody can guess to turn them back on.
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
echo "::stop-commands::$token"
set +e
# One stream: the runner reads stdout and stderr apart, so a stderr line could reach it after
# commands are back on.
"${run[@]}" --compression "$compression" "${extra[@]}" --progress json 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
echo "::$token::"
[ "$status" = 0 ] || exit "$status"
# The result line: {"event":"result","iso":"/output/NAME.iso",...}; the ISO's name on the host.
name=$(sed -n 's|^{"event":"result","iso":"/output/\([^"/]*\)".*|\1|p' "$log" | tail -n 1)
[ -n "$name" ] || fail "cniso reported no ISO"
echo "iso=$out/$name" >>"$GITHUB_OUTPUT"
echo "cniso action: $out/$name"
