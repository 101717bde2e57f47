// What /proc says about one process: the fields of /proc/PID/stat that the
// init needs, its cwd and its children; and whether this is the machine's own
// pid namespace. The command name may hold spaces and parentheses, so the
// fields are counted from the last ")".
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { codeOf } from "./errors";

/** The fields of /proc/PID/stat the init reads. */
export interface ProcStat {
  /** R S D Z T ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** field 22: clock ticks after boot (CLOCK_BOOTTIME) at which it started */
  startTicks: number;
}

/** USER_HZ, the unit of starttime: part of the kernel's ABI, 100 on every architecture. */
export const CLOCK_TICKS_PER_SEC = 100;

/** /proc/PID/stat's fields, or null when the process is gone. */
export function procStat(pid: number): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // f[0] is field 3 (state), so field n is f[n - 3].
    return { state: f[0]!, ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]), startTicks: Number(f[19]) };
  } catch {
    return null;
  }
}

/** True when pid is alive (or a zombie) and a child of this process: after a
 *  re-exec only those are ours to adopt (a pid may have been reused). */
export function isOurChild(pid: number): boolean {
  return pid > 0 && procStat(pid)?.ppid === process.pid;
}

/** True when this is the machine's own PID 1 (kthreadd is pid 2 only in the initial pid namespace). */
export function isInitialPidNamespace(): boolean {
  try {
    return readFileSync("/proc/2/stat", "latin1").includes("(kthreadd)");
  } catch {
    return false;
  }
}

/** Where pid's cwd is (the kernel's resolved path), or null when unreadable. */
export function procCwd(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/** The wall-clock time of boot in ms, precise to a tick: now minus
 *  /proc/uptime (CLOCK_BOOTTIME, as starttime). /proc/stat's btime is in
 *  whole seconds, too coarse to tell a process from one started just after it. */
export function bootTimeMs(now = Date.now()): number {
  const uptime = Number(readFileSync("/proc/uptime", "latin1").split(" ")[0]);
  return now - uptime * 1000;
}

/** When a process started, in wall-clock ms, from its stat and the boot time. */
export function startedAtMs(stat: ProcStat, bootMs: number): number {
  return bootMs + (stat.startTicks * 1000) / CLOCK_TICKS_PER_SEC;
}

/** Children of pid from /proc/PID/task/TID/children (an orphan is handed to
 *  any live thread of its reaper, so every thread is read); null when the
 *  kernel has no such file (CONFIG_PROC_CHILDREN). */
export function childrenOf(pid: number): number[] | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const kids: number[] = [];
  for (const tid of tids) {
    try {
      for (const k of readFileSync(`/proc/${pid}/task/${tid}/children`, "latin1").split(" ")) if (k.trim()) kids.push(Number(k));
    } catch (e) {
      if (codeOf(e) === "ENOENT" && pid === process.pid && tid === String(pid)) return null;
    }
  }
  return kids;
}

/** pid → stat of every process in /proc (gone ones skipped). */
export function processTable(): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return table;
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const stat = procStat(Number(n));
    if (stat) table.set(Number(n), stat);
  }
  return table;
}
