// The rotating file sink: DIR/current, archived to DIR/@TAI64N.s past maxSize,
// at most maxFiles archives. One asynchronous operation in flight at a time,
// fed from a bounded LineQueue: input is never refused, it is dropped and
// counted when the disk cannot keep up or fails, and a failing disk is retried
// with the next input (a disk that frees up resumes logging). A little over
// 250 lines: the one-operation-in-flight state is one class, kept whole.
import { codeOf } from "../sys/errors";
import { countLines } from "./lines";
import { dropNotice, LineQueue, type DropCount } from "./queue";
import { RateLimitedReporter } from "./report";
import { archiveName, archivesOf, planWrite, toPrune } from "./rotate-policy";
import { ownSinkIo, type SinkIo } from "./sink-io";
import { stampPrefix, type TimestampFormat } from "./stamp";

export interface SinkOptions {
  /** the log directory (created 0755 if missing) */
  dir: string;
  /** who the log is for, in the drop notice */
  name: string;
  /** bytes of current before it is archived (default 1 MiB) */
  maxSize?: number;
  /** archives kept besides current (default 10) */
  maxFiles?: number;
  /** bytes queued in memory, in-flight write included (default 256 KiB) */
  queueLimit?: number;
  /** stamp of the drop notice lines (default "iso") */
  timestamp?: TimestampFormat;
  /** a write, open or rotation failed: at most once per errno per reportEveryMs */
  onError?: (message: string, code: string) => void;
  reportEveryMs?: number;
  now?: () => number;
  /** the filesystem; default: a checked dir only root or this process's user owns */
  io?: SinkIo;
}

/** Counters of one sink since it started. */
export interface SinkStats {
  writtenBytes: number;
  writtenLines: number;
  droppedBytes: number;
  droppedLines: number;
  queuedBytes: number;
  rotations: number;
  errors: number;
  /** drop notices written into the log (their lines are in writtenLines) */
  notices: number;
}

const MIN_SIZE = 4096;

/** Appends whole lines to DIR/current, rotating and pruning; never blocks the caller. */
export class RotatingSink {
  readonly dir: string;
  private readonly maxSize: number;
  private readonly maxFiles: number;
  private readonly queue: LineQueue;
  private readonly io: SinkIo;
  private readonly now: () => number;
  private readonly reporter: RateLimitedReporter;
  /** the checked directory's fd, opened once (a path is not walked again) */
  private dirFd = -1;
  private fd = -1;
  private size = 0;
  private archives: string[] | null = null;
  private busy = false;
  private closing = false;
  /** the last attempt failed: retry only when new input comes, never in a loop */
  private failing = false;
  /** a write stopped mid-line: start the next one on a fresh line */
  private torn = false;
  private idleWaiters: Array<() => void> = [];
  private roomWaiters: Array<() => void> = [];
  private readonly counts = { writtenBytes: 0, writtenLines: 0, rotations: 0, errors: 0, notices: 0 };

  constructor(private readonly opts: SinkOptions) {
    this.dir = opts.dir;
    this.maxSize = opts.maxSize ?? 1 << 20;
    this.maxFiles = opts.maxFiles ?? 10;
    if (!(this.maxSize >= MIN_SIZE)) throw new RangeError(`maxSize must be at least ${MIN_SIZE}: ${opts.maxSize}`);
    if (!(this.maxFiles >= 1)) throw new RangeError(`maxFiles must be at least 1: ${opts.maxFiles}`);
    this.queue = new LineQueue(opts.queueLimit ?? 256 * 1024);
    this.io = opts.io ?? ownSinkIo();
    this.now = opts.now ?? Date.now;
    this.reporter = new RateLimitedReporter(opts.onError ?? (() => {}), opts.reportEveryMs ?? 60_000, this.now);
  }

  /** Queues whole lines (each ending in "\n"). False when some were dropped. */
  write(lines: Buffer): boolean {
    if (this.closing) {
      this.queue.drop(lines.length, countLines(lines));
      return false;
    }
    const ok = this.queue.push(lines);
    this.failing = false;
    this.kick();
    return ok;
  }

  /** Whether the queue is full (the next write will drop). */
  get full(): boolean {
    return this.queue.bytes >= this.queue.limit;
  }

  stats(): SinkStats {
    return { ...this.counts, droppedBytes: this.queue.dropped.bytes, droppedLines: this.queue.dropped.lines, queuedBytes: this.queue.bytes };
  }

  /** Whether n more bytes would fit in the queue now. */
  hasRoom(n: number): boolean {
    return this.queue.bytes + n <= this.queue.limit;
  }

  /** Calls cb once, the next time queued bytes leave the queue (written or dropped). */
  onRoom(cb: () => void): void {
    this.roomWaiters.push(cb);
  }

  /** Resolves once nothing is queued or in flight (or the disk is failing). */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Writes what is queued (and the drop notice), then closes current. */
  async close(): Promise<void> {
    this.closing = true;
    this.failing = false;
    this.kick();
    await this.idle();
    for (const fd of [this.fd, this.dirFd]) if (fd >= 0) await this.io.close(fd).catch(() => {});
    this.fd = -1;
    this.dirFd = -1;
  }

  private kick(): void {
    if (this.busy) return;
    this.busy = true;
    // From the loop's check phase, not at once: the lines of one turn go out
    // in one write, and a boot's first line does not start libuv's thread
    // pool (its threads are made, and waited for, inside that first fs.write)
    // ahead of the spawn reports and readiness waiting in the same turn.
    setImmediate(() => {
      void this.pump().finally(() => {
        this.busy = false;
        for (const w of this.idleWaiters.splice(0)) w();
      });
    });
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (this.queue.bytes > 0) {
        await this.writeHead();
        for (const w of this.roomWaiters.splice(0)) w();
        continue;
      }
      const drops = this.failing ? null : this.queue.takeDrops();
      if (!drops) return;
      await this.writeNotice(drops);
    }
  }

  private async writeHead(): Promise<void> {
    if (!(await this.ensureOpen())) {
      // Nowhere to write this batch; the next input tries again.
      this.queue.dropAll();
      this.failing = true;
      return;
    }
    const plan = planWrite(this.size, this.maxSize, this.queue.firstLine(), this.queue.bytes);
    if (plan.rotate) await this.rotate();
    if (this.fd < 0 && !(await this.ensureOpen())) {
      this.queue.dropAll();
      this.failing = true;
      return;
    }
    const batch = this.queue.peek(plan.take);
    const written = await this.append(batch);
    this.queue.consume(batch.length);
    if (written < batch.length) {
      const lost = batch.subarray(written);
      this.queue.drop(lost.length, countLines(lost));
      this.failing = true;
    }
  }

  private async writeNotice(drops: DropCount): Promise<void> {
    const line = Buffer.from(`${stampPrefix(this.opts.timestamp ?? "iso", this.now())}${dropNotice(drops, this.opts.name)}\n`);
    // The notice obeys maxSize like any line.
    if ((await this.ensureOpen()) && planWrite(this.size, this.maxSize, line.length, line.length).rotate) await this.rotate();
    if ((await this.ensureOpen()) && (await this.append(line)) === line.length) {
      this.counts.notices++;
      return;
    }
    this.queue.restoreDrops(drops);
    this.failing = true;
  }

  /** Writes all of data to current; returns how much got there (less on error). */
  private async append(data: Buffer): Promise<number> {
    let buf = data;
    if (this.torn) buf = Buffer.concat([Buffer.from("\n"), data]);
    let off = 0;
    try {
      while (off < buf.length) off += await this.io.write(this.fd, off === 0 ? buf : buf.subarray(off));
    } catch (e) {
      this.counts.errors++;
      this.reporter.failed("write", `${this.dir}/current`, e);
    }
    const extra = buf.length - data.length;
    this.size += off;
    if (off > 0) this.torn = off < buf.length && buf[off - 1] !== 0x0a;
    const written = Math.max(0, off - extra);
    this.counts.writtenBytes += written;
    this.counts.writtenLines += countLines(data.subarray(0, written));
    return written;
  }

  private async ensureOpen(): Promise<boolean> {
    if (this.fd >= 0) return true;
    try {
      if (this.dirFd < 0) this.dirFd = await this.io.openDir(this.dir);
      this.archives ??= archivesOf(await this.io.readdir(this.dirFd));
      const { fd, size } = await this.io.openAppend(this.dirFd, this.dir, "current");
      this.fd = fd;
      this.size = size;
      return true;
    } catch (e) {
      this.counts.errors++;
      this.reporter.failed("open", `${this.dir}/current`, e);
      // The next try walks the path again: the directory may have been
      // removed and made anew, or its owner put right.
      if (this.dirFd >= 0) await this.io.close(this.dirFd).catch(() => {});
      this.dirFd = -1;
      this.archives = null;
      return false;
    }
  }

  // current -> @TAI64N.s, prune, reopen. A failed rename keeps appending to the
  // old current (over maxSize is better than losing lines).
  private async rotate(): Promise<void> {
    const archives = this.archives ?? [];
    const name = archiveName(this.now(), archives[archives.length - 1]);
    try {
      await this.io.rename(this.dirFd, "current", name);
    } catch (e) {
      this.counts.errors++;
      this.reporter.failed("rename", `${this.dir}/current`, e);
      return;
    }
    archives.push(name);
    this.counts.rotations++;
    const fd = this.fd;
    this.fd = -1;
    this.torn = false;
    // The old fd and the pruned archives are independent: one round trip for all.
    const pruned = toPrune(archives, this.maxFiles);
    for (const old of pruned) archives.splice(archives.indexOf(old), 1);
    await Promise.all([
      this.io.close(fd).catch(() => {}),
      ...pruned.map((old) =>
        this.io.unlink(this.dirFd, old).catch((e: unknown) => {
          if (codeOf(e) !== "ENOENT") this.reporter.failed("remove", `${this.dir}/${old}`, e);
        }),
      ),
    ]);
  }
}
