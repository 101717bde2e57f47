// bench/supervise: the same N services under `tsinit scan`, `s6-svscan -c 2N`
// and `runsvdir`, each as PID 1 of its own pid + mount namespace, in one run.
// Every service's ./run is a hard link to one static C payload
// (bench/supervise-payload.c) that writes "NAME PID MONO_NS" into a fifo the
// bench holds open and pauses; "up" is judged by that line, never by a
// supervisor's status files, so the three are measured alike.
// Usage: tsx bench/supervise.ts [N...]   (default 100 1000, or $N="100,1000")
// Env: SUPERVISORS=tsinit,s6,runit  RESTARTS=20  IDLE_MS=5000  SETTLE_MS=1000  STEADY_MS=5000  STEADY_GAP_MS=5000
//      ROUNDS=1 (more rounds interleave the supervisors; the table shows medians, restarts pooled)
//      DAG=1 / DAG=0  DAG_SEED=1  FLOORS=spawn,state (FLOORS=spawn,state,async adds the third; FLOORS= none)
//      TSINIT_BASE=path: a second tsinit build ("base") boots the same trees in the
//      same interleaved rounds, with a tsinit/base column (an A/B of two builds
//      that one machine's drift does not decide)
// Floors (bench/supervise-floor.cjs): in each round, after the supervisors,
// the same Node as the executable's (its stripped base, its V8 flags) with
// the same addon boots the same tree as PID 1, doing only (spawn) Node's
// start and a spawn per ./run, then (state) that plus s6's files per service
// as tsinit makes them. Up times only: what any supervisor in one Node
// process pays here, so a target below a floor shows as out of reach.
// DAG run (bench/supervise-dag.ts): tsinit alone also boots the same N services
// as a random dependency graph (fixed seed; service i has a `dependencies` file
// naming 0-3 of services 0..i-1; no notification-fd, so each is ready once up),
// right after its flat run in each round. A second table gives first/all up for
// flat and DAG, DAG/flat and the graph's depth (longest chain). On by default
// for N = 1000 only (the N the targets are set for); DAG=1 runs it at every N,
// DAG=0 never. s6-svscan and runsvdir have no dependencies, so they have no DAG
// run; the flat table is the same with or without it.
import { existsSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import {
  baseNodeOf,
  buildPayload,
  endNamespace,
  firstChild,
  isStopping,
  makeTree,
  Marks,
  nowNs,
  openWork,
  sleep,
  startNamespace,
  type Namespace,
} from "./nsbench";
import { randomDag, shape, writeDependencies } from "./supervise-dag";
// the flags every start of the executable runs with (scripts/pack.mjs)
import EXEC_ARGV from "../scripts/exec-argv.json";
import { combine, report, reportDag, reportFloors, type Result, type UpResult } from "./supervise-report";
import { comm, ctxtSwitches, descendants, innerPid, pssKiB } from "./proctree";

const sizes = (process.argv.length > 2 ? process.argv.slice(2) : (process.env.N ?? "100,1000").split(",")).map(Number);
const restarts = Number(process.env.RESTARTS ?? 20);
const idleMs = Number(process.env.IDLE_MS ?? 5000);
const settleMs = Number(process.env.SETTLE_MS ?? 1000);
/** A second idle window, STEADY_GAP_MS after the first: tsinit's one
 *  after-boot trim (src/boot/trim.ts) runs about 1 s after the scan's start,
 *  inside the first window, and V8's memory reducer, woken by the trim's GCs,
 *  makes one more GC 8 s after it (~50-130 switches; none with node's
 *  --no-memory-reducer); the second window shows the idle that follows both
 *  (STEADY_MS=0: no second window). */
const steadyMs = Number(process.env.STEADY_MS ?? 5000);
const steadyGapMs = Number(process.env.STEADY_GAP_MS ?? 5000);
const rounds = Number(process.env.ROUNDS ?? 1);
const only = process.env.SUPERVISORS?.split(",");
const tsinit = resolve(process.env.TSINIT_BIN ?? "dist/tsinit");
const dagAt = (n: number) => (process.env.DAG === undefined ? n === 1000 : process.env.DAG === "1");
const dagSeed = Number(process.env.DAG_SEED ?? 1);
const base = process.env.TSINIT_BASE ? resolve(process.env.TSINIT_BASE) : undefined;

interface Supervisor {
  key: string;
  bin: string;
  argv(dir: string, n: number): string[];
}
const all: Supervisor[] = [
  { key: "tsinit", bin: tsinit, argv: (d) => [tsinit, "scan", d] },
  { key: "s6", bin: "/usr/bin/s6-svscan", argv: (d, n) => ["/usr/bin/s6-svscan", "-c", String(2 * n), d] },
  { key: "runit", bin: "/usr/bin/runsvdir", argv: (d) => ["/usr/bin/runsvdir", d] },
  ...(base ? [{ key: "base", bin: base, argv: (d: string) => [base, "scan", d] }] : []),
];
const supervisors = all.filter((s) => !only || only.includes(s.key));

/** The executable's base Node (boot() skips the floors as missing before a build). */
const baseNode = baseNodeOf(tsinit);
const floorArgv = (mode: string) => (d: string) => [
  baseNode,
  ...EXEC_ARGV,
  resolve("bench/supervise-floor.cjs"),
  resolve("build/Release/tsinit.node"),
  mode,
  d,
];
const floors: Supervisor[] = (process.env.FLOORS ?? "spawn,state")
  .split(",")
  .filter(Boolean)
  .map((mode) => ({ key: `floor-${mode}`, bin: baseNode, argv: floorArgv(mode) }));

const work = openWork("supervise");

/** "1 s6-svscan + 1000 s6-supervise" */
function describe(pids: number[]): string {
  const counts = new Map<string, number>();
  for (const p of pids) counts.set(comm(p), (counts.get(comm(p)) ?? 0) + 1);
  return [...counts].map(([c, k]) => `${k} ${c}`).join(" + ");
}

type Skipped = { skipped: string };
/** A supervisor booted as PID 1 on n services, all of them up. */
interface Booted {
  names: string[];
  marks: Marks;
  ns: Namespace;
  firstUpMs: number;
  allUpMs: number;
  /** payload starts beyond one per service: a failed start was retried */
  extra: number;
}

/** Boots sup on a fresh tree of n services (with deps, each one's `dependencies` file too),
 * waits until all are up, hands over to then(), and always ends the namespace. */
async function boot<T>(
  sup: Supervisor,
  n: number,
  payload: string,
  deps: number[][] | undefined,
  then: (b: Booted) => Promise<T | Skipped>,
): Promise<T | Skipped> {
  if (!existsSync(sup.bin)) return { skipped: `${sup.bin} is missing` };
  const dir = join(work, `${sup.key}-${n}${deps ? "-dag" : ""}`);
  const names = makeTree(dir, n, payload);
  if (deps) writeDependencies(join(dir, "svc"), names, deps);
  const marks = new Marks(join(dir, "up.fifo"));
  const ns = startNamespace(sup.argv(join(dir, "svc"), n));
  // From the spawn of the namespace, after startNamespace dropped the page cache (which is no boot's time).
  const t0 = ns.startedNs;
  try {
    const upTimeout = 20_000 + 30 * n;
    const up = await marks.until(() => marks.seen.size === n, upTimeout, ns.exited);
    if (up !== "ok") {
      const why = up === "exit" ? `exited ${await ns.exited}` : `timed out after ${upTimeout} ms`;
      return { skipped: `${marks.seen.size}/${n} up, then ${why}; output: ${ns.output().trim().slice(-300) || "(none)"}` };
    }
    const upNs = [...marks.seen.values()].map((m) => m.ns);
    const firstUpMs = (Math.min(...upNs) - t0) / 1e6;
    const allUpMs = (Math.max(...upNs) - t0) / 1e6;
    return await then({ names, marks, ns, firstUpMs, allUpMs, extra: marks.lines - n });
  } finally {
    await endNamespace(ns);
    marks.close();
    await rm(dir, { recursive: true, force: true }); // async: see stop()
  }
}

/** Up times only: tsinit on the dependency graph, a floor on the flat tree. */
const measureUp = (sup: Supervisor, n: number, payload: string, deps?: number[][]): Promise<UpResult> =>
  boot(sup, n, payload, deps, async ({ firstUpMs, allUpMs, extra }) => ({ firstUpMs, allUpMs, extra }));

const measure = (sup: Supervisor, n: number, payload: string): Promise<Result> =>
  boot(sup, n, payload, undefined, async ({ names, marks, ns, firstUpMs, allUpMs, extra }) => {
    const { child, exited } = ns;
    await sleep(settleMs);
    const pid1 = firstChild(child.pid!)!;
    const hostOf = new Map<number, number>(); // inner pid -> host pid
    for (const p of descendants(pid1)) hostOf.set(innerPid(p) ?? -1, p);
    const payloads = new Set(names.map((s) => hostOf.get(marks.seen.get(s)!.pid)));
    const sups = [...hostOf.values()].filter((p) => !payloads.has(p));
    const pssMiB = sups.reduce((a, p) => a + pssKiB(p), 0) / 1024;
    const procs = describe(sups) + (extra ? `; ${extra} extra payload starts before all up` : "");

    const before = new Map(sups.map((p) => [p, ctxtSwitches(p)]));
    await sleep(idleMs);
    const wakeups = sups.reduce((a, p) => a + ctxtSwitches(p) - before.get(p)!, 0);
    let steadyWakeups: number | undefined;
    let steadyPssMiB: number | undefined;
    if (steadyMs > 0) {
      await sleep(steadyGapMs);
      const then = new Map(sups.map((p) => [p, ctxtSwitches(p)]));
      await sleep(steadyMs);
      steadyWakeups = sups.reduce((a, p) => a + ctxtSwitches(p) - then.get(p)!, 0);
      steadyPssMiB = sups.reduce((a, p) => a + pssKiB(p), 0) / 1024;
    }

    const restartMs: number[] = [];
    for (let i = 0; i < Math.min(restarts, n); i++) {
      const name = names[Math.floor((i * n) / Math.min(restarts, n))]!;
      const old = marks.seen.get(name)!;
      const host = hostOf.get(old.pid);
      if (!host) return { skipped: `no host pid for ${name} (inner pid ${old.pid})` };
      const tKill = nowNs();
      process.kill(host, "SIGKILL");
      const r = await marks.until(() => marks.seen.get(name)!.pid !== old.pid, 5000, exited);
      if (r !== "ok") return { skipped: `${name} not restarted within 5 s of SIGKILL (${r})` };
      restartMs.push((marks.seen.get(name)!.ns - tKill) / 1e6);
    }
    return { firstUpMs, allUpMs, pssMiB, steadyPssMiB, procs, wakeups, steadyWakeups, restartMs, load: loadavg()[0]!.toFixed(1) };
  });

async function main(): Promise<void> {
  const payload = buildPayload();
  for (const s of supervisors) if (existsSync(s.bin)) readFileSync(s.bin); // warm the page cache alike
  console.log(
    `payload: static C (${payload}), ./run hard-linked to it; idle window ${idleMs} ms after a ${settleMs} ms settle${steadyMs > 0 ? `, then a second of ${steadyMs} ms ${steadyGapMs} ms after it` : ""}`,
  );
  for (const n of sizes) {
    const runs = new Map<string, Result[]>(supervisors.map((s) => [s.key, []]));
    const deps = dagAt(n) && runs.has("tsinit") ? randomDag(n, dagSeed) : undefined;
    const dags: UpResult[] = [];
    const floorRuns = new Map<string, UpResult[]>(floors.map((f) => [f.key, []]));
    for (let round = 0; round < rounds; round++) {
      for (const sup of supervisors) {
        if (isStopping()) return;
        if (runs.get(sup.key)!.some((r) => "skipped" in r)) continue; // a supervisor that failed once is not retried
        const r = await measure(sup, n, payload);
        runs.get(sup.key)!.push(r);
        process.stderr.write(`${sup.key} N=${n}: ${"skipped" in r ? `skipped: ${r.skipped}` : `all up ${r.allUpMs.toFixed(0)} ms`}\n`);
        if (sup.key !== "tsinit" || !deps || dags.some((d) => "skipped" in d) || isStopping()) continue;
        const d = await measureUp(all[0]!, n, payload, deps);
        dags.push(d);
        process.stderr.write(`tsinit N=${n} DAG: ${"skipped" in d ? `skipped: ${d.skipped}` : `all up ${d.allUpMs.toFixed(0)} ms`}\n`);
      }
      for (const f of floors) {
        if (isStopping()) return;
        if (floorRuns.get(f.key)!.some((r) => "skipped" in r)) continue;
        const r = await measureUp(f, n, payload);
        floorRuns.get(f.key)!.push(r);
        process.stderr.write(`${f.key} N=${n}: ${"skipped" in r ? `skipped: ${r.skipped}` : `all up ${r.allUpMs.toFixed(0)} ms`}\n`);
      }
    }
    const combined = new Map([...runs].map(([k, rs]) => [k, combine(rs)]));
    report(n, combined, idleMs, steadyMs);
    if (deps) reportDag(n, combined.get("tsinit"), dags, { seed: dagSeed, ...shape(deps) });
    if (floors.length) reportFloors(n, combined, floorRuns);
  }
}

void main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
