// `tsinit log -f`: each log dir watched with inotify, never polled. Files
// are told apart by inode: the one we read is held open, so what a writer
// adds before and after it is renamed to an archive is read through our fd;
// when current is another inode, the archives made since ours (a burst can
// rotate twice before we wake) are read whole, in name order, then the new
// current from its start. No line lost or doubled.
import { fstatSync, lstatSync, readdirSync, readSync } from "node:fs";
import { dirname } from "node:path";
import * as sys from "../sys";
import { isDir } from "../sys/file-kind";
import { logLine, reason } from "../cli/log";
import { archivesOf } from "../log/rotate-policy";
import { labelLines, logFiles, readNames, type KnownName } from "./log-files";
import { parseLines, type LogLine } from "./log-lines";
import type { LogSource } from "./log-sources";
import { closeLogFile, listLogDir, openLogDir, openLogFile, readTail, SOURCE_CAP, type LogDir, type LogFile } from "./log-read";

/** One followed log dir (held open): the last file read (its inode; open while it may grow). */
interface Followed {
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
  for (let left = DRAIN_CAP; left > 0;) {
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
function sync(f: Followed): LogLine[] {
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

type Source = { src: LogSource; known: KnownName | null };

/** Every watch asks for the same events: inotify_add_watch on an inode
 *  already watched replaces its mask, and one dir may be both a log dir and
 *  the parent of one that is yet to come. */
const watchMask = (): number => {
  const c = sys.constants();
  return c.IN_MODIFY! | c.IN_CREATE! | c.IN_MOVED_FROM! | c.IN_MOVED_TO!;
};

/** The nearest dir above PATH (or PATH itself) that exists. */
function existingAncestor(path: string): string {
  let p = path;
  while (p !== "/" && !isDir(p)) p = dirname(p);
  return p;
}

/**
 * Follows log dirs with inotify: the ones there now, the ones that are not
 * there yet (a service that never wrote a line: watched from the nearest dir
 * above that exists until it is created, then read from its first line) and,
 * with watchScanDir, the sources of services added to the scan dir later.
 */
export class LogFollower {
  private readonly ifd: number;
  private readonly byWd = new Map<number, Followed>();
  /** dirs not there yet, by the wd of the ancestor watched for them */
  private readonly pending = new Map<number, Source[]>();
  private scan: { wd: number; dir: string; seen: Set<string>; sourcesOf: (name: string) => Source[] } | null = null;

  /** Throws when inotify cannot be set up. */
  constructor(private readonly onLines: (lines: LogLine[]) => void, private readonly from: FollowFrom = {}) {
    this.ifd = sys.inotifyInit((records) => this.onRecords(records));
  }

  /** Follows SRC; returns what it holds now (its last lines, as from says), in time order ([] for a dir not there yet). */
  add(source: Source): LogLine[] {
    const { src, known } = source;
    if (!isDir(src.dir)) {
      this.await(source);
      return [];
    }
    const dir = openLogDir(src.dir);
    const f: Followed = { src, known, dir, file: null, ino: -1, pos: 0, refused: -1, partial: "", lastMs: 0 };
    // Watched before anything is read: a write from here on is an event.
    this.byWd.set(sys.inotifyAdd(this.ifd, dir.via, watchMask()), f);
    openCurrent(f, inoOf(dir, "current"));
    // current's end through the fd we follow, so what comes next is read from there on.
    const want = { n: this.from.n, since: this.from.since, cap: SOURCE_CAP };
    const tail = f.file ? readTail(f.file, want) : { text: "", bytes: 0, cut: false };
    if (f.file) f.pos = f.file.size;
    f.lastMs = f.file?.mtimeMs ?? 0;
    const now = whole(f, tail.text);
    // An archive that is our open file (rotated since we opened it) is read through the fd.
    const archives = logFiles(dir).filter((name) => name !== "current" && (f.ino < 0 || inoOf(dir, name) !== f.ino));
    const old = want.n !== undefined && now.length >= want.n ? [] : readNames(dir, archives, src, known, { ...want, cap: SOURCE_CAP - tail.bytes }, now.length);
    if (now.length === 0 && old.length > 0) f.lastMs = old.at(-1)!.ms;
    return [...old, ...now];
  }

  /** Also follows each service that appears in DIR from now on, with the sources sourcesOf gives. */
  watchScanDir(dir: string, present: Iterable<string>, sourcesOf: (name: string) => Source[]): void {
    this.scan = { wd: sys.inotifyAdd(this.ifd, dir, watchMask()), dir, seen: new Set(present), sourcesOf };
    // One added between the caller's listing and the watch.
    const missed = this.newServices();
    if (missed.length > 0) this.onLines(missed);
  }

  /** add() from an inotify callback: a dir that cannot be read is said, not thrown out of the loop. */
  private addLater(source: Source): LogLine[] {
    try {
      return this.add(source);
    } catch (e) {
      logLine(`warning: unable to follow ${source.src.dir}: ${reason(e)}`);
      return [];
    }
  }

  private await(source: Source): void {
    const wd = sys.inotifyAdd(this.ifd, existingAncestor(source.src.dir), watchMask());
    this.pending.set(wd, [...(this.pending.get(wd) ?? []), source]);
  }

  private onRecords(records: readonly { wd: number; name: string }[]): void {
    const out: LogLine[] = [];
    const touched = new Set<Followed>();
    let created = false;
    for (const r of records) {
      const f = this.byWd.get(r.wd);
      if (f) touched.add(f);
      if (this.pending.has(r.wd)) created = true;
      if (this.scan && r.wd === this.scan.wd) out.push(...this.newServices());
    }
    for (const f of touched) out.push(...sync(f));
    if (created) out.push(...this.retryPending());
    if (out.length > 0) this.onLines(out);
  }

  /** Services the scan dir holds now that it did not before. */
  private newServices(): LogLine[] {
    const scan = this.scan!;
    const out: LogLine[] = [];
    let names: string[];
    try {
      names = readdirSync(scan.dir);
    } catch (e) {
      logLine(`warning: unable to read ${scan.dir}: ${reason(e)}: new services are not followed`);
      return out;
    }
    for (const name of names) {
      if (name.startsWith(".") || scan.seen.has(name) || !isDir(`${scan.dir}/${name}`)) continue;
      scan.seen.add(name);
      for (const source of scan.sourcesOf(name)) out.push(...this.addLater(source));
    }
    return out;
  }

  /** Each awaited dir: followed if it exists now, else watched from a nearer ancestor. */
  private retryPending(): LogLine[] {
    const before = [...this.pending];
    this.pending.clear();
    const out = before.flatMap(([, sources]) => sources.flatMap((source) => this.addLater(source)));
    // An ancestor no longer waited on stops waking us (a busy /run would).
    for (const [wd] of before) {
      if (!this.pending.has(wd) && !this.byWd.has(wd) && this.scan?.wd !== wd) sys.inotifyRm(this.ifd, wd);
    }
    return out;
  }
}

/** Starts following SOURCES; returns what they hold now (each source in time
 *  order), then calls onLines with each new batch. Throws when a dir cannot be watched. */
export function follow(sources: Source[], onLines: (lines: LogLine[]) => void, from: FollowFrom = {}): { follower: LogFollower; now: LogLine[][] } {
  const follower = new LogFollower(onLines, from);
  return { follower, now: sources.map((s) => follower.add(s)) };
}
