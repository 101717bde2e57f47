// `tsinit svc`: s6-svc. Sends control letters to one service's supervisor in
// one write; with -w it first subscribes to the service's events, then sends,
// then waits for the state (what s6-svc does by exec'ing s6-svlisten1, or
// s6-svwait when there are no letters).
import { accessSync } from "node:fs";
import { EXIT_USAGE } from "../cli/exit-codes";
import { logLine } from "../cli/log";
import { UsageError } from "../cli/usage";
import { shortPath, systemFailure } from "./cli-util";
import { phasesFor } from "../s6/condition";
import { writeControl, type ControlWrite } from "./ctlfifo";
import { waitForServices } from "./listen";
import { parseSvcArgs, type SvcRequest } from "./svc-args";
import { reportSetupError, reportWait } from "./wait-report";
import { codeOf } from "../sys/errors";

const USAGE = `usage: tsinit svc [-wu|-wU|-wd|-wD|-wr|-wR] [-T ms] [-abqhkti12pcyroduDUxOQ] SERVICEDIR

Sends commands to SERVICEDIR's supervisor (s6-svc compatible), all in one write
to SERVICEDIR/supervise/control.
  -u up (want up)      -d down (want down)   -o once          -O once, no restart
  -r restart           -x exit when down     -D / -U: -d / -u and create / remove ./down
  -Q -O and create ./down
  -p pause (STOP)  -c continue  -a ALRM  -b ABRT  -q QUIT  -h HUP  -k KILL
  -t TERM  -i INT  -1 USR1  -2 USR2  -y WINCH
  -w u|U|d|D|r|R  wait until up / up+ready / down / down+finished / restarted /
                  restarted+ready (U and R need ./notification-fd, else u and r)
  -T ms           give up waiting after ms (0 = never)
  --help          this text (-h is s6-svc's HUP, as above)

examples: tsinit svc -r /run/tsinit/service/sshd
          tsinit svc -wD -d -T 5000 /run/tsinit/service/db

exit codes: 0 ok; 1 the service failed permanently or its supervisor died while
waiting; 99 timed out; 100 usage, or no supervisor listening; 111 system error`;

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
function effectiveWait(req: SvcRequest): SvcRequest["wait"] {
  if (req.wait !== "U" && req.wait !== "R") return req.wait;
  const fn = `${req.servicedir}/notification-fd`;
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
  return result === "written" ? 0 : EXIT_USAGE;
}

/** Runs `tsinit svc ARGS`. */
export async function main(args: string[]): Promise<number> {
  if (checkLongOptions(args) === "help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const parsed = parseSvcArgs(args);
  if (!parsed.ok) throw new UsageError(parsed.problem.split("\n")[0]!, USAGE);
  const req = parsed.request;
  const dir = req.servicedir;
  if (req.extra.length > 0) logLine("warning: ignoring extra arguments");
  let wait: SvcRequest["wait"];
  try {
    wait = effectiveWait(req);
  } catch (e) {
    return systemFailure("access", (e as { access: string }).access, e);
  }
  if (wait === null) {
    try {
      return reportControl(writeControl(dir, "supervise", req.letters), dir);
    } catch (e) {
      return systemFailure("control", dir, e);
    }
  }
  // Letters are sent only once the subscription exists, so no event is missed.
  let sent: ControlWrite = "written";
  const send = req.letters === "" ? undefined : () => {
    sent = writeControl(dir, "supervise", req.letters);
    if (sent !== "written") throw Object.assign(new Error(sent), { unsent: true });
  };
  try {
    const result = await waitForServices([dir], phasesFor(wait, false, send ? "svc" : "svwait"), req.timeoutMs, send);
    return reportWait(result, send ? dir : undefined);
  } catch (e) {
    if ((e as { unsent?: boolean }).unsent) return reportControl(sent, dir);
    if ((e as { stage?: string }).stage) return reportSetupError(e);
    return systemFailure("control", dir, e);
  }
}
