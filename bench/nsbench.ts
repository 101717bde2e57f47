// The pieces of a namespace benchmark (bench/supervise, bench/shutdown): a
// temp work dir removed on exit, on SIGINT/SIGTERM and by the next run if
// this one was SIGKILLed; the static C payload and a scan dir of N services
// hard-linked to it; the up-fifo those payloads write to; and a supervisor
// started as PID 1 of its own pid + mount namespace, which dies with us.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { rm } from "node:fs/promises";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

// setpriv --pdeathsig: unshare dies with this process whatever kills it, and --kill-child takes the namespace.
export const UNSHARE = ["setpriv", "--pdeathsig", "KILL", "--", "unshare", "-p", "-f", "-m", "--mount-proc", "--kill-child"];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** CLOCK_MONOTONIC in ns, the payload's clock */
export const nowNs = () => Number(process.hrtime.bigint());

const live = new Set<ChildProcess>();
let stopping = false;
let work = "";

/** True once SIGINT/SIGTERM asked the bench to stop. */
export const isStopping = () => stopping;

/** Creates the work dir /tmp/tsinit-bench-NAME-XXXXXX (removing dead runs' ones) and the handlers that clean up. */
export function openWork(name: string): string {
  const prefix = `tsinit-bench-${name}-`;
  work = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(work, "bench.pid"), String(process.pid));
  removeStale(prefix);
  process.on("exit", () => {
    for (const c of live) killNamespace(c, firstChild(c.pid!));
    rmSync(work, { recursive: true, force: true });
  });
  process.on("SIGINT", () => void stop(130));
  process.on("SIGTERM", () => void stop(143));
  return work;
}

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

/** Removes temp dirs of earlier runs whose bench is dead: tsx SIGKILLs a child that is slow to
 * answer a relayed signal, and then no exit handler runs (setpriv still takes its namespaces). */
function removeStale(prefix: string): void {
  for (const d of readdirSync(tmpdir()).filter((e) => e.startsWith(prefix))) {
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
export function killNamespace(unshare: ChildProcess, pid1: number | undefined): void {
  try {
    if (pid1) return void process.kill(pid1, "SIGKILL");
  } catch {
    /* PID 1 already gone */
  }
  unshare.kill("SIGKILL");
}

/** The Node the executable TSINIT is built on, as scripts/pack.mjs leaves it
 *  beside it: its stripped base, dist/.sea/node-vX (the bench's own version). */
export const baseNodeOf = (tsinit: string) => join(dirname(tsinit), ".sea", `node-${process.version}`);

/** Compiles bench/SRC statically into the work dir as NAME. */
export function buildStatic(src: string, name: string): string {
  const out = join(work, name);
  const path = resolve("bench", src);
  const r = spawnSync("cc", ["-static", "-O2", "-o", out, path], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cc ${path} failed: ${r.stderr || r.error}`);
  return out;
}

/** Compiles the service payload (bench/supervise-payload.c). */
export const buildPayload = () => buildStatic("supervise-payload.c", "payload");

/** The up-lines seen on a fifo, by service name; waiters are woken on each line. */
export class Marks {
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
      const settle = (how: "ok" | "exit") => {
        clearTimeout(timer);
        res(how);
      };
      const check = () => (ok() ? settle("ok") : this.waiters.push(check));
      void exited.then(() => settle("exit"));
      check();
    });
  }
  close(): void {
    this.sock.destroy();
  }
}

/** A fresh scan dir DIR/svc of n services whose ./run is the payload, plus the fifo DIR/up.fifo. */
export function makeTree(dir: string, n: number, payload: string): string[] {
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
export function firstChild(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0]) || undefined;
  } catch {
    return undefined;
  }
}

/** Waits (up to 10 s) until pid is gone or a zombie: a namespace's PID 1 exits only after all its members. */
export async function gone(pid: number | undefined): Promise<void> {
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

/** A command running as PID 1 of its own namespace: unshare's process, its exit, its last output. */
export interface Namespace {
  child: ChildProcess;
  /** nowNs() right before the spawn, after the page cache was dropped */
  startedNs: number;
  /** unshare's exit code, or its signal name */
  exited: Promise<number | string>;
  /** the last 4000 characters of its stdout and stderr ("" once ended) */
  output(): string;
  /** closes the file that holds them (endNamespace does) */
  close(): void;
}

/** Drops the page cache (as root; COLD_CACHE=0 to skip), so each supervisor
 *  is paged in from disk as at a boot. A binary written just before (a fresh
 *  build) or read with cat sits in the cache in large folios, and each page
 *  fault then maps a whole folio: dist/tsinit's PSS at N = 1000 read 70 MiB
 *  just built, 67 after a cat, 60 paged in from disk — the same process. */
export function coldCache(): void {
  if (process.env.COLD_CACHE === "0" || process.getuid?.() !== 0) return;
  spawnSync("sync");
  try {
    writeFileSync("/proc/sys/vm/drop_caches", "1");
  } catch {
    /* not allowed here (a container): measure as it is */
  }
}

/** COLD_CACHE=0 ("warm"): reads file through once, so the whole of it is in
 *  the page cache when the boot starts. tsinit's after-boot trim takes the
 *  pages it touched out of the cache (MADV_PAGEOUT reclaims them: ~22 of
 *  dist/tsinit's 104 MiB, fincore), so a "warm" boot right after a trimmed one
 *  read them from disk again: bench/small's warm tsinit was partly cold. Read
 *  in, the file sits in large folios (above): warm PSS reads higher than cold. */
export function warmCache(file: string): void {
  if (process.env.COLD_CACHE !== "0") return;
  spawnSync("cat", [file], { stdio: "ignore" });
}

/** Starts argv under `unshareArgv` (default UNSHARE) with env (default ours); the bench kills it if it stops first. */
export function startNamespace(argv: string[], unshareArgv = UNSHARE, env = process.env): Namespace {
  coldCache();
  warmCache(argv[0]!);
  // Its stdout and stderr (a supervisor's console) go to a file, not to a
  // pipe this process reads: the pipe woke the bench at every console write,
  // and on 2 cores that reader took CPU from the boot it timed. tsinit writes
  // ~30 boot lines to its console; s6's stage 1 sends its output to its own
  // logger. (dock0 shape, 8 interleaved warm boots twice: tsinit all up 67-69
  // -> 63 ms, s6 the same.) A machine's console is a device, not a process.
  // Unlinked at once: the fd is all the bench keeps.
  const path = join(tmpdir(), `tsinit-bench-console-${process.pid}-${consoles++}`);
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
  rmSync(path);
  const startedNs = nowNs();
  const child = spawn(unshareArgv[0]!, [...unshareArgv.slice(1), ...argv], { stdio: ["ignore", fd, fd], env });
  live.add(child);
  const exited = new Promise<number | string>((res) => child.on("exit", (code, sig) => res(code ?? sig ?? "?")));
  let open = true;
  const output = () => {
    if (!open) return "";
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(Math.min(size, 4000));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    return tail.toString();
  };
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return { child, startedNs, exited, output, close };
}
/** numbers the console files of one run */
let consoles = 0;

/** Ends the namespace if it still runs and waits until it is gone. */
export async function endNamespace(ns: Namespace): Promise<void> {
  // SIGKILL to PID 1 empties the namespace and lets unshare reap it (killing unshare first would
  // leave PID 1 a zombie of the host's init); --kill-child covers the case where PID 1 is unknown.
  const pid1 = firstChild(ns.child.pid!);
  killNamespace(ns.child, pid1);
  await ns.exited;
  await gone(pid1);
  live.delete(ns.child);
  ns.close();
}
