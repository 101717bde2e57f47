// What is still running below a container's tsinit, from /proc: as process 1
// of a namespace that is everything but nsenter'd visitors (their parent is
// outside, ppid 0); as a subreaper it is our subtree, orphans included, and
// never the rest of the host.
import { childrenOf, procStat, processTable } from "../sys/proc";

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
  for (const [pid, { ppid }] of table) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [...(children.get(self) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (table.get(pid)?.state !== "Z") found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}
