// One-shot tasks (/etc/s6/task/*): each executable is started at boot in the
// background, in its own session, and its exit status is recorded in
// STATE/task/NAME.json so `tsinit status` can show it. A task that cannot be
// started is logged and recorded; boot goes on.
import { accessSync, constants as fsc, mkdirSync, readdirSync, statSync } from "node:fs";
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { writeAtomic } from "../supervise/s6dir";

/** What STATE/task/NAME.json holds. */
export interface TaskRecord {
  name: string;
  path: string;
  state: "running" | "exited" | "failed";
  pid: number;
  startedAt: string;
  endedAt: string | null;
  /** exit code, or null when killed or never started */
  code: number | null;
  signal: number | null;
  error: string | null;
}

/** Where a task's pid is registered for its death. */
export type WatchPid = (pid: number, cb: (exit: sys.Exit) => void) => void;

/** The executables of taskDir, sorted by name; dot-names skipped. */
export function listTasks(taskDir: string): { name: string; path: string }[] {
  let names: string[];
  try {
    names = readdirSync(taskDir).sort();
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOENT") logLine(`unable to read ${taskDir}: ${reason(e)}`);
    return [];
  }
  const tasks: { name: string; path: string }[] = [];
  for (const name of names) {
    if (name.startsWith(".")) continue;
    let path = `${taskDir}/${name}`;
    try {
      if (statSync(path).isDirectory()) path = `${path}/run`;
      accessSync(path, fsc.X_OK);
      tasks.push({ name, path });
    } catch (e) {
      logLine(`unable to run task ${path}: ${reason(e)}`);
    }
  }
  return tasks;
}

/** Starts every task; returns their records (updated in place as they end). */
export function startTasks(taskDir: string, stateDir: string, env: string[], watchPid: WatchPid, stdio: number[]): TaskRecord[] {
  const recordDir = `${stateDir}/task`;
  try {
    mkdirSync(recordDir, { recursive: true, mode: 0o755 });
  } catch (e) {
    logLine(`unable to create ${recordDir}: ${reason(e)}`);
  }
  const save = (r: TaskRecord) => {
    try {
      writeAtomic(recordDir, `${r.name}.json`, Buffer.from(JSON.stringify(r) + "\n"));
    } catch { /* the record is a convenience; the log line says it all */ }
  };
  return listTasks(taskDir).map(({ name, path }) => {
    const record: TaskRecord = {
      name, path, state: "running", pid: 0, startedAt: new Date().toISOString(),
      endedAt: null, code: null, signal: null, error: null,
    };
    try {
      const cwd = path.endsWith("/run") ? path.slice(0, -4) : "/";
      record.pid = sys.spawn({ file: path, argv: [path], env, cwd, setsid: true, fds: stdio });
      watchPid(record.pid, (exit) => {
        record.state = "exited";
        record.endedAt = new Date().toISOString();
        record.code = exit.code >= 0 ? exit.code : null;
        record.signal = exit.signal || null;
        logLine(`task ${name} ${exit.code >= 0 ? `exited ${exit.code}` : `killed by ${sys.signalName(exit.signal)}`}`);
        save(record);
      });
    } catch (e) {
      record.state = "failed";
      record.error = reason(e);
      record.endedAt = record.startedAt;
      logLine(`unable to start task ${path}: ${reason(e)}`);
    }
    save(record);
    return record;
  });
}
