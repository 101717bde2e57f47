// `tsinit analyze`: where the boot's time went, from what PID 1 already
// records (the catch-all's step lines, task records, supervise/ files), as a
// blame list, an SVG chart, or the record itself as JSON to analyze later.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { EXIT_FAILED, EXIT_OK } from "../cli/exit-codes";
import { logLine, reason, systemFailure } from "../cli/log";
import { parseCommandLine, showHelp, UsageError } from "../cli/command-line";
import { pid1Binary } from "../sys/pid1";
import { formatBlame } from "./blame";
import { collect } from "./collect";
import { checkRecord, type BootRecord } from "./record";
import { renderSvg } from "./svg";

const USAGE = `usage: tsinit analyze [--rundir DIR] [--scandir DIR] [--from FILE]
                      [--save FILE] [--svg FILE] [--json] [-h]

Where the boot's time went, like systemd-analyze blame and plot. Every
stage-1 step (from the catch-all log's "boot:" lines), one-shot task (its
record in RUNDIR/task) and service (its supervise/status) with its start
offset from PID 1's start and its time to up, ready or exit, slowest first,
then "init started at X s (kernel), all services ready at Y s".
Times of a service that restarted are those of its last start.

  --rundir DIR   PID 1's state (default /run/tsinit)
  --scandir DIR  the live scan dir (default RUNDIR/service)
  --from FILE    analyze a record saved by --save instead of this system
  --save FILE    write the record as JSON to FILE
  --svg FILE     write the boot chart to FILE ("-": stdout, instead of the list)
  --json         print the record as JSON instead of the list

PID 1's start is /proc/1/stat's starttime; outside its pid namespace (where
/proc/1 is another init) the first logged step stands in, and steps before
the catch-all log opened are not seen.

examples: tsinit analyze
          tsinit analyze --svg boot.svg --save boot.json

exit codes: 0 ok; 1 not booted by tsinit (without --rundir: process 1 is
not tsinit; or no boot steps in RUNDIR's catch-all log); 100 usage; 111 a file could not be read, parsed or written`;

const OPTIONS = {
  rundir: { type: "string" },
  scandir: { type: "string" },
  from: { type: "string" },
  save: { type: "string" },
  svg: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Exit code when this machine's boot was not tsinit's: nothing to analyze. */
const NOT_BOOTED = EXIT_FAILED;

/** Runs `tsinit analyze ARGS`. */
export function main(args: string[]): number {
  const { values, positionals } = parseCommandLine(USAGE, args, OPTIONS);
  if (values.help) return showHelp(USAGE);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`, USAGE);
  if (values.from && (values.rundir || values.scandir)) throw new UsageError("--from analyzes a saved record: no --rundir or --scandir", USAGE);
  if (values.json && values.svg === "-") throw new UsageError("--json and --svg - both want stdout", USAGE);
  let record: BootRecord;
  if (values.from) {
    let text: string;
    try {
      text = readFileSync(values.from, "utf8");
    } catch (e) {
      return systemFailure("read", values.from, e);
    }
    try {
      record = checkRecord(JSON.parse(text));
    } catch (e) {
      return systemFailure("parse", values.from, e);
    }
  } else {
    const rundir = values.rundir ?? "/run/tsinit";
    // This system, unless told where: only if its PID 1 is tsinit (when /proc/1/exe says).
    const pid1 = values.rundir === undefined && values.scandir === undefined ? pid1Binary() : null;
    if (pid1 && "ours" in pid1 && !pid1.ours) {
      logLine(`unable to analyze the boot: not booted by tsinit (/proc/1/exe is ${pid1.exe}; --rundir DIR reads a run dir anyway)`);
      return NOT_BOOTED;
    }
    // A --rundir given must be there; the default missing means another init booted us.
    try {
      statSync(rundir);
    } catch (e) {
      if (values.rundir !== undefined) return systemFailure("read", rundir, e);
      logLine(`unable to analyze the boot: not booted by tsinit (${rundir}: ${reason(e)})`);
      return NOT_BOOTED;
    }
    try {
      record = collect(rundir, values.scandir ?? `${rundir}/service`);
    } catch (e) {
      return systemFailure("read", `${rundir}/log/catch-all`, e);
    }
    if (!record.units.some((u) => u.kind === "step")) {
      logLine(`unable to analyze the boot: not booted by tsinit (no boot steps in ${rundir}/log/catch-all)`);
      return NOT_BOOTED;
    }
  }
  const write = (file: string, text: string) => {
    try {
      if (file === "-") process.stdout.write(text);
      else writeFileSync(file, text);
      return EXIT_OK;
    } catch (e) {
      return systemFailure("write", file, e);
    }
  };
  const json = JSON.stringify(record, null, 2) + "\n";
  const saved = values.save ? write(values.save, json) : EXIT_OK;
  const drawn = values.svg ? write(values.svg, renderSvg(record)) : EXIT_OK;
  if (values.json) process.stdout.write(json);
  else if (values.svg !== "-") process.stdout.write(formatBlame(record));
  return saved || drawn;
}
