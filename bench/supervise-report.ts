// Tables for bench/supervise: one per N, the supervisors side by side with
// the ratios of tsinit to each peer and whether tsinit met its target.
import { median, printTable } from "./lib";

/** One supervisor's figures at one N. */
export interface Measured {
  /** supervisor start to the first and the last payload's up-line */
  firstUpMs: number;
  allUpMs: number;
  pssMiB: number;
  /** the same after the second idle window (tsinit's trim done); undefined without it */
  steadyPssMiB?: number;
  procs: string;
  wakeups: number;
  /** over a later window (STEADY_MS, STEADY_GAP_MS after that one), once tsinit's after-boot trim and V8's GC after it are done; undefined without it */
  steadyWakeups?: number;
  restartMs: number[];
  /** 1-minute load average at the end, since the machine is shared and noisy */
  load: string;
}
/** Figures, or why there are none. */
export type Result = Measured | { skipped: string };

const fmt = (x: number | undefined, d = 1) => (x === undefined ? "-" : x.toFixed(d));
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? "-" : b === 0 ? (a === 0 ? "1" : "inf") : a / b >= 0.1 ? (a / b).toFixed(2) : (a / b).toPrecision(2);

/** KEY's figures in results, if it ran and was not skipped. */
function measured(results: Map<string, Result>, key: string): Measured | undefined {
  const r = results.get(key);
  return r && !("skipped" in r) ? r : undefined;
}

/** The rows of an up-times-only table (the DAG's, the floors'). */
const UP_ROWS: Array<[string, (r: { firstUpMs: number; allUpMs: number }) => number]> = [
  ["first up ms", (r) => r.firstUpMs],
  ["all up ms", (r) => r.allUpMs],
];

/** Prints one table for N: the three supervisors side by side, ratios, targets (set for N = 1000). */
export function report(n: number, results: Map<string, Result>, idleMs: number, steadyMs = 0): void {
  const m = (key: string) => measured(results, key);
  const cell = (key: string, f: (r: Measured) => string) => {
    const r = results.get(key);
    return !r ? "-" : "skipped" in r ? "skipped" : f(r);
  };
  type Row = [string, (r: Measured) => number, number, string, ((t: number, s6: number) => boolean)?];
  const rows: Row[] = [
    ["first up ms", (r) => r.firstUpMs, 0, ""],
    ["all up ms", (r) => r.allUpMs, 0, "<= 0.5x s6", (t, s6) => t <= 0.5 * s6],
    ["supervisor PSS MiB", (r) => r.pssMiB, 1, "<= 0.5x s6", (t, s6) => t <= 0.5 * s6],
    ...(steadyMs > 0 ? [["supervisor PSS MiB, later", (r: Measured) => r.steadyPssMiB ?? NaN, 1, ""] as Row] : []),
    [`idle wakeups / ${idleMs / 1000} s (trim inside)`, (r) => r.wakeups, 0, ""],
    ...(steadyMs > 0 ? [[`idle wakeups / ${steadyMs / 1000} s, later`, (r: Measured) => r.steadyWakeups ?? NaN, 0, "0", (t: number) => t === 0] as Row] : []),
    ["restart median ms", (r) => median(r.restartMs), 1, "<= 5", (t) => t <= 5],
    ["restart max ms", (r) => Math.max(...r.restartMs), 1, ""],
  ];
  // "base" (TSINIT_BASE) is a second tsinit build, shown only when it ran
  const keys = ["tsinit", "s6", "runit", ...(results.has("base") ? ["base"] : [])];
  console.log(`\nN = ${n} services`);
  printTable([
    ["metric", ...keys, ...keys.slice(1).map((k) => `tsinit/${k}`), "target", "met"],
    ...rows.map(([label, f, d, target, ok]) => {
      const [t, ...others] = keys.map((k) => (m(k) ? f(m(k)!) : undefined));
      const met = !ok || t === undefined ? "-" : ok(t, others[0] ?? NaN) ? "yes" : "no";
      return [label, ...keys.map((k) => cell(k, (x) => fmt(f(x), d))), ...others.map((o) => ratio(t, o)), target, met];
    }),
  ]);
  for (const [key, r] of results)
    console.log(`  ${key}: ${"skipped" in r ? `SKIPPED: ${r.skipped}` : `${r.procs}; ${r.restartMs.length} restarts; load avg ${r.load}`}`);
  console.log("  targets are judged on tsinit and are set for N = 1000");
}

/** One result from several rounds: the median of each figure, restart latencies pooled. */
export function combine(rs: Result[]): Result {
  const skip = rs.find((r) => "skipped" in r);
  if (skip) return skip;
  const ms = rs as Measured[];
  const med = (f: (r: Measured) => number) => median(ms.map(f));
  return {
    firstUpMs: med((r) => r.firstUpMs),
    allUpMs: med((r) => r.allUpMs),
    pssMiB: med((r) => r.pssMiB),
    steadyPssMiB: ms.some((r) => r.steadyPssMiB === undefined) ? undefined : med((r) => r.steadyPssMiB!),
    wakeups: med((r) => r.wakeups),
    steadyWakeups: ms.some((r) => r.steadyWakeups === undefined) ? undefined : med((r) => r.steadyWakeups!),
    restartMs: ms.flatMap((r) => r.restartMs),
    procs: ms[0]!.procs + (ms.length > 1 ? ` (median of ${ms.length} rounds)` : ""),
    load: ms.map((r) => r.load).join(" "),
  };
}

/** Up times only: tsinit booting the same N services as a dependency graph, or a floor. */
export interface UpMeasured {
  firstUpMs: number;
  allUpMs: number;
  /** payload starts beyond one per service before all were up */
  extra: number;
}
export type UpResult = UpMeasured | { skipped: string };

/** Prints the DAG table for N beside tsinit's flat run of the same invocation (medians over the rounds). */
export function reportDag(n: number, flat: Result | undefined, dags: UpResult[], graph: { seed: number; edges: number; depth: number }): void {
  const skip = dags.find((r) => "skipped" in r);
  const ok = skip ? [] : (dags as UpMeasured[]);
  const f = flat && !("skipped" in flat) ? flat : undefined;
  console.log(`\nN = ${n} services as a dependency graph, tsinit only: seed ${graph.seed}, ${graph.edges} edges, depth ${graph.depth} (longest chain)`);
  printTable([
    ["metric", "flat", "DAG", "DAG/flat"],
    ...UP_ROWS.map(([label, get]) => {
      const d = ok.length ? median(ok.map(get)) : undefined;
      const t = f ? get(f) : undefined;
      return [label, !flat ? "-" : f ? fmt(t, 0) : "skipped", skip ? "skipped" : fmt(d, 0), ratio(d, t)];
    }),
  ]);
  if (skip) console.log(`  DAG: SKIPPED: ${skip.skipped}`);
  else console.log(`  DAG: ${ok.length} run${ok.length > 1 ? "s" : ""}; ${ok.reduce((a, r) => a + r.extra, 0)} extra payload starts before all up`);
  if (flat && "skipped" in flat) console.log(`  flat: SKIPPED: ${flat.skipped}`);
}

/** Prints the floors for N (medians over the rounds) beside tsinit and s6 of the same rounds: what
 *  Node's start and the spawns alone cost here (spawn), with s6's files per service (state), and
 *  whichever else FLOORS ran (async), each against s6; tsinit against the state floor. */
export function reportFloors(n: number, results: Map<string, Result>, floors: Map<string, UpResult[]>): void {
  const modes = [...floors.keys()].map((key) => key.replace(/^floor-/, ""));
  /** a floor's runs, unless one was skipped */
  const up = (mode: string) => {
    const rs = floors.get(`floor-${mode}`) ?? [];
    return rs.length && !rs.some((r) => "skipped" in r) ? (rs as UpMeasured[]) : undefined;
  };
  console.log(`\nN = ${n} services: the floors (the executable's Node and addon as PID 1, same rounds, up times only)`);
  const tsinit = measured(results, "tsinit");
  const s6Run = measured(results, "s6");
  printTable([
    ["metric", "tsinit", ...modes.map((f) => `floor: ${f}`), "s6", ...modes.map((f) => `${f}/s6`), "tsinit/state"],
    ...UP_ROWS.map(([label, get]) => {
      const t = tsinit ? get(tsinit) : undefined;
      const s6 = s6Run ? get(s6Run) : undefined;
      const at = modes.map((f) => {
        const rs = up(f);
        return rs ? median(rs.map(get)) : undefined;
      });
      const state = at[modes.indexOf("state")];
      return [label, fmt(t, 0), ...at.map((x) => fmt(x, 0)), fmt(s6, 0), ...at.map((x) => ratio(x, s6)), ratio(t, state)];
    }),
  ]);
  for (const [key, rs] of floors) {
    const skip = rs.find((r): r is { skipped: string } => "skipped" in r);
    if (skip) console.log(`  ${key}: SKIPPED: ${skip.skipped}`);
  }
  console.log("  a target below a floor's ratio is out of reach of any supervisor in one Node process here");
}
