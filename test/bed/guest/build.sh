#!/bin/bash
# build.sh - build the violin test-bed guest: a Debian kernel (downloaded with
# `apt-get download`, unpacked with `dpkg -x`, never installed) and a tiny busybox
# initramfs whose /init (init.sh) loads the virtio/balloon/net/ACPI-button modules,
# runs acpid, configures eth0 and a workload chosen on the kernel command line (see init.sh).
#
# Output, in $VIOLIN_BED/guest (default /var/tmp/violin-bed/guest):
#   vmlinux     uncompressed kernel (QEMU boots it via PVH: ~2x faster under TCG)
#   vmlinuz     the same kernel as shipped
#   initrd.gz   busybox initramfs (~1.6 MB)
# Idempotent: the kernel is fetched once; the initrd is rebuilt only when the checksum
# of its inputs (this script, init.sh, dirty.c, busybox, kernel) changes.
# Needs: apt-get, dpkg, xz, busybox-static, gcc + libc6-dev (static libc).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BED=${VIOLIN_BED:-/var/tmp/violin-bed}
OUT=$BED/guest
BUSYBOX=${BUSYBOX:-$(command -v busybox || true)}
# modules the guest loads (their dependencies are added, in load order)
MODULES="virtio_pci virtio_balloon virtio_net evdev button"

log() { echo "guest: $*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$OUT"
exec 9>"$OUT/.lock"
flock -w 600 9 || die "another build holds $OUT/.lock"

# ---- 1. kernel ------------------------------------------------------------------
fetch_kernel() {
  local pkg deb
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  if [ -z "$pkg" ]; then
    log "linux-image-amd64 unknown to apt, running apt-get update"
    apt-get update -qq >&2
    pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  fi
  [ -n "$pkg" ] || die "cannot resolve the kernel package of linux-image-amd64"
  log "downloading $pkg"
  rm -rf "$OUT/debs" && mkdir -p "$OUT/debs"
  # apt's _apt user cannot write here: the download runs as root (apt warns, harmless)
  if ! (cd "$OUT/debs" && apt-get download -q "$pkg" >&2); then
    log "download failed, running apt-get update and retrying"
    apt-get update -qq >&2
    (cd "$OUT/debs" && apt-get download -q "$pkg" >&2) || die "apt-get download $pkg failed"
  fi
  deb=$(ls "$OUT/debs/${pkg}"_*.deb)
  rm -rf "$OUT/kernel.tmp" "$OUT/kernel"
  dpkg -x "$deb" "$OUT/kernel.tmp"
  mv "$OUT/kernel.tmp" "$OUT/kernel"
  rm -rf "$OUT/debs"
  cp "$OUT/kernel/boot/vmlinuz-"* "$OUT/vmlinuz.tmp" && mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
  rm -f "$OUT/vmlinux"
}

extract_vmlinux() {
  # bzImage = setup code + xz stream of the ELF kernel: decompress from the first xz magic
  local off
  off=$(LC_ALL=C grep -m1 -obUaP '\xfd7zXZ\x00' "$OUT/vmlinuz" | head -1 | cut -d: -f1)
  [ -n "$off" ] || die "no xz stream in vmlinuz (kernel compressed differently?)"
  # not a pipeline: tail gets SIGPIPE when xz stops after the first stream
  xz -dc --single-stream < <(tail -c +$((off + 1)) "$OUT/vmlinuz") > "$OUT/vmlinux.tmp"
  [ "$(head -c 4 "$OUT/vmlinux.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] || die "extracted vmlinux is not ELF"
  mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
}

if ! ls "$OUT"/kernel/lib/modules/*/kernel >/dev/null 2>&1 || [ ! -s "$OUT/vmlinuz" ]; then
  fetch_kernel
fi
[ -s "$OUT/vmlinux" ] || extract_vmlinux
KMOD=$(echo "$OUT"/kernel/lib/modules/*)
KVER=$(basename "$KMOD")

# ---- 2. initramfs -----------------------------------------------------------------
[ -n "$BUSYBOX" ] || die "busybox not found (apt-get install busybox-static)"
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' ||
  ldd "$BUSYBOX" 2>&1 | grep -q 'not a dynamic' || die "$BUSYBOX is not static (apt-get install busybox-static)"
command -v gcc >/dev/null || die "gcc not found (apt-get install gcc libc6-dev)"

SUM=$( { cat "$HERE/build.sh" "$HERE/init.sh" "$HERE/dirty.c"; sha256sum "$BUSYBOX"; echo "$KVER $MODULES"; } | sha256sum | cut -c1-16)
if [ -s "$OUT/initrd.gz" ] && [ "$(cat "$OUT/initrd.sum" 2>/dev/null)" = "$SUM" ]; then
  log "up to date ($KVER, initrd $SUM)"
  exit 0
fi
log "building initrd ($KVER, $SUM)"

# module name -> .ko path, and dependency-ordered load list (no depmod needed:
# each .ko's .modinfo section names its dependencies)
declare -A KO
while IFS= read -r f; do
  n=$(basename "$f" .ko); KO[${n//-/_}]=$f
done < <(find "$KMOD/kernel/drivers" "$KMOD/kernel/net" -name '*.ko')  # failover: net/core
ORDER=()
declare -A SEEN
add_module() {
  local m=$1 deps d
  [ -n "${SEEN[$m]:-}" ] && return 0
  SEEN[$m]=1
  [ -n "${KO[$m]:-}" ] || die "module $m not in $KVER"
  deps=$(tr '\0' '\n' < "${KO[$m]}" | sed -n 's/^depends=//p' | head -1)
  for d in ${deps//,/ }; do add_module "$d"; done
  ORDER+=("$m")
}
for m in $MODULES; do add_module "$m"; done

ROOT=$(mktemp -d "$OUT/root.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{bin,proc,sys,dev,tmp,etc/acpi/PWRF,lib/modules}
cp "$BUSYBOX" "$ROOT/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$ROOT/bin/$applet"
done
for m in "${ORDER[@]}"; do cp "${KO[$m]}" "$ROOT/lib/modules/$m.ko"; done
printf '%s\n' "${ORDER[@]}" > "$ROOT/etc/modules.order"
gcc -O2 -Wall -static -o "$ROOT/bin/dirty" "$HERE/dirty.c"
strip "$ROOT/bin/dirty" 2>/dev/null || true
# busybox acpid: power button event -> /etc/acpi/PWRF/00000080
echo 'PWRF PWRF/00000080' > "$ROOT/etc/acpid.conf"
printf '#!/bin/sh\necho GUEST-POWEROFF > /dev/console\npoweroff -f\n' > "$ROOT/etc/acpi/PWRF/00000080"
chmod +x "$ROOT/etc/acpi/PWRF/00000080"
cp "$HERE/init.sh" "$ROOT/init" && chmod +x "$ROOT/init"
mkfifo "$ROOT/etc/tick"  # ping= ticker: 'read -t 1' on it sleeps without forking sleep(1)
(cd "$ROOT" && find . | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1 > "$OUT/initrd.gz.tmp")
mv "$OUT/initrd.gz.tmp" "$OUT/initrd.gz"
echo "$SUM" > "$OUT/initrd.sum"
log "built $OUT/initrd.gz ($(du -k "$OUT/initrd.gz" | cut -f1) kB, modules: ${ORDER[*]})"
