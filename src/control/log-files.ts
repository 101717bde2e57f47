// Reading a log dir back: its archives (@TAI64N.s/.u, oldest first, as
// s6-log and the built-in logger name them) then current. For the last N
// lines only the newest files are read. The catch-all's lines are labelled by
// what PID 1 wrote before them (catchAllLabel).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { archivesOf } from "../log/rotate-policy";
import { initPlace, resolveServices } from "./resolve";
import { catchAllLabel, parseLines, type LogLine } from "./log-lines";
import { serviceSources, type LogSource } from "./log-sources";

/** The catch-all flavour of a source: which names are services, to tell "web: ..." from any text. */
export type KnownName = (name: string) => boolean;

/** The files of a log dir, oldest first: archives, then current. Throws when DIR cannot be read. */
export function logFiles(dir: string): string[] {
  const names = readdirSync(dir);
  const files = archivesOf(names);
  if (names.includes("current")) files.push("current");
  return files.map((f) => `${dir}/${f}`);
}

/** The lines of one file as SRC labels them (a missing file has none). */
export function fileLines(path: string, src: LogSource, known: KnownName | null): LogLine[] {
  let content: string;
  let mtime = 0;
  try {
    content = readFileSync(path, "utf8");
    mtime = statSync(path).mtimeMs;
  } catch (e) {
    // Rotated away between the listing and the read: its lines are in the next archive name.
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  return labelLines(parseLines(content, src.label, mtime), src, known);
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

/** The lines of SRC in time order; with n, only the last n (reading newest files first). */
export function readSource(src: LogSource, known: KnownName | null, n?: number): LogLine[] {
  const files = logFiles(src.dir);
  const chunks: LogLine[][] = [];
  let count = 0;
  for (let i = files.length - 1; i >= 0 && (n === undefined || count < n); i--) {
    const lines = fileLines(files[i]!, src, known);
    chunks.unshift(lines);
    count += lines.length;
  }
  const all = chunks.flat();
  return n === undefined ? all : all.slice(Math.max(0, all.length - n));
}

/** The last n lines of one service (a bare NAME or a service dir), oldest
 *  first, from wherever it logs; [] when it has no readable log. */
export function lastServiceLines(service: string, n: number): LogLine[] {
  const place = initPlace();
  const [{ name, dir }] = resolveServices([service], place.scanDir) as [{ name: string; dir: string }];
  const catchAll = place.runDir ? `${place.runDir}/log/catch-all` : null;
  const out: LogLine[][] = [];
  for (const src of serviceSources(name, dir, place.runDir ? `${place.runDir}/log` : null, catchAll)) {
    try {
      out.push(readSource(src, src.onlyLabel !== undefined ? (x) => x === name : null, n));
    } catch { /* no log yet */ }
  }
  const merged = out.flat().sort((a, b) => a.ms - b.ms);
  return merged.slice(Math.max(0, merged.length - n));
}
