// Reading one-shot task records for `tsinit status`: PID 1 writes
// RUNDIR/task/NAME.json (src/boot/tasks.ts) beside the live scan dir
// RUNDIR/service, so a scan dir whose parent holds task/*.json has tasks.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { TaskRecord } from "../supervise/task-record";
import { readDependencies } from "../supervise/deps-read";
import { reason } from "../cli/log";
import type { TaskReport } from "./status-task-format";
import { errnoError } from "../sys/errors";

/** RUNDIR/task for a scan dir RUNDIR/service, when it holds records; else null.
 *  The image's /etc/s6/task (scripts, not records) has no *.json, so it is not mistaken. */
export function taskDirBeside(scandir: string): string | null {
  const dir = `${dirname(scandir.replace(/\/+$/, "") || "/")}/task`;
  try {
    return readdirSync(dir).some((n) => n.endsWith(".json") && !n.startsWith(".")) ? dir : null;
  } catch {
    return null;
  }
}

/** The record's minimal shape: enough fields that formatting cannot throw. */
function isRecord(v: unknown): v is TaskRecord {
  const r = v as TaskRecord | null;
  return !!r && typeof r === "object" && typeof r.name === "string" && typeof r.state === "string";
}

/** One task's report; a bad record lands in report.error so the others still show. */
export function readTask(dir: string, file: string): TaskReport {
  const path = `${dir}/${file}`;
  const report: TaskReport = { name: file.slice(0, -".json".length), path, record: null, dependencies: [] };
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (!isRecord(parsed)) {
      report.error = "not a task record";
      return report;
    }
    report.record = parsed;
    report.name = parsed.name;
  } catch (e) {
    report.error = e instanceof SyntaxError ? "not a task record" : reason(e);
    return report;
  }
  // A directory task runs TASKDIR/NAME/run and keeps its dependencies beside it.
  const p = report.record.path;
  if (typeof p === "string" && p.endsWith("/run")) report.dependencies = readDependencies(p.slice(0, -4)).deps;
  return report;
}

/** Every record of a task record dir, sorted by name. Throws when dir cannot be read. */
export function readTasks(dir: string): TaskReport[] {
  if (!statSync(dir).isDirectory()) {
    throw errnoError("ENOTDIR", "stat", dir);
  }
  const clean = dir.replace(/\/+$/, "") || "/";
  return readdirSync(clean)
    .filter((n) => n.endsWith(".json") && !n.startsWith("."))
    .sort()
    .map((n) => readTask(clean, n));
}
