// `tsinit svc`: s6-svc. Sends control letters to each named service's
// supervisor in one write; with -w it first subscribes to their events, then
// sends, then waits for the state (what s6-svc does by exec'ing s6-svlisten1,
// or s6-svwait when there are no letters). s6-svc takes one servicedir; a bare
// NAME and several services are ours (resolve.ts).
import { accessSync } from "node:fs";
import { EXIT_OK, EXIT_SYSTEM, EXIT_USAGE } from "../cli/exit-codes";
import { logLine, shortPath, systemFailure } from "../cli/log";
import { showHelp, UsageError } from "../cli/command-line";
import { phasesFor } from "../s6/condition";
import { writeControl, type ControlWrite } from "./ctlfifo";
import { waitForServices } from "./listen";
import { findServices } from "./resolve";
import { parseSvcArgs, type SvcRequest } from "./svc-args";
import { reportSetupError, reportWait } from "./wait-report";
import { codeOf } from "../sys/errors";

const USAGE = `usage: tsinit svc [-wu|-wU|-wd|-wD|-wr|-wR] [-T ms] [-abqhkti12pcyroduDUxOQ] SERVICE...

Sends commands to each SERVICE's supervisor (s6-svc compatible), all in one
write to SERVICE/supervise/control. SERVICE is a path, or a bare NAME in the
running init's scan dir ($TSINIT_SCANDIR, else PID 1's RUNDIR/service or its
tsinit scan DIR; a NAME only in the current dir is read there, as s6-svc does).
  -u up (want up)      -d down (want down)   -o once          -O once, no restart
  -r restart           -x exit when down     -D / -U: -d / -u and create / remove ./down
  -Q -O and create ./down
  -p pause (STOP)  -c continue  -a ALRM  -b ABRT  -q QUIT  -h HUP  -k KILL
  -t TERM  -i INT  -1 USR1  -2 USR2  -y WINCH
  -w u|U|d|D|r|R  wait until up / up+ready / down / down+finished / restarted /
                  restarted+ready, for every SERVICE (U and R need
                  ./notification-fd, else u and r)
  -T ms           give up waiting after ms (0 = never)
  --help          this text (-h is s6-svc's HUP, as above)

examples: tsinit svc -r sshd
          tsinit svc -wD -d -T 5000 db web
          tsinit svc -u /run/tsinit/service/sshd

exit codes: 0 ok; 1 a service failed permanently or its supervisor died while
waiting; 99 timed out; 100 usage, or no supervisor listening; 111 system error
(with several services, the worst of these)`;

// Options before the service dir: --help, and long options parseSvcArgs would
// misread as clustered letters.
function checkLongOptions(args: readonly string[]): "help" | null {
  for (const arg of args) {
    if (arg === "--" || !arg.startsWith("-") || arg === "-") return null;
    if (arg === "--help") return "help";
    if (arg.startsWith("--")) throw new UsageError(`unknown option ${arg}`, USAGE);
  }
  return null;
}

/** s6-svc: -wU and -wR need readiness support, else they degrade to -wu / -wr. */
function effectiveWait(req: SvcRequest, dir: string): SvcRequest["wait"] {
  if (req.wait !== "U" && req.wait !== "R") return req.wait;
  const fn = `${dir}/notification-fd`;
  try {
    accessSync(fn);
    return req.wait;
  } catch (e) {
    if (codeOf(e) !== "ENOENT") throw Object.assign(e as Error, { access: fn });
  }
  logLine(`warning: ${shortPath(fn)} not present - ignoring request for readiness notification`);
  return req.wait === "U" ? "u" : "r";
}

/** The exit code and log line for a control write that did not happen. */
function reportControl(result: ControlWrite, dir: string): number {
  if (result === "not-listening") logLine(`unable to control ${shortPath(dir)}: supervisor not listening`);
  else if (result === "broken") logLine(`something is wrong with the ${shortPath(dir)}/supervise directory`);
  return result === "written" ? EXIT_OK : EXIT_USAGE;
}

/** Writes the letters to every dir; the worst exit code, each failure logged. */
function sendAll(dirs: readonly string[], letters: string): number {
  let code = EXIT_OK;
  for (const dir of dirs) {
    let one: number;
    try {
      one = reportControl(writeControl(dir, "supervise", letters), dir);
    } catch (e) {
      one = systemFailure("control", dir, e);
    }
    code = Math.max(code, one);
  }
  return code;
}

/** Runs `tsinit svc ARGS`. */
export async function main(args: string[]): Promise<number> {
  if (checkLongOptions(args) === "help") return showHelp(USAGE);
  const parsed = parseSvcArgs(args);
  if (!parsed.ok) throw new UsageError(parsed.problem.split("\n")[0]!.replace("SERVICEDIR", "SERVICE"), USAGE);
  const req = parsed.request;
  const operands = [req.servicedir, ...req.extra];
  if (operands.includes("")) throw new UsageError("invalid service path: an empty SERVICE", USAGE);
  const named = findServices(operands);
  if (!named) return EXIT_SYSTEM;
  const dirs = named.map((s) => s.dir);
  // -wU on a service without notification-fd waits as -wu (s6-svc's rule), so
  // several services with mixed readiness take the weakest wait.
  let wait: SvcRequest["wait"] = req.wait;
  try {
    for (const dir of dirs) {
      const w = effectiveWait(req, dir);
      if (w !== req.wait) wait = w;
    }
  } catch (e) {
    return systemFailure("access", (e as { access: string }).access, e);
  }
  if (wait === null) return sendAll(dirs, req.letters);
  // Letters are sent only once the subscriptions exist, so no event is missed.
  let sent = 0;
  const send =
    req.letters === ""
      ? undefined
      : () => {
          sent = sendAll(dirs, req.letters);
          if (sent !== 0) throw Object.assign(new Error("unsent"), { unsent: true });
        };
  try {
    // Several services restart as s6-svwait -r sees it: all down, then all up.
    const result = await waitForServices(dirs, phasesFor(wait, false, send && dirs.length === 1 ? "svc" : "svwait"), req.timeoutMs, send);
    return reportWait(result, send && dirs.length === 1 ? dirs[0] : undefined);
  } catch (e) {
    if ((e as { unsent?: boolean }).unsent) return sent;
    if ((e as { stage?: string }).stage) return reportSetupError(e);
    return systemFailure("control", dirs.join(" "), e);
  }
}
