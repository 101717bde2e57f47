// One-shot tasks (/etc/s6/task/*): each executable is started at boot in the
// background, in its own session, and its exit status is recorded in
// STATE/task/NAME.json (supervise/task-record.ts) so `tsinit status` can show
// it. A task that cannot be started is logged and recorded; boot goes on.
import { accessSync, constants as fsc, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as sys from "../sys";
import { EXIT_NOT_FOUND, exitStatus } from "../cli/exit-codes";
import { logLine, reason } from "../cli/log";
import { writeAtomic } from "../sys/write-atomic";
import type { DepGate } from "../supervise/dep-gate";
import type { Failure } from "../supervise/on-failure";
import { readDependencies } from "../supervise/deps-read";
import type { TaskRecord } from "../supervise/task-record";
import { isOurChild } from "../sys/proc";
import { readServiceResources } from "../resources/service-resources";
import { codeOf } from "../sys/errors";
import { forgetFd, keepFd, takeFd } from "../sys/kept-fds";

/** Where a task's output goes, labelled "task NAME: " (PID 1: the catch-all). */
export interface TaskOutput {
  readLabelled(name: string, readFd: number, onEnd?: () => void): void;
}

/** Where a task's spawn is announced and its pid registered for its death (sys.DeathRouter). */
export type TaskDeaths = Pick<sys.DeathRouter, "watchPid" | "expectSpawn" | "spawnReported">;

/** The executables of taskDir, sorted by name; dot-names skipped. */
export function listTasks(taskDir: string): { name: string; path: string }[] {
  let names: string[];
  try {
    names = readdirSync(taskDir).sort();
  } catch (e) {
    if (codeOf(e) !== "ENOENT") logLine(`unable to read ${taskDir}: ${reason(e)}`);
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

/** Hands every task to the gate, which starts each once its dependencies
 *  (task/NAME/dependencies, for a task that is a directory) are ready.
 *  Returns their records, updated in place as they run and end. */
export function startTasks(
  taskDir: string,
  stateDir: string,
  env: () => string[],
  deaths: TaskDeaths,
  stdio: number[],
  gate: DepGate,
  adopt = false,
  output?: TaskOutput,
  onFailed?: (f: Failure) => void,
): TaskRecord[] {
  const recordDir = `${stateDir}/task`;
  try {
    mkdirSync(recordDir, { recursive: true, mode: 0o755 });
  } catch (e) {
    logLine(`unable to create ${recordDir}: ${reason(e)}`);
  }
  const save = (r: TaskRecord) => {
    dirty.delete(r);
    try {
      writeAtomic(recordDir, `${r.name}.json`, Buffer.from(JSON.stringify(r) + "\n"));
    } catch {
      /* the record is a convenience; the log line says it all */
    }
  };
  // A record changes two or three times in a boot's first tick (waiting, then
  // released, then its pid): written once, after the tick, or by its spawn's
  // report. An end is written at once, before its log line.
  const dirty = new Set<TaskRecord>();
  const saveSoon = (r: TaskRecord) => {
    if (dirty.size === 0) setImmediate(() => dirty.forEach(save));
    dirty.add(r);
  };
  return listTasks(taskDir).map(({ name, path }) => {
    const dir = path.endsWith("/run") ? path.slice(0, -4) : null;
    const deps = dir ? readDependencies(dir) : { deps: [], source: path, problems: [] };
    for (const p of deps.problems) logLine(p);
    const record: TaskRecord = {
      name,
      path,
      state: "waiting",
      pid: 0,
      startedAt: "",
      endedAt: null,
      code: null,
      signal: null,
      error: null,
    };
    // The end of a task, whether this image started it or adopted it after a re-exec.
    const onExit = (exit: sys.Exit) => {
      record.state = "exited";
      record.endedAt = new Date().toISOString();
      record.code = exit.code >= 0 ? exit.code : null;
      record.signal = exit.signal || null;
      save(record);
      logLine(`task ${name} ${exit.code >= 0 ? `exited ${exit.code}` : `killed by ${sys.signalName(exit.signal)}`}`);
      gate.update(name, exit.code === 0 ? "ready" : "failed");
      // A task directory's on-failure: a task that exits non-zero has failed.
      if (exit.code !== 0 && dir) onFailed?.({ what: `task ${name}`, dir, code: exitStatus(exit.code, exit.signal) });
    };
    const failedToStart = (e: unknown) => {
      record.state = "failed";
      record.error = reason(e);
      record.endedAt = record.startedAt;
      save(record);
      logLine(`unable to start task ${path}: ${reason(e)}`);
      gate.update(name, "failed");
      // A task that could not be started is said to exit 127, as a shell says of a command it cannot run.
      if (dir) onFailed?.({ what: `task ${name}`, dir, code: EXIT_NOT_FOUND });
    };
    // Spawned on the addon's thread: a boot's tasks start beside the services
    // instead of holding the JS thread until each shell has exec'd.
    const run = () => {
      record.state = "running";
      record.startedAt = new Date().toISOString();
      delete record.waitsFor;
      delete record.blockedBy;
      let out = -2;
      let ticket: sys.SpawnTicket | null = null;
      // The task (and what it leaves running) holds the pipe's write end: EOF once all of them are gone.
      const closeOut = () => out >= 0 && sys.close(out);
      try {
        // A task that is a directory may set its user, limits, nice, umask and env/ as a service does.
        const settings = dir ? readServiceResources(dir, env()) : { ok: true as const, options: { env: env() }, warnings: [] };
        for (const w of settings.warnings) logLine(w);
        if (!settings.ok) throw new Error(settings.problem);
        out = output ? taskPipe(name, output) : -2;
        const fds = out === -2 ? stdio : [stdio[0]!, out, out];
        const t = deaths.expectSpawn();
        ticket = t;
        // Its report writes it, with the pid.
        dirty.delete(record);
        sys.spawnAsync({ file: path, argv: [path], cwd: dir ?? "/", setsid: true, fds, ...settings.options }, ({ pid, error }) => {
          closeOut();
          if (error) {
            deaths.spawnReported(t, pid, null);
            return failedToStart(error);
          }
          record.pid = pid;
          save(record);
          // A death already reaped is handed over here, after the record has its pid.
          deaths.spawnReported(t, pid, onExit);
        });
      } catch (e) {
        closeOut();
        if (ticket) deaths.spawnReported(ticket, 0, null);
        failedToStart(e);
      }
    };
    // After a re-exec a task is not run again: its record says where it got to.
    const previous = adopt ? readRecord(recordDir, name) : null;
    if (previous && previous.state !== "waiting") {
      Object.assign(record, previous);
      // Read on until its last writer (the task, or what it left running) is gone.
      if (output) readTaskPipe(name, output);
      gate.add({ node: { name, kind: "task", deps: deps.deps, source: deps.source }, release: () => undefined, showWaiting: () => undefined, timeoutUpMs: 0 });
      if (record.state === "running" && !isOurChild(record.pid)) {
        // Reaped by the previous image in the instant before it crashed: its
        // status is lost. Dependents must not wait for it forever.
        record.state = "failed";
        record.endedAt = new Date().toISOString();
        record.error = "ended while process 1 re-executed: exit status lost";
        save(record); // before the line: whoever reads the line may read the record next
        logLine(`task ${name} ${record.error}`);
        gate.update(name, "failed");
      } else if (record.state === "running") {
        deaths.watchPid(record.pid, onExit);
        gate.update(name, "started");
      } else {
        gate.update(name, record.state === "exited" && record.code === 0 ? "ready" : "failed");
      }
      return record;
    }
    saveSoon(record);
    gate.add({
      node: { name, kind: "task", deps: deps.deps, source: deps.source },
      // A loop turn after the gate says so: a boot's services and tasks are
      // released together, and the turn's poll phase then hands over the
      // services' spawn reports and reads their readiness first, so a service
      // that waits for another (sshd after ntpd) starts before the tasks'
      // spawns take the JS thread (bench/small, traced: ntpd up -> sshd up
      // ~8.5 -> ~5 ms, all up ~3 ms sooner). Not once the machine stops.
      release: () =>
        setImmediate(() => {
          if (!gate.isClosed()) run();
        }),
      showWaiting: (w) => {
        if (!w || record.state !== "waiting") return;
        record.waitsFor = w.waitsFor;
        record.blockedBy = w.blockedBy;
        saveSoon(record);
      },
      timeoutUpMs: 0,
    });
    return record;
  });
}

// A task's stdout and stderr: a pipe PID 1 reads into the catch-all labelled
// "task NAME: ", so a task run as any user cannot write a line that poses as
// a service's or as tsinit's. Its read end is kept across a re-exec, as long
// as anything holds the write end.
function taskPipe(name: string, output: TaskOutput): number {
  let pipe: [number, number];
  try {
    pipe = sys.pipe(false);
  } catch (e) {
    logLine(`unable to make the output pipe of task ${name}: ${reason(e)}: its output goes to /dev/null`);
    return -1;
  }
  keepFd(`task:${name}:r`, pipe[0]);
  readOn(name, pipe[0], output);
  return pipe[1];
}

/** After a re-exec: the pipe of a task still running, read on. */
function readTaskPipe(name: string, output: TaskOutput): void {
  const fd = takeFd(`task:${name}:r`);
  if (fd !== undefined) readOn(name, fd, output);
}

function readOn(name: string, fd: number, output: TaskOutput): void {
  output.readLabelled(`task ${name}`, fd, () => {
    forgetFd(`task:${name}:r`);
    try {
      sys.close(fd);
    } catch {
      /* already */
    }
  });
}

function readRecord(dir: string, name: string): TaskRecord | null {
  try {
    return JSON.parse(readFileSync(`${dir}/${name}.json`, "utf8")) as TaskRecord;
  } catch {
    return null;
  }
}
