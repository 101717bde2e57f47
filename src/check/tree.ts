// A whole tree as PID 1 reads it at boot: DIR/service (the scan dir),
// DIR/task (one-shot tasks), DIR/env (the global environment). A DIR that
// has none of them is taken as a scan dir, or as one service dir when it
// holds a run file.
import { checkGraph, type DepNode } from "../s6/deps";
import type { CheckContext } from "./context";
import { checkServiceName } from "./names";
import { checkEnvDir } from "./resource-files";
import { checkExecutable } from "./run-file";
import { checkServiceDir } from "./service-dir";

/** Checks the tree at image path DIR; findings go to ctx.out. */
export function checkTree(ctx: CheckContext, dir: string): void {
  const has = (sub: string) => ctx.fs.stat(`${dir}/${sub}`)?.isDirectory() === true;
  const nodes: DepNode[] = [];
  if (has("service") || has("task") || has("env")) {
    if (has("service")) nodes.push(...checkScanDir(ctx, `${dir}/service`));
    else ctx.out.warning(ctx.show(`${dir}/service`), "missing: nothing will be supervised", "create service/ with one directory per service");
    if (has("task")) nodes.push(...checkTasks(ctx, `${dir}/task`));
    if (has("env")) checkEnvDir(ctx, `${dir}/env`);
  } else if (ctx.fs.stat(`${dir}/run`) !== null) {
    nodes.push(checkServiceDir(ctx, dir, dir.split("/").pop()!, "service"));
  } else {
    nodes.push(...checkScanDir(ctx, dir));
  }
  checkDependencies(ctx, nodes);
}

/** Every service of a scan dir: non-dot entries that are directories (or symlinks to one, inside the image). */
function checkScanDir(ctx: CheckContext, dir: string): DepNode[] {
  const nodes: DepNode[] = [];
  checkExecutable(ctx, `${dir}/.s6-svscan/finish`, false, "finish script");
  for (const name of ctx.fs.list(dir) ?? []) {
    if (name.startsWith(".")) continue;
    const path = `${dir}/${name}`;
    const st = ctx.fs.stat(path);
    if (st === null) {
      ctx.out.warning(ctx.show(path), "a symlink to nothing in the image: the scan skips it", "point it at a service directory inside the image, or remove it");
      continue;
    }
    if (!st.isDirectory()) {
      ctx.out.warning(ctx.show(path), "not a directory: the scan skips it", "make it a service directory, or move it out of the scan dir");
      continue;
    }
    checkServiceName(name, ctx.show(path), ctx.out);
    nodes.push(checkServiceDir(ctx, path, name, "service"));
  }
  return nodes;
}

/** The tasks: each an executable file, or a directory with run (and maybe dependencies). */
function checkTasks(ctx: CheckContext, dir: string): DepNode[] {
  const nodes: DepNode[] = [];
  for (const name of ctx.fs.list(dir) ?? []) {
    if (name.startsWith(".")) continue;
    const path = `${dir}/${name}`;
    checkServiceName(name, ctx.show(path), ctx.out);
    if (ctx.fs.stat(path)?.isDirectory()) nodes.push(checkServiceDir(ctx, path, name, "task"));
    else {
      checkExecutable(ctx, path, true, "task");
      nodes.push({ name, kind: "task", deps: [], source: ctx.show(path) });
    }
  }
  return nodes;
}

/** Names that nothing has, and cycles, with the graph logic boot uses (s6/deps.ts). */
function checkDependencies(ctx: CheckContext, nodes: DepNode[]): void {
  const names = new Set(nodes.map((n) => n.name));
  for (const n of nodes) {
    for (const d of n.deps) {
      if (names.has(d)) continue;
      ctx.out.error(
        n.source,
        `${n.name} depends on ${JSON.stringify(d)}, which is neither a service nor a task here (${n.name} would wait for it)`,
        `create service/${d} or task/${d}, or remove the name`,
      );
    }
  }
  for (const p of checkGraph(nodes).problems) {
    const at = p.indexOf(": dependency cycle: ");
    if (at < 0) continue;
    ctx.out.error(p.slice(0, at), `dependency cycle ${p.slice(at + 20)} (none of them would start)`, "remove one of these dependencies");
  }
}
