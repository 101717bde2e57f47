// One log dir as `tsinit log -f` follows it (follow.ts watches): the dir
// held open (dir.ts: its files through it, never through a symlink, a
// fifo or another user's file), the file being read by inode and position,
// what is new since the last wake-up, and the first read from the tail.
import { fstatSync, lstatSync, readSync } from "node:fs";
import { logLine } from "../cli/log";
import { archivesOf } from "../log/rotate-policy";
import { labelLines, logFiles, readNames, type KnownName } from "./files";
import { parseLines, type LogLine } from "./lines";
import type { LogSource } from "./sources";
import { closeLogFile, listLogDir, openLogDir, openLogFile, readTail, SOURCE_CAP, type LogDir, type LogFile } from "./dir";

/** One followed log dir (held open): the last file read (its inode; open while it may grow). */
export interface Followed {
  src: LogSource;
  known: KnownName | null;
  dir: LogDir;
  file: LogFile | null;
  ino: number;
  /** where the next read of file starts */
  pos: number;
  /** a current refused (a fifo, a symlink): not tried again until it is another inode */
  refused: number;
  /** an unfinished last line, kept until its newline comes */
  partial: string;
  /** time of the last stamped line, for lines without one */
  lastMs: number;
}

/** What the first read of each source shows: the last n lines, none older than since. */
export interface FollowFrom {
  n?: number;
  since?: number | null;
}

const CHUNK = 64 * 1024;
/** More than this added between two wake-ups is skipped to its last part: a
 *  file grown (or made sparse) by gigabytes is not read into memory. */
const DRAIN_CAP = 4 * 1024 * 1024;
/** The inode of NAME in the followed dir itself, not of what a symlink there names. */
const inoOf = (dir: LogDir, name: string): number => lstatSync(`${dir.via}/${name}`, { throwIfNoEntry: false })?.ino ?? -1;

function lines(f: Followed, text: string): LogLine[] {
  const parsed = parseLines(text, f.src.label, f.lastMs || Date.now());
  if (parsed.length > 0) f.lastMs = parsed.at(-1)!.ms;
  return labelLines(parsed, f.src, f.known);
}

/** Whole lines of text; the unfinished end is kept for the next read. */
function whole(f: Followed, text: string): LogLine[] {
  const all = f.partial + text;
  const end = all.lastIndexOf("\n") + 1;
  f.partial = all.slice(end);
  return lines(f, all.slice(0, end));
}

/** What was added to the open file since the last read, as whole lines. */
function drain(f: Followed): LogLine[] {
  if (!f.file) return [];
  const size = fstatSync(f.file.fd).size;
  if (size - f.pos > DRAIN_CAP) {
    logLine(`warning: ${f.file.path} grew by ${size - f.pos} bytes at once: skipped to its last ${DRAIN_CAP / 1024 / 1024} MiB`);
    f.pos = size - DRAIN_CAP;
    f.partial = "";
  }
  const buf = Buffer.allocUnsafe(CHUNK);
  let text = "";
  for (let left = DRAIN_CAP; left > 0; ) {
    const n = readSync(f.file.fd, buf, 0, Math.min(CHUNK, left), f.pos);
    if (n <= 0) break;
    f.pos += n;
    left -= n;
    text += buf.toString("utf8", 0, n);
  }
  return whole(f, text);
}

/** Closes the open file; a last line without its newline is a line now. */
function closeFile(f: Followed): LogLine[] {
  const rest = f.partial === "" ? [] : lines(f, `${f.partial}\n`);
  f.partial = "";
  if (f.file) closeLogFile(f.file);
  f.file = null;
  return rest;
}

/** Opens current if it is still the inode `ino` (else it rotated meanwhile). */
function openCurrent(f: Followed, ino: number): boolean {
  let file: LogFile | null;
  try {
    file = openLogFile(f.dir, "current");
  } catch {
    return false;
  }
  if (!file) {
    // Refused (and said once), not gone: a current that is not readable is not tried again.
    if (inoOf(f.dir, "current") === ino) f.refused = ino;
    return false;
  }
  if (file.ino !== ino) {
    closeLogFile(file);
    return false;
  }
  f.file = file;
  f.ino = ino;
  f.pos = 0;
  return true;
}

/** Everything new in the dir since the last call, in order. */
export function sync(f: Followed): LogLine[] {
  const out: LogLine[] = [];
  // A few rounds: each one that loses a race with a rotation lists again.
  for (let round = 0; round < 8; round++) {
    const cur = inoOf(f.dir, "current");
    out.push(...drain(f));
    if (cur < 0 || cur === f.ino || cur === f.refused) return out;
    const gens = archivesOf(listLogDir(f.dir)).map((name) => ({ name, ino: inoOf(f.dir, name) }));
    const at = gens.findIndex((g) => g.ino === f.ino);
    out.push(...closeFile(f));
    if (at >= 0) {
      for (const g of gens.slice(at + 1)) {
        out.push(...readNames(f.dir, [g.name], f.src, f.known, { cap: SOURCE_CAP }));
        f.ino = g.ino;
      }
    }
    if (openCurrent(f, cur)) out.push(...drain(f));
  }
  return out;
}

/** Opens SRC's dir to follow it. Throws when it cannot be opened. */
export function openFollowed(src: LogSource, known: KnownName | null): Followed {
  return { src, known, dir: openLogDir(src.dir), file: null, ino: -1, pos: 0, refused: -1, partial: "", lastMs: 0 };
}

/** What the dir holds now, as `from` says (the last n, none older than
 *  since); current is then followed from its end, through the fd read. */
export function firstLines(f: Followed, from: FollowFrom): LogLine[] {
  const { dir, src, known } = f;
  openCurrent(f, inoOf(dir, "current"));
  const want = { n: from.n, since: from.since, cap: SOURCE_CAP };
  // One service's lines out of the catch-all: the file's last n lines may hold none of its.
  const tail = f.file ? readTail(f.file, src.onlyLabel === undefined ? want : { ...want, n: undefined }) : { text: "", bytes: 0, cut: false };
  if (f.file) f.pos = f.file.size;
  f.lastMs = f.file?.mtimeMs ?? 0;
  const now = whole(f, tail.text);
  // An archive that is our open file (rotated since we opened it) is read through the fd.
  const archives = logFiles(dir).filter((name) => name !== "current" && (f.ino < 0 || inoOf(dir, name) !== f.ino));
  const old = want.n !== undefined && now.length >= want.n ? [] : readNames(dir, archives, src, known, { ...want, cap: SOURCE_CAP - tail.bytes }, now.length);
  if (now.length === 0 && old.length > 0) f.lastMs = old.at(-1)!.ms;
  return [...old, ...now];
}
