// bench/boot: the same kernel, initrd and services booted in qemu (software
// emulation) with tsinit as /sbin/init, with s6-svscan under an execline
// stage 1 like the seed's (Debian's s6 and execline, see boot-s6.ts) and with
// busybox init (an inittab running the same run scripts, busybox acpid for
// the power button), several boots each, interleaved. Guest times are /proc/uptime stamps (0 = the
// kernel's clock start): init exec is the initrd's switch_root line, "all up"
// a probe that waits until every service has marked itself up. Power-off is
// host time from QMP system_powerdown to qemu's exit.
//
// usage: tsx bench/boot.ts [BOOTS]   (default 3; needs dist/tsinit and qemu)
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { median, printTable } from "./lib";
import { S6_POWER, s6Extra } from "./boot-s6";
import { boot, exitWithin, qmpCommand, tail } from "../test/e2e/qemu";

const REPO = resolve(__dirname, "..");
const BOOTS = Number(process.argv[2] ?? process.env.BOOTS ?? 3);
const SERVICES = ["alpha", "beta", "gamma"];

function write(root: string, path: string, body: string, mode = 0o644): void {
  const p = join(root, path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, body);
  chmodSync(p, mode);
}

// Each service marks itself up in /run/up, then idles; the probe prints once all are there.
const RUN = (name: string) => `#!/bin/sh\nmkdir -p /run/up\n: > /run/up/${name}\nexec sh -c 'while :; do sleep 3600; done'\n`;
const PROBE = `#!/bin/sh
while [ ! -e /run/up/${SERVICES.join(" ] || [ ! -e /run/up/")} ]; do usleep 10000; done
echo "bench: all up at $(cut -d' ' -f1 /proc/uptime) s"
`;

function trees(work: string): { services: string; tsinitExtra: string; s6Extra: string; busyboxExtra: string } {
  const services = join(work, "s6");
  write(services, "env/PATH", "/sbin:/bin\n");
  for (const s of SERVICES) write(services, `service/${s}/run`, RUN(s), 0o755);
  write(services, "task/probe", PROBE, 0o755); // tsinit: a task; busybox init: a once entry

  const tsinitExtra = join(work, "extra-tsinit");
  mkdirSync(tsinitExtra, { recursive: true });

  // busybox init: same run scripts, from the same /etc/s6 tree; /proc and /run mounted by sysinit.
  const busyboxExtra = join(work, "extra-busybox");
  mkdirSync(join(busyboxExtra, "sbin"), { recursive: true });
  for (const l of ["init", "poweroff", "reboot", "halt"]) symlinkSync("/bin/busybox", join(busyboxExtra, "sbin", l));
  write(busyboxExtra, "etc/inittab", [
    "::sysinit:/bin/mount -t proc proc /proc",
    "::sysinit:/bin/mount -t sysfs sysfs /sys",
    "::sysinit:/bin/mount -t tmpfs -o mode=0755 run /run",
    ...SERVICES.map((s) => `::respawn:/bin/sh -c 'cd /etc/s6/service/${s} && exec ./run'`),
    "::respawn:/bin/acpid -f -l /run/acpid.log -p /run/acpid.pid",
    "::once:/etc/s6/task/probe",
    "::shutdown:/bin/umount -a -r",
    "",
  ].join("\n"));
  // busybox acpid runs CONFDIR/PWRF/00000080 for KEY_POWER.
  write(busyboxExtra, "etc/acpi/PWRF/00000080", "#!/bin/sh\nexec /sbin/poweroff\n", 0o755);
  const s6 = join(work, "extra-s6");
  s6Extra(s6);
  return { services, tsinitExtra, s6Extra: s6, busyboxExtra };
}

function build(out: string, services: string, extra: string): void {
  const r = spawnSync("sh", [join(REPO, "image/build.sh"), "--services", services, "--out", out, "--extra", extra], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`image/build.sh failed:\n${r.stderr}`);
}

interface Sample {
  initExec: number; // guest s
  allUp: number; // guest s
  hostAllUp: number; // host ms from qemu start
  powerOff: number; // host ms from system_powerdown to qemu's exit
}

async function once(image: string, name: string): Promise<Sample> {
  const vm = boot(image, name);
  try {
    const exec = await vm.waitFor(/initrd: switch_root to \/sbin\/init at ([\d.]+) s/, 180_000);
    const up = await vm.waitFor(/bench: all up at ([\d.]+) s/, 180_000);
    const hostAllUp = vm.seenAt(/bench: all up/)!;
    await new Promise((r) => setTimeout(r, 1000)); // let acpid / the button listener settle
    const t = Date.now();
    await qmpCommand(vm.qmp, "system_powerdown");
    const exit = await exitWithin(vm, 60_000);
    if (!exit) throw new Error(`${name}: still running 60 s after the power button:\n${tail(vm.output())}`);
    return { initExec: Number(exec[1]), allUp: Number(up[1]), hostAllUp, powerOff: Date.now() - t };
  } finally {
    if (vm.proc.exitCode === null && vm.proc.signalCode === null) vm.proc.kill("SIGKILL");
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "tsinit-bench-boot-"));
  const stop = () => rmSync(work, { recursive: true, force: true });
  process.on("SIGINT", () => { stop(); process.exit(130); });
  try {
    const t = trees(work);
    const S6 = "s6-svscan + execline stage 1";
    const base = "busybox init + acpid";
    const inits: Record<string, string> = { tsinit: join(work, "img-tsinit"), [S6]: join(work, "img-s6"), [base]: join(work, "img-busybox") };
    const power: Record<string, string> = { tsinit: "tsinit (its own evdev KEY_POWER listener)", [S6]: S6_POWER, [base]: "acpid → poweroff (busybox init)" };
    build(inits.tsinit!, t.services, t.tsinitExtra);
    build(inits[S6]!, t.services, t.s6Extra);
    build(inits[base]!, t.services, t.busyboxExtra);
    const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(inits).map((k) => [k, []]));
    for (let i = 0; i < BOOTS; i++) {
      for (const [name, image] of Object.entries(inits)) {
        const s = await once(image, `boot${i}`);
        samples[name]!.push(s);
        process.stderr.write(`boot ${i + 1}/${BOOTS} ${name}: exec ${s.initExec.toFixed(2)} s, all up ${s.allUp.toFixed(2)} s, power-off ${s.powerOff} ms\n`);
      }
    }
    const m = (name: string, k: keyof Sample) => median(samples[name]!.map((s) => s[k]));
    console.log(`\nqemu -accel tcg, ${BOOTS} boots each, medians (guest s = /proc/uptime; host ms from qemu start or from the button):`);
    printTable([
      ["init", "init exec (s)", "all up (s)", "exec → all up (s)", "qemu → all up (host s)", "button → off (host s)", "power button"],
      ...Object.keys(inits).map((name) => [
        name,
        m(name, "initExec").toFixed(2),
        m(name, "allUp").toFixed(2),
        median(samples[name]!.map((s) => s.allUp - s.initExec)).toFixed(2),
        (m(name, "hostAllUp") / 1000).toFixed(2),
        (m(name, "powerOff") / 1000).toFixed(2),
        power[name]!,
      ]),
    ]);
    const ratio = (other: string, k: (s: Sample) => number) => (median(samples.tsinit!.map(k)) / median(samples[other]!.map(k))).toFixed(2);
    console.log();
    for (const [label, other] of [["tsinit / s6", S6], ["tsinit / busybox", base]] as const) {
      console.log(`${label}: exec → all up ${ratio(other, (s) => s.allUp - s.initExec)}×, all up ${ratio(other, (s) => s.allUp)}×, qemu → all up ${ratio(other, (s) => s.hostAllUp)}×, button → off ${ratio(other, (s) => s.powerOff)}×`);
    }
  } finally {
    stop();
  }
}

void main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
