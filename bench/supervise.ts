// bench/supervise: the same N services under `tsinit scan`, `s6-svscan -c 2N`
// and `runsvdir`, each as PID 1 of its own pid + mount namespace, in one run.
// Every service's ./run is a hard link to one static C payload
// (bench/supervise-payload.c) that writes "NAME PID MONO_NS" into a fifo the
// bench holds open and pauses; "up" is judged by that line, never by a
// supervisor's status files, so the three are measured alike.
// Usage: tsx bench/supervise.ts [N...]   (default 100 1000, or $N="100,1000")
// Env: SUPERVISORS=tsinit,s6,runit  RESTARTS=20  IDLE_MS=5000  SETTLE_MS=1000
//      ROUNDS=1 (more rounds interleave the supervisors; the table shows medians, restarts pooled)
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { constants, existsSync, linkSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { Socket } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { combine, report, type Result } from "./supervise-report";
import { comm, ctxtSwitches, descendants, innerPid, pssKiB } from "./proctree";

const sizes = (process.argv.length > 2 ? process.argv.slice(2) : (process.env.N ?? "100,1000").split(",")).map(Number);
const restarts = Number(process.env.RESTARTS ?? 20);
const idleMs = Number(process.env.IDLE_MS ?? 5000);
const settleMs = Number(process.env.SETTLE_MS ?? 1000);
const rounds = Number(process.env.ROUNDS ?? 1);
const only = process.env.SUPERVISORS?.split(",");
const tsinit = resolve(process.env.TSINIT_BIN ?? "dist/tsinit");
// setpriv --pdeathsig: unshare dies with this process whatever kills it, and --kill-child takes the namespace.
const UNSHARE = ["setpriv", "--pdeathsig", "KILL", "--", "unshare", "-p", "-f", "-m", "--mount-proc", "--kill-child"];

interface Supervisor {
  key: string;
  bin: string;
  argv(dir: string, n: number): string[];
}
const all: Supervisor[] = [
  { key: "tsinit", bin: tsinit, argv: (d) => [tsinit, "scan", d] },
  { key: "s6", bin: "/usr/bin/s6-svscan", argv: (d, n) => ["/usr/bin/s6-svscan", "-c", String(2 * n), d] },
  { key: "runit", bin: "/usr/bin/runsvdir", argv: (d) => ["/usr/bin/runsvdir", d] },
];
const supervisors = all.filter((s) => !only || only.includes(s.key));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowNs = () => Number(process.hrtime.bigint());
const work = mkdtempSync(join(tmpdir(), "tsinit-bench-supervise-"));
writeFileSync(join(work, "bench.pid"), String(process.pid));
removeStale();
const live = new Set<ChildProcess>();
let stopping = false;

/** Kills every namespace still running and removes the temp dir, retrying while the namespaces die.
 * Async, so tsx's signal relay sees this process respond (it SIGKILLs a child busy for 60 ms). */
async function stop(code: number): Promise<never> {
  stopping = true;
  for (const c of live) killNamespace(c, firstChild(c.pid!));
  for (let i = 0; i < 50; i++) {
    try {
      await rm(work, { recursive: true, force: true });
      break;
    } catch {
      await sleep(100); // a dying supervisor may still create files
    }
  }
  process.exit(code);
}
process.on("exit", () => {
  for (const c of live) killNamespace(c, firstChild(c.pid!));
  rmSync(work, { recursive: true, force: true });
});
process.on("SIGINT", () => void stop(130));
process.on("SIGTERM", () => void stop(143));

/** Removes temp dirs of earlier runs whose bench is dead: tsx SIGKILLs a child that is slow to
 * answer a relayed signal, and then no exit handler runs (setpriv still takes its namespaces). */
function removeStale(): void {
  for (const d of readdirSync(tmpdir()).filter((e) => e.startsWith("tsinit-bench-supervise-"))) {
    const dir = join(tmpdir(), d);
    let pid = 0;
    try {
      pid = Number(readFileSync(join(dir, "bench.pid"), "utf8"));
      process.kill(pid, 0);
    } catch (e) {
      if (pid && (e as NodeJS.ErrnoException).code === "ESRCH") rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** SIGKILL to the namespace's PID 1 if known (then unshare reaps it), else to unshare (--kill-child). */
function killNamespace(unshare: ChildProcess, pid1: number | undefined): void {
  try {
    if (pid1) return void process.kill(pid1, "SIGKILL");
  } catch {
    /* PID 1 already gone */
  }
  unshare.kill("SIGKILL");
}

/** Compiles the payload statically into the temp dir. */
function buildPayload(): string {
  const out = join(work, "payload");
  const src = resolve("bench/supervise-payload.c");
  const r = spawnSync("cc", ["-static", "-O2", "-o", out, src], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cc ${src} failed: ${r.stderr || r.error}`);
  return out;
}

/** The up-lines seen on a fifo, by service name; waiters are woken on each line. */
class Marks {
  readonly seen = new Map<string, { pid: number; ns: number }>();
  /** every line, so payloads that started more than once before "all up" show */
  lines = 0;
  private waiters: Array<() => void> = [];
  private sock: Socket;
  constructor(fifo: string) {
    // O_RDWR: the bench is also a writer, so the fifo never reads EOF between payloads.
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    this.sock = new Socket({ fd, readable: true, writable: false });
    let buf = "";
    this.sock.on("data", (d) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const l of lines) {
        const [name, pid, ns] = l.split(" ");
        this.seen.set(name!, { pid: Number(pid), ns: Number(ns) });
        this.lines++;
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }
  /** Resolves when ok() holds, "timeout" after ms, or "exit" if the namespace ends first. */
  until(ok: () => boolean, ms: number, exited: Promise<unknown>): Promise<"ok" | "timeout" | "exit"> {
    return new Promise((res) => {
      const timer = setTimeout(() => res("timeout"), ms);
      const check = () => (ok() ? (clearTimeout(timer), res("ok")) : this.waiters.push(check));
      void exited.then(() => (clearTimeout(timer), res("exit")));
      check();
    });
  }
  close(): void {
    this.sock.destroy();
  }
}

/** A fresh scan dir of n services whose ./run is the payload, plus the fifo. */
function makeTree(dir: string, n: number, payload: string): string[] {
  const names = Array.from({ length: n }, (_, i) => `svc${String(i).padStart(4, "0")}`);
  for (const name of names) {
    mkdirSync(join(dir, "svc", name), { recursive: true });
    linkSync(payload, join(dir, "svc", name, "run"));
  }
  // Backdate the scan dir as a real boot's would be: runsvdir does not scan a dir modified in the current second.
  const past = Date.now() / 1000 - 60;
  utimesSync(join(dir, "svc"), past, past);
  const r = spawnSync("mkfifo", ["-m", "0622", join(dir, "up.fifo")]);
  if (r.status !== 0) throw new Error(`mkfifo ${dir}/up.fifo failed`);
  return names;
}

/** The first child of pid (unshare's child is the namespace's PID 1), if any. */
function firstChild(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0]) || undefined;
  } catch {
    return undefined;
  }
}

/** Waits (up to 10 s) until pid is gone or a zombie: a namespace's PID 1 exits only after all its members. */
async function gone(pid: number | undefined): Promise<void> {
  for (let i = 0; pid && i < 500; i++) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return;
    }
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return;
    await sleep(20);
  }
}

/** "1 s6-svscan + 1000 s6-supervise" */
function describe(pids: number[]): string {
  const counts = new Map<string, number>();
  for (const p of pids) counts.set(comm(p), (counts.get(comm(p)) ?? 0) + 1);
  return [...counts].map(([c, k]) => `${k} ${c}`).join(" + ");
}

async function measure(sup: Supervisor, n: number, payload: string): Promise<Result> {
  if (!existsSync(sup.bin)) return { skipped: `${sup.bin} is missing` };
  const dir = join(work, `${sup.key}-${n}`);
  const names = makeTree(dir, n, payload);
  const marks = new Marks(join(dir, "up.fifo"));
  let out = "";
  const t0 = nowNs();
  const child = spawn(UNSHARE[0]!, [...UNSHARE.slice(1), ...sup.argv(join(dir, "svc"), n)], { stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-4000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | string>((res) => child.on("exit", (code, sig) => res(code ?? sig ?? "?")));
  try {
    const upTimeout = 20_000 + 30 * n;
    const up = await marks.until(() => marks.seen.size === n, upTimeout, exited);
    if (up !== "ok") {
      const why = up === "exit" ? `exited ${await exited}` : `timed out after ${upTimeout} ms`;
      return { skipped: `${marks.seen.size}/${n} up, then ${why}; output: ${out.trim().slice(-300) || "(none)"}` };
    }
    const upNs = [...marks.seen.values()].map((m) => m.ns);
    const firstUpMs = (Math.min(...upNs) - t0) / 1e6;
    const allUpMs = (Math.max(...upNs) - t0) / 1e6;
    const extra = marks.lines - n; // payload starts beyond one per service: a failed start was retried

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
    return { firstUpMs, allUpMs, pssMiB, procs, wakeups, restartMs, load: loadavg()[0]!.toFixed(1) };
  } finally {
    // SIGKILL to PID 1 empties the namespace and lets unshare reap it (killing unshare first would
    // leave PID 1 a zombie of the host's init); --kill-child covers the case where PID 1 is unknown.
    const pid1 = firstChild(child.pid!);
    killNamespace(child, pid1);
    await exited;
    await gone(pid1);
    live.delete(child);
    marks.close();
    await rm(dir, { recursive: true, force: true }); // async: see stop()
  }
}

async function main(): Promise<void> {
  const payload = buildPayload();
  for (const s of supervisors) if (existsSync(s.bin)) readFileSync(s.bin); // warm the page cache alike
  console.log(`payload: static C (${payload}), ./run hard-linked to it; idle window ${idleMs} ms after a ${settleMs} ms settle`);
  for (const n of sizes) {
    const runs = new Map<string, Result[]>(supervisors.map((s) => [s.key, []]));
    for (let round = 0; round < rounds; round++)
      for (const sup of supervisors) {
        if (stopping) return;
        if (runs.get(sup.key)!.some((r) => "skipped" in r)) continue; // a supervisor that failed once is not retried
        const r = await measure(sup, n, payload);
        runs.get(sup.key)!.push(r);
        process.stderr.write(`${sup.key} N=${n}: ${"skipped" in r ? `skipped: ${r.skipped}` : `all up ${r.allUpMs.toFixed(0)} ms`}\n`);
      }
    report(n, new Map([...runs].map(([k, rs]) => [k, combine(rs)])), idleMs);
  }
}

void main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
