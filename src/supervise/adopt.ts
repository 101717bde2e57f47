// Taking over what a previous supervisor left running, in the two cases a
// scan dir can be found with services already up: after a re-exec (they are
// our children: adopt the ones whose status holds, stop the rest of what
// runs in their dirs), and after a scanner that died for good (SIGKILL: they
// run on under the namespace's init; stop them, so the fresh start is the
// only copy). The decisions are in adopt-plan.ts; this file reads /proc and
// the status files, and stops processes, waiting for each through a pidfd
// (a non-child cannot be waited for otherwise) on the event loop.
import { readFileSync, realpathSync, statSync } from "node:fs";
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { decodeStatus } from "../s6/status-file";
import { isSupervised } from "./s6dir";
import { bootTimeMs, childrenOf, procCwd, procStat, processTable, startedAtMs } from "../sys/proc";
import { readScanDir } from "./scandir";
import { readServiceConfig } from "./config";
import { planAdoption, planSurvivors, planUnchecked, type AdoptionPlan, type ProcInfo, type StatusClaim } from "./adopt-plan";

/** Grace between the down signal and SIGKILL when the service sets no timeout-kill. */
export const STOP_GRACE_MS = 3000;
/** How long to wait after SIGKILL before saying a process would not die (D state). */
const KILL_WAIT_MS = 2000;

/** Every service dir of scanDir (and its log/), resolved, with its status.
 *  withStatus: only the dirs that have a supervise/status (a survivor check:
 *  a dir without one names no process, and costs one stat that finds nothing
 *  instead of a stat, a realpath and the open). */
export function statusClaims(scanDir: string, withStatus = false): StatusClaim[] {
  const claims: StatusClaim[] = [];
  for (const entry of readScanDir(scanDir).services) {
    for (const path of [entry.path, `${entry.path}/log`]) {
      let status = null;
      let bytes: Buffer | null = null;
      if (withStatus) {
        // A stat that says "absent" without throwing first: at a fresh start
        // every dir lacks the file, and a thrown ENOENT costs more than the syscall.
        try {
          if (!statSync(`${path}/supervise/status`, { throwIfNoEntry: false })) continue;
          bytes = readFileSync(`${path}/supervise/status`);
        } catch {
          continue; // absent or unreadable: no claim
        }
      }
      let dir: string;
      try {
        if (!withStatus && !statSync(path).isDirectory()) continue;
        dir = realpathSync(path);
      } catch {
        continue;
      }
      try {
        status = decodeStatus(bytes ?? readFileSync(`${dir}/supervise/status`));
      } catch {
        /* absent or unreadable: no claim */
      }
      claims.push({ dir, status });
    }
  }
  return claims;
}

function procInfo(pid: number, bootMs: number): ProcInfo | null {
  const st = procStat(pid);
  if (!st) return null;
  return { pid, ppid: st.ppid, session: st.session, state: st.state, startMs: startedAtMs(st, bootMs), cwd: procCwd(pid) };
}

function infos(pids: Iterable<number>): Map<number, ProcInfo> {
  const bootMs = bootTimeMs();
  const out = new Map<number, ProcInfo>();
  for (const pid of pids) {
    const p = procInfo(pid, bootMs);
    if (p) out.set(pid, p);
  }
  return out;
}

function ourChildren(): number[] {
  const kids = childrenOf(process.pid);
  if (kids) return kids;
  return [...processTable()].filter(([, st]) => st.ppid === process.pid).map(([pid]) => pid);
}

/** The resolved form of a service dir, as plans key it. */
export function planKey(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

function logPlan(plan: AdoptionPlan): void {
  for (const r of plan.refused) logLine(`warning: ${r.dir}/supervise/status names pid ${r.pid}, not taken over: ${r.why}`);
  for (const s of plan.stop) logLine(`warning: stopping pid ${s.pid} in ${s.dir}: ${s.why}`);
}

/** After a re-exec: what to adopt, once the leftovers of services that start
 *  afresh are stopped. knownAs(pid): what a child someone else handles is (a
 *  task, a container's CMD), or null: such a pid is never adopted as a
 *  service's, whatever a status says, and not reported as unclaimed. */
export async function prepareAdoption(scanDir: string, knownAs: (pid: number) => string | null = () => null): Promise<AdoptionPlan> {
  const claims = statusClaims(scanDir);
  const procs = infos(ourChildren());
  const others = new Map<number, string>();
  for (const c of claims) {
    const what = c.status && c.status.pid > 0 ? knownAs(c.status.pid) : null;
    if (what) others.set(c.status!.pid, what);
  }
  for (const pid of procs.keys()) {
    const what = knownAs(pid);
    if (what) others.set(pid, what);
  }
  const plan = planAdoption(claims, procs, process.pid, others);
  logPlan(plan);
  const handled = new Set([...[...plan.adopt.values()].map((s) => s.pid), ...plan.stop.map((s) => s.pid)]);
  for (const p of procs.values()) {
    if (p.state === "Z" || handled.has(p.pid) || others.has(p.pid)) continue;
    logLine(`info: pid ${p.pid} (cwd ${p.cwd ?? "unknown"}) is a child no service claims: left running, reaped when it exits`);
  }
  await stopAll(plan);
  return plan;
}

/** After a re-exec when prepareAdoption failed (/proc unreadable): what the
 *  status files name, alive and claimed once, taken on their word (planUnchecked). */
export function adoptUnchecked(scanDir: string, knownAs: (pid: number) => string | null = () => null): AdoptionPlan {
  const claims = statusClaims(scanDir);
  const others = new Map<number, string>();
  for (const c of claims) {
    const what = c.status && c.status.pid > 0 ? knownAs(c.status.pid) : null;
    if (what) others.set(c.status!.pid, what);
  }
  const plan = planUnchecked(claims, isAlive, others);
  logPlan(plan);
  for (const [dir, st] of plan.adopt) logLine(`warning: ${dir}: pid ${st.pid} taken over on its status's word, unchecked`);
  return plan;
}

/** Whether pid exists (kill 0; EPERM: it does, not ours to signal). */
function isAlive(pid: number): boolean {
  try {
    sys.kill(pid, 0);
    return true;
  } catch (e) {
    return sys.isErrnoError(e, "EPERM");
  }
}

/** A scanner started where an earlier one died: stops every service process
 *  that one left (a status names it, it is alive and no supervisor holds the
 *  service's lock), so that nothing runs twice. */
export async function stopSurvivors(scanDir: string): Promise<void> {
  // A live supervisor's services are its own: a second scanner must not touch them.
  const claims = statusClaims(scanDir, true).filter((c) => {
    try {
      return !isSupervised(c.dir);
    } catch {
      return false;
    }
  });
  const nowMs = Date.now();
  const procs = infos(claims.flatMap((c) => (c.status && c.status.pid > 0 ? [c.status.pid] : [])));
  const plan = planSurvivors(claims, procs, process.pid, { bootMs: bootTimeMs(nowMs), nowMs });
  logPlan(plan);
  await stopAll(plan);
}

async function stopAll(plan: AdoptionPlan): Promise<void> {
  await Promise.all(plan.stop.map((s) => stopProcess(s.pid, s.dir)));
}

/** The service's down signal, then SIGKILL after its timeout-kill (or
 *  STOP_GRACE_MS), to the process group when pid leads one; resolves once it
 *  has exited (or KILL_WAIT_MS after the SIGKILL). */
export async function stopProcess(pid: number, dir: string): Promise<void> {
  const before = procStat(pid);
  if (!before || before.state === "Z") return;
  let pidfd: number;
  try {
    pidfd = sys.pidfdOpen(pid);
  } catch (e) {
    if (!sys.isErrnoError(e, "ESRCH")) logLine(`unable to watch pid ${pid}: ${reason(e)}`);
    return;
  }
  // The pidfd pins this process: if the pid was reused meanwhile, it is another one.
  if (procStat(pid)?.startTicks !== before.startTicks) return void sys.close(pidfd);
  const cfg = readServiceConfig(dir, dir);
  const config = cfg.ok ? cfg.config : null;
  const group = before.pgrp === pid;
  const send = (sig: sys.Signal) => {
    try {
      if (group) sys.killpg(pid, sig);
      else sys.kill(pid, sig);
    } catch {
      /* gone */
    }
  };
  const gone = new Promise<void>((resolve) => sys.watchReadable(pidfd, () => resolve()));
  const within = (ms: number) => Promise.race([gone.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
  send(config?.downSignal ?? "SIGTERM");
  send("SIGCONT");
  if (!(await within(config && config.timeoutKillMs > 0 ? config.timeoutKillMs : STOP_GRACE_MS))) {
    logLine(`warning: pid ${pid} in ${dir} did not stop: sending SIGKILL`);
    send("SIGKILL");
    if (!(await within(KILL_WAIT_MS))) logLine(`warning: pid ${pid} in ${dir} did not die after SIGKILL: starting the service anyway`);
  }
  sys.unwatch(pidfd);
  sys.close(pidfd);
}
