// `tsinit` as PID 1 (no arguments, `tsinit init`, or the binary called as
// `init`): stage 1, then stage 2 on the image's services, then stage 3 when
// asked. PID 1 never exits: every path ends in reboot(2), and an unexpected
// error anywhere ends in a re-exec that adopts the services (reexec.ts), or
// in stage 3, never in a kernel panic. In a container (`tsinit -- CMD`)
// container-main.ts runs instead: there tsinit exits with CMD's code.
import * as sys from "../sys";
import { logLine, reason, setLogSink } from "../cli/log";
import { openCatchAll } from "./console-setup";
import { DEFAULT_GRACE_MS, msOption, parseInitArgs, splitCommand, USAGE } from "./init-options";
import { containerMarked } from "./container-stage1";
import { DepGate } from "../supervise/dep-gate";
import { armCrashReexec, CRASH_WINDOW_MS, imageStartMs, isCrashLoop, reexecNow, REEXEC_SIGNAL, takeInherited } from "./reexec";
import { closeUntakenFds } from "../sys/kept-fds";
import { safeMode } from "./safe-mode";
import { keepAlive } from "./keep-alive";
import { showHelp, UsageError } from "../cli/command-line";
import { Scanner } from "../supervise/scanner";
import { EARLY_MOUNTS, mountIfAbsent } from "./mounts";
import { elapsed, guarded, timed, within } from "../cli/timed";
import { hostnameFrom, loadEnvDir, ownSession, resetStdio } from "./stage1";
import { startTasks, type TaskRecord } from "./tasks";
import { failureHandler } from "./on-failure";
import { armTrim } from "./trim";
import { syncMirror } from "./mirror";
import { knownPids, startSupervision } from "./supervision";
import { stage3, stopScanner } from "../shutdown/stage3";
import { actionForSignal, SIGNAL_ACTIONS, type PowerAction } from "../shutdown/actions";
import { watchPowerButtons } from "../shutdown/power-button";
import { isInitialPidNamespace } from "../shutdown/procs";

/** Entry point of `tsinit init`. */
export async function main(args: string[]): Promise<number | void> {
  const { options, command } = splitCommand(args);
  const { values } = parseInitArgs(options);
  if (values.help) return showHelp(USAGE);
  const graceMs = msOption("grace", values.grace, DEFAULT_GRACE_MS);
  const crashWindowMs = msOption("crash-window", values["crash-window"], CRASH_WINDOW_MS);
  // A container's entrypoint: `--` (as process 1 or not), or a marked container's process 1.
  if (command !== undefined || (process.pid === 1 && containerMarked())) {
    // Outside PID 1 each run has its own state, removed at its end: two
    // `tsinit -- CMD` (or one beside the machine's tsinit) never share /run/tsinit.
    const ownRunDir = process.pid !== 1 && !options.some((o) => o === "--rundir" || o.startsWith("--rundir="));
    if (ownRunDir) values.rundir = `${values.rundir}.${process.pid}`;
    return (await import("./container-main")).containerMain(values, command ?? [], crashWindowMs, ownRunDir);
  }
  if (process.pid !== 1) throw new UsageError("must run as process 1 (tsinit -- CMD runs a container's command; tsinit scan DIR supervises without being init)", USAGE);

  const t0 = process.hrtime.bigint();
  const startedAt = imageStartMs();
  const inherited = takeInherited(crashWindowMs);
  if (inherited) logLine(`info: re-executed (${inherited.reason}${inherited.crashes ? `, crash ${inherited.crashes} in a row` : ""}): taking over the running services`);
  if (isCrashLoop(inherited)) return safeMode(inherited!.crashes);
  let shuttingDown = false;
  let disarmTrim: () => void = () => undefined;
  let scanner: Scanner | undefined;
  let scannerDone: () => void = () => undefined;
  const scannerFinished = new Promise<void>((r) => (scannerDone = r));

  const shutdown = (action: PowerAction) => {
    if (shuttingDown) return logLine(`info: ${action} requested while shutting down: ignored`);
    shuttingDown = true;
    disarmTrim();
    void stage3(action, {
      hook: `${values.scandir}/.s6-svscan/finish`,
      env: sys.envStrings(process.env),
      graceMs,
      nextDeath: () => new Promise<void>((r) => sys.events.once("exit", () => r())),
      watchPid,
      freeze: () => scanner?.freeze(),
      stopServices: (grace) => stopScanner(scanner, scannerFinished, grace),
      flushLogs: async () => {
        if (!catchAll) return;
        setLogSink(null);
        await within(catchAll.stop(), 2000);
      },
    }).catch((e) => logLine(`shutdown: ${reason(e)}`));
  };

  // PID 1 must not die of its own bugs: say what happened, then re-execute
  // (services are adopted, not restarted); if even that fails, shut down cleanly.
  const onFatal = (what: string) => {
    logLine(`fatal: ${what}: re-executing to keep process 1 alive`);
    if (shuttingDown) return;
    try {
      reexecNow("exception", inherited, startedAt);
    } catch (e) {
      logLine(`unable to re-execute: ${reason(e)}`);
      shutdown("reboot");
    }
  };
  process.on("uncaughtException", (e) => onFatal(`${reason(e)}${e instanceof Error && e.stack ? `\n${e.stack}` : ""}`));
  process.on("unhandledRejection", (e) => onFatal(`unhandled rejection: ${reason(e)}`));

  // Deaths of everything we spawned go to their owner; the rest are orphans, just reaped.
  // One router for tasks, services (the scanner is given it) and stage 3.
  const deaths = new sys.DeathRouter();
  const watchPid = (pid: number, cb: (exit: sys.Exit) => void) => deaths.watchPid(pid, cb);
  const earlyExits: sys.Exit[] = [];
  const dispatchExit = (exit: sys.Exit) => void deaths.route(exit);
  // Set once boot is done; a request before that waits for the next one.
  let plannedReexec: () => Promise<void> = async () => logLine("info: re-exec requested during boot: ignored");

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
  if (!values["no-mount"]) {
    for (const m of EARLY_MOUNTS) {
      const t = process.hrtime.bigint();
      try {
        logLine(`boot: ${mountIfAbsent(m) ? "mounted" : "kept the mounted"} ${m.target} (${elapsed(t)})`);
      } catch (e) {
        logLine(`boot: unable to mount ${m.target}: ${reason(e)} (${elapsed(t)})`);
      }
    }
  }
  // The catch-all: children without a logger write into its pipe; PID 1's
  // own lines go to it in-process (never through the pipe, which only PID 1
  // drains). Its fds 1 and 2 stay on the console for Node's own last words.
  const catchAll = timed("boot", "start the catch-all log", () => openCatchAll(values.rundir, !!inherited));
  // For `tsinit analyze`: the steps above reached only the console, and
  // /proc/1's start is the kernel's (before an initrd); this line's stamp
  // minus its duration is when tsinit was exec'd (process.uptime: no module to load).
  logLine(`boot: exec to the catch-all log (${(process.uptime() * 1000).toFixed(1)} ms)`);
  const childOut = catchAll?.writeFd ?? 1;
  const childErr = catchAll?.writeFd ?? 2;
  const caught = timed("boot", "catch signals and deaths", () => {
    sys.startEvents([...Object.keys(SIGNAL_ACTIONS), "SIGHUP", REEXEC_SIGNAL]);
    sys.events.on("exit", (exit) => {
      // After a re-exec, deaths before the adoption may be of adopted services: keep them.
      if (!deaths.has(exit.pid) && !scanner && inherited) earlyExits.push(exit);
      else dispatchExit(exit);
    });
    sys.events.on("signal", (signo) => {
      const action = actionForSignal(signo);
      if (action) shutdown(action);
      else if (signo === sys.signalNumber("SIGHUP")) rescan();
      else if (signo === sys.signalNumber(REEXEC_SIGNAL)) void plannedReexec();
    });
    return true;
  });
  // Without the event source nothing is reaped, and the loop would end (an
  // exit: a panic): a new image tries again, and a loop of that, safe mode.
  if (!caught) {
    onFatal("no signal and death events");
    // The re-exec failed too (no addon): nothing else would hold the loop open.
    keepAlive();
  }
  timed("boot", "turn Ctrl-Alt-Del into SIGINT", () => {
    // Only the machine's own init may; in a pid namespace reboot(2) refuses (EINVAL).
    if (!isInitialPidNamespace()) return "skipped: not the machine's init (a pid namespace)";
    sys.reboot(sys.constants().LINUX_REBOOT_CMD_CAD_OFF!);
    return "";
  });
  if (!inherited) timed("boot", "set the hostname", () => hostnameFrom(values.hostname));
  timed("boot", "leave session 0", ownSession);
  timed("boot", "load the environment", () => loadEnvDir(values.envdir));

  const env = () => sys.envStrings(process.env);
  const gate = new DepGate();
  const onFailed = failureHandler({ mode: "init", power: (action) => shutdown(action) });
  let tasks: TaskRecord[] = [];
  timed("boot", "start tasks", () => {
    tasks = startTasks(values.taskdir, values.rundir, env, watchPid, [0, childOut, childErr], gate, !!inherited, catchAll ?? undefined, onFailed);
    return `${tasks.length} tasks`;
  });

  const live = `${values.rundir}/service`;
  const rescan = () => {
    for (const p of syncMirror(values.scandir, live)) logLine(p);
    scanner?.rescan();
  };
  await startSupervision({
    step: timed,
    scandir: values.scandir,
    live,
    inherited: !!inherited,
    knownAs: knownPids(deaths, tasks),
    options: {
      deaths,
      env,
      gate,
      stdout: childOut,
      stderr: childErr,
      labelOutput: catchAll ?? undefined,
      logRoot: `${values.rundir}/log`,
      onFailed,
      onFinished: () => {
        scannerDone();
        // s6-svscanctl -t on the live dir: every service is down, so the machine goes down too.
        if (!shuttingDown) shutdown("poweroff");
      },
    },
    created: (s) => (scanner = s),
    started: () => {
      for (const exit of earlyExits.splice(0)) dispatchExit(exit);
      if (inherited) closeUntakenFds();
    },
    rescan,
  });
  timed("boot", "listen to the power button", () => {
    watchPowerButtons((device) => {
      logLine(`info: power button pressed on ${device}`);
      shutdown("poweroff");
    }, { sysClassInput: values["input-sys"], devInput: values["input-dev"] });
  });
  timed("boot", "arm re-exec on a fatal signal", () => armCrashReexec(inherited, startedAt));
  plannedReexec = async () => {
    if (shuttingDown) return logLine("info: re-exec requested while shutting down: ignored");
    logLine("info: re-exec requested: the new image takes over the services");
    if (catchAll) await within(catchAll.idle(), 2000);
    try {
      reexecNow("planned", inherited, startedAt);
    } catch (e) {
      logLine(`unable to re-execute: ${reason(e)}: carrying on`);
    }
  };
  logLine(`boot: done in ${elapsed(t0)}`);
  // A shutdown requested during boot has nothing to disarm yet, and then no trim is armed.
  // Quiet on success: "boot: done" is the boot's last line (tsinit analyze).
  if (!shuttingDown) disarmTrim = guarded(armTrim, () => undefined, (e) => logLine(`boot: unable to arm the memory trim: ${reason(e)}`)) ?? disarmTrim;
  return new Promise<number>(() => undefined);
}
