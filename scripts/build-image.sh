#!/usr/bin/env bash
# Builds the builder image localhost/cniso on a machine without registry access:
# the Debian base is made with debootstrap (examples/make-base.sh) and Deno's
# binary comes from npm; both are passed to the Containerfile as build args.
# With registry access, `podman build -t localhost/cniso .` is enough.
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-localhost/cniso}
base=localhost/cniso-base:trixie
bash examples/make-base.sh "$base" trixie

deno_bin=$(readlink -f "$(command -v deno)")
version=$("$deno_bin" --version | head -n 1 | cut -d' ' -f2)
deno_image=localhost/cniso-deno-bin:$version
if ! podman image exists "$deno_image"; then
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  cp "$deno_bin" "$dir/deno"
  # The same layout as Deno's official "bin" image: the binary at /deno.
  tar -C "$dir" -c deno | podman import - "$deno_image" >/dev/null
fi
# npm packages are fetched during the build; if this machine trusts an extra CA
# (a TLS-intercepting proxy), the build must trust it too.
cert_args=()
ca=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
if [ -f "$ca" ]; then
  cert_args=(-v "$ca:/run/cniso-build-ca.crt:ro" --build-arg DENO_CERT=/run/cniso-build-ca.crt)
fi
podman build -q -t "$tag" --build-arg BASE="$base" --build-arg DENO_IMAGE="$deno_image" \
  "${cert_args[@]}" -f Containerfile . >/dev/null
echo "$tag"
