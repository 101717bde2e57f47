#!/bin/sh
# Builds a small dock0-style machine from Debian's packages only:
#   OUT/vmlinuz     Debian's kernel (linux-image-amd64), copied from /boot
#   OUT/initrd.img  busybox-static + the kernel modules to reach an ext4 root
#                   on virtio and the ACPI power button; its /init mounts the
#                   root read-only, moves /dev over and switch_roots to
#                   /sbin/init
#   OUT/root.img    ext4 (mke2fs -d, no loop mount): dist/tsinit as /sbin/init,
#                   the shared libraries it needs, busybox for run scripts and
#                   the service tree as /etc/s6
#   OUT/cmdline     the kernel command line it needs
#
# usage: image/build.sh [--services DIR] [--out DIR] [--tsinit FILE] [--size MiB]
#   --services DIR  an /etc/s6 tree (env/, task/, service/; default image/example-s6)
#   --out DIR       where to write (default dist/image)
#   --tsinit FILE   the init (default dist/tsinit)
#   --hostname NAME (default dock0)
#   --size MiB      root.img size (default: contents + 64 MiB)
#   --extra DIR     copied over the root last (its files replace the builder's:
#                   another /sbin/init, an /etc/inittab, ...)
# The embedded tree is checked with tsinit check (inside the finished root);
# an error there stops the build.
# Missing tools (qemu aside) are installed with apt-get when run as root.
# Environment: KVER picks the kernel version (default: newest in /lib/modules with a /boot/vmlinuz).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
services="$here/example-s6"
out="$repo/dist/image"
tsinit="$repo/dist/tsinit"
hostname=dock0
size=
extra=

while [ $# -gt 0 ]; do
  case "$1" in
    --services) services=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --tsinit) tsinit=$2; shift 2 ;;
    --hostname) hostname=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --extra) extra=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "image/build.sh: unknown argument: $1" >&2; exit 100 ;;
  esac
done

say() { echo "image: $*" >&2; }
die() { echo "image/build.sh: $*" >&2; exit 111; }

[ -x "$tsinit" ] || die "$tsinit is missing: run npm run build first"
[ -d "$services" ] || die "no service tree at $services"

# --- packages -----------------------------------------------------------------
need=
command -v mke2fs >/dev/null 2>&1 || need="$need e2fsprogs"
command -v cpio >/dev/null 2>&1 || need="$need cpio"
# busybox-static: the initrd and the root have no libc of their own for busybox.
if ! { [ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q 'statically linked'; }; then
  need="$need busybox-static"
  command -v file >/dev/null 2>&1 || need="$need file"
fi
ls /boot/vmlinuz-* >/dev/null 2>&1 || need="$need linux-image-amd64"
if [ -n "$need" ]; then
  [ "$(id -u)" = 0 ] || die "missing packages:$need (run as root to install them)"
  say "installing$need"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
file -L /bin/busybox | grep -q 'statically linked' || die "/bin/busybox is not static: apt-get install busybox-static"
busybox=/bin/busybox

# --- kernel -------------------------------------------------------------------
if [ -z "${KVER:-}" ]; then
  for v in $(ls /lib/modules 2>/dev/null | sort -V); do
    [ -f "/boot/vmlinuz-$v" ] && KVER=$v
  done
fi
[ -n "${KVER:-}" ] && [ -f "/boot/vmlinuz-$KVER" ] || die "no kernel with modules found (/boot/vmlinuz-*, /lib/modules/*)"
moddir=/lib/modules/$KVER
[ -r "/boot/vmlinuz-$KVER" ] || die "/boot/vmlinuz-$KVER is not readable (run as root)"

mkdir -p "$out"
work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp "/boot/vmlinuz-$KVER" "$out/vmlinuz.new" && mv "$out/vmlinuz.new" "$out/vmlinuz"

# --- initrd -------------------------------------------------------------------
# Load order (boot-anchors.md); each module's modules.dep line comes first.
# crc32c_generic is not in ext4's line, but mke2fs turns metadata checksums on.
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk crc32c_generic jbd2 mbcache crc16 ext4 button evdev"
ird=$work/initrd
mkdir -p "$ird/bin" "$ird/dev" "$ird/proc" "$ird/sys" "$ird/newroot" "$ird/lib/modules"
cp "$busybox" "$ird/bin/busybox"
for a in sh mount umount mkdir insmod switch_root sleep cat echo cut; do ln -s busybox "$ird/bin/$a"; done
# The kernel opens /dev/console for /init: have the node even without its built-in initramfs.
[ "$(id -u)" = 0 ] && mknod -m 600 "$ird/dev/console" c 5 1

modpath() { # module name -> path relative to $moddir, from modules.dep
  awk -v m="$1" -F: '{ n = $1; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n); gsub(/-/, "_", n); if (n == m) { print $1; exit } }' "$moddir/modules.dep"
}
deps() { # relative path -> its dependencies, nearest last (modules.dep order reversed)
  awk -v p="$1" -F': *' '$1 == p { n = split($2, d, " "); for (i = n; i >= 1; i--) print d[i]; exit }' "$moddir/modules.dep"
}
order=$ird/lib/modules/order
: > "$order"
add() { # relative path, after its dependencies
  grep -qx "$1" "$work/seen" 2>/dev/null && return 0
  echo "$1" >> "$work/seen"
  for d in $(deps "$1"); do add "$d"; done
  base=$(basename "$1"); name=${base%%.ko*}.ko
  case "$base" in
    *.ko) cp "$moddir/$1" "$ird/lib/modules/$name" ;;
    *.ko.xz) xz -dc "$moddir/$1" > "$ird/lib/modules/$name" ;;
    *.ko.zst) zstd -qdc "$moddir/$1" > "$ird/lib/modules/$name" ;;
    *.ko.gz) gzip -dc "$moddir/$1" > "$ird/lib/modules/$name" ;;
    *) die "unknown module format: $1" ;;
  esac
  echo "$name" >> "$order"
}
for m in $MODULES; do
  p=$(modpath "$m")
  if [ -z "$p" ]; then
    grep -Eq "/$m\.ko" "$moddir/modules.builtin" 2>/dev/null || say "warning: module $m not found for $KVER"
    continue
  fi
  add "$p"
done

cat > "$ird/init" <<'INIT'
#!/bin/sh
# initrd stage: mount the root disk read-only and hand over to its /sbin/init.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/order); do
  insmod "/lib/modules/$m" 2>/dev/null || echo "initrd: insmod $m failed"
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if ! mount -t ext4 -o ro /dev/vda /newroot; then
  echo "initrd: unable to mount /dev/vda: powering off"
  exec sh -c 'echo o > /proc/sysrq-trigger'
fi
echo "initrd: switch_root to /sbin/init at $(cut -d' ' -f1 /proc/uptime) s"
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init "$@"
INIT
chmod 755 "$ird/init"
(cd "$ird" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 > "$out/initrd.img.new"
mv "$out/initrd.img.new" "$out/initrd.img"
say "initrd.img: $(wc -l < "$order") modules from $KVER, $(du -k "$out/initrd.img" | cut -f1) KiB"

# --- root filesystem ----------------------------------------------------------
root=$work/root
mkdir -p "$root/sbin" "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/tmp" "$root/root"
chmod 1777 "$root/tmp"
cp "$tsinit" "$root/sbin/init"
for l in poweroff reboot halt; do ln -s init "$root/sbin/$l"; done
ln -s ../sbin/init "$root/bin/tsinit"
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list); do
  case "$a" in busybox|init|linuxrc|poweroff|reboot|halt|switch_root|tsinit) continue ;; esac
  ln -s busybox "$root/bin/$a"
done
# Shared libraries of the binary and of its addon (dlopen'ed at boot), at the
# paths ldd reports, the dynamic loader included.
libs=$(ldd "$tsinit" | awk '/=> \//{ print $3 } /^\t\//{ print $1 }')
[ -f "$repo/build/Release/tsinit.node" ] && libs="$libs $(ldd "$repo/build/Release/tsinit.node" | awk '/=> \//{ print $3 } /^\t\//{ print $1 }')"
for lib in $(printf '%s\n' $libs | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
echo "$hostname" > "$root/etc/hostname"
mkdir -p "$root/etc/s6"
cp -a "$services/." "$root/etc/s6/"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
if [ -n "$extra" ]; then
  [ -d "$extra" ] || die "no directory at $extra"
  cp -a --remove-destination "$extra/." "$root/"
fi

# The tree as this image will boot it, checked inside the root (its /bin/sh,
# its /etc/passwd, symlinks followed in it): an error stops the build here
# rather than a service at boot. Warnings are shown and the build goes on.
rc=0
"$tsinit" check --root "$root" /etc/s6 >&2 || rc=$?
case $rc in
  0) ;;
  1) die "the service tree from $services has errors (listed above): fix them and build again" ;;
  *) die "tsinit check failed ($rc) on $root/etc/s6" ;;
esac

kib=$(du -sk "$root" | cut -f1)
[ -n "$size" ] || size=$(( kib / 1024 + 64 ))
rm -f "$out/root.img.new"; : > "$out/root.img.new"
mke2fs -q -t ext4 -L root -E root_owner=0:0 -d "$root" "$out/root.img.new" "${size}M" || die "mke2fs failed"
mv "$out/root.img.new" "$out/root.img"
say "root.img: ${size} MiB ext4, $(( kib / 1024 )) MiB used, services from $services"

# --- kernel command line -------------------------------------------------------
# console on the first serial port; quiet keeps kernel messages to warnings;
# panic=-1 reboots at once on a panic (qemu -no-reboot then exits).
echo "console=ttyS0 quiet panic=-1" > "$out/cmdline"
say "wrote $out/vmlinuz initrd.img root.img cmdline"
