// What is still running below a container's tsinit, from /proc: as process 1
// of a namespace that is everything but nsenter'd visitors (their parent is
// outside, ppid 0); as a subreaper it is our subtree, orphans included, and
// never the rest of the host.
import { readdirSync, readFileSync } from "node:fs";
import { procStat } from "../sys/proc";

/** pid → [ppid, state] of every process in /proc. */
function processTable(): Map<number, [number, string]> {
  const table = new Map<number, [number, string]>();
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return table;
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    const stat = procStat(Number(n));
    if (stat) table.set(Number(n), [stat.ppid, stat.state]); // else gone meanwhile
  }
  return table;
}

/** Children of pid from /proc/PID/task/TID/children (an orphan is handed to
 *  any live thread of its reaper, so every thread is read); null when the
 *  kernel has no such file (CONFIG_PROC_CHILDREN). */
function childrenOf(pid: number): number[] | null {
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
      if ((e as { code?: string }).code === "ENOENT" && pid === process.pid && tid === String(pid)) return null;
    }
  }
  return kids;
}

/** A zombie, or gone: nothing to signal. */
const isZombie = (pid: number): boolean => (procStat(pid)?.state ?? "Z") === "Z";

/** Live (non-zombie) descendants of self: zombies are ours to reap, not to
 *  kill. Walks down from us (a few files) rather than reading every
 *  process of a host we may share. */
export function descendants(self = process.pid): number[] {
  const first = childrenOf(self);
  if (first === null) return descendantsByScan(self);
  const found: number[] = [];
  const queue = [...first];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (!isZombie(pid)) found.push(pid);
    queue.push(...(childrenOf(pid) ?? []));
  }
  return found;
}

/** The same from every /proc/PID/stat, for kernels without children files. */
function descendantsByScan(self: number): number[] {
  const table = processTable();
  const children = new Map<number, number[]>();
  for (const [pid, [ppid]] of table) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [...(children.get(self) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (table.get(pid)?.[1] !== "Z") found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}
