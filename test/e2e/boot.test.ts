// End to end: the dock0-style image (image/build.sh) booted in qemu under
// software emulation — Debian's kernel, the busybox initrd, tsinit as
// /sbin/init from a read-only ext4 root. The example service tree plus one
// task, `e2e`, that runs once every service is ready: it prints the status,
// kills a service and waits for it to come back, and, when the kernel
// command line says E2E_ACTION=reboot, runs /sbin/reboot. The power button
// is QMP's system_powerdown (the ACPI button through the kernel's evdev).
//
// Each test is skipped, saying why, when qemu or the kernel is missing.
import { suite } from "uvu";
import { unless } from "../helpers/skip";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { installHint } from "../../lab/packages";
import { boot, exitWithin, qmpCommand, tail, type Vm } from "../../lab/qemu";

const REPO = resolve(__dirname, "../..");
const BIN = resolve(process.env.TSINIT_BIN ?? join(REPO, "dist/tsinit"));
const BOOT_MS = 180_000; // qemu start to all services up, under tcg (~25 s here)
const POWEROFF_MS = 60_000; // power button to qemu's own exit

/** Why the image cannot be booted here (qemu or a kernel missing), or null. */
function unavailable(): string | null {
  const have = spawnSync("sh", ["-c", "command -v qemu-system-x86_64 && ls /boot/vmlinuz-*"], { stdio: "ignore" }).status === 0;
  return have ? null : `qemu-system-x86_64 or /boot/vmlinuz-* is missing: ${installHint(["qemu-system-x86", "linux-image-amd64"])}`;
}

// A service held down (./down) until the e2e task starts it: its first run
// touches 64M under a 16M memory.max, so the kernel kills its cgroup (one
// OOM kill, memory.oom.group) and the supervisor restarts it; later runs idle.
const HOG_RUN = `#!/bin/sh
if [ ! -e /run/hog.oom ]; then
  echo $$ > /run/hog.oom
  exec dd if=/dev/zero of=/dev/null bs=64M count=1
fi
echo $$ > /run/hog.back
exec sleep 100000
`;

// The test's own task, beside the example tree's.
const E2E_TASK = `#!/bin/sh
echo "e2e: all up at $(cut -d' ' -f1 /proc/uptime) s"
tsinit status /run/tsinit/service
ticker=$(cat /run/ticker.pid)
tsinit svc -u /run/tsinit/service/hog
i=0
while [ $i -lt 300 ] && [ ! -e /run/hog.back ]; do i=$((i + 1)); sleep 0.1; done
echo "e2e: hog pid $(cat /run/hog.oom 2>/dev/null) then $(cat /run/hog.back 2>/dev/null), oom_kill $(grep '^oom_kill ' /sys/fs/cgroup/tsinit/hog/memory.events | cut -d' ' -f2), ticker pid $ticker then $(cat /run/ticker.pid)"
tsinit status /run/tsinit/service
echo "e2e: hog status done"
old=$(cat /run/ticker.pid)
kill -KILL "$old"
i=0
while [ $i -lt 100 ]; do
  new=$(cat /run/ticker.pid 2>/dev/null)
  if [ -n "$new" ] && [ "$new" != "$old" ] && kill -0 "$new" 2>/dev/null; then
    echo "e2e: ticker killed (pid $old), back as pid $new after $i polls"
    tsinit status /run/tsinit/service/ticker
    break
  fi
  i=$((i + 1))
  sleep 0.1
done
[ $i -lt 100 ] || echo "e2e: ticker not back after 10 s"
if [ "$E2E_ACTION" = reboot ]; then
  echo "e2e: rebooting"
  exec /sbin/reboot
fi
echo "e2e: ticker's log: $(tail -n 1 /run/tsinit/log/ticker/current)"
echo "e2e: waiting for the power button"
`;

/** Asserts that each pattern appears, in this order. */
function inOrder(text: string, patterns: RegExp[]): void {
  let at = 0;
  for (const re of patterns) {
    const m = re.exec(text.slice(at));
    assert.ok(m, `expected ${re} after offset ${at}; console:\n${tail(text)}`);
    at += m!.index + m![0].length;
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** The e2e task's console lines without the catch-all's "task e2e: " label. */
const untask = (text: string) => text.replace(/^task e2e: /gm, "");

const why = unavailable();
const test = unless(suite("e2e: qemu boot"), why);
let work = "";
let image = "";
let vm: Vm | undefined;
const vms: Vm[] = [];

test.before(() => {
  work = mkdtempSync(join(tmpdir(), "tsinit-e2e-"));
  const tree = join(work, "s6");
  cpSync(join(REPO, "image/example-s6"), tree, { recursive: true });
  cpSync(join(tree, "task/report"), join(tree, "task/e2e"), { recursive: true });
  writeFileSync(join(tree, "task/e2e/run"), E2E_TASK);
  chmodSync(join(tree, "task/e2e/run"), 0o755);
  mkdirSync(join(tree, "service/hog"));
  writeFileSync(join(tree, "service/hog/run"), HOG_RUN);
  chmodSync(join(tree, "service/hog/run"), 0o755);
  writeFileSync(join(tree, "service/hog/down"), "");
  writeFileSync(join(tree, "service/hog/memory.max"), "16M\n");
  image = join(work, "image");
  const t = Date.now();
  const r = spawnSync("sh", [join(REPO, "image/build.sh"), "--services", tree, "--out", image, "--tsinit", BIN], { encoding: "utf8" });
  assert.is(r.status, 0, `image/build.sh failed:\n${r.stderr}${r.stdout}`);
  console.log(`\ne2e: image built in ${seconds(Date.now() - t)}`);
});

test.after(async () => {
  for (const v of vms)
    if (v.proc.exitCode === null && v.proc.signalCode === null) {
      v.proc.kill("SIGKILL");
      await v.exited;
    }
  if (work) rmSync(work, { recursive: true, force: true });
});

test("boots: initrd → tsinit from a read-only root → every service up", async () => {
  vm = boot(image, "power");
  vms.push(vm);
  await vm.waitFor(/e2e: all up at/, BOOT_MS);
  const up = Date.now() - vm.started;
  await vm.waitFor(/e2e: all up at [\s\S]*?\n(task e2e: )?TASK /, 20_000); // the status table
  const out = vm.output();
  inOrder(out, [
    /initrd: switch_root to \/sbin\/init at/,
    /tsinit: boot: load the addon: \/dev/,
    /mounted \/proc/,
    /start supervision/,
    /listening to the power button on \/dev\/input\/event\d+/,
    /boot: done in/,
  ]);
  assert.match(out, /hello: dock0 up/);
  assert.match(out, /db: loaded, ready/);
  assert.ok(out.indexOf("web: serving") > out.indexOf("db: loaded, ready"), "web starts after db is ready");
  const status = untask(out.slice(out.indexOf("e2e: all up")));
  for (const s of ["db", "web", "ticker", "flaky"]) assert.match(status, new RegExp(`\\n${s}\\s+up\\s`), `${s} up in:\n${status}`);
  assert.not.match(out, /initrd: (insmod|unable)|fatal:|Kernel panic/);
  console.log(`e2e: qemu start → all services up in ${seconds(up)} (${out.match(/e2e: all up at ([\d.]+) s/)![1]} s of guest uptime)`);
});

test("cgroups: a service over its memory.max is OOM-killed and restarted, the others keep their pids; status shows memory", async () => {
  assert.ok(vm, "booted");
  assert.match(vm!.output(), /boot: set up cgroups: \/sys\/fs\/cgroup\/tsinit \(memory cpu pids\)/);
  const m = await vm!.waitFor(/e2e: hog pid (\d*) then (\d*), oom_kill (\d*), ticker pid (\d+) then (\d+)/, 60_000);
  const [, first, second, ooms, tickerBefore, tickerAfter] = m;
  assert.ok(first && second && first !== second, `hog restarted with a new pid: ${m[0]}`);
  assert.ok(Number(ooms) >= 1, `the kernel OOM-killed hog's cgroup: ${m[0]}`);
  assert.is(tickerAfter, tickerBefore, "ticker kept its pid");
  const table = untask((await vm!.waitFor(/e2e: hog pid [^\n]*\n([\s\S]*?)e2e: hog status done/, 20_000))[1]!);
  console.log(`e2e: ${m[0].slice(5)}\n${table}`);
  assert.match(table, /^NAME\s+STATE\s+PID\s+TIME\s+NOTES\s+MEM\s+CPU$/m);
  for (const s of ["ticker", "hog", "db"])
    assert.match(table, new RegExp(`\\n${s}\\s+up\\s.*\\s\\d+(\\.\\d)?[KMG]\\s+\\d+\\.\\d\\ds\\n`), `${s}'s memory and CPU in:\n${table}`);
});

test("a killed service comes back", async () => {
  assert.ok(vm, "booted");
  const m = await vm!.waitFor(/e2e: ticker (killed \(pid (\d+)\), back as pid (\d+)|not back.*)/, 30_000);
  assert.ok(m[2] && m[3] && m[2] !== m[3], m[0]);
  await vm!.waitFor(/e2e: waiting for the power button/, 10_000);
  assert.match(vm!.output(), /e2e: ticker's log: \S+ tick \d+/, "the built-in logger wrote ticker's lines");
});

test("the ACPI power button (QMP system_powerdown) → clean stage 3, qemu exits by itself", async () => {
  assert.ok(vm, "booted");
  const t = Date.now();
  await qmpCommand(vm!.qmp, "system_powerdown");
  const exit = await exitWithin(vm!, POWEROFF_MS);
  assert.ok(exit, `qemu still runs ${POWEROFF_MS} ms after the power button; console:\n${tail(vm!.output())}`);
  const out = vm!.output();
  inOrder(out, [
    /tsinit: info: power button pressed on \/dev\/input\/event\d+/,
    /tsinit: shutdown: poweroff requested/,
    /tsinit: shutdown: stopped services \(/,
    /tsinit: shutdown: terminated remaining processes/,
    /tsinit: shutdown: flushed the logs/,
    /tsinit: shutdown: remounted \/ read-only/,
    /tsinit: shutdown: poweroff now \(stage 3 took/,
    /reboot: Power down/,
  ]);
  assert.not.match(out, /unable to|fatal:|Kernel panic/);
  assert.not.match(out, /which does not exist/, "services leaving at shutdown are not reported as missing dependencies");
  assert.is(exit!.code, 0, "qemu exits 0 on a guest power-off");
  console.log(`e2e: power button → qemu exited in ${seconds(Date.now() - t)}; ${out.match(/stage 3 took [^)]*/)![0]}`);
});

test("reboot from inside (/sbin/reboot → stage 3 → reboot(2); -no-reboot makes qemu exit)", async () => {
  const v = boot(image, "reboot", "E2E_ACTION=reboot");
  vms.push(v);
  await v.waitFor(/e2e: rebooting/, BOOT_MS);
  const exit = await exitWithin(v, POWEROFF_MS);
  assert.ok(exit, `qemu still runs ${POWEROFF_MS} ms after /sbin/reboot; console:\n${tail(v.output())}`);
  inOrder(v.output(), [
    /e2e: rebooting/,
    /tsinit: shutdown: reboot requested/,
    /tsinit: shutdown: stopped services/,
    /tsinit: shutdown: remounted \/ read-only/,
    /tsinit: shutdown: reboot now/,
    /reboot: Restarting system/,
  ]);
  assert.is(exit!.code, 0);
  console.log(`e2e: reboot boot: qemu start → exit in ${seconds(exit!.ms)}`);
});

test.run();
