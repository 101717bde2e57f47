// `tsinit log -f`: each log dir watched with inotify, never polled. Files
// are told apart by inode: the one we read is held open, so what a writer
// adds before and after it is renamed to an archive is read through our fd;
// when current is another inode, the archives made since ours (a burst can
// rotate twice before we wake) are read whole, in name order, then the new
// current from its start. No line lost or doubled.
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import * as sys from "../sys";
import { isDir } from "../sys/file-kind";
import { logLine, reason } from "../cli/log";
import type { KnownName } from "./files";
import type { LogLine } from "./lines";
import type { LogSource } from "./sources";
import { firstLines, openFollowed, sync, type Followed, type FollowFrom } from "./followed";

export type { FollowFrom };

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
  constructor(
    private readonly onLines: (lines: LogLine[]) => void,
    private readonly from: FollowFrom = {},
  ) {
    this.ifd = sys.inotifyInit(
      (records) => this.onRecords(records),
      (e) => logLine(`unable to read inotify events: ${reason(e)}: no longer following`),
    );
  }

  /** Stops following: the inotify fd would keep the process alive. */
  close(): void {
    sys.unwatch(this.ifd);
    sys.close(this.ifd);
  }

  /** Follows SRC; returns what it holds now (its last lines, as from says), in time order ([] for a dir not there yet). */
  add(source: Source): LogLine[] {
    const { src, known } = source;
    if (!isDir(src.dir)) {
      this.await(source);
      return [];
    }
    const f = openFollowed(src, known);
    // Watched before anything is read: a write from here on is an event.
    this.byWd.set(sys.inotifyAdd(this.ifd, f.dir.via, watchMask()), f);
    return firstLines(f, this.from);
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
  try {
    return { follower, now: sources.map((s) => follower.add(s)) };
  } catch (e) {
    // Nothing to follow after all (EACCES on a log dir): the caller exits with the reason.
    follower.close();
    throw e;
  }
}
