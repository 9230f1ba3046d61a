/**
 * What a containers-storage payload needs on the live system, written into the
 * live root beside the store (and only there: an installed system gets the
 * payload's own files). The live root is an overlay over the squashfs, which
 * dracut's dmsquash-live mounts at /run/rootfsbase. Seen through that overlay
 * the store's whiteouts (0/0 character devices) vanish and its opaque-directory
 * attributes are hidden, and podman's overlay driver refuses a storage on
 * overlayfs anyway. So at boot a unit makes /var/lib/containers/storage a tmpfs
 * holding the store's small files, each layer's `diff` a symbolic link to its
 * files in the squashfs as they are: nothing large is copied into RAM. (Not a
 * bind mount: the overlay driver bind-mounts its `overlay` directory onto
 * itself without the mounts below it, and the layers would look empty.)
 */

/** Where the store lands in the live root (as the reference implementation puts it). */
export const STORE_PATH = "/var/lib/containers/storage";
/** Where `--payload-format oci` puts its OCI image layout. */
export const OCI_PATH = "/var/lib/cniso/payload";

export const LIVE_STORE_SCRIPT = "/usr/lib/cniso/payload-store";
export const LIVE_STORE_UNIT = "/usr/lib/systemd/system/cniso-payload-store.service";
export const LIVE_STORE_WANTS =
  "/usr/lib/systemd/system/sysinit.target.wants/cniso-payload-store.service";

const SCRIPT = `#!/bin/sh
# Written by cniso into the live root only (see ${LIVE_STORE_UNIT}).
# The live root is an overlay over the squashfs (mounted at /run/rootfsbase):
# through it the payload store's whiteouts vanish, and podman's overlay driver
# refuses a storage on overlayfs. So the storage becomes a tmpfs with the
# store's small files, and each layer's diff a symbolic link to its files in
# the squashfs as built: nothing large is copied into RAM.
set -eu
src=/run/rootfsbase${STORE_PATH}
dst=${STORE_PATH}
[ -d "$src/overlay" ] || exit 0
mount -t tmpfs -o mode=0700 cniso-payload "$dst"

# Makes directory $1 (relative to the store) with the store's mode and owner.
mkdir_as() {
  mkdir -p "$dst/$1"
  chmod --reference="$src/$1" "$dst/$1"
  chown --reference="$src/$1" "$dst/$1"
}
# Copies the entries of directory $1 (relative to the store) except the one named $2.
copy_except() {
  for f in "$src/$1"/* "$src/$1"/.[!.]* "$src/$1"/..?*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    [ "\${f##*/}" = "$2" ] && continue
    cp -a "$f" "$dst/$1/"
  done
}

mkdir_as .
copy_except . overlay
mkdir_as overlay
for layer in "$src"/overlay/*; do
  name=\${layer##*/}
  if [ -d "$layer/diff" ] && [ ! -L "$layer" ]; then
    mkdir_as "overlay/$name"
    copy_except "overlay/$name" diff
    ln -s "$layer/diff" "$dst/overlay/$name/diff"
  elif [ -e "$layer" ] || [ -L "$layer" ]; then
    cp -a "$layer" "$dst/overlay/"
  fi
done
`;

const UNIT = `# Written by cniso into the live root only: see ${LIVE_STORE_SCRIPT}.
[Unit]
Description=Container storage of the installer payload, read from the live medium
DefaultDependencies=no
After=local-fs.target
Before=sysinit.target
ConditionPathIsDirectory=/run/rootfsbase${STORE_PATH}/overlay

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${LIVE_STORE_SCRIPT}
`;

export interface SkelFile {
  /** The path in the live root. */
  path: string;
  content: string;
  mode: number;
}

/** The files the containers-storage payload adds to the live root besides the store. */
export function liveStoreFiles(): { files: SkelFile[]; links: { path: string; target: string }[] } {
  return {
    files: [
      { path: LIVE_STORE_SCRIPT, content: SCRIPT, mode: 0o755 },
      { path: LIVE_STORE_UNIT, content: UNIT, mode: 0o644 },
    ],
    links: [{ path: LIVE_STORE_WANTS, target: "../cniso-payload-store.service" }],
  };
}
