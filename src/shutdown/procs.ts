// Which processes are left, from /proc: used by stage 3 to know when TERM has
// done its work. Kernel threads (empty cmdline, children of kthreadd) and
// zombies (ours to reap) do not count.
import { readdirSync, readFileSync } from "node:fs";
import { procStat } from "../sys/proc";

/** Pids of live user processes other than this one. */
export function otherProcesses(self = process.pid): number[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const pid = Number(n);
    if (pid === self) continue;
    const stat = procStat(pid);
    if (!stat) continue; // gone meanwhile
    const { state, ppid } = stat;
    if (state === "Z" || pid === 2 || ppid === 2) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`).length === 0) continue;
      pids.push(pid);
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}
