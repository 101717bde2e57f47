#!/bin/sh
# README's "A first service", run for real: dist/tsinit boots as PID 1 of a
# pid + mount namespace whose /run is a fresh tmpfs (so the paths are a
# machine's: /run/tsinit/...), two services are added to its image scan dir
# (`hello`, and `broken` whose run is not executable), and the commands of
# the walk-through run inside the namespace. Root only (unshare, nsenter).
set -u
cd "$(dirname "$0")/.."
bin=$PWD/dist/tsinit
[ -x "$bin" ] || { echo "first-service: build first: npm run build" >&2; exit 111; }
[ "$(id -u)" = 0 ] || { echo "first-service: needs root (unshare)" >&2; exit 111; }
root=$(mktemp -d /tmp/tsinit-first.XXXXXX)
trap 'rm -rf "$root"' EXIT
s=$root/etc/s6
mkdir -p "$s/service" "$s/task" "$s/env"
unshare -p -f -m --mount-proc --kill-child sh -c "mount -t tmpfs tmpfs /run && exec '$bin' --no-mount \
  --scandir '$s/service' --envdir '$s/env' --taskdir '$s/task' --rundir /run/tsinit --grace 1000" >/dev/null 2>&1 &
ns=$!
i=0
until pid1=$(cut -d' ' -f1 "/proc/$ns/task/$ns/children" 2>/dev/null) && [ -n "$pid1" ] &&
  nsenter -t "$pid1" -p -m test -d /run/tsinit/service || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
# The commands as a user types them: `tsinit` on PATH, inside the namespace.
say() { echo "\$ $*"; nsenter -t "$pid1" -p -m env PATH="$PWD/dist:/usr/sbin:/usr/bin:/sbin:/bin" sh -c "$*"; echo; }

# Made aside and moved in whole, so the scan never sees a half-made dir.
mkdir -p "$root/new/hello/log" "$root/new/broken"
printf '#!/bin/sh\nexec 2>&1\necho "hello from $$"\nexec sleep 3600\n' > "$root/new/hello/run"
chmod +x "$root/new/hello/run"
printf 'echo not executable\n' > "$root/new/broken/run"
mv "$root/new/hello" "$root/new/broken" "$s/service/"
sleep 2
say "tsinit status"
say "tsinit status hello"
say "tsinit log hello"
say "tsinit svc -r hello; sleep 1; tsinit log -n 3 hello"
say "tsinit status hello | head -5"
say "tsinit status broken"
nsenter -t "$pid1" -p -m "$bin" poweroff >/dev/null 2>&1
wait "$ns"
exit 0
