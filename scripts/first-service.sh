#!/bin/sh
# README's "A first service", run for real inside an image made by
# `tsinit install`: a root with the host's loader and the libraries
# dist/tsinit needs, busybox for a shell, `tsinit install ROOT` (sbin/init,
# the power links, sbin/tsinit, /etc/s6), then ROOT/sbin/init boots as PID 1
# of a pid + mount namespace chrooted there, mounting /proc, /sys, /dev and
# /run itself as on a machine. Two services are made aside and moved into
# /etc/s6/service (`hello`, and `broken` whose run is not executable), and
# the walk-through's commands run inside, as a user types them: `tsinit` on
# the image's PATH. Root only (unshare, nsenter, chroot).
set -u
cd "$(dirname "$0")/.."
bin=$PWD/dist/tsinit
busybox=$(command -v busybox) || { echo "first-service: needs busybox (busybox-static)" >&2; exit 111; }
[ -x "$bin" ] || { echo "first-service: build first: npm run build" >&2; exit 111; }
[ "$(id -u)" = 0 ] || { echo "first-service: needs root (unshare)" >&2; exit 111; }
root=$(mktemp -d /tmp/tsinit-first.XXXXXX)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"

# The image: the loader and libraries (copied, not linked), a static busybox as /bin/sh.
for lib in $(ldd "$bin" build/Release/tsinit.node | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 !~ /:$/ { print $1 }' | sort -u); do
  mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib"
done
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for tool in sh env sleep echo cat head; do ln -s busybox "$root/bin/$tool"; done
echo "\$ tsinit install $root"
"$bin" install "$root" | sed "s|$root|ROOT|g"
echo

unshare -p -f -m --kill-child chroot "$root" /sbin/init --grace 1000 >/dev/null 2>&1 &
ns=$!
i=0
until pid1=$(cut -d' ' -f1 "/proc/$ns/task/$ns/children" 2>/dev/null) && [ -n "$pid1" ] &&
  [ -d "/proc/$pid1/root/run/tsinit/service" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
# Inside the machine: its root, its mounts, its PATH (sbin/tsinit is the link install made).
say() { echo "\$ $*"; nsenter -t "$pid1" -p -m -r -w env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c "$*"; echo; }

# Made aside and moved in whole, so the scan never sees a half-made dir.
s=$root/etc/s6/service
mkdir -p "$root/new/hello/log" "$root/new/broken"
printf '#!/bin/sh\nexec 2>&1\necho "hello from $$"\nexec sleep 3600\n' > "$root/new/hello/run"
chmod +x "$root/new/hello/run"
printf 'echo not executable\n' > "$root/new/broken/run"
mv "$root/new/hello" "$root/new/broken" "$s/"
sleep 2
say "tsinit status"
say "tsinit status hello"
say "tsinit log hello"
say "tsinit svc -r hello; sleep 1; tsinit log -n 3 hello"
say "tsinit status hello | head -5"
say "tsinit status broken"
say "tsinit status nosuch"
nsenter -t "$pid1" -p -m -r /sbin/poweroff >/dev/null 2>&1
wait "$ns"
exit 0
