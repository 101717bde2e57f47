// bench/shutdown: how long a whole "machine" of N TERM-honouring services
// takes to stop, each system as PID 1 of its own pid + mount + UTS namespace,
// interleaved in one run. The services are bench/supervise's payload (it
// pauses; SIGTERM's default action kills it). Every case boots, waits until
// all N payloads wrote their up-line and a settle time, then is told to stop
// and timed from that command until unshare exits, i.e. until the namespace
// is empty:
//   tsinit  `tsinit init` as PID 1, SIGUSR1 (poweroff): stage 3 to reboot(2),
//           which in a pid namespace kills PID 1 (unshare exits 130)
//   s6      `s6-svscan -c 2N` as PID 1, SIGTERM (= s6-svscanctl -t): it waits
//           for every s6-supervise, each exits once its service is down
//   runit   `runsvdir` under bench/ns-reaper.c as PID 1, SIGHUP to runsvdir: TERM
//           to every runsv, each exits once its service is down
// Usage: tsx bench/shutdown.ts [N]   (default 1000)
// Env: SYSTEMS=tsinit,s6,runit  ROUNDS=3  SETTLE_MS=2000  GRACE_MS=5000
// The settle after "all up" stays above 1 s: runsv sleeps 1 s after a service
// that ran less than 1 s dies, even when it is stopping, which would time
// runsv's throttle instead of a shutdown.
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { rm } from "node:fs/promises";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { median, printTable } from "./lib";
import { buildPayload, buildStatic, endNamespace, firstChild, isStopping, makeTree, Marks, nowNs, openWork, sleep, startNamespace, UNSHARE } from "./nsbench";

const n = Number(process.argv[2] ?? 1000);
const rounds = Number(process.env.ROUNDS ?? 3);
const settleMs = Number(process.env.SETTLE_MS ?? 2000);
const graceMs = Number(process.env.GRACE_MS ?? 5000);
const only = process.env.SYSTEMS?.split(",");
const tsinit = resolve(process.env.TSINIT_BIN ?? "dist/tsinit");
// -u: tsinit sets the hostname (here from a missing file, but alike for all).
const unshare = [...UNSHARE, "-u"];

interface System {
  key: string;
  bin: string;
  /** PID 1's argv for the tree in dir */
  argv(dir: string): string[];
  /** how unshare ends after a clean stop: an exit code, or the signal it re-raised */
  exit: number | string;
  /** sends the stop command, given the namespace's PID 1 (host pid) */
  stop(pid1: number): void;
}
const all: System[] = [
  {
    key: "tsinit",
    bin: tsinit,
    argv: (d) => [
      tsinit,
      "--no-mount",
      "--scandir",
      `${d}/svc`,
      "--rundir",
      `${d}/run`,
      "--envdir",
      `${d}/none`,
      "--taskdir",
      `${d}/none`,
      "--hostname",
      `${d}/none`,
      "--grace",
      String(graceMs),
    ],
    // reboot(2) POWER_OFF in a pid namespace: the kernel kills PID 1 with SIGINT, and unshare
    // re-raises it on itself (a shell sees 130).
    exit: "SIGINT",
    stop: (pid1) => process.kill(pid1, "SIGUSR1"),
  },
  {
    key: "s6",
    bin: "/usr/bin/s6-svscan",
    argv: (d) => ["/usr/bin/s6-svscan", "-c", String(2 * n), `${d}/svc`],
    exit: 0,
    stop: (pid1) => process.kill(pid1, "SIGTERM"), // no .s6-svscan/SIGTERM: as s6-svscanctl -t
  },
  {
    key: "runit",
    bin: "/usr/bin/runsvdir",
    argv: (d) => [join(d, "..", "ns-reaper"), "/usr/bin/runsvdir", `${d}/svc`],
    exit: 0,
    stop: (pid1) => process.kill(firstChild(pid1)!, "SIGHUP"),
  },
];
const systems = all.filter((s) => !only || only.includes(s.key));

/** One stop of one system. */
interface Measured {
  allUpMs: number;
  /** the stop command to unshare's exit */
  stopMs: number;
  /** tsinit's own log: "stopped services (X ms)" and "poweroff now (stage 3 took X ms)" */
  servicesMs?: number;
  stage3Ms?: number;
  note: string;
}
type Result = Measured | { skipped: string };

const work = openWork("shutdown");

const logged = (out: string, re: RegExp) => {
  const m = out.match(re);
  return m ? Number(m[1]) : undefined;
};

async function measure(sys: System, round: number, payload: string): Promise<Result> {
  if (!existsSync(sys.bin)) return { skipped: `${sys.bin} is missing` };
  const dir = join(work, `${sys.key}-${round}`);
  makeTree(dir, n, payload);
  // tsinit runs the services in its mirror RUNDIR/service/NAME, so the payload's ../../up.fifo is RUNDIR/up.fifo.
  mkdirSync(join(dir, "run"));
  symlinkSync("../up.fifo", join(dir, "run", "up.fifo"));
  const marks = new Marks(join(dir, "up.fifo"));
  const t0 = nowNs();
  const ns = startNamespace(sys.argv(dir), unshare);
  let tEnd = 0;
  ns.child.once("exit", () => (tEnd = nowNs()));
  const why = (r: string) => `${r}; output: ${ns.output().trim().slice(-300) || "(none)"}`;
  try {
    const upTimeout = 20_000 + 30 * n;
    const up = await marks.until(() => marks.seen.size === n, upTimeout, ns.exited);
    if (up !== "ok") return { skipped: why(`${marks.seen.size}/${n} up, then ${up === "exit" ? `exited ${await ns.exited}` : "timed out"}`) };
    const allUpMs = (Math.max(...[...marks.seen.values()].map((m) => m.ns)) - t0) / 1e6;
    await sleep(settleMs);
    const pid1 = firstChild(ns.child.pid!);
    if (!pid1) return { skipped: why("no PID 1 found") };

    const tStop = nowNs();
    sys.stop(pid1);
    const stopTimeout = 2 * graceMs + 30_000;
    const done = await Promise.race([ns.exited, sleep(stopTimeout).then(() => "timeout" as const)]);
    if (done === "timeout") return { skipped: why(`still running ${stopTimeout} ms after the stop command`) };
    const out = ns.output();
    const notes = [`exit ${done}${done === sys.exit ? "" : ` (expected ${sys.exit})`}`];
    if (/sending KILL/.test(out)) notes.push("KILL was needed"); // tsinit says so when grace ran out
    if (marks.lines > n) notes.push(`${marks.lines - n} extra payload starts`);
    return {
      allUpMs,
      stopMs: (tEnd - tStop) / 1e6,
      servicesMs: logged(out, /shutdown: stopped services \(([\d.]+) ms\)/),
      stage3Ms: logged(out, /shutdown: poweroff now \(stage 3 took ([\d.]+) ms\)/),
      note: notes.join(", "),
    };
  } finally {
    await endNamespace(ns);
    marks.close();
    await rm(dir, { recursive: true, force: true }); // async: the cleanup of nsbench may be running
  }
}

const fmt = (x: number | undefined, d = 0) => (x === undefined || Number.isNaN(x) ? "-" : x.toFixed(d));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !b ? "-" : (a / b).toFixed(2));

/** The table: medians over the rounds, a system that failed once shows why. */
function report(runs: Map<string, Result[]>): void {
  const ok = (key: string) => {
    const rs = runs.get(key) ?? [];
    return rs.length && !rs.some((r) => "skipped" in r) ? (rs as Measured[]) : undefined;
  };
  const med = (key: string, f: (r: Measured) => number | undefined) => {
    const xs = ok(key)
      ?.map(f)
      .filter((x): x is number => x !== undefined);
    return xs?.length ? median(xs) : undefined;
  };
  const rows: Array<[string, (r: Measured) => number | undefined, number]> = [
    ["stop ms (command to namespace gone)", (r) => r.stopMs, 1],
    ["  own log: services stopped ms", (r) => r.servicesMs, 1],
    ["  own log: stage 3 ms", (r) => r.stage3Ms, 1],
    ["boot to all up ms (context)", (r) => r.allUpMs, 0],
  ];
  const keys = ["tsinit", "s6", "runit"];
  console.log(`\nN = ${n} services, ${rounds} rounds interleaved, medians`);
  printTable([
    ["metric", ...keys, "tsinit/s6", "tsinit/runit"],
    ...rows.map(([label, f, d]) => {
      const [t, s, r] = keys.map((k) => med(k, f));
      const cells = keys.map((k, i) => (!runs.has(k) ? "-" : ok(k) ? fmt([t, s, r][i], d) : "skipped"));
      return [label, ...cells, ratio(t, s), ratio(t, r)];
    }),
  ]);
  for (const [key, rs] of runs) {
    const skip = rs.find((r) => "skipped" in r);
    const each = (rs as Measured[]).map((r) => `${fmt(r.stopMs, 1)} ms (${r.note})`).join(", ");
    console.log(`  ${key}: ${skip ? `SKIPPED: ${skip.skipped}` : `stops ${each}`}`);
  }
  console.log(`  stop commands: tsinit SIGUSR1 to PID 1; s6 SIGTERM to s6-svscan (PID 1); runit SIGHUP to runsvdir (under a reaping PID 1)`);
  console.log(
    `  load avg at the end ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
  );
}

async function main(): Promise<void> {
  const payload = buildPayload();
  buildStatic("ns-reaper.c", "ns-reaper");
  for (const s of systems) if (existsSync(s.bin)) readFileSync(s.bin); // warm the page cache alike
  const runs = new Map<string, Result[]>(systems.map((s) => [s.key, []]));
  for (let round = 0; round < rounds; round++)
    for (const sys of systems) {
      if (isStopping()) return;
      if (runs.get(sys.key)!.some((r) => "skipped" in r)) continue; // a system that failed once is not retried
      const r = await measure(sys, round, payload);
      runs.get(sys.key)!.push(r);
      process.stderr.write(
        `${sys.key} round ${round + 1}: ${"skipped" in r ? `skipped: ${r.skipped}` : `all up ${fmt(r.allUpMs)} ms, stop ${fmt(r.stopMs, 1)} ms (${r.note})`}\n`,
      );
    }
  report(runs);
}

void main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
