// The console side of the catch-all: non-blocking writes with a bounded queue.
// A slow serial console or a stopped terminal must never block PID 1; what
// does not fit is dropped and counted. The addon has no "writable" watch, so
// an EAGAIN is retried on a timer with backoff, armed only while bytes are
// waiting; a console still blocked after the last retry gets its queue dropped
// (counted) and is tried again only when the next line comes, so a console
// stopped for good costs no timers at all.
import * as sys from "../sys";
import { dropNotice, LineQueue } from "./queue";
import { codeOf } from "../sys/errors";

export interface ConsoleOptions {
  /** an fd already O_NONBLOCK (startCatchAll sets it) */
  fd: number;
  /** bytes queued (default 64 KiB) */
  queueLimit?: number;
  /** first delay before retrying after EAGAIN, doubled each time (default 25 ms) */
  retryMs?: number;
  /** retries before dropping the queue (default 7: about 3 s in all) */
  retries?: number;
  /** write(2) returning bytes written or -1 on EAGAIN; throws on errors (default sys.write) */
  write?: (fd: number, data: Buffer) => number;
  /** name in the drop notice (default "console") */
  name?: string;
}

/** Counters of the console writer. */
export interface ConsoleStats {
  writtenBytes: number;
  droppedBytes: number;
  droppedLines: number;
  queuedBytes: number;
  /** errors other than EAGAIN (the queue is dropped on each) */
  errors: number;
  lastError: string;
}

/** Writes lines to a console fd without ever blocking. */
export class ConsoleWriter {
  private readonly queue: LineQueue;
  private readonly writeFn: (fd: number, data: Buffer) => number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private attempt = 0;
  private readonly counts = { writtenBytes: 0, errors: 0, lastError: "" };

  constructor(private readonly opts: ConsoleOptions) {
    this.queue = new LineQueue(opts.queueLimit ?? 64 * 1024);
    this.writeFn = opts.write ?? sys.write;
  }

  /** Queues whole lines and writes what the console takes now. False if some were dropped. */
  write(lines: Buffer): boolean {
    if (this.stopped) return false;
    const ok = this.queue.push(lines);
    if (!this.timer) this.flush();
    return ok;
  }

  stats(): ConsoleStats {
    return { ...this.counts, droppedBytes: this.queue.dropped.bytes, droppedLines: this.queue.dropped.lines, queuedBytes: this.queue.bytes };
  }

  /** Stops retrying; what is still queued is abandoned. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Writes until the queue is empty or the console would block. */
  flush(): void {
    while (!this.stopped) {
      if (this.queue.bytes === 0) {
        const drops = this.queue.takeDrops();
        if (!drops) return;
        this.queue.pushNotice(Buffer.from(`${dropNotice(drops, this.opts.name ?? "console")}\n`));
      }
      const head = this.queue.peek(65536, false);
      let n: number;
      try {
        n = this.writeFn(this.opts.fd, head);
      } catch (e) {
        // EIO on a hung-up tty, EBADF: what is queued is lost; later lines try again.
        this.counts.errors++;
        this.counts.lastError = codeOf(e) ?? String(e);
        this.queue.dropAll();
        this.queue.takeDrops(); // no notice: it would fail the same way
        return;
      }
      if (n < 0) return this.arm();
      this.attempt = 0;
      this.counts.writtenBytes += n;
      this.queue.consume(n);
    }
  }

  private arm(): void {
    if (this.timer) return;
    if (this.attempt >= (this.opts.retries ?? 7)) {
      this.attempt = 0;
      this.queue.dropAll();
      return;
    }
    const delay = (this.opts.retryMs ?? 25) * 2 ** this.attempt++;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, delay);
    // Not what keeps PID 1 alive; lets a test or a tool exit with a console stuck.
    this.timer.unref();
  }
}
