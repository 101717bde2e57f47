// `tsinit status --tree`: the dependency graph drawn as systemctl
// list-dependencies does, each node with what it depends on below it. Pure:
// nodes in, lines out. A node drawn in full once is repeated later with
// "(see above)" and no children, so a shared dependency does not blow the
// tree up; a dependency back onto the current path is cut with "(cycle)".
import { stampToMs } from "../s6/status-file";
import { formatDuration, stateOf, type ServiceReport } from "./status-format";
import { taskStateText, type TaskReport } from "./status-task-format";

/** One service or task: its name, what it depends on, and its state text. */
export interface TreeNode {
  name: string;
  deps: readonly string[];
  label: string;
}

interface Row {
  lead: string;
  label: string;
}

/** The tree's lines. Roots are the nodes nobody depends on, in input order;
 *  nodes reachable from none of them (only cycles point at them) follow as
 *  roots of their own, so every node appears. Names no node has get
 *  missingLabel. */
export function formatTree(nodes: readonly TreeNode[], missingLabel = "(missing)"): string[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const dependedOn = new Set(nodes.flatMap((n) => n.deps));
  const shown = new Set<string>();
  const rows: Row[] = [];
  const path = new Set<string>();

  const visit = (name: string, lead: string, indent: string): void => {
    const node = byName.get(name);
    if (!node) return void rows.push({ lead: lead + name, label: missingLabel });
    if (path.has(name)) return void rows.push({ lead: lead + name, label: `${node.label} (cycle)` });
    // A leaf has nothing to hide: repeating it plainly reads better than a reference.
    if (shown.has(name) && node.deps.length > 0) return void rows.push({ lead: lead + name, label: `${node.label} (see above)` });
    shown.add(name);
    rows.push({ lead: lead + name, label: node.label });
    path.add(name);
    node.deps.forEach((dep, i) => {
      const last = i === node.deps.length - 1;
      visit(dep, indent + (last ? "└─ " : "├─ "), indent + (last ? "   " : "│  "));
    });
    path.delete(name);
  };

  for (const n of nodes) if (!dependedOn.has(n.name)) visit(n.name, "", "");
  for (const n of nodes) if (!shown.has(n.name)) visit(n.name, "", "");
  const width = Math.max(0, ...rows.map((r) => r.lead.length));
  return rows.map((r) => `${r.lead.padEnd(width)}  ${r.label}`.trimEnd());
}

/** A service's node: "up 12s (ready)", "down 3s", "waiting", "waiting (blocked)". */
export function serviceNode(name: string, r: ServiceReport, nowMs: number): TreeNode {
  const state = stateOf(r);
  const s = r.supervised ? r.status : null;
  let label: string = state;
  if (state === "waiting") label += r.waiting!.blockedBy.length > 0 ? " (blocked)" : "";
  else if (s && state !== "unknown") label += ` ${formatDuration(nowMs - stampToMs(s.stamp))}`;
  if (state === "up" && s!.ready) label += " (ready)";
  return { name, deps: [...(r.dependencies ?? [])].sort(), label };
}

/** A task's node: "task exited 0", "task waiting (blocked)". */
export function taskNode(t: TaskReport): TreeNode {
  let label = `task ${taskStateText(t.record)}`;
  if (t.record?.state === "waiting" && (t.record.blockedBy ?? []).length > 0) label += " (blocked)";
  return { name: t.name, deps: [...t.dependencies].sort(), label };
}
