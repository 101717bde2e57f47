// A bounded FIFO of whole lines, in bytes. What does not fit is dropped at a
// line boundary and counted, so memory stays at the limit however fast input
// comes; the counts become one "dropped N lines" notice once the queue drains.
import { countLines, linePrefix } from "./lines";

/** Lines and bytes dropped. */
export interface DropCount {
  lines: number;
  bytes: number;
}

/** Whole lines waiting to be written, at most `limit` bytes (in-flight bytes included). */
export class LineQueue {
  private chunks: Buffer[] = [];
  private size = 0;
  private pendingDrop: DropCount = { lines: 0, bytes: 0 };
  /** every drop since creation */
  readonly dropped: DropCount = { lines: 0, bytes: 0 };

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`queue limit must be at least 1: ${limit}`);
  }

  /** Bytes queued. */
  get bytes(): number {
    return this.size;
  }

  /** Appends whole lines; keeps the line-aligned part that fits and drops the
   *  rest (counted). False when anything was dropped. */
  push(data: Buffer): boolean {
    if (data.length === 0) return true;
    const keep = linePrefix(data, this.limit - this.size);
    if (keep > 0) {
      this.chunks.push(keep === data.length ? data : data.subarray(0, keep));
      this.size += keep;
    }
    if (keep === data.length) return true;
    const rest = data.subarray(keep);
    this.drop(rest.length, countLines(rest));
    return false;
  }

  /** Appends past the limit: only for one drop notice into an empty queue,
   *  which must never itself be dropped (it would count itself forever). */
  pushNotice(line: Buffer): void {
    this.chunks.push(line);
    this.size += line.length;
  }

  /** Counts a loss that happened elsewhere (a failed write). */
  drop(bytes: number, lines: number): void {
    this.pendingDrop.bytes += bytes;
    this.pendingDrop.lines += lines;
    this.dropped.bytes += bytes;
    this.dropped.lines += lines;
  }

  /** Drops everything queued (counted). */
  dropAll(): void {
    for (const c of this.chunks) this.drop(c.length, countLines(c));
    this.chunks = [];
    this.size = 0;
  }

  /** Length of the first line (0 when empty), so rotation can decide before taking it. */
  firstLine(): number {
    for (let i = 0, before = 0; i < this.chunks.length; before += this.chunks[i]!.length, i++) {
      const nl = this.chunks[i]!.indexOf(0x0a);
      if (nl >= 0) return before + nl + 1;
    }
    return this.size;
  }

  /** The head of the queue, at most max bytes, without removing it. With
   *  lines, cut after a newline (but always at least the first line). */
  peek(max: number, lines = true): Buffer {
    const parts: Buffer[] = [];
    let total = 0;
    for (const c of this.chunks) {
      if (total + c.length <= max) {
        parts.push(c);
        total += c.length;
        continue;
      }
      const room = max - total;
      const cut = lines ? linePrefix(c, room) : room;
      if (cut > 0) parts.push(c.subarray(0, cut));
      else if (total === 0) parts.push(c.subarray(0, this.firstLine()));
      break;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Removes n bytes from the head (after they were written or dropped). */
  consume(n: number): void {
    this.size -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      if (c.length <= n) {
        this.chunks.shift();
        n -= c.length;
      } else {
        this.chunks[0] = c.subarray(n);
        n = 0;
      }
    }
  }

  /** The drops not yet reported, resetting them; null when there were none. */
  takeDrops(): DropCount | null {
    if (this.pendingDrop.lines === 0 && this.pendingDrop.bytes === 0) return null;
    const d = this.pendingDrop;
    this.pendingDrop = { lines: 0, bytes: 0 };
    return d;
  }

  /** Puts back drops taken by takeDrops whose notice could not be written. */
  restoreDrops(d: DropCount): void {
    this.pendingDrop.lines += d.lines;
    this.pendingDrop.bytes += d.bytes;
  }
}

/** The notice written into a log once a queue that dropped has drained. */
export const dropNotice = (d: DropCount, name: string): string => `tsinit: dropped ${d.lines} lines (${d.bytes} bytes) for ${name}`;
