#!/bin/sh
# The demo of `npm run demo`: dist/tsinit boots as PID 1 of a pid + mount +
# UTS namespace on a small dock0-style /etc/s6 tree (env dir, a task, three
# services: one with a logger, one that signals readiness, one that crashes
# now and then), shows `tsinit status`, kills a service and shows it back,
# then powers the "machine" off with `tsinit poweroff`.
set -eu
cd "$(dirname "$0")/.."
bin=$PWD/dist/tsinit
[ -x "$bin" ] || { echo "demo: build first: npm run build" >&2; exit 111; }
[ "$(id -u)" = 0 ] || { echo "demo: needs root (unshare)" >&2; exit 111; }

echo "== $bin --version"
"$bin" --version

root=$(mktemp -d /tmp/tsinit-demo.XXXXXX)
trap 'rm -rf "$root"' EXIT
s=$root/etc/s6
mkdir -p "$s/env" "$s/task" "$s/service/web/log" "$s/service/db" "$s/service/flaky"
echo "demo" > "$s/env/GREETING"
printf '#!/bin/sh\necho "task: seeding, GREETING=$GREETING"\n' > "$s/task/seed"
printf '#!/bin/sh\necho "web: serving"\nwhile :; do echo "web: tick $(date +%%T)"; sleep 1; done\n' > "$s/service/web/run"
printf '#!/bin/sh\nexec cat >> ../../../../web.log\n' > "$s/service/web/log/run"
printf '#!/bin/sh\necho "db: starting"\nsleep 0.5\necho >&3\nexec sleep 100000\n' > "$s/service/db/run"
echo 3 > "$s/service/db/notification-fd"
printf '#!/bin/sh\necho "flaky: up for 2 s"\nsleep 2\nexit 3\n' > "$s/service/flaky/run"
chmod +x "$s/task/seed" "$s"/service/*/run "$s/service/web/log/run"

echo "== booting tsinit as PID 1 of a new pid namespace"
unshare -p -f -m -u --mount-proc --kill-child "$bin" --no-mount \
  --scandir "$s/service" --envdir "$s/env" --taskdir "$s/task" --rundir "$root/run" \
  --hostname "$root/etc/hostname" --grace 2000 &
ns=$!
live=$root/run/service
i=0
until [ -p "$live/db/supervise/control" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
"$bin" wait -U -t 5000 "$live/db"
echo "== tsinit status $live"
"$bin" status "$live"
echo "== tsinit svc -k $live/web (SIGKILL; back at once)"
"$bin" svc -k "$live/web"
sleep 0.3
"$bin" status "$live/web"
pid1=$(cat "/proc/$ns/task/$ns/children" | cut -d' ' -f1)
echo "== tsinit poweroff (inside the namespace)"
nsenter -t "$pid1" -p -m "$bin" poweroff || true
rc=0
wait "$ns" || rc=$?
echo "== PID 1 ended with reboot(2): unshare exit $rc (130 = poweroff in a pid namespace)"
echo "== the web service's log, through its logger:"
head -3 "$root/web.log"
