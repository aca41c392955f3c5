#!/usr/bin/env bash
# Builds local stand-ins for the Dockerfile's two base images, for machines
# with no Docker engine and no registry serving base images:
#
#   localhost/gokernel-standin-debian:bookworm-H     debootstrap'd Debian
#   localhost/gokernel-standin-golang:GOVERSION-H    ~ golang:1.26 (the Go
#       toolchain from the module proxy at /usr/local/go, gcc, libc headers)
#   localhost/gokernel-standin-base-notebook:H       ~ quay.io/jupyter/base-notebook
#       (JupyterLab from PyPI in /opt/conda, user jovyan 1000:100)
#
# H is a hash of the recipes (docker/standin/, this script, the host's extra
# CA certificates), so a changed recipe builds new bases and unchanged ones
# are reused from buildah's storage (they take minutes to build).
# Needs root, buildah and debootstrap (apt-get install buildah debootstrap),
# Debian's mirror, PyPI and the Go module proxy.
#
#   image-bases.sh [--env FILE]
#
# Prints (and with --env writes to FILE) GO_IMAGE=... and BASE_IMAGE=...
# lines for the Dockerfile's build arguments. Timings go to stderr.
# Settings: IMAGE_WORK (scratch dir, default /var/tmp/gokernel-image),
# DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STANDIN=$ROOT/docker/standin
WORK=${IMAGE_WORK:-/var/tmp/gokernel-image}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
BUILDAH=(buildah --storage-driver vfs)
ENV_FILE=

say() { printf 'image-bases: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --env) ENV_FILE=${2:?--env needs a file}; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, buildah with the vfs driver)"
for tool in buildah debootstrap go sha256sum; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install buildah debootstrap; Go for the module proxy download)"
done

# The Go version the kernel is built with: go.mod's go line.
GO_VERSION=$(awk '$1 == "go" { print $2; exit }' "$ROOT/go.mod")
[[ $GO_VERSION =~ ^1\.[0-9]+\.[0-9]+$ ]] || die "go.mod's go line ($GO_VERSION) is not a full release like 1.26.8"
case "$(uname -m)" in
  x86_64) GOARCH=amd64 ;;
  aarch64) GOARCH=arm64 ;;
  *) die "unsupported machine $(uname -m)" ;;
esac

# Extra CA certificates of this host (e.g. a proxy's): the bases trust them
# too, or HTTPS (PyPI, the module proxy) fails inside the build.
shopt -s nullglob
CAS=(/usr/local/share/ca-certificates/*.crt)
shopt -u nullglob

# The Debian recipe, spelled out for the hash (bump v1 when step 1 changes).
DEB_RECIPE="v1 debootstrap --variant=minbase --arch=$GOARCH --include=ca-certificates $SUITE $MIRROR"
DEB_HASH=$(echo "$DEB_RECIPE" | cat - ${CAS[@]+"${CAS[@]}"} | sha256sum | cut -c1-12)
DEBIAN_IMAGE=localhost/gokernel-standin-debian:$SUITE-$DEB_HASH
GO_HASH=$(echo "$DEBIAN_IMAGE $GO_VERSION" | cat - "$STANDIN/golang.Dockerfile" | sha256sum | cut -c1-12)
GO_IMAGE=localhost/gokernel-standin-golang:$GO_VERSION-$GO_HASH
NB_HASH=$(echo "$DEBIAN_IMAGE" | cat - "$STANDIN"/base-notebook.Dockerfile "$STANDIN"/fix-permissions "$STANDIN"/start.sh "$STANDIN"/start-notebook.py "$STANDIN"/jupyter_server_config.py | sha256sum | cut -c1-12)
BASE_IMAGE=localhost/gokernel-standin-base-notebook:$NB_HASH

have() { "${BUILDAH[@]}" inspect --type image "$1" >/dev/null 2>&1; }
mkdir -p "$WORK"

# 1. Debian, debootstrap'd, as an image.
t0=$SECONDS
if have "$DEBIAN_IMAGE"; then
  say "Debian base: cached $DEBIAN_IMAGE"
else
  rootfs=$WORK/rootfs-$DEB_HASH
  # A finished debootstrap (marked) is reused if the import below failed.
  if [ ! -e "$rootfs.done" ]; then
    rm -rf "$rootfs"
    say "Debian base: debootstrap $SUITE from $MIRROR (minutes) ..."
    debootstrap --variant=minbase --arch="$GOARCH" --include=ca-certificates "$SUITE" "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
      || { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log: $WORK/debootstrap.log)"; }
    touch "$rootfs.done"
  fi
  if [ ${#CAS[@]} -gt 0 ]; then
    cp ${CAS[@]+"${CAS[@]}"} "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null
  fi
  # As Docker's debian images: no recommends, apt caches cleaned.
  printf 'APT::Install-Recommends "false";\n' >"$rootfs/etc/apt/apt.conf.d/90gokernel-norecommends"
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/dev/* 2>/dev/null || true
  ctr=$("${BUILDAH[@]}" from scratch)
  mnt=$("${BUILDAH[@]}" mount "$ctr")
  cp -a "$rootfs"/. "$mnt"/
  "${BUILDAH[@]}" umount "$ctr" >/dev/null
  "${BUILDAH[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd /bin/bash --os linux --arch "$GOARCH" "$ctr"
  "${BUILDAH[@]}" commit --quiet "$ctr" "$DEBIAN_IMAGE" >/dev/null
  "${BUILDAH[@]}" rm "$ctr" >/dev/null
  rm -rf "$rootfs" "$rootfs.done"
  say "Debian base: built $DEBIAN_IMAGE in $((SECONDS - t0)) s"
fi

# 2. The golang stand-in: the toolchain module from the proxy as go/.
t0=$SECONDS
if have "$GO_IMAGE"; then
  say "golang base: cached $GO_IMAGE"
else
  mod=golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-$GOARCH
  dir=$(cd "$WORK" && go mod download -json "$mod" | awk -F'"' '$2 == "Dir" { print $4 }')
  [ -f "$dir/bin/go" ] || die "go mod download $mod gave no toolchain ($dir)"
  ctx=$WORK/ctx-golang
  rm -rf "$ctx" && mkdir -p "$ctx"
  cp -a "$dir" "$ctx/go"
  # The module zip keeps no modes: make the tree writable by its owner and,
  # as cmd/go does when it switches to a downloaded toolchain, bin/ and
  # pkg/tool/ executable.
  chmod -R u+w,a+rX "$ctx/go"
  chmod a+x "$ctx"/go/bin/* "$ctx"/go/pkg/tool/*/*
  "$ctx/go/bin/go" version >/dev/null || die "the toolchain from $mod does not run"
  say "golang base: building from $mod ..."
  "${BUILDAH[@]}" bud --isolation chroot --network host --pull=never \
    --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE" \
    -f "$STANDIN/golang.Dockerfile" -t "$GO_IMAGE" "$ctx" >"$WORK/golang-build.log" 2>&1 \
    || { tail -30 "$WORK/golang-build.log" >&2; die "golang stand-in build failed (log: $WORK/golang-build.log)"; }
  chmod -R u+w "$ctx" && rm -rf "$ctx"
  say "golang base: built $GO_IMAGE in $((SECONDS - t0)) s"
fi

# 3. The base-notebook stand-in.
t0=$SECONDS
if have "$BASE_IMAGE"; then
  say "base-notebook base: cached $BASE_IMAGE"
else
  say "base-notebook base: building (JupyterLab from PyPI) ..."
  "${BUILDAH[@]}" bud --isolation chroot --network host --pull=never \
    --build-arg DEBIAN_IMAGE="$DEBIAN_IMAGE" \
    -f "$STANDIN/base-notebook.Dockerfile" -t "$BASE_IMAGE" "$STANDIN" >"$WORK/base-notebook-build.log" 2>&1 \
    || { tail -30 "$WORK/base-notebook-build.log" >&2; die "base-notebook stand-in build failed (log: $WORK/base-notebook-build.log)"; }
  say "base-notebook base: built $BASE_IMAGE in $((SECONDS - t0)) s"
fi

out=$(printf 'GO_IMAGE=%s\nBASE_IMAGE=%s\n' "$GO_IMAGE" "$BASE_IMAGE")
echo "$out"
if [ -n "$ENV_FILE" ]; then echo "$out" >"$ENV_FILE"; fi
