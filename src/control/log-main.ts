// `tsinit log`: every place a service's lines land (the built-in logger's
// files, s6-log dirs, PID 1's catch-all), read back, merged by time and
// shown with who wrote each line, as `journalctl -u` does.
import { parseOrdered, showHelp, UsageError } from "../cli/command-line";
import { existsSync } from "node:fs";
import { EXIT_OK, EXIT_SYSTEM } from "../cli/exit-codes";
import { logLine, systemFailure, writeText } from "../cli/log";
import { follow } from "../logread/follow";
import { readSource, type KnownName } from "../logread/files";
import { formatLine, jsonLine, mergeByTime, type LogLine } from "../logread/lines";
import { serviceSources, type LogSource } from "../logread/sources";
import { findServices, initPlace, noInit, resolveServices, type InitPlace } from "./resolve";
import { scanServices } from "../supervise/scandir";

/** The --since forms, for --help and for the error that refuses one. */
const SINCE_FORMS =
  "30s, 15m, 2h, 1d (each with or without ' ago'), HH:MM or HH:MM:SS (today, local), today, yesterday, 2026-11-30 or 2026-11-30 14:00 (local), or ISO 8601 with Z or an offset";

const USAGE = `usage: tsinit log [-f] [-n N] [--since TIME] [--catch-all] [--json] [--utc] [-h] [SERVICE...]

Shows the logs of each SERVICE (a path, or a bare NAME in the running init's
scan dir, see tsinit svc --help), or with none of every service and PID 1's
catch-all, merged by time, one line each: TIME NAME: text. Lines come from
the built-in logger's files (log/ without run: RUNDIR/log/NAME or log/dir),
from s6-log's logdirs (those log/run names), and for a service without log/
from the catch-all, where PID 1 puts NAME: before each of its lines.
  -f, --follow      keep showing new lines, across rotations (inotify); a log
                    dir made later and (with no SERVICE) a service added
                    later are followed from their first line
  -n, --lines N     only the last N lines (default all; 10 with -f)
  --since TIME      lines from TIME on: 30s, 15m, 2h, 1d (with or without
                    "ago"), HH:MM[:SS] today, today, yesterday, 2026-11-30
                    [14:00] (local time), or ISO 8601 with Z or an offset
  --catch-all       also the whole catch-all (alone: only the catch-all)
  --json            one JSON object per line: time, service, stream, text;
                    stream is "err" for the stderr of a service beside its
                    logger, null where stdout and stderr share one pipe
  --utc             times in UTC (ISO 8601); default local time

examples: tsinit log -n 20 web
          tsinit log -f
          tsinit log --since 10m --catch-all db

exit codes: 0 ok; 100 usage; 111 a log dir could not be read`;

const OPTIONS = {
  follow: { type: "boolean", short: "f" },
  lines: { type: "string", short: "n" },
  since: { type: "string" },
  "catch-all": { type: "boolean" },
  json: { type: "boolean" },
  utc: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** --since's value as ms since the epoch, or null when it is no time (SINCE_FORMS). */
export function parseSince(value: string, now = Date.now()): number | null {
  const v = value.trim().toLowerCase();
  const ago = /^(\d+)\s*([smhd])(?:\s+ago)?$/.exec(v);
  if (ago) return now - Number(ago[1]) * UNIT_MS[ago[2]!]!;
  const midnight = (daysBack: number) => {
    const d = new Date(now);
    d.setHours(0, 0, 0, 0);
    d.setDate(d.getDate() - daysBack);
    return d.getTime();
  };
  if (v === "today") return midnight(0);
  if (v === "yesterday") return midnight(1);
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(v);
  if (clock) {
    const [h, m, sec] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
    if (h > 23 || m > 59 || sec > 59) return null;
    return midnight(0) + ((h * 60 + m) * 60 + sec) * 1000;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(value.trim())) return null;
  // Date.parse reads "2026-11-30 14:00" as local time and "...Z" as UTC.
  const t = value.trim();
  const ms = Date.parse(t.includes("T") || t.includes(" ") || /z$/i.test(t) ? t : `${t} 00:00`);
  return Number.isNaN(ms) ? null : ms;
}

type Source = { src: LogSource; known: KnownName | null };

/** The sources the command line names, each with how its catch-all lines
 *  are labelled; with no operands, also how to find a new service's. */
function sourcesFor(
  operands: string[],
  withCatchAll: boolean,
  place: InitPlace,
): { sources: Source[]; scan: { dir: string; names: string[]; sourcesOf: (name: string) => Source[] } | null } {
  const catchAll = place.runDir ? `${place.runDir}/log/catch-all` : null;
  const logRoot = place.runDir ? `${place.runDir}/log` : null;
  let scanNames: string[] = [];
  try {
    scanNames = scanServices(place.scanDir)
      .filter((s) => !s.name.includes("/"))
      .map((s) => s.name);
  } catch {
    /* no running init here: only paths name services */
  }
  const named = operands.length > 0 ? resolveServices(operands, place.scanDir) : scanNames.map((n) => ({ name: n, dir: `${place.scanDir}/${n}` }));
  const names = new Set([...scanNames, ...named.map((s) => s.name)]);
  const known: KnownName = (n) => names.has(n);
  const whole = catchAll !== null && (operands.length === 0 || withCatchAll);
  const sourcesOf = (name: string, dir: string): Source[] =>
    serviceSources(name, dir, logRoot, catchAll)
      // The whole catch-all is read anyway: no second copy of a service's part of it.
      .filter((src) => !(whole && src.onlyLabel !== undefined))
      .map((src) => ({ src, known: src.onlyLabel !== undefined ? known : null }));
  const out: Source[] = [];
  const everything = operands.length === 0 && !withCatchAll;
  if (!(withCatchAll && operands.length === 0)) {
    for (const { name, dir } of named) out.push(...sourcesOf(name, dir));
  }
  if (whole) out.push({ src: { label: "catch-all", dir: catchAll! }, known });
  const scan =
    everything && existsSync(place.scanDir)
      ? {
          dir: place.scanDir,
          names: scanNames,
          // A service added later: its name now labels catch-all lines too.
          sourcesOf: (name: string) => {
            names.add(name);
            return sourcesOf(name, `${place.scanDir}/${name}`);
          },
        }
      : null;
  return { sources: out, scan };
}

/** Runs `tsinit log ARGS`. */
export async function main(args: string[]): Promise<number> {
  // "-n -5": parseArgs would say -n needs a value; say what is wrong with it.
  const negative = args.findIndex((a, i) => i > 0 && /^-\d+$/.test(a) && ["-n", "--lines"].includes(args[i - 1]!));
  if (negative >= 0) throw new UsageError(`option -n takes a number of lines (0 or more), not ${JSON.stringify(args[negative])}`, USAGE);
  const { opts, operands } = parseOrdered(USAGE, args, OPTIONS);
  const has = (name: string) => opts.some((o) => o.name === name);
  const value = (name: string) => opts.filter((o) => o.name === name).at(-1)?.value;
  if (has("help")) return showHelp(USAGE);
  const followOn = has("follow");
  const nText = value("lines");
  if (nText !== undefined && !/^\d+$/.test(nText)) throw new UsageError(`option -n takes a number of lines (0 or more), not ${JSON.stringify(nText)}`, USAGE);
  const n = nText !== undefined ? Number(nText) : followOn ? 10 : undefined;
  const sinceText = value("since");
  const since = sinceText === undefined ? null : parseSince(sinceText);
  if (sinceText !== undefined && since === null) throw new UsageError(`option --since takes a time, not ${JSON.stringify(sinceText)}: ${SINCE_FORMS}`, USAGE);
  if (operands.includes("")) throw new UsageError("invalid service path: an empty SERVICE", USAGE);
  const utc = has("utc");
  const show = has("json") ? jsonLine : (l: LogLine) => formatLine(l, utc);
  const keep = (lines: LogLine[]) => (since === null ? lines : lines.filter((l) => l.ms >= since));
  const print = (lines: LogLine[]) => {
    if (lines.length > 0) writeText(1, lines.map(show).join("\n") + "\n");
  };
  // Named services that are not there, or no init to ask: say so, never an empty success.
  const place = initPlace();
  if (operands.length > 0 && !findServices(operands, place.scanDir)) return EXIT_SYSTEM;
  if (operands.length === 0 && !existsSync(place.scanDir) && !(place.runDir && existsSync(`${place.runDir}/log/catch-all`))) {
    logLine(`unable to read ${place.scanDir}: ${noInit(place.scanDir)}`);
    return EXIT_SYSTEM;
  }
  const { sources, scan } = sourcesFor(operands, has("catch-all"), place);
  const lists: LogLine[][] = [];
  let code = EXIT_OK;
  if (followOn) {
    try {
      // A dir not there yet (a service that never wrote a line) is followed from its creation.
      const { follower, now } = follow(sources, (lines) => print(keep(lines)), { n, since });
      lists.push(...now);
      if (scan) follower.watchScanDir(scan.dir, scan.names, scan.sourcesOf);
    } catch (e) {
      return systemFailure("follow", (e as { path?: string }).path ?? "the logs", e);
    }
  } else {
    for (const { src, known } of sources) {
      try {
        lists.push(readSource(src, known, n, since));
      } catch (e) {
        // A service that never logged has no dir yet: nothing to show, not a failure.
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") code = systemFailure("read", src.dir, e);
      }
    }
  }
  const merged = keep(mergeByTime(lists));
  print(n === undefined ? merged : merged.slice(Math.max(0, merged.length - n)));
  // Following: the inotify watch keeps the process alive until it is killed.
  return followOn ? new Promise<number>(() => undefined) : code;
}
