// One service (or task) directory: what the supervisor reads from it before
// each start, checked the same way, and its dependencies for the graph.
import { dependencyNames, DEPENDENCIES_MAX } from "../supervise/deps-read";
import type { DepNode } from "../s6/deps";
import { LOG_FILES, LOG_INT_MIN, logIntOf } from "../log/service-log-config";
import { isTimestampFormat } from "../log/stamp";
import { optionalLine, type CheckContext } from "./context";
import { checkExecutable } from "./run-file";
import { checkS6Files } from "./s6-files";
import { checkResourceFiles } from "./resource-files";
import { checkNearMisses } from "./near-miss";
import { checkHealthFiles } from "./health-files";

/** Checks service DIR (image path) named NAME; returns its node for the dependency graph. */
export function checkServiceDir(ctx: CheckContext, dir: string, name: string, kind: "service" | "task"): DepNode {
  checkExecutable(ctx, `${dir}/run`, true);
  if (kind === "service") {
    checkExecutable(ctx, `${dir}/finish`, false, "finish script");
    checkS6Files(ctx, dir);
    checkLog(ctx, `${dir}/log`);
  }
  checkResourceFiles(ctx, dir);
  checkHealthFiles(ctx, dir, kind);
  checkNearMisses(ctx, dir);
  return dependencies(ctx, dir, name, kind);
}

/** A service's log/: a logger of its own (log/run), or the built-in one, which reads only its few files. */
function checkLog(ctx: CheckContext, dir: string): void {
  const st = ctx.fs.stat(dir);
  if (st === null) return;
  if (!st.isDirectory()) {
    ctx.out.warning(ctx.show(dir), "not a directory, so the service has no logger", "make log a directory (empty for the built-in logger)");
    return;
  }
  if (ctx.fs.stat(`${dir}/run`) !== null) {
    checkExecutable(ctx, `${dir}/run`, true);
    checkS6Files(ctx, dir);
    checkResourceFiles(ctx, dir);
    return;
  }
  const known = new Set<string>(LOG_FILES);
  for (const entry of ctx.fs.list(dir) ?? []) {
    if (entry.startsWith(".") || known.has(entry)) continue;
    ctx.out.error(
      ctx.show(`${dir}/${entry}`),
      "log/ has no run, so the built-in logger is used, and it does not read this file",
      `add ${ctx.show(`${dir}/run`)} for a logger of your own, or remove ${entry} (the built-in logger reads ${LOG_FILES.join(", ")})`,
    );
  }
  for (const file of ["max-size", "max-files"] as const) {
    const v = optionalLine(ctx, `${dir}/${file}`);
    if (v !== null && logIntOf(v.trim(), LOG_INT_MIN[file]) === null) {
      ctx.out.error(
        ctx.show(`${dir}/${file}`),
        `${JSON.stringify(v)} is not an integer >= ${LOG_INT_MIN[file]} (boot uses the default)`,
        file === "max-size" ? "write bytes such as 1048576" : "write a count such as 10",
      );
    }
  }
  const ts = optionalLine(ctx, `${dir}/timestamp`);
  if (ts !== null && !isTimestampFormat(ts.trim())) {
    ctx.out.error(ctx.show(`${dir}/timestamp`), `${JSON.stringify(ts)} is not a timestamp format (boot uses iso)`, "write iso, tai64n or none");
  }
}

/** DIR's dependencies and dependencies.d/, read as deps-read.ts reads them. */
function dependencies(ctx: CheckContext, dir: string, name: string, kind: "service" | "task"): DepNode {
  const deps = new Set<string>();
  let source = ctx.show(`${dir}/dependencies`);
  const r = ctx.fs.read(`${dir}/dependencies`, DEPENDENCIES_MAX);
  if (r.ok) for (const d of dependencyNames(r.bytes.toString("utf8"))) deps.add(d);
  else if (r.code !== "ENOENT") ctx.out.error(source, `unable to read it: ${r.code} (boot ignores it)`, "make it a readable file, one name per line");
  const listed = ctx.fs.list(`${dir}/dependencies.d`);
  if (listed !== null) {
    const names = listed.filter((n) => !n.startsWith("."));
    if (names.length > 0 && deps.size === 0) source = ctx.show(`${dir}/dependencies.d`);
    for (const n of names) deps.add(n);
  }
  return { name, kind, deps: [...deps], source };
}
