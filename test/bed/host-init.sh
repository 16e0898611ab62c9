#!/bin/bash
# host-init.sh I BED - boot one test-bed host. bed.sh runs it as the host's holder
# process, already inside the host's network namespace (ip netns exec vbedI) and fresh
# mount + UTS + cgroup namespaces (unshare -m -u -C): it builds the host's private view
# of the file system, starts virtlogd, libvirtd and sshd, writes $BED/hI/ready and then
# becomes vbed-holder (holder.c), keeping the namespaces alive under the same PID.
set -euo pipefail
I=$1 BED=$2
H=$BED/h$I
trap 'echo "host-init vbed$I failed at line $LINENO" >&2; touch "$H/failed"' ERR

hostname "vbed$I"

# cgroups: `ip netns exec` mounted a fresh /sys, which hides the machine's cgroup
# mounts. Mount them again: inside this cgroup namespace their root is the host's own
# subtree (/vbedI), so two libvirtds never share machine cgroups.
if [ "$(cat "$BED/cgroup-mode")" = v2 ]; then
  mount -t cgroup2 cgroup2 /sys/fs/cgroup
else
  mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup
  for c in $(cat "$BED/cgroup-controllers"); do
    mkdir -p "/sys/fs/cgroup/$c"
    mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"
  done
  mkdir -p /sys/fs/cgroup/systemd
  mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd || true
fi

# private directories (everything else, /var/tmp included, is shared with the machine)
mount --bind "$H/run" /run
mkdir -p /run/libvirt /run/lock /run/sshd
chmod 755 /run/sshd
mount --bind "$H/etc-libvirt" /etc/libvirt
mount --bind "$H/lib-libvirt" /var/lib/libvirt
mount --bind "$H/cache-libvirt" /var/cache/libvirt
mount --bind "$H/log-libvirt" /var/log/libvirt
mount --bind "$H/violin" /var/lib/violin
mount --bind "$BED/root-ssh" /root/.ssh
mount --bind "$BED/etc-hosts" /etc/hosts
mount --bind "$BED/etc-passwd" /etc/passwd
mount --bind "$BED/etc-group" /etc/group

virtlogd -d
libvirtd -d
/usr/sbin/sshd -f "$H/sshd_config" -E "$H/sshd.log"

touch "$H/ready"
# become the holder: keeps the namespaces alive under this PID and reaps orphans
exec "$BED/bin/vbed-holder"
