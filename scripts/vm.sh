#!/bin/sh
# Boots dist/image (npm run image) in qemu: console on stdio, QMP on a unix socket.
#
# usage: scripts/vm.sh [--kvm] [--image DIR] [--qmp PATH] [--append "ARGS"] [-- QEMU-ARGS...]
#   --kvm          use KVM (default: software emulation, -accel tcg: on these
#                  machines /dev/kvm may open while a KVM guest hangs at "Booting from ROM")
#   --image DIR    the image (default dist/image)
#   --qmp PATH     QMP socket (default DIR/qmp.sock)
#   --append ARGS  more kernel command line (after DIR/cmdline)
# Inside: Ctrl-A x quits qemu, Ctrl-A c switches to qemu's monitor
# (`system_powerdown` presses the ACPI power button). From another terminal:
#   node scripts/qmp.mjs dist/image/qmp.sock system_powerdown
set -eu
here=$(cd "$(dirname "$0")" && pwd)
image="$(dirname "$here")/dist/image"
accel=tcg
qmp=
append=
while [ $# -gt 0 ]; do
  case "$1" in
    --kvm) accel=kvm; shift ;;
    --image) image=$2; shift 2 ;;
    --qmp) qmp=$2; shift 2 ;;
    --append) append=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "vm: unknown argument: $1 (qemu arguments go after --)" >&2; exit 100 ;;
  esac
done
for f in vmlinuz initrd.img root.img cmdline; do
  [ -f "$image/$f" ] || { echo "vm: $image/$f is missing: run npm run image" >&2; exit 111; }
done
command -v qemu-system-x86_64 >/dev/null || { echo "vm: qemu-system-x86_64 is missing: apt-get install qemu-system-x86" >&2; exit 111; }
[ -n "$qmp" ] || qmp="$image/qmp.sock"
rm -f "$qmp"
echo "vm: booting $image ($accel), QMP on $qmp; Ctrl-A x quits" >&2
exec qemu-system-x86_64 \
  -accel "$accel" -m 1024 -smp 1 -nographic -no-reboot \
  -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
  -append "$(cat "$image/cmdline") $append" \
  -drive "file=$image/root.img,if=virtio,format=raw,readonly=on" \
  -nic none \
  -qmp "unix:$qmp,server=on,wait=off" \
  "$@"
