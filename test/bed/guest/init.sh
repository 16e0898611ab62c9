#!/bin/sh
# /init of the violin test-bed guest (busybox initramfs, PID 1). Built in by build.sh.
#
# Kernel command line knobs:
#   wl=idle              do nothing (default)
#   wl=dirty:MB[:RATE]   rewrite MB of memory at RATE MB/s (0 or absent = max), /bin/dirty
#   wl=busy[:N]          N shell loops burning CPU (default 1)
#   nomod=MOD[,MOD...]   do not load these modules (e.g. nomod=virtio_balloon)
#   hb=SECONDS           heartbeat period on the console (default 5)
#   ip4=ADDR/PREFIX      bring up eth0 (first virtio NIC) with this address (default: no network)
#   mtu=N                eth0's MTU (with ip4=; default: the NIC's)
#   ping=IP[:MS]         (any wl=) ping IP every MS ms (default 200), "PING-STATS ..." every ~1 s
#   serve=PORT           (any wl=) TCP echo server on PORT (busybox nc -ll -e cat), one per connection
# Console (ttyS0) lines: "GUEST-NET eth0 ..." once eth0 is configured, "GUEST-READY ..." once
# userspace is up, "GUEST-ALIVE ..." every hb seconds, "GUEST-POWEROFF" on an ACPI power
# button press (virsh shutdown), "PING-STATS sent=N received=M lost_streak_max=K" every ~1 s
# with ping=.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp

WL=idle NOMOD= HB=5 IP4= MTU= PING= SERVE= NET=
for arg in $(cat /proc/cmdline); do
  case $arg in
    wl=*) WL=${arg#wl=} ;;
    nomod=*) NOMOD=${arg#nomod=} ;;
    hb=*) HB=${arg#hb=} ;;
    ip4=*) IP4=${arg#ip4=} ;;
    mtu=*) MTU=${arg#mtu=} ;;
    ping=*) PING=${arg#ping=} ;;
    serve=*) SERVE=${arg#serve=} ;;
  esac
done

# modules, in dependency order (written by build.sh)
LOADED=
for m in $(cat /etc/modules.order); do
  case ",$NOMOD," in *",$m,"*) continue ;; esac
  insmod "/lib/modules/$m.ko" 2>/dev/null && LOADED="$LOADED${LOADED:+,}$m"
done

# ACPI power button -> clean poweroff, so 'virsh shutdown' works
acpid -c /etc/acpi -a /etc/acpid.conf -l /dev/null -p /tmp/acpid.pid

uptime_s() { cut -d' ' -f1 /proc/uptime; }
meminfo() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }

# network: eth0 only with ip4= (virtio_net probes synchronously in insmod: eth0 exists now;
# lo stays down: nothing here talks to itself, and each busybox ip costs ~25 ms under TCG)
if [ -n "$IP4" ]; then
  if [ -d /sys/class/net/eth0 ]; then
    if ip link set eth0 ${MTU:+mtu "$MTU"} up && ip addr add "$IP4" dev eth0; then
      read -r mac < /sys/class/net/eth0/address
      read -r mtu < /sys/class/net/eth0/mtu
      echo "GUEST-NET eth0 mac=$mac ip=$IP4 mtu=$mtu"
      NET=up
    else
      echo "GUEST-WARNING cannot configure eth0 ip4=$IP4 mtu=$MTU"
    fi
  else
    echo "GUEST-WARNING ip4=$IP4 but no eth0 (no virtio NIC, or nomod=virtio_net?)"
  fi
fi

# ping=IP[:MS]: one long-running busybox ping (prints a line per reply, none per loss).
# lost_streak_max = largest gap in the reply seq numbers (losses before the first reply do
# not count: the peer may boot later); sent = the kernel's Icmp OutEchos (nothing else
# sends echo requests here). A ticker line every second makes awk print the summary.
# Cost under TCG at 200 ms: ~2% of a host CPU more than an idle guest (3% vs 1%).
ping_stats() {
  target=${1%%:*} ms=${1#"$target"}; ms=${ms#:}; ms=${ms:-200}
  {
    while :; do
      ping -i "$((ms / 1000)).$(printf %03d $((ms % 1000)))" "$target" 2>/dev/null
      echo RESTART; sleep 1
    done &
    # ticker without a fork per tick: read with timeout on a fifo nobody writes to
    exec 3<>/etc/tick
    while :; do read -t 1 _ <&3; echo TICK; done
  } | awk '
    function out_echos(  l, h, v, n, i) {
      while ((getline l < "/proc/net/snmp") > 0)
        if (l ~ /^Icmp: [A-Z]/) h = l; else if (l ~ /^Icmp: [0-9]/) v = l
      close("/proc/net/snmp")
      n = split(h, H); split(v, V)
      for (i = 2; i <= n; i++) if (H[i] == "OutEchos") return V[i]
      return 0
    }
    BEGIN { last = -1 }
    / seq=/ {
      if (/DUP/) next
      s = $0; sub(/.* seq=/, "", s); sub(/ .*/, "", s); s += 0
      received++
      if (last < 0) { last = s; next }
      gap = (s - last - 1 + 65536) % 65536   # seq is 16 bits
      if (gap >= 32768) next                 # late reply, older than the last one
      if (gap > max) max = gap
      last = s
      next
    }
    /^RESTART/ { last = -1; print "PING-WARNING ping exited, restarting"; fflush(); next }
    /^TICK/ { printf "PING-STATS sent=%d received=%d lost_streak_max=%d\n", out_echos(), received, max; fflush() }'
}

case $WL in
  idle) ;;
  dirty|dirty:*)
    IFS=: read -r _ MB RATE <<ARGS
$WL
ARGS
    /bin/dirty "${MB:-64}" "${RATE:-0}" &
    ;;
  busy|busy:*)
    N=${WL#busy}; N=${N#:}
    i=0
    while [ "$i" -lt "${N:-1}" ]; do
      sh -c 'while :; do :; done' &
      i=$((i + 1))
    done
    ;;
  *) echo "GUEST-WARNING unknown workload wl=$WL, idling" ;;
esac
if [ -n "$PING" ]; then
  if [ "$NET" = up ]; then ping_stats "$PING" & else echo "GUEST-WARNING ping=$PING needs ip4=, not pinging"; fi
fi
[ -n "$SERVE" ] && nc -ll -p "$SERVE" -e /bin/cat &

balloon=no
[ -d /sys/bus/virtio/drivers/virtio_balloon ] && ls /sys/bus/virtio/drivers/virtio_balloon | grep -q virtio && balloon=yes
echo "GUEST-READY t=$(uptime_s) wl=$WL mem=$(meminfo MemTotal)kB cpus=$(grep -c ^processor /proc/cpuinfo) balloon=$balloon modules=$LOADED"

# PID 1 must never exit
while :; do
  sleep "$HB"
  echo "GUEST-ALIVE t=$(uptime_s) free=$(meminfo MemFree)kB"
done
