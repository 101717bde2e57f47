// `tsinit status`: the state of services (and of PID 1's one-shot tasks), as
// a table, as JSON, or as a dependency tree. Reads supervise/lock (s6-svok's
// test), supervise/status, supervise/waiting and task records only; works the
// same against s6-supervise and tsinit.
import { existsSync } from "node:fs";
import { basename, dirname } from "node:path";
import { EXIT_FAILED, EXIT_OK, EXIT_SYSTEM } from "../cli/exit-codes";
import { logLine, shortPath, systemFailure } from "../cli/log";
import { parseOrdered, showHelp, UsageError } from "../cli/command-line";
import { formatTable, stateOf, toJson, type ServiceReport } from "./status-format";
import { isServiceDir, readDir, readService } from "./status-read";
import { formatStory, STORY_DEPS, STORY_LOG_LINES, type StoryExtras } from "./status-story";
import { lastServiceLines, readSource } from "../logread/files";
import { formatLine, type LogLine } from "../logread/lines";
import { formatTaskTable, type TaskReport, taskState, taskToJson } from "./status-task-format";
import { findServices, initPlace, isBareName, noInit, resolveServices } from "./resolve";
import { native } from "../sys/load";
import { readTasks, taskDirBeside } from "./status-tasks";
import { formatTree, serviceNode, taskNode } from "./status-tree";

const USAGE = `usage: tsinit status [--json | --tree] [--tasks DIR] [-h] [SERVICE | DIR]...

Shows supervised services. DIR is a service directory (it has ./run or
./supervise), or a scan directory: then every non-dot subdirectory is shown,
with its X/log logger as X/log, one line each. A bare NAME is a service of
the running init's scan dir (see tsinit svc --help); with neither, that
whole scan dir.
One service (NAME or directory) alone gets its story, as systemctl status tells it:
its state since when (local time), want up or down, the last exit (or
"none" when run never died) or why run could not start (e.g. Permission
denied (EACCES), retried every 10 s), restarts since boot, the crash loop
(5 deaths in a row, each within 1 s of its start; left once run stays up
1 s, or restart-delay-max ms), readiness (a service without
notification-fd is never flagged ready, as in s6; its dependents start
once it is up), its dependencies and what blocks them, its cgroup's memory
and CPU, and the last 10 lines of its built-in logger.
  --json       one JSON array of objects, each with kind "service" or "task".
               service: name, path, supervised, state, up, pid, since, wantUp,
               ready, readySince, paused, finishing, lastExit {code, signal},
               waitsFor, blockedBy, dependencies, runProblem ("run: ELOOP"
               when ./run is there but cannot be reached), and cgroup {path,
               memoryBytes, cpuUsec} while it runs in its own cgroup;
               under tsinit also startedAt, restarts, spawnError {code,
               path, message, at, retryInMs}, crashLoop, delayMs,
               restartDelayMaxMs, notificationFd, restartLimit {count,
               seconds}, failed {since, deaths, seconds} (supervise/tsinit-record)
               task: name, path, state (waiting, running, exited, killed,
               failed), pid, startedAt, endedAt, code, signal, error,
               waitsFor, blockedBy, dependencies
  --tree       the dependency graph: each service or task nobody depends on,
               with what it depends on below it; a node drawn once is marked
               "(see above)" later, a loop "(cycle)", an unknown name "(missing)"
  --tasks DIR  also show the one-shot tasks recorded in DIR (PID 1's
               RUNDIR/task). Without it, a scan dir RUNDIR/service shows the
               tasks of RUNDIR/task when that holds records.

STATE is up, paused, finishing (./finish runs), down, failed (its
restart-limit was reached: not restarted until svc -u), waiting (held until
its dependencies are ready: NOTES says "waits for a, b" and "blocked by x"
for those that will never be ready: failed, missing, or in a cycle), not
supervised (no supervisor holds supervise/lock), unreadable (supervise/
may not be read by this user, e.g. root's 0700 one: NOTES says why;
supervised is null in --json), or unknown (no supervise/status yet).
TIME is the uptime or downtime. MEM and CPU (only when some service runs
in its own cgroup, see docs/cgroups.md): its cgroup's memory.current ("-"
without the memory controller) and CPU time.
A task is waiting, running, exited N, killed SIGX, or failed to start;
ENDED is how long ago it ended.
Colours only when stdout is a terminal (NO_COLOR turns them off).

examples: tsinit status
          tsinit status sshd
          tsinit status sshd db
          tsinit status --tree /run/tsinit/service

exit codes: 0 every service is supervised; 1 some service is not supervised;
100 usage; 111 a DIR, a status or a task record could not be read`;

const OPTIONS = {
  json: { type: "boolean" },
  tree: { type: "boolean" },
  tasks: { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;

/** Runs `tsinit status ARGS`. */
export function main(args: string[]): number {
  const { opts, operands } = parseOrdered(USAGE, args, OPTIONS);
  if (opts.some((o) => o.name === "help")) return showHelp(USAGE);
  const json = opts.some((o) => o.name === "json");
  const tree = opts.some((o) => o.name === "tree");
  const taskDirs = opts.filter((o) => o.name === "tasks").map((o) => o.value!);
  if (json && tree) throw new UsageError("--json and --tree do not go together", USAGE);
  const place = initPlace();
  const implicit = operands.length === 0 && taskDirs.length === 0;
  if (implicit) {
    if (!existsSync(place.scanDir)) {
      logLine(`unable to read ${place.scanDir}: ${noInit(place.scanDir)}`);
      return EXIT_SYSTEM;
    }
    operands.push(place.scanDir);
  }
  // Loaded here, not at the first supervise/lock: a failure is no service's
  // fault, and its message (every directory tried, and why) must be seen whole.
  if (operands.length > 0) native();
  const explicit = taskDirs.length > 0;
  let code = EXIT_OK;
  const reports: ServiceReport[] = [];
  const emptyScans: string[] = [];
  const named = findServices(operands, place.scanDir);
  if (!named) return EXIT_SYSTEM;
  for (const [i, { name, dir }] of named.entries()) {
    try {
      const read = readDir(dir);
      if (read.length === 0) emptyScans.push(dir);
      // A bare NAME's service is shown by that name, a path by its path.
      if (read.length === 1 && read[0]!.path === dir && isBareName(operands[i]!)) read[0]!.name = name;
      reports.push(...read);
    } catch (e) {
      code = systemFailure("read", dir, e);
      continue;
    }
    const beside = explicit || isServiceDir(dir) ? null : taskDirBeside(dir);
    if (beside !== null && !taskDirs.includes(beside)) taskDirs.push(beside);
  }
  const tasks: TaskReport[] = [];
  for (const dir of taskDirs) {
    try {
      tasks.push(...readTasks(dir));
    } catch (e) {
      code = systemFailure("read", dir, e);
    }
  }
  for (const r of reports) {
    if (r.error !== undefined) {
      logLine(`unable to read status of ${shortPath(r.path)}: ${r.error}`);
      code = EXIT_SYSTEM;
    } else if (!r.supervised && code === EXIT_OK) code = EXIT_FAILED;
  }
  for (const t of tasks) {
    if (t.error === undefined) continue;
    logLine(`unable to read task record ${shortPath(t.path)}: ${t.error}`);
    code = EXIT_SYSTEM;
  }
  const now = Date.now();
  if (json) {
    process.stdout.write(JSON.stringify([...reports.map(toJson), ...tasks.map(taskToJson)], null, 2) + "\n");
  } else if (tree) {
    // Loggers are not in the dependency graph; a service dir operand is known by its basename, as the gate knows it.
    const nodes = [
      ...reports.filter((r) => !r.name.endsWith("/log")).map((r) => serviceNode(basename(r.path), r, now)),
      ...tasks.filter((t) => t.record).map(taskNode),
    ];
    // Given single service dirs, a name not among them may exist in their scan dir: do not call it missing.
    const missing = named.some((s) => isServiceDir(s.dir)) ? "(not listed)" : "(missing)";
    const lines = formatTree(nodes, missing);
    if (lines.length > 0) process.stdout.write(lines.join("\n") + "\n");
  } else if (named.length === 1 && reports.length === 1 && isServiceDir(named[0]!.dir) && !explicit) {
    process.stdout.write(formatStory(reports[0]!, storyExtras(reports[0]!, tasks), now) + "\n");
  } else if (reports.length === 0 && tasks.length === 0) {
    // An empty scan dir (or one with only dot entries): say so, not nothing.
    if (emptyScans.length > 0) process.stdout.write(emptyScans.map((d) => `no services in ${shortPath(d)}`).join("\n") + "\n");
  } else {
    const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
    const parts: string[] = [];
    if (reports.length > 0) parts.push(formatTable(reports, now, colour));
    if (tasks.length > 0) parts.push(formatTaskTable(tasks, now, colour));
    process.stdout.write(parts.join("\n"));
  }
  return code;
}

/** What the story shows beside the service: its dependencies' states (sibling
 *  service dirs and PID 1's task records) and its last log lines. */
function storyExtras(r: ServiceReport, given: readonly TaskReport[]): StoryExtras {
  const scan = dirname(r.path);
  const beside = given.length === 0 ? taskDirBeside(scan) : null;
  let tasks = given;
  try {
    if (beside !== null) tasks = readTasks(beside);
  } catch {
    /* no task records to name: dependencies on tasks show as missing */
  }
  const dependencies = (r.dependencies ?? []).slice(0, STORY_DEPS).map((name) => {
    const task = tasks.find((t) => t.name === name);
    if (task) return { name, state: `task ${taskState(task.record)}` };
    if (!isServiceDir(`${scan}/${name}`)) return { name, state: "missing" };
    const dep = readService(name, `${scan}/${name}`);
    const word = stateOf(dep);
    return { name, state: word === "up" && dep.status?.ready ? "up, ready" : word };
  });
  return { dependencies, log: storyLog(r) };
}

/** The last 10 lines: from the built-in logger's dir the supervisor recorded,
 *  else wherever `tsinit log` finds them (s6-log's dirs, the catch-all). */
function storyLog(r: ServiceReport): StoryExtras["log"] {
  const dir = r.record?.logDir;
  let lines: LogLine[] = [];
  try {
    // Labelled as the supervisor names it ("a", "a/log"), not by the path given.
    const label = r.record?.name || basename(r.path);
    if (dir) lines = readSource({ label, dir }, null, STORY_LOG_LINES);
    else {
      const place = initPlace();
      const [named] = resolveServices([r.path], place.scanDir) as [{ name: string; dir: string }];
      lines = lastServiceLines(named.name, named.dir, place.runDir, STORY_LOG_LINES);
    }
  } catch {
    return null; // no log yet, or not ours to read
  }
  if (lines.length === 0) return null;
  return { source: dir ?? "tsinit log", lines: lines.map((l) => formatLine(l, false)) };
}
