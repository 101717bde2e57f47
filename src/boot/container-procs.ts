// What is still running below a container's tsinit, from /proc: as process 1
// of a namespace that is everything but nsenter'd visitors (their parent is
// outside, ppid 0); as a subreaper it is our subtree, orphans included, and
// never the rest of the host.
import { readdirSync, readFileSync } from "node:fs";

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
    try {
      const stat = readFileSync(`/proc/${n}/stat`, "latin1");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      table.set(Number(n), [Number(fields[1]), fields[0]!]);
    } catch {
      /* gone meanwhile */
    }
  }
  return table;
}

/** Live (non-zombie) descendants of self: zombies are ours to reap, not to kill. */
export function descendants(self = process.pid): number[] {
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
