// `tsinit scan DIR`: stage 2 alone, in the foreground, what `s6-svscan DIR`
// does — as PID 1 of a namespace or as an ordinary process.
import { resolve } from "node:path";
import * as sys from "../sys";
import { codeOf } from "../sys/errors";
import { logLine, reason } from "../cli/log";
import { EXIT_OK, EXIT_SYSTEM, EXIT_USAGE } from "../cli/exit-codes";
import { parseCommandLine, showHelp, UsageError } from "../cli/command-line";
import { Scanner } from "../supervise/scanner";
import { existsSync, lstatSync, mkdirSync, statSync } from "node:fs";
import { prepareAdoption, stopSurvivors } from "../supervise/adopt";
import { armCrashReexec, CRASH_WINDOW_MS, imageStartMs, isCrashLoop, reexecNow, takeInherited } from "./reexec";
import { msOption } from "./init-options";
import { closeUntakenFds, loadInheritedFds, setKeptFdsFile } from "../sys/kept-fds";
import { armTrim } from "./trim";

const USAGE = `usage: tsinit scan [-h] [--rundir RUNDIR] [--crash-window MS] DIR

Supervises every subdirectory of DIR (s6 layout: run, finish, down, log/,
notification-fd, timeout-kill, timeout-finish, max-death-tally, down-signal)
in this one process. Directories added or removed are picked up at once.
Driven by tsinit svc / scan-ctl or Debian's s6-svc / s6-svscanctl.
Each scan keeps its own state: the built-in loggers (log/ without run)
write to RUNDIR/log/NAME, RUNDIR being DIR/.s6-svscan unless --rundir
names another, so two scans never share a log dir; tsinit log and tsinit
status find them through the service's supervise/tsinit-record.

signals: TERM, INT = stop every service and exit 0 (s6-svscanctl -t)
         HUP, ALRM = rescan    QUIT = stop and exit    ABRT = exit at once
At the end DIR/.s6-svscan/finish is executed if it exists (as s6-svscan does).
A crash (SEGV, BUS, ILL, FPE, a JS error) re-executes and takes the services
over; three crashes, each within MS (default 60000) of the start before it,
end the scan with 111 (the services run on); a scan started where one was
killed stops what it left, then starts.

examples: tsinit scan /etc/s6/service
          tsinit scan-ctl -t /etc/s6/service   (from elsewhere: stop it)

exit codes: 0 stopped on request; 100 usage, or DIR already has a scanner
(as s6-svscan); 111 DIR cannot be read or supervised`;

/** Why DIR cannot be a scan dir ("No such file or directory (ENOENT)"), or null. */
function notAScanDir(dir: string): string | null {
  try {
    return statSync(dir).isDirectory() ? null : "Not a directory (ENOTDIR)";
  } catch (e) {
    return reason(e);
  }
}

/** Entry point of `tsinit scan`. */
export async function main(args: string[]): Promise<number | void> {
  const { values, positionals } = parseCommandLine(USAGE, args, {
    help: { type: "boolean", short: "h" },
    "crash-window": { type: "string", default: String(CRASH_WINDOW_MS) },
    rundir: { type: "string" },
  });
  if (values.help) return showHelp(USAGE);
  if (positionals.length === 0) throw new UsageError("missing DIR", USAGE);
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}`, USAGE);
  const dir = positionals[0]!.replace(/\/+$/, "") || "/";
  const notDir = notAScanDir(dir);
  if (notDir) {
    logLine(`unable to scan ${dir}: ${notDir}`);
    return EXIT_SYSTEM;
  }
  // Like PID 1, a scanner survives its own crash: a fatal signal or JS error
  // re-executes it, and the new image adopts the services (still our
  // children) instead of starting them again.
  const startedAt = imageStartMs();
  const inherited = takeInherited(msOption("crash-window", values["crash-window"], CRASH_WINDOW_MS, USAGE));
  if (inherited)
    logLine(`info: re-executed (${inherited.reason}${inherited.crashes ? `, crash ${inherited.crashes} in a row` : ""}): taking over the running services`);
  if (isCrashLoop(inherited)) {
    logLine(
      `unable to supervise ${dir}: crashed ${inherited!.crashes} times in a row soon after starting; services keep running unsupervised; a new tsinit scan ${dir} takes them over`,
    );
    return EXIT_SYSTEM;
  }
  let stopping = () => false;
  const onFatal = (what: string) => {
    // While stopping, a new image would adopt services it was not told to stop: finish instead.
    if (stopping()) return logLine(`fatal: ${what}: carrying on with the stop`);
    logLine(`fatal: ${what}: re-executing`);
    try {
      reexecNow("exception", inherited, startedAt);
    } catch (e) {
      logLine(`unable to re-execute: ${reason(e)}`);
      process.exit(EXIT_SYSTEM);
    }
  };
  process.on("uncaughtException", (e) => onFatal(`${reason(e)}${e instanceof Error && e.stack ? `\n${e.stack}` : ""}`));
  process.on("unhandledRejection", (e) => onFatal(`unhandled rejection: ${reason(e)}`));
  // Armed before startEvents, so that SIGABRT keeps s6-svscan's meaning (exit
  // at once): startEvents' handler replaces the crash handler's for it.
  armCrashReexec(inherited, startedAt);
  // The pipes kept across a re-exec (service ↔ logger, readiness) are listed
  // beside the scanner's control fifo, where the new image looks.
  const keptFile = `${dir}/.s6-svscan/kept-fds.json`;
  // Every scanner (ours, s6-svscan) makes .s6-svscan/ before it starts a
  // service, and none removes it: without one, no scanner ever ran here and
  // none can have left a service running (stopSurvivors below).
  const scannedBefore = lstatSync(`${dir}/.s6-svscan`, { throwIfNoEntry: false }) !== undefined;
  try {
    mkdirSync(`${dir}/.s6-svscan`, { recursive: true, mode: 0o700 });
  } catch {
    /* openControlDir says why */
  }
  if (inherited) loadInheritedFds(keptFile);
  else setKeptFdsFile(keptFile);

  const S = sys.native().signals;
  // ~3 fds per service: as far as the kernel allows; services still get the limits we had.
  sys.raiseNofile();
  sys.startEvents(["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGALRM", "SIGABRT"]);
  const scanner = new Scanner(dir, {
    logRoot: `${values.rundir ? resolve(values.rundir) : `${resolve(dir)}/.s6-svscan`}/log`,
    onFinished: () => {
      const finish = `${dir}/.s6-svscan/finish`;
      if (existsSync(finish)) {
        try {
          sys.restoreNofile();
          sys.execve(finish, [finish], sys.envStrings(process.env));
        } catch (e) {
          logLine(`unable to exec ${finish}: ${reason(e)}`);
        }
      }
      sys.stopEvents();
      process.exit(EXIT_OK);
    },
  });
  stopping = () => scanner.isEnding();
  // As PID 1 does: once the start has settled, give back what only starting
  // needed (tens of MiB of the executable's pages); a stop disarms it.
  let disarmTrim = () => undefined as void;
  // Deaths before the scanner has taken over may be of adopted services: keep them.
  let early: sys.Exit[] | null = [];
  sys.events.on("exit", (exit) => (early ? early.push(exit) : scanner.reaped(exit)));
  sys.events.on("signal", (signo) => {
    if (signo === S.SIGTERM || signo === S.SIGINT || signo === S.SIGQUIT) disarmTrim();
    if (signo === S.SIGTERM || signo === S.SIGINT) scanner.terminate("term");
    else if (signo === S.SIGQUIT) scanner.terminate("quit");
    else if (signo === S.SIGHUP || signo === S.SIGALRM) scanner.rescan();
    else if (signo === S.SIGABRT) process.exit(EXIT_OK);
  });
  try {
    // Never a second copy: after a re-exec adopt what the statuses truly
    // name; after a scanner that died for good, stop what it left first.
    let plan = null;
    if (inherited) plan = await prepareAdoption(dir);
    else if (scannedBefore) await stopSurvivors(dir); // a fresh tree: no stat of every status (~25 ms for 1000)
    scanner.start(plan);
    for (const exit of early.splice(0)) scanner.reaped(exit);
    early = null;
    if (inherited) closeUntakenFds();
    if (!scanner.isEnding()) disarmTrim = armTrim();
  } catch (e) {
    // Exit now: the event source would keep this process alive, supervising nothing.
    sys.stopEvents();
    if (codeOf(e) === "ELOCKED") {
      // s6-svscan exits 100 here too: a second scanner is a wrong command line, not a failure.
      logLine(`unable to supervise ${dir}: another scanner is already running on it`);
      process.exit(EXIT_USAGE);
    }
    logLine(`unable to supervise ${dir}: ${reason(e)}`);
    process.exit(EXIT_SYSTEM);
  }
  // The event source keeps the loop alive; nothing else to do here.
  return new Promise<number>(() => undefined);
}
