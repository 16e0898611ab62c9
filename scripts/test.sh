#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs the Debian packages the
# integration tests drive (real virsh, sshd, ssh-keygen, man; libvirtd, QEMU and the
# tools of the multi-host test bed in test/bed), the npm dependencies, builds (manifest,
# completions, man pages), then runs mocha.
# Set VIOLIN_REQUIRE_INTEGRATION=1 (CI does) to make a test that cannot run fail instead of skip.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v virsh >/dev/null || missing+=(libvirt-clients)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v parallel-ssh >/dev/null || missing+=(pssh)
command -v man >/dev/null || missing+=(man-db)
command -v groff >/dev/null || missing+=(groff-base)
command -v zsh >/dev/null || missing+=(zsh)
command -v fish >/dev/null || missing+=(fish)
# violin top's tests type keys into it on a terminal and read the screen (test/cli/top-tmux.test.ts)
command -v tmux >/dev/null || missing+=(tmux)
# the test bed (test/bed/README.md): hosts in namespaces, each with libvirtd + QEMU/TCG
[ -x /usr/sbin/libvirtd ] || missing+=(libvirt-daemon)
[ -e /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ] || missing+=(libvirt-daemon-driver-qemu)
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
command -v qemu-img >/dev/null || missing+=(qemu-utils)
[ -x /bin/busybox ] && /bin/busybox --list | grep -qx insmod || missing+=(busybox-static)
command -v gcc >/dev/null || missing+=(gcc)
[ -e /usr/include/stdio.h ] || missing+=(libc6-dev)
command -v xz >/dev/null || missing+=(xz-utils)
command -v ip >/dev/null || missing+=(iproute2)
command -v nsenter >/dev/null || missing+=(util-linux)
# the switch mesh tests (test/mesh): test VMs are namespaces with a TAP bridged by socat
command -v socat >/dev/null || missing+=(socat)
command -v ping >/dev/null || missing+=(iputils-ping)
command -v iperf3 >/dev/null || missing+=(iperf3)
command -v ethtool >/dev/null || missing+=(ethtool)
command -v tcpdump >/dev/null || missing+=(tcpdump)
command -v bridge >/dev/null || missing+=(iproute2)
# the kernel data plane's traffic matrix: nftables counters (src/mesh/kernel-traffic.ts)
command -v nft >/dev/null || missing+=(nftables)
# the shared store (test/store): a real etcd cluster on loopback, TLS certificates by openssl
command -v etcd >/dev/null || missing+=(etcd-server)
command -v etcdctl >/dev/null || missing+=(etcd-client)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

npm ci --no-audit --no-fund
npm run build

status=0
# The formatter, the linter (import cycles included) and the type checker; the tests run either way.
lint=ok
npm run lint -- --colors=off || { lint=failed; status=1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ $# -eq 0 ]; then set -- "test/**/*.test.ts"; fi
npx mocha "$@" 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo '^ +[0-9]+ passing' "$log" | grep -Eo '[0-9]+' | tail -1 || true)
failed=$(grep -Eo '^ +[0-9]+ failing' "$log" | grep -Eo '[0-9]+' | tail -1 || true)
pending=$(grep -Eo '^ +[0-9]+ pending' "$log" | grep -Eo '[0-9]+' | tail -1 || true)
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${pending:-0} skipped; lint: $lint"
exit "$status"
