// Runs the real binary as PID 1 of a new pid + mount namespace
// (`unshare -p -f -m -u --mount-proc --kill-child`; -u so a test's hostname stays in it) and lets a test watch its
// output, run commands inside that namespace, and stop it. Tests are not the
// init, so they may use child_process.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";

/** The binary under test: $TSINIT_BIN or dist/tsinit. */
export const BIN = resolve(process.env.TSINIT_BIN ?? "dist/tsinit");

export interface Pid1 {
  /** the unshare process */
  child: ChildProcess;
  /** everything PID 1 wrote to stdout and stderr so far */
  output(): string;
  /** resolves with the first match of re in the output, or rejects after ms */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** resolves with unshare's exit code (128+n when killed by n) */
  exited: Promise<number>;
  /** PID 1's pid as the host sees it */
  hostPid(): number;
  /** runs argv inside the namespace (nsenter -p -m), returns stdout, status */
  exec(argv: string[], opts?: { env?: NodeJS.ProcessEnv; input?: string }): { stdout: string; stderr: string; status: number };
  /** SIGKILL to the whole namespace (via unshare --kill-child) and wait */
  kill(): Promise<number>;
}

export interface Pid1Options {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** prefix argv, e.g. ["chroot", dir] */
  wrap?: string[];
  /** the binary, default BIN */
  bin?: string;
}

/** Starts BIN args as PID 1. */
export function startPid1(args: string[], opts: Pid1Options = {}): Pid1 {
  const bin = opts.bin ?? BIN;
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first`);
  const argv = ["-p", "-f", "-m", "-u", "--mount-proc", "--kill-child", ...(opts.wrap ?? []), bin, ...args];
  const child = spawn("unshare", argv, { stdio: ["ignore", "pipe", "pipe"], env: opts.env ?? process.env, cwd: opts.cwd });
  let out = "";
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    if (process.env.TSINIT_TEST_VERBOSE) process.stderr.write(d);
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number>((res) => child.on("exit", (code, sig) => res(code ?? 128 + (sig ? osSignal(sig) : 0))));

  const hostPid = (): number => {
    const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/);
    const pid = Number(kids[0]);
    if (!pid) throw new Error("PID 1 is not running");
    return pid;
  };

  const waitFor = (re: RegExp, ms = 10_000) =>
    new Promise<RegExpMatchArray>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${re}; output:\n${out}`)), ms);
      const check = () => {
        const m = out.match(re);
        if (m) {
          clearTimeout(timer);
          res(m);
        } else waiters.push(check);
      };
      check();
      void exited.then(() => {
        if (!out.match(re)) {
          clearTimeout(timer);
          rej(new Error(`PID 1 exited while waiting for ${re}; output:\n${out}`));
        }
      });
    });

  const exec: Pid1["exec"] = (cmd, o = {}) => {
    const r = spawnSync("nsenter", ["-t", String(hostPid()), "-p", "-m", "--", ...cmd], {
      encoding: "utf8",
      env: o.env ?? process.env,
      input: o.input,
      timeout: 30_000,
    });
    return { stdout: r.stdout ?? "", stderr: r.stderr ?? "", status: r.status ?? 128 };
  };

  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // PID 1 first (unshare then reaps it and exits), unshare too for good measure.
      try {
        process.kill(hostPid(), "SIGKILL");
      } catch {
        /* already gone */
      }
      child.kill("SIGKILL");
    }
    return orLate(exited, 10_000, () => 137);
  };

  return { child, output: () => out, waitFor, exited, hostPid, exec, kill };
}

function osSignal(name: string): number {
  const n = (require("node:os") as typeof import("node:os")).constants.signals[name as NodeJS.Signals];
  return n ?? 0;
}

/** Sleeps ms. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** p's value, or onLate()'s (or its throw) once ms pass first. The timer is
 *  cleared when p settles: a race with sleep(ms) left it running, and the
 *  test process waited for it after its last test. */
export async function orLate<T, L>(p: Promise<T>, ms: number, onLate: () => L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<L>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onLate());
      } catch (e) {
        reject(e);
      }
    }, ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls check() every 20 ms until it returns a truthy value or ms pass. For tests only. */
export async function eventually<T>(check: () => T, ms = 10_000, what = "condition"): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    let last: unknown;
    try {
      const v = check();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await sleep(20);
  }
}
