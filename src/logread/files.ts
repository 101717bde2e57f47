// Reading a log dir back: its archives (@TAI64N.s/.u, oldest first, as
// s6-log and the built-in logger name them) then current. For the last N
// lines only the newest files are read, each from its end (dir.ts: no
// symlink, fifo or other user's file is read, and never more than a cap).
// The catch-all's lines are labelled by what PID 1 wrote before them (catchAllLabel).
import { archivesOf } from "../log/rotate-policy";
import { catchAllLabel, parseLines, type LogLine } from "./lines";
import { serviceSources, type LogSource } from "./sources";
import { closeLogDir, closeLogFile, listLogDir, openLogDir, openLogFile, readTail, SOURCE_CAP, warnCut, type LogDir, type TailWant } from "./dir";

/** The catch-all flavour of a source: which names are services, to tell "web: ..." from any text. */
export type KnownName = (name: string) => boolean;

/** The files of an open log dir, oldest first: archives, then current. */
export function logFiles(dir: LogDir): string[] {
  const names = listLogDir(dir);
  const files = archivesOf(names);
  if (names.includes("current")) files.push("current");
  return files;
}

/** The lines of the end of one file of DIR as SRC labels them, read as `want`
 *  says; none when the file is gone or refused. */
export function fileLines(
  dir: LogDir,
  name: string,
  src: LogSource,
  known: KnownName | null,
  want: TailWant,
): { lines: LogLine[]; bytes: number; cut: boolean } {
  const file = openLogFile(dir, name);
  if (!file) return { lines: [], bytes: 0, cut: false };
  try {
    const { text, bytes, cut } = readTail(file, want);
    return { lines: labelLines(parseLines(text, src.label, file.mtimeMs), src, known), bytes, cut };
  } finally {
    closeLogFile(file);
  }
}

/** Catch-all lines get their writer's label; a service's lines keep the source's. */
export function labelLines(lines: LogLine[], src: LogSource, known: KnownName | null): LogLine[] {
  if (!known) return lines;
  const out: LogLine[] = [];
  for (const l of lines) {
    const who = catchAllLabel(l.text, known);
    if (src.onlyLabel !== undefined && who.label !== src.onlyLabel) continue;
    out.push({ ms: l.ms, label: who.label, stream: who.stream, text: who.text });
  }
  return out;
}

/** The lines of SRC in time order; with n, only the last n, and with since,
 *  none older (reading newest files first, each from its end, at most SOURCE_CAP in all). */
export function readSource(src: LogSource, known: KnownName | null, n?: number, since: number | null = null): LogLine[] {
  const dir = openLogDir(src.dir);
  try {
    const all = readNames(dir, logFiles(dir), src, known, { n, since, cap: SOURCE_CAP });
    return n === undefined ? all : all.slice(Math.max(0, all.length - n));
  } finally {
    closeLogDir(dir);
  }
}

/** The lines of the files NAMES of DIR (oldest first), read newest first
 *  until want.n lines (less those already had) or a line older than
 *  want.since are in, or want.cap bytes are read (said with a warning). */
export function readNames(dir: LogDir, names: string[], src: LogSource, known: KnownName | null, want: TailWant, had = 0): LogLine[] {
  const chunks: LogLine[][] = [];
  let count = had;
  let budget = want.cap;
  for (let i = names.length - 1; i >= 0 && (want.n === undefined || count < want.n) && budget > 0; i--) {
    // One service's lines out of the catch-all: n lines of the file may hold none of its, so no n there.
    const n = want.n === undefined || src.onlyLabel !== undefined ? undefined : want.n - count;
    const got = fileLines(dir, names[i]!, src, known, { n, since: want.since, cap: budget });
    chunks.unshift(got.lines);
    count += got.lines.length;
    budget -= got.bytes;
    if (got.cut || (budget <= 0 && i > 0 && (want.n === undefined || count < want.n))) warnCut(src.dir, SOURCE_CAP);
    if (want.since != null && (got.lines[0]?.ms ?? Infinity) < want.since) break;
  }
  return chunks.flat();
}

/** The last n lines of service NAME in DIR, oldest first, from wherever it
 *  logs (RUNDIR: the running init's, which holds the default log root and the
 *  catch-all, or null); [] when it has no readable log. */
export function lastServiceLines(name: string, dir: string, runDir: string | null, n: number): LogLine[] {
  const catchAll = runDir ? `${runDir}/log/catch-all` : null;
  const out: LogLine[][] = [];
  for (const src of serviceSources(name, dir, runDir ? `${runDir}/log` : null, catchAll)) {
    try {
      out.push(readSource(src, src.onlyLabel !== undefined ? (x) => x === name : null, n));
    } catch {
      /* no log yet */
    }
  }
  const merged = out.flat().sort((a, b) => a.ms - b.ms);
  return merged.slice(Math.max(0, merged.length - n));
}
