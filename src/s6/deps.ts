// Ordering by dependencies, as pure logic: a graph of services and tasks in,
// what may start now and what waits for what out. A service is ready when it
// said so on its notification-fd (or, without one, once it is up); a task is
// ready when it exited 0. A failed task or a cycle blocks its dependents; a
// name nobody has keeps its dependents waiting until it appears. No I/O here:
// reading `dependencies` files is in deps-read.ts.

/** One service or task and the names it needs ready before it starts. */
export interface DepNode {
  name: string;
  kind: "service" | "task";
  deps: string[];
  /** where the dependencies came from, for messages */
  source: string;
}

/** Where a node is: not started, running but not ready, ready, or failed for good. */
export type DepState = "waiting" | "started" | "ready" | "failed";

/** Why a waiting node waits. */
export interface Waiting {
  /** dependencies not ready yet */
  waitsFor: string[];
  /** dependencies that will not become ready: failed, missing, or in a cycle */
  blockedBy: string[];
}

/** What the graph says before anything runs. */
export interface GraphCheck {
  /** one line per missing name or cycle, naming the file it came from */
  problems: string[];
  /** nodes on a cycle: they never start by themselves */
  cyclic: Set<string>;
  /** names depended on that no node has */
  missing: Set<string>;
}

/** Finds missing names and cycles (Tarjan's strongly connected components). */
export function checkGraph(nodes: readonly DepNode[]): GraphCheck {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const problems: string[] = [];
  const missing = new Set<string>();
  for (const n of nodes) {
    for (const d of n.deps) {
      if (!byName.has(d)) {
        missing.add(d);
        problems.push(`${n.source}: ${n.name} depends on ${d}, which does not exist`);
      }
    }
  }
  const cyclic = new Set<string>();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let counter = 0;
  // Iterative Tarjan: a 1000-node chain must not overflow the JS stack.
  for (const root of nodes) {
    if (index.has(root.name)) continue;
    const work: Array<{ name: string; next: number }> = [{ name: root.name, next: 0 }];
    index.set(root.name, counter);
    low.set(root.name, counter++);
    stack.push(root.name);
    onStack.add(root.name);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const deps = byName.get(frame.name)!.deps.filter((d) => byName.has(d));
      if (frame.next < deps.length) {
        const d = deps[frame.next++]!;
        if (!index.has(d)) {
          index.set(d, counter);
          low.set(d, counter++);
          stack.push(d);
          onStack.add(d);
          work.push({ name: d, next: 0 });
        } else if (onStack.has(d)) {
          low.set(frame.name, Math.min(low.get(frame.name)!, index.get(d)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.name, Math.min(low.get(parent.name)!, low.get(frame.name)!));
      if (low.get(frame.name) === index.get(frame.name)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== frame.name);
        const self = byName.get(frame.name)!.deps.includes(frame.name);
        if (scc.length > 1 || self) {
          scc.reverse();
          for (const s of scc) cyclic.add(s);
          const src = byName.get(scc[0]!)!.source;
          problems.push(`${src}: dependency cycle: ${[...scc, scc[0]].join(" -> ")}`);
        }
      }
    }
  }
  return { problems, cyclic, missing };
}

/** Which waiting nodes may start now, and why the others wait. */
export function plan(
  nodes: readonly DepNode[],
  states: ReadonlyMap<string, DepState>,
  check: GraphCheck = checkGraph(nodes),
): { start: string[]; waiting: Map<string, Waiting> } {
  const start: string[] = [];
  const waiting = new Map<string, Waiting>();
  const byName = new Map(nodes.map((n) => [n.name, n]));
  // A failed or cyclic node, or a missing one, poisons everything above it.
  const dead = new Map<string, boolean>();
  const isDead = (name: string, seen = new Set<string>()): boolean => {
    if (dead.has(name)) return dead.get(name)!;
    if (!byName.has(name) || check.cyclic.has(name) || states.get(name) === "failed") return true;
    if (states.get(name) === "ready") return false;
    if (seen.has(name)) return true;
    seen.add(name);
    const r = byName.get(name)!.deps.some((d) => isDead(d, seen));
    dead.set(name, r);
    return r;
  };
  for (const n of nodes) {
    if ((states.get(n.name) ?? "waiting") !== "waiting") continue;
    const unmet = n.deps.filter((d) => states.get(d) !== "ready");
    if (unmet.length === 0 && !check.cyclic.has(n.name)) {
      start.push(n.name);
      continue;
    }
    const blockedBy = unmet.filter((d) => isDead(d));
    if (check.cyclic.has(n.name)) blockedBy.unshift("a dependency cycle");
    waiting.set(n.name, { waitsFor: unmet, blockedBy });
  }
  return { start, waiting };
}

/** Stop order for shutdown: groups, dependents before what they depend on. */
export function stopOrder(nodes: readonly DepNode[]): string[][] {
  const names = new Set(nodes.map((n) => n.name));
  const dependents = new Map<string, Set<string>>();
  for (const n of nodes) for (const d of n.deps) if (names.has(d) && d !== n.name) (dependents.get(d) ?? dependents.set(d, new Set()).get(d)!).add(n.name);
  const left = new Set(names);
  const groups: string[][] = [];
  while (left.size > 0) {
    // Everything nobody still running depends on goes now; a cycle goes together.
    let group = [...left].filter((n) => ![...(dependents.get(n) ?? [])].some((d) => left.has(d)));
    if (group.length === 0) group = [...left];
    groups.push(group.sort());
    for (const g of group) left.delete(g);
  }
  return groups;
}
