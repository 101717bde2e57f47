// `tsinit status`: the state of services, as a table or as JSON. Reads
// supervise/lock (s6-svok's test) and supervise/status only; works the same
// against s6-supervise and tsinit.
import { EXIT_SYSTEM } from "../cli/exit-codes";
import { logLine } from "../cli/log";
import { UsageError } from "../cli/usage";
import { parseOrdered, shortPath, systemFailure } from "./cli-util";
import { formatTable, toJson, type ServiceReport } from "./status-format";
import { readDir } from "./status-read";

const USAGE = `usage: tsinit status [--json] DIR...

Shows supervised services. DIR is a service directory (it has ./run or
./supervise), or a scan directory: then every non-dot subdirectory is shown,
with its X/log logger as X/log.
  --json   one JSON array of objects: name, path, supervised, up, pid, since,
           wantUp, ready, readySince, paused, finishing, lastExit {code, signal}

STATE is up, paused, finishing (./finish runs), down, not supervised (no
supervisor holds supervise/lock), or unknown (no supervise/status yet).
TIME is the uptime or downtime. Colours only when stdout is a terminal
(NO_COLOR turns them off).

exit codes: 0 every service is supervised; 1 some service is not supervised;
100 usage; 111 a DIR or a status could not be read`;

const OPTIONS = { json: { type: "boolean" }, help: { type: "boolean" } } as const;

/** Runs `tsinit status ARGS`. */
export function main(args: string[]): number {
  const { opts, operands } = parseOrdered("status", args, OPTIONS);
  if (opts.some((o) => o.name === "help")) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const json = opts.some((o) => o.name === "json");
  if (operands.length === 0) throw new UsageError("missing DIR (see tsinit status --help)");
  let code = 0;
  const reports: ServiceReport[] = [];
  for (const dir of operands) {
    try {
      reports.push(...readDir(dir));
    } catch (e) {
      code = systemFailure("read", dir, e);
    }
  }
  for (const r of reports) {
    if (r.error !== undefined) {
      logLine(`unable to read status of ${shortPath(r.path)}: ${r.error}`);
      code = EXIT_SYSTEM;
    } else if (!r.supervised && code === 0) code = 1;
  }
  if (json) process.stdout.write(JSON.stringify(reports.map(toJson), null, 2) + "\n");
  else if (reports.length > 0) {
    const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
    process.stdout.write(formatTable(reports, Date.now(), colour));
  }
  return code;
}
