#!/bin/sh
# /init of the violin test-bed guest (busybox initramfs, PID 1). Built in by build.sh.
#
# Kernel command line knobs:
#   wl=idle              do nothing (default)
#   wl=dirty:MB[:RATE]   rewrite MB of memory at RATE MB/s (0 or absent = max), /bin/dirty
#   wl=busy[:N]          N shell loops burning CPU (default 1)
#   nomod=MOD[,MOD...]   do not load these modules (e.g. nomod=virtio_balloon)
#   hb=SECONDS           heartbeat period on the console (default 5)
# Console (ttyS0) lines: "GUEST-READY ..." once userspace is up, "GUEST-ALIVE ..." every
# hb seconds, "GUEST-POWEROFF" on an ACPI power button press (virsh shutdown).
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp

WL=idle NOMOD= HB=5
for arg in $(cat /proc/cmdline); do
  case $arg in
    wl=*) WL=${arg#wl=} ;;
    nomod=*) NOMOD=${arg#nomod=} ;;
    hb=*) HB=${arg#hb=} ;;
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

balloon=no
[ -d /sys/bus/virtio/drivers/virtio_balloon ] && ls /sys/bus/virtio/drivers/virtio_balloon | grep -q virtio && balloon=yes
echo "GUEST-READY t=$(uptime_s) wl=$WL mem=$(meminfo MemTotal)kB cpus=$(grep -c ^processor /proc/cpuinfo) balloon=$balloon modules=$LOADED"

# PID 1 must never exit
while :; do
  sleep "$HB"
  echo "GUEST-ALIVE t=$(uptime_s) free=$(meminfo MemFree)kB"
done
