#!/bin/bash
# bed.sh - the violin multi-host test bed: N "hypervisor hosts" on this one machine,
# each a set of namespaces with its own sshd, virtlogd and libvirtd (QEMU/TCG).
#
#   bed.sh up N          (re)create hosts vbed1..vbedN (1..8); runs `down` first
#   bed.sh down          stop everything the bed started, delete its namespaces
#   bed.sh status        hosts, PIDs, domains
#   bed.sh exec I CMD..  run CMD inside host I (net + mount + UTS + cgroup namespaces)
#   bed.sh ssh I CMD..   ssh root@10.232.0.I from the machine with the client key
#
# State lives in $VIOLIN_BED (default /var/tmp/violin-bed). See README.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BED=${VIOLIN_BED:-/var/tmp/violin-bed}
NET=10.232.0
SW=vbed-sw               # netns holding the bridge
ROOT_IF=vbed-root        # veth from the machine's netns onto the bridge
ROOT_ADDR=$NET.254
MAX_HOSTS=8
V1_CONTROLLERS="cpu cpuacct cpuset memory devices freezer blkio pids"
CLIENT_SSH_OPTS=(-i "$BED/client/id_ed25519" -o "UserKnownHostsFile=$BED/client/known_hosts"
  -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes -o LogLevel=ERROR -o ConnectTimeout=5)

log() { echo "bed: $*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }

host_dir() { echo "$BED/h$1"; }
holder_pid() { cat "$BED/h$1/holder.pid" 2>/dev/null; }

# The holder is usable once it runs inside the host's own namespaces (its mount
# namespace differs from ours and host-init.sh reported ready); before that, nsenter
# would land in the machine's namespaces and talk to the wrong daemons.
holder_ready() {
  local i=$1 pid
  pid=$(holder_pid "$i") || return 1
  [ -n "$pid" ] && [ -f "$BED/h$i/ready" ] && [ -e "/proc/$pid/ns/mnt" ] || return 1
  [ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]
}

hexec() {  # hexec I CMD...
  local i=$1; shift
  holder_ready "$i" || die "host vbed$i is not up"
  nsenter -t "$(holder_pid "$i")" -n -m -u -C -- "$@"
}

cgroup_mode() { [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && echo v2 || echo v1; }
cgroup_dirs() {  # the cgroup directories of host I on the machine
  local i=$1 c
  if [ "$(cgroup_mode)" = v2 ]; then echo "/sys/fs/cgroup/vbed$i"; return; fi
  for c in $V1_CONTROLLERS; do echo "/sys/fs/cgroup/$c/vbed$i"; done
}

# ---- down ------------------------------------------------------------------------------

netns_inode() { stat -Lc %i "/run/netns/$1" 2>/dev/null; }

# PIDs of every live process whose network namespace has one of the given inodes (never
# the machine's own: those share our namespace, whose inode is never in the list)
pids_in_netns() {
  local root
  root=$(stat -Lc %i /proc/self/ns/net)
  { stat -Lc '%n %i' /proc/[0-9]*/ns/net 2>/dev/null || true; } |
    awk -v want=" $* " -v root="$root" '$2 != root && index(want, " " $2 " ") { split($1, p, "/"); print p[3] }'
}

alive() {  # not gone and not a zombie (this machine's PID 1 reaps orphans late)
  local s
  { read -r s < "/proc/$1/stat"; } 2>/dev/null || return 1
  s=${s##*) }
  [ "${s:0:1}" != Z ]
}

kill_and_wait() {  # kill_and_wait SECONDS PID...: TERM, wait, then KILL what is left
  local secs=$1; shift
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  local deadline=$(( $(date +%s%N) + secs * 1000000000 )) left
  while :; do
    left=()
    for p in "$@"; do alive "$p" && left+=("$p"); done
    [ ${#left[@]} -eq 0 ] && return 0
    [ "$(date +%s%N)" -ge "$deadline" ] && break
    sleep 0.05
  done
  kill -KILL "${left[@]}" 2>/dev/null || true
  sleep 0.1
}

remove_cgroup_tree() {  # leaf first
  local d=$1
  [ -d "$d" ] || return 0
  find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
}

down() {
  local i h inodes=() hosts=() ino pid
  # every host we may have made: host dirs and namespaces named vbedN
  for h in "$BED"/h[0-9]*; do [ -d "$h" ] && hosts+=("${h##*/h}"); done
  for h in $(ip netns list 2>/dev/null | awk '$1 ~ /^vbed[0-9]+$/ {print substr($1, 5)}'); do hosts+=("$h"); done
  mapfile -t hosts < <(printf '%s\n' "${hosts[@]}" | sort -un | sed '/^$/d')

  # 1. stop domains cleanly (all at once), so libvirt removes their cgroups and files
  local destroys=()
  for i in "${hosts[@]}"; do
    holder_ready "$i" 2>/dev/null || continue
    for d in $(timeout 10 nsenter -t "$(holder_pid "$i")" -n -m -u -C -- virsh -c qemu:///system list --name 2>/dev/null); do
      timeout 10 nsenter -t "$(holder_pid "$i")" -n -m -u -C -- virsh -c qemu:///system destroy "$d" >/dev/null 2>&1 &
      destroys+=($!)
    done
  done
  for pid in "${destroys[@]}"; do wait "$pid" || true; done

  # 2. every process in a bed network namespace: the daemons by their pid files first,
  #    then whatever else lives there (qemu, ssh sessions, the holder)
  for i in "${hosts[@]}"; do
    ino=$(netns_inode "vbed$i") && inodes+=("$ino")
    # a namespace already deleted whose processes survived (a down that was killed);
    # inode numbers are only meaningful within the boot that recorded them
    [ "$(cut -d' ' -f2 "$BED/h$i/netns.inode" 2>/dev/null)" = "$(cat /proc/sys/kernel/random/boot_id)" ] &&
      inodes+=("$(cut -d' ' -f1 "$BED/h$i/netns.inode")")
  done
  ino=$(netns_inode "$SW") && inodes+=("$ino")
  if [ ${#inodes[@]} -gt 0 ]; then
    local daemons=() rest=() inside
    inside=$(pids_in_netns "${inodes[@]}")
    for i in "${hosts[@]}"; do
      for f in sshd.pid libvirtd.pid virtlogd.pid; do
        pid=$(cat "$BED/h$i/run/$f" 2>/dev/null) || continue
        # only if that PID really is in one of our namespaces
        grep -qx "$pid" <<<"$inside" && daemons+=("$pid")
      done
    done
    kill_and_wait 3 "${daemons[@]}"
    mapfile -t rest < <(pids_in_netns "${inodes[@]}")
    kill_and_wait 3 "${rest[@]}"
    mapfile -t rest < <(pids_in_netns "${inodes[@]}")
    [ ${#rest[@]} -eq 0 ] || log "warning: processes still in bed namespaces: ${rest[*]}"
  fi

  # 3. namespaces, links, cgroups, files
  for i in "${hosts[@]}"; do
    ip netns del "vbed$i" 2>/dev/null || true
    for d in $(cgroup_dirs "$i"); do remove_cgroup_tree "$d"; done
    rm -f "$BED/h$i/holder.pid" "$BED/h$i/ready" "$BED/h$i/failed" "$BED/h$i/netns.inode"
    rm -rf "$BED/h$i/run"
  done
  ip link del "$ROOT_IF" 2>/dev/null || true
  ip netns del "$SW" 2>/dev/null || true
  # mount points up created on the machine (only if still empty)
  if [ -f "$BED/created-mountpoints" ]; then
    while read -r d; do rmdir "$d" 2>/dev/null || true; done < "$BED/created-mountpoints"
    rm -f "$BED/created-mountpoints"
  fi
  rm -f "$BED/hosts.json"
}

# ---- up --------------------------------------------------------------------------------

keygen() {  # keygen FILE COMMENT: ed25519 key without passphrase, kept across runs
  [ -s "$1" ] && [ -s "$1.pub" ] && return 0
  rm -f "$1" "$1.pub"
  ssh-keygen -q -t ed25519 -N '' -C "$2" -f "$1"
}

ensure_mountpoint() {  # directory on the machine that a host bind-mounts over
  [ -d "$1" ] && return 0
  mkdir -p "$1"
  echo "$1" >> "$BED/created-mountpoints"
}

prepare_files() {
  local n=$1 i h key
  mkdir -p "$BED/client" "$BED/root-ssh"
  chmod 700 "$BED/client" "$BED/root-ssh"
  keygen "$BED/client/id_ed25519" violin-bed-client
  keygen "$BED/root-ssh/id_ed25519" violin-bed-host
  cat "$BED/root-ssh/id_ed25519.pub" "$BED/client/id_ed25519.pub" > "$BED/root-ssh/authorized_keys"
  cat > "$BED/root-ssh/config" <<EOF
# violin test bed: host-to-host ssh (libvirt migration over qemu+ssh)
Host *
  IdentityFile /root/.ssh/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile /root/.ssh/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 5
  LogLevel ERROR
EOF
  : > "$BED/root-ssh/known_hosts"
  : > "$BED/client/known_hosts"
  { echo "127.0.0.1 localhost"; echo "$ROOT_ADDR vbed-client"; } > "$BED/etc-hosts"
  local json=''
  for i in $(seq "$n"); do
    h=$(host_dir "$i")
    keygen "$h/ssh_host_ed25519_key" "vbed$i"
    key=$(cut -d' ' -f1,2 "$h/ssh_host_ed25519_key.pub")
    echo "vbed$i,$NET.$i $key" >> "$BED/root-ssh/known_hosts"
    echo "$NET.$i $key" >> "$BED/client/known_hosts"
    echo "$NET.$i vbed$i" >> "$BED/etc-hosts"
    json+="${json:+,}{\"name\":\"vbed$i\",\"address\":\"$NET.$i\",\"index\":$i}"
  done
  chmod 600 "$BED/root-ssh/"* "$BED/client/"*
  chmod 644 "$BED/etc-hosts"
  echo "[$json]" > "$BED/hosts.json.tmp" && mv "$BED/hosts.json.tmp" "$BED/hosts.json"
  local m
  for m in /var/lib/violin /root/.ssh /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do ensure_mountpoint "$m"; done
  # libvirt's QEMU driver refuses to start unless its compiled-in user exists (made by
  # libvirt-daemon-system, which may not be installed): hosts see a private passwd/group
  cp /etc/passwd "$BED/etc-passwd"; cp /etc/group "$BED/etc-group"
  getent passwd libvirt-qemu >/dev/null ||
    echo "libvirt-qemu:x:64055:64055:Libvirt Qemu (violin bed):/var/lib/libvirt:/usr/sbin/nologin" >> "$BED/etc-passwd"
  getent group libvirt-qemu >/dev/null || echo "libvirt-qemu:x:64055:" >> "$BED/etc-group"
  getent group kvm >/dev/null || echo "kvm:x:64056:" >> "$BED/etc-group"
  chmod 644 "$BED/etc-passwd" "$BED/etc-group"
  cgroup_mode > "$BED/cgroup-mode"
  local ctrls=()
  for c in $V1_CONTROLLERS; do [ -d "/sys/fs/cgroup/$c" ] && ctrls+=("$c"); done
  echo "${ctrls[*]}" > "$BED/cgroup-controllers"
}

prepare_host() {
  local i=$1 h
  h=$(host_dir "$i")
  # fresh state; only the capability cache (/var/cache/libvirt) and keys survive a run
  rm -rf "$h/run" "$h/etc-libvirt" "$h/lib-libvirt" "$h/log-libvirt" "$h/violin"
  mkdir -p "$h/run" "$h/lib-libvirt/qemu" "$h/cache-libvirt" "$h/log-libvirt/qemu" \
    "$h/violin/console" "$h/violin/images"
  cp -a /etc/libvirt "$h/etc-libvirt"
  rm -f "$h/etc-libvirt/qemu/"*.xml "$h/etc-libvirt/qemu/autostart/"* \
    "$h/etc-libvirt/qemu/networks/autostart/"* 2>/dev/null || true
  # our settings win: drop the machine's own values of the keys set below
  touch "$h/etc-libvirt/libvirtd.conf" "$h/etc-libvirt/qemu.conf"
  sed -i -E '/^[[:space:]]*(host_uuid|host_uuid_source|log_outputs)[[:space:]]*=/d' "$h/etc-libvirt/libvirtd.conf"
  sed -i -E '/^[[:space:]]*(user|group|dynamic_ownership|remember_owner|security_driver)[[:space:]]*=/d' "$h/etc-libvirt/qemu.conf"
  cat >> "$h/etc-libvirt/libvirtd.conf" <<EOF

# violin test bed host vbed$i
host_uuid = "$(printf '5a1e0b3d-7c2f-4e8a-9d61-%012d' "$i")"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
  cat >> "$h/etc-libvirt/qemu.conf" <<EOF

# violin test bed: two daemons share kernel/initrd files, so never chown or label them
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
EOF
  cat > "$h/sshd_config" <<EOF
# violin test bed host vbed$i
ListenAddress $NET.$i
Port 22
HostKey $h/ssh_host_ed25519_key
PidFile /run/sshd.pid
AuthorizedKeysFile /root/.ssh/authorized_keys
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PrintMotd no
X11Forwarding no
UseDNS no
MaxStartups 100:30:200
MaxSessions 100
LogLevel ERROR
Subsystem sftp internal-sftp
# bash skips ~/.bashrc (this machine's runs pyenv init, ~200 ms a command)
SetEnv SHLVL=1
EOF
}

make_network() {
  local n=$1 i
  ip netns add "$SW"
  ip -n "$SW" link set lo up
  ip -n "$SW" link add br0 type bridge
  ip -n "$SW" link set br0 up
  # the machine itself joins the bridge (the violin client in tests)
  ip link add "$ROOT_IF" type veth peer name root0 netns "$SW"
  ip -n "$SW" link set root0 master br0 up
  ip addr add "$ROOT_ADDR/24" dev "$ROOT_IF"
  ip link set "$ROOT_IF" up
  for i in $(seq "$n"); do
    ip netns add "vbed$i"
    echo "$(netns_inode "vbed$i") $(cat /proc/sys/kernel/random/boot_id)" > "$(host_dir "$i")/netns.inode"
    ip link add "vbed$i-eth0" netns "vbed$i" type veth peer name "port$i" netns "$SW"
    ip -n "$SW" link set "port$i" master br0 up
    ip -n "vbed$i" link set "vbed$i-eth0" name eth0
    ip -n "vbed$i" addr add "$NET.$i/24" dev eth0
    ip -n "vbed$i" link set eth0 up
    ip -n "vbed$i" link set lo up
  done
}

make_cgroups() {
  local i=$1 d
  for d in $(cgroup_dirs "$i"); do
    [ -d "$(dirname "$d")" ] || continue
    mkdir -p "$d"
    case $d in
      */cpuset/*)  # a v1 cpuset group needs cpus and mems before it can hold tasks
        cat /sys/fs/cgroup/cpuset/cpuset.cpus > "$d/cpuset.cpus"
        cat /sys/fs/cgroup/cpuset/cpuset.mems > "$d/cpuset.mems" ;;
    esac
  done
  if [ "$(cgroup_mode)" = v2 ]; then  # let libvirt use the controllers below vbedI
    local ctl
    for ctl in $(cat /sys/fs/cgroup/cgroup.subtree_control); do
      echo "+$ctl" > "/sys/fs/cgroup/vbed$i/cgroup.subtree_control" 2>/dev/null || true
    done
  fi
}

build_holder() {  # $BED/bin/vbed-holder from holder.c, rebuilt when the source changes
  local sum
  sum=$(sha256sum "$HERE/holder.c" | cut -c1-16)
  [ -x "$BED/bin/vbed-holder" ] && [ "$(cat "$BED/bin/vbed-holder.sum" 2>/dev/null)" = "$sum" ] && return 0
  mkdir -p "$BED/bin"
  gcc -O2 -Wall -o "$BED/bin/vbed-holder.tmp" "$HERE/holder.c" || die "cannot compile holder.c (gcc)"
  mv "$BED/bin/vbed-holder.tmp" "$BED/bin/vbed-holder"
  echo "$sum" > "$BED/bin/vbed-holder.sum"
}

start_holder() {
  local i=$1 h dirs
  h=$(host_dir "$i")
  dirs=$(cgroup_dirs "$i" | tr '\n' ' ')
  # One PID from here to the end: vbed-holder (now a child subreaper) -> a bash that
  # moves itself into the host's cgroups -> ip netns exec -> unshare -> host-init.sh ->
  # vbed-holder. In a script without job control the background job is not a process
  # group leader, so setsid does not fork.
  setsid "$BED/bin/vbed-holder" exec bash -c '
    for d in '"$dirs"'; do
      if [ -f "$d/cgroup.procs" ]; then echo $$ > "$d/cgroup.procs"; fi
    done
    exec ip netns exec vbed'"$i"' unshare -m -u -C --propagation private \
      bash '"$HERE"'/host-init.sh '"$i"' '"$BED"'' \
    > "$h/init.log" 2>&1 < /dev/null 8>&- 9>&- &
  echo $! > "$h/holder.pid"
}

wait_host() {  # wait_host I TIMEOUT_S: holder in its namespaces, libvirtd answers, sshd accepts
  local i=$1 t=$2 deadline pid
  deadline=$(( $(date +%s) + t ))
  while ! holder_ready "$i"; do
    pid=$(holder_pid "$i")
    if [ -f "$BED/h$i/failed" ] || ! kill -0 "$pid" 2>/dev/null; then
      log "vbed$i: host-init failed: $(tail -5 "$BED/h$i/init.log" 2>/dev/null | tr '\n' ' ')"; return 1
    fi
    [ "$(date +%s)" -lt "$deadline" ] || { log "vbed$i: holder not ready after ${t}s"; return 1; }
    sleep 0.05
  done
  until [ "$(hexec "$i" virsh -c qemu:///system hostname 2>/dev/null)" = "vbed$i" ]; do
    pid=$(cat "$BED/h$i/run/libvirtd.pid" 2>/dev/null) && ! kill -0 "$pid" 2>/dev/null &&
      { log "vbed$i: libvirtd died: $(grep -m3 error "$BED/h$i/log-libvirt/libvirtd.log" | tr "\n" " ")"; return 1; }
    [ "$(date +%s)" -lt "$deadline" ] || { log "vbed$i: libvirtd does not answer after ${t}s"; return 1; }
    sleep 0.1
  done
  # the client key from the machine, and the bed key from this host to the next one
  local next=$(( i % N + 1 ))
  until ssh "${CLIENT_SSH_OPTS[@]}" "root@$NET.$i" true 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || { log "vbed$i: sshd refuses the client key after ${t}s"; return 1; }
    sleep 0.1
  done
  until [ "$(hexec "$i" ssh "vbed$next" hostname 2>/dev/null)" = "vbed$next" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { log "vbed$i: ssh vbed$i -> vbed$next fails after ${t}s"; return 1; }
    sleep 0.1
  done
}

host_line() {
  local i=$1 h
  h=$(host_dir "$i")
  echo "vbed$i $NET.$i holder=$(holder_pid "$i") libvirtd=$(cat "$h/run/libvirtd.pid") virtlogd=$(cat "$h/run/virtlogd.pid") sshd=$(cat "$h/run/sshd.pid")"
}

up() {
  N=${1:-}
  [[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] && [ "$N" -le $MAX_HOSTS ] || die "usage: bed.sh up N (1..$MAX_HOSTS)"
  [ "$(id -u)" = 0 ] || die "needs root"
  local t0 i
  t0=$(now)
  down
  mkdir -p "$BED"
  for i in $(seq "$N"); do mkdir -p "$(host_dir "$i")"; done
  build_holder
  prepare_files "$N"
  make_network "$N"
  for i in $(seq "$N"); do
    prepare_host "$i"
    make_cgroups "$i"
    start_holder "$i"
  done
  local pids=() failed=0
  for i in $(seq "$N"); do wait_host "$i" 60 & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  if [ $failed = 1 ]; then
    log "up failed; tearing down"
    down
    exit 1
  fi
  for i in $(seq "$N"); do host_line "$i"; done
  log "$N host(s) up in $(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}') s"
}

# ---- status ----------------------------------------------------------------------------

status() {
  local any=0 h i
  for h in "$BED"/h[0-9]*; do
    [ -d "$h" ] || continue
    i=${h##*/h}
    if holder_ready "$i" 2>/dev/null; then
      any=1
      host_line "$i"
      hexec "$i" virsh -c qemu:///system list --all | sed -n '3,$p' | sed '/^$/d; s/^/    /'
    elif ip netns list | grep -qx "vbed$i\( .*\)\?"; then
      any=1; echo "vbed$i: namespace exists but host is not running"
    fi
  done
  ip link show "$ROOT_IF" >/dev/null 2>&1 && echo "$ROOT_IF $ROOT_ADDR/24 (machine -> bridge)"
  [ $any = 1 ] || echo "bed is down"
}

# ---- main ------------------------------------------------------------------------------

with_lock() {  # up/down must not interleave (two test runs, a benchmark)
  mkdir -p "$BED"
  exec 8>"$BED/.bed.lock"
  flock -w 300 8 || die "another bed.sh holds $BED/.bed.lock"
  "$@"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
  up) with_lock up "$@" ;;
  down) with_lock down; echo "bed: down" >&2 ;;
  status) status ;;
  exec)
    [ $# -ge 2 ] || die "usage: bed.sh exec I CMD..."
    i=$1; shift; hexec "$i" "$@" ;;
  ssh)
    [ $# -ge 1 ] || die "usage: bed.sh ssh I [CMD...]"
    i=$1; shift; exec ssh "${CLIENT_SSH_OPTS[@]}" "root@$NET.$i" "$@" ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
