// `tsinit [OPTIONS] -- [CMD ARGS...]`, or a bare `tsinit` as process 1 of a
// marked container: stage 1 trimmed to what a container allows, the image's
// services supervised as on a machine, then CMD as the main program. When
// CMD exits (or, with no CMD, on TERM) the services stop in order, what is
// left below us is terminated, and tsinit exits with CMD's code. Not process
// 1 (docker --init, a systemd unit): a child subreaper, so CMD's orphans
// still come back to us to reap. A crash re-executes and adopts as PID 1
// does; what the new image must know of CMD is carried (container-reexec.ts).
import { EXIT_OK, EXIT_SIGNAL_BASE, EXIT_SYSTEM } from "../cli/exit-codes";
import { existsSync, rmSync } from "node:fs";
import * as sys from "../sys";
import { logLine, reason, setLogSink } from "../cli/log";
import { parseMillis } from "../cli/command-line";
import { Scanner, scanDirExists } from "../supervise/scanner";
import { containerActionForSignal, CONTAINER_STOP_SIGNALS, FORWARDED_SIGNALS } from "../shutdown/actions";
import { containerEnd, stopScanner } from "../shutdown/stage3";
import { openCatchAll } from "./console-setup";
import { containerMounts, runDirUsable } from "./container-stage1";
import { descendants } from "./container-procs";
import { ReadyGate } from "./container-ready";
import { exitCodeOf, forwardSignal, startCommand, type OriginalStdio } from "./container-cmd";
import { COMMAND_PID_VARIABLE, carryCommandPid, carryExitCode, originalStdio, releaseOriginalStdio, takeCarriedCommand } from "./container-reexec";
import { closeUntakenFds } from "../sys/kept-fds";
import { USAGE, type InitValues } from "./init-options";
import { knownPids, startSupervision } from "./supervision";
import { armCrashReexec, imageStartMs, isCrashLoop, reexecNow, REEXEC_SIGNAL, takeInherited } from "./reexec";
import { envOnceLoaded, loadEnvDir, resetStdio } from "./stage1";
import { armTrim } from "./trim";
import { startTasks } from "./tasks";
import type { TaskRecord } from "../supervise/task-record";
import { failureHandler } from "./on-failure";
import { syncMirror } from "./mirror";
import { elapsed, guarded, timed, within } from "../cli/timed";

/** timed() that only speaks on failure: a container's stderr is its user's log. */
function quietly<T>(stage: string, what: string, fn: () => Promise<T>): Promise<T | undefined>;
function quietly<T>(stage: string, what: string, fn: () => T): T | undefined;
function quietly<T>(stage: string, what: string, fn: () => T | Promise<T>): T | undefined | Promise<T | undefined> {
  return guarded(
    fn,
    () => undefined,
    (e) => logLine(`${stage}: unable to ${what}: ${reason(e)}`),
  );
}

/** Runs the container until CMD (or, with none, a stop signal) ends it; exits the process. */
export async function containerMain(values: InitValues, command: string[], crashWindowMs: number, ownRunDir = false): Promise<number> {
  const graceMs = Number(values.grace);
  const waitMs = parseMillis(USAGE, "--wait", values.wait);
  const step = values.verbose ? timed : quietly;
  const t0 = process.hrtime.bigint();
  const hasCommand = command.length > 0;
  const startedAt = imageStartMs();
  const inherited = takeInherited(crashWindowMs);
  const carried = takeCarriedCommand();
  if (inherited)
    logLine(
      `info: re-executed (${inherited.reason}${inherited.crashes ? `, crash ${inherited.crashes} in a row` : ""}): taking over the running services${carried.pid ? ` and ${command[0]} (pid ${carried.pid})` : ""}`,
    );
  if (isCrashLoop(inherited)) {
    logLine(`fatal: crashed ${inherited!.crashes} times in a row soon after starting: exiting`);
    return process.exit(EXIT_SYSTEM);
  }
  // After a re-exec the copies are the previous image's kept fds, taken once the map is read.
  let stdio: OriginalStdio = inherited ? [-1, -1, -1] : originalStdio(false);

  // One router for tasks, CMD and services (the scanner is given it).
  const deaths = new sys.DeathRouter();
  const watchPid = (pid: number, cb: (exit: sys.Exit) => void) => deaths.watchPid(pid, cb);
  let scanner: Scanner | undefined;
  let scannerDone: () => void = () => undefined;
  const scannerFinished = new Promise<void>((r) => (scannerDone = r));
  let cmdPid = 0;
  let ending = false;
  /** the after-boot trim (trim.ts), as PID 1's; an end disarms it */
  let disarmTrim = () => undefined as void;

  // A JS error re-executes (services and CMD adopted); if even that fails, carry on.
  const onFatal = (what: string) => {
    logLine(`fatal: ${what}: re-executing`);
    try {
      reexecNow("exception", inherited, startedAt);
    } catch (e) {
      logLine(`unable to re-execute: ${reason(e)}: carrying on`);
    }
  };
  process.on("uncaughtException", (e) => onFatal(`${reason(e)}${e instanceof Error && e.stack ? `\n${e.stack}` : ""}`));
  process.on("unhandledRejection", (e) => onFatal(`unhandled rejection: ${reason(e)}`));

  step("boot", "load the addon", () => {
    sys.native();
    return sys.addonOrigin();
  });
  step("boot", "raise the fd limit", () => sys.raiseNofile());
  // From here a fatal signal re-executes (after a re-exec: again, counting toward a loop).
  step("boot", "arm re-exec on a fatal signal", () => armCrashReexec(inherited, startedAt));
  // Before the first child: an orphan of CMD must come back to us, not to the host's init.
  if (process.pid !== 1) step("boot", "become a child subreaper", () => sys.setSubreaper(true));
  step("boot", "reset stdio", resetStdio);
  if (process.pid === 1 && !values["no-mount"] && !inherited) {
    const detail = containerMounts();
    if (values.verbose || detail.startsWith("unable")) logLine(`boot: ${detail}`);
  }
  const usable = runDirUsable(values.rundir);
  const catchAll = openCatchAll(values.rundir, !!inherited, { files: usable === true });
  if (inherited) stdio = originalStdio(true);
  if (usable !== true && (scanDirExists(values.scandir) || existsSync(values.taskdir))) {
    logLine(`warning: unable to use ${values.rundir}: ${usable}: services and tasks not started (give --rundir a writable dir)`);
  }
  const childOut = catchAll.writeFd;
  const childErr = catchAll.writeFd;

  const end = (code: number, why: string) => {
    if (ending) return;
    ending = true;
    disarmTrim();
    // A crash from here on: the next image ends the container with the same code.
    carryExitCode(code);
    void containerEnd(why, {
      graceMs,
      say: values.verbose ? logLine : () => undefined,
      nextDeath: () => new Promise<void>((r) => sys.events.once("exit", () => r())),
      leftovers: () => descendants(),
      stopServices: (grace) => stopScanner(scanner, scannerFinished, grace),
      flushLogs: async () => {
        setLogSink(null);
        await within(catchAll.stop(), 2000);
      },
    }).then(() => {
      // This run's own state (not PID 1, no --rundir): nobody reads it after us.
      if (ownRunDir) {
        try {
          rmSync(values.rundir, { recursive: true, force: true });
        } catch {
          /* left behind: harmless */
        }
      }
      process.exit(code);
    });
  };

  const rescan = () => {
    if (!scanner) return;
    for (const p of syncMirror(values.scandir, live)) logLine(p);
    scanner.rescan();
  };
  const onSignal = (signo: number) => {
    if (signo === sys.signalNumber(REEXEC_SIGNAL)) return logLine("info: re-exec is not available in container mode: ignored");
    const action = containerActionForSignal(signo, hasCommand);
    const name = sys.signalName(signo);
    if (action.kind === "forward") {
      if (cmdPid > 0) return forwardSignal(cmdPid, action.signal, !!values["signal-group"]);
      // CMD not started yet (services coming up): a stop request ends it all now.
      if (CONTAINER_STOP_SIGNALS.some((s) => sys.signalNumber(s) === signo)) end(EXIT_SIGNAL_BASE + signo, `${name} before CMD started`);
    } else if (action.kind === "stop") end(EXIT_OK, `${name} received`);
    else if (action.kind === "rescan") rescan();
  };
  // Once CMD holds the terminal's foreground, our own writes to it would stop
  // us (SIGTTOU with `stty tostop`) or fail (EIO); blocked, they go through,
  // as tini ignores them. Children start with an empty mask.
  step("boot", "block SIGTTOU and SIGTTIN", () => sys.blockSignals(["SIGTTOU", "SIGTTIN"]));
  // CMD still running from before a re-exec: its death must find its watcher.
  const watchCommand = (pid: number) => {
    cmdPid = pid;
    carryCommandPid(pid);
    watchPid(pid, (exit) => {
      const code = exitCodeOf(exit);
      cmdPid = 0;
      end(code, `${command[0]} ${exit.code >= 0 ? `exited ${exit.code}` : `killed by ${sys.signalName(exit.signal)}`}: exiting ${code}`);
    });
  };
  if (carried.pid) watchCommand(carried.pid);
  step("boot", "catch signals and deaths", () => {
    sys.startEvents([...new Set([...FORWARDED_SIGNALS, ...CONTAINER_STOP_SIGNALS, REEXEC_SIGNAL])]);
    sys.events.on("exit", (exit) => void deaths.route(exit));
    sys.events.on("signal", onSignal);
  });
  step("boot", "load the environment", () => loadEnvDir(values.envdir));

  const env = envOnceLoaded();
  const gate = new ReadyGate();
  const onFailed = failureHandler({ mode: "container", exit: (code, why) => end(code, why) });
  const live = `${values.rundir}/service`;
  if (usable === true) {
    let tasks: TaskRecord[] = [];
    step("boot", "start tasks", () => {
      tasks = startTasks(values.taskdir, values.rundir, env, deaths, [0, childOut, childErr], gate, !!inherited, catchAll, onFailed);
      return `${tasks.length} tasks`;
    });
    if (scanDirExists(values.scandir)) {
      await startSupervision({
        step,
        scandir: values.scandir,
        live,
        inherited: !!inherited,
        knownAs: knownPids(deaths, tasks, { pid: cmdPid, what: `the container's command (${command[0] ?? "CMD"})` }),
        options: {
          deaths,
          env,
          gate,
          stdout: childOut,
          stderr: childErr,
          logRoot: `${values.rundir}/log`,
          labelOutput: catchAll,
          onFailed,
          onFinished: () => {
            scannerDone();
            // s6-svscanctl -t on the live dir: the container ends (with CMD's code if there is one).
            if (ending) return;
            if (cmdPid > 0) forwardSignal(cmdPid, "SIGTERM", !!values["signal-group"]);
            else if (!hasCommand) end(EXIT_OK, "supervision ended");
          },
        },
        created: (s) => (scanner = s),
        rescan,
      });
    }
  }
  if (inherited) closeUntakenFds();
  if (values.verbose) logLine(`boot: done in ${elapsed(t0)} (${(process.uptime() * 1000).toFixed(1)} ms after exec)`);
  if (!ending) disarmTrim = armTrim(values.verbose ? logLine : () => undefined);
  // The previous image was ending the container: end it, with the same code.
  if (carried.exitCode !== null) end(carried.exitCode, `ending (as before the re-exec): exiting ${carried.exitCode}`);
  if (!hasCommand || carried.exitCode !== null) return new Promise<number>(() => undefined);
  // The previous image had started CMD: it is watched above.
  if (carried.pid) return new Promise<number>(() => undefined);

  // CMD after the services it may need, but never held forever by one that hangs.
  if (!(await gate.settled(waitMs)) && waitMs > 0) {
    logLine(`warning: not ready after ${waitMs} ms: ${gate.pending().join(", ")}: starting ${command[0]} anyway`);
  }
  if (ending) return new Promise<number>(() => undefined);
  // CMD carries its own pid to a crash from just before its exec, and TS
  // carries it first thing after: a crash from now on must not start it again.
  const started = startCommand(command, stdio, env(), COMMAND_PID_VARIABLE);
  if ("pid" in started) watchCommand(started.pid);
  releaseOriginalStdio(stdio);
  if ("failed" in started) {
    end(started.failed, `${command[0]} could not start`);
  } else {
    if (values.verbose) logLine(`info: started ${command[0]} as ${cmdPid} (${(process.uptime() * 1000).toFixed(1)} ms after exec)`);
  }
  return new Promise<number>(() => undefined);
}
