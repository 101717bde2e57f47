// `tsinit analyze`: where the boot's time went, from what PID 1 already
// records (the catch-all's step lines, task records, supervise/ files), as a
// blame list, an SVG chart, or the record itself as JSON to analyze later.
import { readFileSync, writeFileSync } from "node:fs";
import { parseCommandLine, UsageError } from "../cli/usage";
import { systemFailure } from "../control/cli-util";
import { formatBlame } from "./blame";
import { collect } from "./collect";
import { checkRecord, type BootRecord } from "./record";
import { renderSvg } from "./svg";

const USAGE = `usage: tsinit analyze [--rundir DIR] [--scandir DIR] [--from FILE]
                      [--save FILE] [--svg FILE] [--json]

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

exit codes: 0 ok, 100 usage, 111 a file could not be read or written`;

const OPTIONS = {
  rundir: { type: "string" },
  scandir: { type: "string" },
  from: { type: "string" },
  save: { type: "string" },
  svg: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean" },
} as const;

/** Runs `tsinit analyze ARGS`. */
export function main(args: string[]): number {
  const { values, positionals } = parseCommandLine("analyze", args, OPTIONS);
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]} (see tsinit analyze --help)`);
  if (values.from && (values.rundir || values.scandir)) throw new UsageError("--from analyzes a saved record: no --rundir or --scandir (see tsinit analyze --help)");
  if (values.json && values.svg === "-") throw new UsageError("--json and --svg - both want stdout (see tsinit analyze --help)");
  let record: BootRecord;
  if (values.from) {
    try {
      record = checkRecord(JSON.parse(readFileSync(values.from, "utf8")));
    } catch (e) {
      return systemFailure("read", values.from, e);
    }
  } else {
    const rundir = values.rundir ?? "/run/tsinit";
    record = collect(rundir, values.scandir ?? `${rundir}/service`);
  }
  const write = (file: string, text: string) => {
    try {
      if (file === "-") process.stdout.write(text);
      else writeFileSync(file, text);
      return 0;
    } catch (e) {
      return systemFailure("write", file, e);
    }
  };
  const json = JSON.stringify(record, null, 2) + "\n";
  const saved = values.save ? write(values.save, json) : 0;
  const drawn = values.svg ? write(values.svg, renderSvg(record)) : 0;
  if (values.json) process.stdout.write(json);
  else if (values.svg !== "-") process.stdout.write(formatBlame(record));
  return saved || drawn;
}
