#!/usr/bin/env bash
# Makes the base image the generated Containerfile starts from (node:20-slim) out of Debian's
# packages and this machine's Node 20, for machines that reach Debian's mirror and the npm
# registry but not Docker Hub (this CI). Like a company's own base image, it carries the
# machine's CA bundle, so npm and corepack inside trust the same registry TLS as the host.
# This machine's registry serves package metadata without npm's signatures, which corepack checks
# when it resolves a version: the image turns that check off (COREPACK_INTEGRITY_KEYS=0), as a
# site's base image would for its registry mirror. Idempotent: an image already tagged node:20-slim is kept. Needs root, debootstrap and podman.
set -euo pipefail
tag=docker.io/library/node:20-slim
if podman image exists "$tag"; then echo "$tag is there"; exit 0; fi
node_bin=$(command -v node)
case "$("$node_bin" --version)" in v20.*) ;; *) echo "container-base: needs Node 20 on PATH, found $("$node_bin" --version)" >&2; exit 1 ;; esac
node_lib=$(dirname "$(readlink -f "$(command -v npm)")")/../..
rootfs=$(mktemp -d /tmp/ck-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
install -m 755 "$(readlink -f "$node_bin")" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -r "$node_lib/npm" "$node_lib/corepack" "$rootfs/usr/local/lib/node_modules/"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
ln -s ../lib/node_modules/corepack/dist/corepack.js "$rootfs/usr/local/bin/corepack"
mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/usr/local/etc"
cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' > "$rootfs/usr/local/etc/npmrc"
# The official image's unprivileged user.
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | podman import \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'ENV COREPACK_INTEGRITY_KEYS=0' \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' - "$tag" >/dev/null
echo "$tag built from Debian bookworm and Node $("$node_bin" --version)"
