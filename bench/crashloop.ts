// bench/crashloop: N services whose ./run exits 1 at once, under `tsinit
// scan`, `s6-svscan` and `runsvdir` (each PID 1 of its own pid + mount
// namespace), one after the other in one run. Each supervisor restarts a
// service once a second (s6's throttle, runit's, tsinit's), so over WINDOW_MS
// the supervisor's own CPU per start is its cost of a death and a restart.
// CPU: run time from /proc/PID/task/*/schedstat of every process of the namespace
// but the payloads (the supervisor tree: tsinit; s6-svscan + s6-supervise;
// runsvdir + runsv), read at the start and the end of the window. Starts:
// bytes the payloads wrote into the bench's fifo in the window.
// Usage: tsx bench/crashloop.ts   Env: N=100 WINDOW_MS=30000 SETTLE_MS=2000
//        SUPERVISORS=tsinit,s6,runit  TSINIT_BIN=dist/tsinit
import { closeSync, constants, existsSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, utimesSync } from "node:fs";
import { rm } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { buildStatic, endNamespace, firstChild, openWork, sleep, startNamespace } from "./nsbench";
import { comm, descendants } from "./proctree";

const n = Number(process.env.N ?? 100);
const windowMs = Number(process.env.WINDOW_MS ?? 30_000);
const settleMs = Number(process.env.SETTLE_MS ?? 2000);
const tsinit = resolve(process.env.TSINIT_BIN ?? "dist/tsinit");
const only = process.env.SUPERVISORS?.split(",");
const all = [
  { key: "tsinit", bin: tsinit, argv: (d: string) => [tsinit, "scan", d] },
  { key: "s6", bin: "/usr/bin/s6-svscan", argv: (d: string) => ["/usr/bin/s6-svscan", "-c", String(2 * n), d] },
  { key: "runit", bin: "/usr/bin/runsvdir", argv: (d: string) => ["/usr/bin/runsvdir", d] },
];
const supervisors = all.filter((s) => !only || only.includes(s.key));
const work = openWork("crashloop");

/** CPU time of one process in ms, its threads included, its reaped children
 *  not: the sum of each thread's /proc/PID/task/TID/schedstat run time (ns).
 *  Not utime + stime of /proc/PID/stat: that is in clock ticks (10 ms), and
 *  each of s6's 100 small supervisors uses less than a tick in a window, so
 *  the sum read 0 on tmpfs. 0 if gone. */
function cpuMs(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).reduce((a, t) => a + Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]) / 1e6, 0);
  } catch {
    return 0;
  }
}

/** The supervisor tree's CPU in ms: every process of the namespace but the payloads ("run"). */
const treeCpuMs = (pid1: number) =>
  descendants(pid1)
    .filter((p) => comm(p) !== "run")
    .reduce((a, p) => a + cpuMs(p), 0);

/** Bytes waiting in the fifo (the starts since the last read), read without blocking. */
function drain(fd: number): number {
  const buf = Buffer.alloc(65536);
  let total = 0;
  for (;;) {
    try {
      const r = readSync(fd, buf);
      if (r <= 0) return total;
      total += r;
    } catch {
      return total; // EAGAIN: empty
    }
  }
}

interface Row {
  key: string;
  starts: number;
  cpuMs: number;
  perStartMs: number;
  procs: number;
  load: string;
}

async function measure(sup: (typeof all)[number], payload: string): Promise<Row | { key: string; skipped: string }> {
  if (!existsSync(sup.bin)) return { key: sup.key, skipped: `${sup.bin} is missing` };
  const dir = join(work, sup.key);
  for (let i = 0; i < n; i++) {
    const svc = join(dir, "svc", `svc${String(i).padStart(4, "0")}`);
    mkdirSync(svc, { recursive: true });
    linkSync(payload, join(svc, "run"));
  }
  const past = Date.now() / 1000 - 60; // runsvdir skips a dir modified in the current second
  utimesSync(join(dir, "svc"), past, past);
  spawnSync("mkfifo", ["-m", "0622", join(dir, "starts.fifo")]);
  const fifo = openSync(join(dir, "starts.fifo"), constants.O_RDWR | constants.O_NONBLOCK);
  const ns = startNamespace(sup.argv(join(dir, "svc")));
  try {
    await sleep(settleMs); // every service has started (and died) at least once
    const pid1 = firstChild(ns.child.pid!);
    if (!pid1) return { key: sup.key, skipped: `no PID 1; output: ${ns.output().slice(-300)}` };
    drain(fifo);
    const cpu0 = treeCpuMs(pid1);
    await sleep(windowMs);
    const cpu1 = treeCpuMs(pid1);
    const starts = drain(fifo);
    const procs = descendants(pid1).filter((p) => comm(p) !== "run").length;
    return { key: sup.key, starts, cpuMs: cpu1 - cpu0, perStartMs: (cpu1 - cpu0) / Math.max(1, starts), procs, load: loadavg()[0]!.toFixed(1) };
  } finally {
    await endNamespace(ns);
    closeSync(fifo);
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const payload = buildStatic("crashloop-payload.c", "crash");
  console.log(`${n} crash-looping services (static C ./run that exits 1), ${windowMs} ms window after ${settleMs} ms`);
  const rows = [];
  for (const s of supervisors) rows.push(await measure(s, payload));
  const s6 = rows.find((r) => r.key === "s6" && "perStartMs" in r) as Row | undefined;
  console.log("supervisor  starts  cpu ms  cpu ms/start  vs s6   processes  load");
  for (const r of rows) {
    if ("skipped" in r) {
      console.log(`${r.key.padEnd(10)}  skipped: ${r.skipped}`);
      continue;
    }
    const ratio = s6 ? (r.perStartMs / s6.perStartMs).toFixed(2) : "-";
    console.log(
      `${r.key.padEnd(10)}  ${String(r.starts).padStart(6)}  ${r.cpuMs.toFixed(0).padStart(6)}  ${r.perStartMs.toFixed(3).padStart(12)}  ${ratio.padStart(5)}  ${String(r.procs).padStart(9)}  ${r.load}`,
    );
  }
  console.log("target: tsinit's cpu ms/start <= 1.0x s6's (same run; the ratio moves with the machine and its load)");
}

void main().then(() => process.exit(0));
