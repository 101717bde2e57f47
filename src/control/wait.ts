// `tsinit wait`: s6-svwait. Blocks, without polling, until the services are
// up / ready / down / finished / restarted, by listening on their event
// fifodirs (listen.ts) from a starting point read in supervise/status.
import { EXIT_SYSTEM } from "../cli/exit-codes";
import { parseMillis, parseOrdered, showHelp, UsageError } from "../cli/command-line";
import { existsSync } from "node:fs";
import { logLine, shortPath } from "../cli/log";
import { phasesFor, type WaitGoal } from "../s6/condition";
import { waitForServices } from "./listen";
import { findServices } from "./resolve";
import { reportSetupError, reportWait } from "./wait-report";

const USAGE = `usage: tsinit wait [-u|-U|-d|-D|-r|-R] [-a|-o] [-t ms] [-h] SERVICE...

Waits for supervised services to reach a state (s6-svwait compatible).
SERVICE is a path, or a bare NAME in the running init's scan dir (see
tsinit svc --help).
  -u, --up             up (the default)
  -U, --ready          up and ready (needs ./notification-fd)
  -d, --down           down
  -D, --finished       down and ./finish done
  -r, --restart        down (all of them), then up
  -R, --restart-ready  down (all of them), then up and ready
  -a, --all            every service (the default)
  -o, --any            one of the services
  -t, --timeout MS     give up after MS milliseconds (0 = never)

The last of -u/-U/-d/-D/-r/-R and of -a/-o wins.

examples: tsinit wait -U -t 5000 db
          tsinit wait -d -o a b
          tsinit wait -u /run/tsinit/service/sshd

exit codes: 0 reached; 99 timed out; 100 usage; 111 system error (e.g. no
supervise/status); n (1..98): n services failed permanently or lost their supervisor`;

const OPTIONS = {
  up: { type: "boolean", short: "u" },
  ready: { type: "boolean", short: "U" },
  down: { type: "boolean", short: "d" },
  finished: { type: "boolean", short: "D" },
  restart: { type: "boolean", short: "r" },
  "restart-ready": { type: "boolean", short: "R" },
  all: { type: "boolean", short: "a" },
  any: { type: "boolean", short: "o" },
  timeout: { type: "string", short: "t" },
  help: { type: "boolean", short: "h" },
} as const;

const GOALS: Record<string, WaitGoal> = { up: "u", ready: "U", down: "d", finished: "D", restart: "r", "restart-ready": "R" };

/** Runs `tsinit wait ARGS`. */
export async function main(args: string[]): Promise<number> {
  const { opts, operands } = parseOrdered(USAGE, args, OPTIONS);
  let goal: WaitGoal = "u";
  let or = false;
  let timeoutMs = 0;
  for (const o of opts) {
    if (o.name === "help") return showHelp(USAGE);
    if (o.name in GOALS) goal = GOALS[o.name]!;
    else if (o.name === "all" || o.name === "any") or = o.name === "any";
    else if (o.name === "timeout") timeoutMs = parseMillis(USAGE, "-t", o.value);
  }
  if (operands.length === 0) throw new UsageError("missing SERVICE", USAGE);
  if (operands.includes("")) throw new UsageError("invalid service path: an empty SERVICE", USAGE);
  const named = findServices(operands);
  if (!named) return EXIT_SYSTEM;
  const dirs = named.map((s) => s.dir);
  // s6-svwait -U waits for ever on such a service; say so before waiting.
  if (goal === "U" || goal === "R") {
    for (const dir of dirs) {
      if (!existsSync(`${dir}/notification-fd`)) {
        logLine(`warning: ${shortPath(dir)} has no notification-fd: it is never flagged ready (tsinit wait -${goal === "U" ? "u" : "r"} waits until it is up)`);
      }
    }
  }
  try {
    return reportWait(await waitForServices(dirs, phasesFor(goal, or, "svwait"), timeoutMs));
  } catch (e) {
    return reportSetupError(e);
  }
}
