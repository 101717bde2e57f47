// `tsinit` as PID 1 (no arguments, `tsinit init`, or the binary called as
// `init`): stage 1, then stage 2 on the image's services, then stage 3 when
// asked. PID 1 never exits: every path ends in reboot(2), and an unexpected
// error anywhere ends in a re-exec that adopts the services (reexec.ts), or
// in stage 3, never in a kernel panic. In a container (`tsinit -- CMD`)
// container-main.ts runs instead: there tsinit exits with CMD's code.
//
// main, at the end, reads top to bottom as the boot goes, tini's way: each
// step is a function above it, given what it needs. What later steps and the
// event handlers share is one Pid1 object (init-state.ts), made before the
// first handler is installed.
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { showHelp, UsageError } from "../cli/command-line";
import { elapsed, guarded, timed } from "../cli/timed";
import type { CatchAll } from "../log/catch-all";
import { DepGate } from "../supervise/dep-gate";
import { closeUntakenFds } from "../sys/kept-fds";
import { openCatchAll } from "./console-setup";
import { containerMarked } from "./container-stage1";
import { DEFAULT_GRACE_MS, msOption, parseInitArgs, splitCommand, USAGE, type InitValues } from "./init-options";
import { catchEvents, newPid1, onFatal, rescan, shutdown, catchFatalErrors, type Pid1 } from "./init-state";
import { keepAlive } from "./keep-alive";
import { EARLY_MOUNTS, mountIfAbsent } from "./mounts";
import { failureHandler } from "./on-failure";
import { armCrashReexec, CRASH_WINDOW_MS, imageStartMs, isCrashLoop, takeInherited, type Inherited } from "./reexec";
import { safeMode } from "./safe-mode";
import { hostnameFrom, envOnceLoaded, loadEnvDir, ownSession, resetStdio } from "./stage1";
import { knownPids, startSupervision } from "./supervision";
import { startTasks } from "./tasks";
import type { TaskRecord } from "../supervise/task-record";
import { armTrim } from "./trim";
import { watchPowerButtons } from "../shutdown/power-button";
import { isInitialPidNamespace } from "../sys/proc";

/** `tsinit -- CMD` (or a marked container's process 1): container-main.ts. */
async function runContainer(values: InitValues, options: string[], command: string[] | undefined, crashWindowMs: number): Promise<number> {
  // Outside PID 1 each run has its own state, removed at its end: two
  // `tsinit -- CMD` (or one beside the machine's tsinit) never share /run/tsinit.
  const ownRunDir = process.pid !== 1 && !options.some((o) => o === "--rundir" || o.startsWith("--rundir="));
  if (ownRunDir) values.rundir = `${values.rundir}.${process.pid}`;
  return (await import("./container-main")).containerMain(values, command ?? [], crashWindowMs, ownRunDir);
}

/** The process itself: the addon, the fd limit, cwd and umask, stdio. */
function prepareProcess(): void {
  timed("boot", "load the addon", () => {
    sys.native();
    return sys.addonOrigin();
  });
  timed("boot", "raise the fd limit", () => sys.raiseNofile());
  timed("boot", "cd / and umask 022", () => {
    process.chdir("/");
    sys.umask(0o022);
  });
  timed("boot", "reset stdio", resetStdio);
}

/** /proc, /sys, cgroup2, /dev, /run, each kept if already mounted. */
function mountEarly(): void {
  for (const m of EARLY_MOUNTS) {
    const t = process.hrtime.bigint();
    try {
      logLine(`boot: ${mountIfAbsent(m) ? "mounted" : "kept the mounted"} ${m.target} (${elapsed(t)})`);
    } catch (e) {
      logLine(`boot: unable to mount ${m.target}: ${reason(e)} (${elapsed(t)})`);
    }
  }
}

/** The catch-all: children without a logger write into its pipe; PID 1's
 *  own lines go to it in-process (never through the pipe, which only PID 1
 *  drains). Its fds 1 and 2 stay on the console for Node's own last words. */
function startCatchAll(values: InitValues, inherited: Inherited | null): CatchAll | undefined {
  const catchAll = timed("boot", "start the catch-all log", () => openCatchAll(values.rundir, !!inherited));
  // For `tsinit analyze`: the steps above reached only the console, and
  // /proc/1's start is the kernel's (before an initrd); this line's stamp
  // minus its duration is when tsinit was exec'd (process.uptime: no module to load).
  logLine(`boot: exec to the catch-all log (${(process.uptime() * 1000).toFixed(1)} ms)`);
  return catchAll;
}

/** Ctrl-Alt-Del as SIGINT, the hostname, our own session, /etc/s6/env. */
function setUpMachine(values: InitValues, inherited: boolean): void {
  timed("boot", "turn Ctrl-Alt-Del into SIGINT", () => {
    // Only the machine's own init may; in a pid namespace reboot(2) refuses (EINVAL).
    if (!isInitialPidNamespace()) return "skipped: not the machine's init (a pid namespace)";
    sys.reboot(sys.constants().LINUX_REBOOT_CMD_CAD_OFF!);
    return "";
  });
  if (!inherited) timed("boot", "set the hostname", () => hostnameFrom(values.hostname));
  timed("boot", "leave session 0", ownSession);
  timed("boot", "load the environment", () => loadEnvDir(values.envdir));
}

/** Children's stdout and stderr: the catch-all's pipe, else the console. */
const childOutput = (pid1: Pid1): [number, number] => [pid1.catchAll?.writeFd ?? 1, pid1.catchAll?.writeFd ?? 2];

/** The boot tasks of TASKDIR, started in dependency order. */
function runTasks(pid1: Pid1, env: () => string[], gate: DepGate, onFailed: ReturnType<typeof failureHandler>): TaskRecord[] {
  const { values, inherited, catchAll } = pid1;
  let tasks: TaskRecord[] = [];
  timed("boot", "start tasks", () => {
    tasks = startTasks(values.taskdir, values.rundir, env, pid1.deaths, [0, ...childOutput(pid1)], gate, !!inherited, catchAll, onFailed);
    return `${tasks.length} tasks`;
  });
  return tasks;
}

/** Stage 2: the image's scan dir mirrored, adopted after a re-exec, supervised. */
async function supervise(pid1: Pid1, tasks: TaskRecord[], env: () => string[], gate: DepGate, onFailed: ReturnType<typeof failureHandler>): Promise<void> {
  const [stdout, stderr] = childOutput(pid1);
  await startSupervision({
    step: timed,
    scandir: pid1.values.scandir,
    live: pid1.live,
    inherited: !!pid1.inherited,
    knownAs: knownPids(pid1.deaths, tasks),
    options: {
      deaths: pid1.deaths,
      env,
      gate,
      stdout,
      stderr,
      labelOutput: pid1.catchAll,
      logRoot: `${pid1.values.rundir}/log`,
      onFailed,
      onFinished: () => {
        pid1.scannerDone();
        // s6-svscanctl -t on the live dir: every service is down, so the machine goes down too.
        if (!pid1.shuttingDown) shutdown(pid1, "poweroff");
      },
    },
    created: (s) => (pid1.scanner = s),
    started: () => {
      for (const exit of pid1.earlyExits.splice(0)) void pid1.deaths.route(exit);
      if (pid1.inherited) closeUntakenFds();
    },
    rescan: () => rescan(pid1),
  });
}

function listenToPowerButton(pid1: Pid1): void {
  timed("boot", "listen to the power button", () => {
    watchPowerButtons(
      (device) => {
        logLine(`info: power button pressed on ${device}`);
        shutdown(pid1, "poweroff");
      },
      { sysClassInput: pid1.values["input-sys"], devInput: pid1.values["input-dev"] },
    );
  });
}

/** The memory trim after boot, unless a shutdown came first (nothing would disarm it).
 *  Quiet on success: "boot: done" is the boot's last line (tsinit analyze). */
function armMemoryTrim(pid1: Pid1): void {
  if (pid1.shuttingDown) return;
  pid1.disarmTrim =
    guarded(
      armTrim,
      () => undefined,
      (e) => logLine(`boot: unable to arm the memory trim: ${reason(e)}`),
    ) ?? pid1.disarmTrim;
}

/** Entry point of `tsinit init`. */
export async function main(args: string[]): Promise<number | void> {
  const { options, command } = splitCommand(args);
  const { values } = parseInitArgs(options);
  if (values.help) return showHelp(USAGE);
  const graceMs = msOption("grace", values.grace, DEFAULT_GRACE_MS);
  const crashWindowMs = msOption("crash-window", values["crash-window"], CRASH_WINDOW_MS);
  // A container's entrypoint: `--` (as process 1 or not), or a marked container's process 1.
  if (command !== undefined || (process.pid === 1 && containerMarked())) return runContainer(values, options, command, crashWindowMs);
  if (process.pid !== 1)
    throw new UsageError("must run as process 1 (tsinit -- CMD runs a container's command; tsinit scan DIR supervises without being init)", USAGE);

  const t0 = process.hrtime.bigint();
  const startedAt = imageStartMs();
  const inherited = takeInherited(crashWindowMs);
  if (inherited)
    logLine(`info: re-executed (${inherited.reason}${inherited.crashes ? `, crash ${inherited.crashes} in a row` : ""}): taking over the running services`);
  if (isCrashLoop(inherited)) return safeMode(inherited!.crashes);

  const pid1 = newPid1(values, graceMs, inherited, startedAt);
  catchFatalErrors(pid1);
  prepareProcess();
  if (!values["no-mount"]) mountEarly();
  pid1.catchAll = startCatchAll(values, inherited);
  if (!catchEvents(pid1)) {
    // Without the event source nothing is reaped, and the loop would end (an
    // exit: a panic): a new image tries again, and a loop of that, safe mode.
    onFatal(pid1, "no signal and death events");
    // The re-exec failed too (no addon): nothing else would hold the loop open.
    keepAlive();
  }
  setUpMachine(values, !!inherited);
  const env = envOnceLoaded();
  const gate = new DepGate();
  const onFailed = failureHandler({ mode: "init", power: (action) => shutdown(pid1, action) });
  const tasks = runTasks(pid1, env, gate, onFailed);
  await supervise(pid1, tasks, env, gate, onFailed);
  listenToPowerButton(pid1);
  timed("boot", "arm re-exec on a fatal signal", () => armCrashReexec(inherited, startedAt));
  pid1.booted = true;
  logLine(`boot: done in ${elapsed(t0)}`);
  armMemoryTrim(pid1);
  return new Promise<number>(() => undefined);
}
