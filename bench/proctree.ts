// /proc readers for the benchmarks: a process tree, PSS, context switches
// and pid-namespace pid mapping, all as the host sees them. A process can
// exit between listing and reading, so every reader tolerates ENOENT/ESRCH.
import { readdirSync, readFileSync } from "node:fs";

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // the process exited under us
  }
}

function tasks(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}

/** pid and all its descendants (children of every thread, recursively). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    out.push(p);
    for (const t of tasks(p)) {
      const kids = read(`/proc/${p}/task/${t}/children`)?.trim();
      if (kids) for (const k of kids.split(/\s+/)) todo.push(Number(k));
    }
  }
  return out;
}

/** The process's pid in its innermost pid namespace (last NSpid field). */
export function innerPid(pid: number): number | undefined {
  const m = read(`/proc/${pid}/status`)?.match(/^NSpid:\s*([\d\s]+)$/m);
  const ids = m?.[1]?.trim().split(/\s+/);
  return ids ? Number(ids[ids.length - 1]) : undefined;
}

/** The process's command name (/proc/PID/comm). */
export function comm(pid: number): string {
  return read(`/proc/${pid}/comm`)?.trim() ?? "?";
}

/** Proportional set size of one process in KiB, 0 if it is gone. */
export const pssKiB = (pid: number): number => smapsRollup(pid).pss;

/** Pss and its anonymous and file parts of one process in KiB (smaps_rollup), zeros if it is gone. */
export function smapsRollup(pid: number): { pss: number; anon: number; file: number } {
  const text = read(`/proc/${pid}/smaps_rollup`) ?? "";
  const kib = (field: string) => Number(text.match(new RegExp(`^${field}:\\s+(\\d+) kB$`, "m"))?.[1] ?? 0);
  return { pss: kib("Pss"), anon: kib("Pss_Anon"), file: kib("Pss_File") };
}

/** Threads of one process, 0 if it is gone. */
export const threads = (pid: number): number => tasks(pid).length;

/** Voluntary + nonvoluntary context switches summed over every thread. */
export function ctxtSwitches(pid: number): number {
  let sum = 0;
  for (const t of tasks(pid)) {
    const s = read(`/proc/${pid}/task/${t}/status`) ?? "";
    for (const m of s.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) sum += Number(m[1]);
  }
  return sum;
}
