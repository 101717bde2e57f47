// `tsinit scan-ctl`: s6-svscanctl. Writes s6-svscan's control letters, in
// command-line order and in one write, to SCANDIR/.s6-svscan/control.
import { EXIT_OK, EXIT_USAGE } from "../cli/exit-codes";
import { logLine, shortPath, systemFailure } from "../cli/log";
import { parseOrdered, showHelp, UsageError } from "../cli/command-line";
import { writeControl } from "./ctlfifo";

const USAGE = `usage: tsinit scan-ctl [-zabhitqnN] [--help] SCANDIR

Sends commands to the scanner of SCANDIR (s6-svscanctl compatible):
  -a, --rescan   scan SCANDIR now
  -h, --hangup   rescan and stop supervising services that are gone
  -n             stop services that are gone (TERM; loggers HUP); use -an
  -N             the same, with TERM for loggers too
  -z             reap zombies now
  -t, --term     stop every service, then exit (-i is the same)
  -q, --quit     like -t, with TERM for loggers too
  -b, --abort    exit at once, leaving the supervisors running
  --help         this text (-h is s6-svscanctl's hangup, as above)

examples: tsinit scan-ctl -a /run/tsinit/service
          tsinit scan-ctl -t /srv/scan

exit codes: 0 sent; 100 usage, or no scanner listening; 111 system error`;

const OPTIONS = {
  rescan: { type: "boolean", short: "a" },
  hangup: { type: "boolean", short: "h" },
  term: { type: "boolean", short: "t" },
  interrupt: { type: "boolean", short: "i" },
  quit: { type: "boolean", short: "q" },
  abort: { type: "boolean", short: "b" },
  reap: { type: "boolean", short: "z" },
  "kill-inactive": { type: "boolean", short: "n" },
  "kill-inactive-all": { type: "boolean", short: "N" },
  help: { type: "boolean" },
} as const;

/** Option name → s6-svscan letter (s6/letters.ts SVSCAN_LETTERS). */
const LETTER: Record<string, string> = {
  rescan: "a",
  hangup: "h",
  term: "t",
  interrupt: "i",
  quit: "q",
  abort: "b",
  reap: "z",
  "kill-inactive": "n",
  "kill-inactive-all": "N",
};

/** s6-svscanctl's buffer holds 64 letters. */
const MAX_LETTERS = 64;

/** Runs `tsinit scan-ctl ARGS`. */
export function main(args: string[]): number {
  const { opts, operands } = parseOrdered(USAGE, args, OPTIONS);
  let letters = "";
  for (const o of opts) {
    if (o.name === "help") return showHelp(USAGE);
    letters += LETTER[o.name]!;
  }
  if (letters.length > MAX_LETTERS) throw new UsageError(`too many commands (at most ${MAX_LETTERS})`, USAGE);
  const dir = operands[0];
  if (dir === undefined) throw new UsageError("missing SCANDIR", USAGE);
  if (operands.length > 1) logLine("warning: ignoring extra arguments");
  let result;
  try {
    result = writeControl(dir, ".s6-svscan", letters);
  } catch (e) {
    return systemFailure("control", dir, e);
  }
  if (result === "written") return EXIT_OK;
  if (result === "not-listening") logLine(`unable to control ${shortPath(dir)}: supervisor not listening`);
  else logLine(`something is wrong with the ${shortPath(dir)}/.s6-svscan directory`);
  return EXIT_USAGE;
}
