// The line framer: arbitrary chunks in, whole timestamped lines out. Pure (the
// clock is injected) and bounded: a partial line is held up to maxLine bytes,
// then cut, so a writer that never sends a newline cannot grow our memory.
import { stampPrefix, type TimestampFormat } from "./stamp";

const NL = 0x0a;
const NEWLINE = Buffer.from("\n");

export interface FramerOptions {
  /** default "iso" */
  timestamp?: TimestampFormat;
  /** longest line body in bytes before it is cut into several lines (default 4096) */
  maxLine?: number;
  /** the clock, ms since the epoch (default Date.now) */
  now?: () => number;
  /** put after the stamp on every line, each piece of a cut line too ("NAME: "):
   *  nothing the writer sends can make a line that lacks it */
  label?: string;
}

/** Splits a byte stream into lines, each prefixed with a timestamp and ended with "\n". */
export class LineFramer {
  private readonly format: TimestampFormat;
  private readonly maxLine: number;
  private readonly now: () => number;
  private readonly label: Buffer | null;
  private partial: Buffer[] = [];
  private partialLen = 0;

  constructor(opts: FramerOptions = {}) {
    this.format = opts.timestamp ?? "iso";
    this.maxLine = opts.maxLine ?? 4096;
    this.now = opts.now ?? Date.now;
    this.label = opts.label ? Buffer.from(opts.label) : null;
    if (!(this.maxLine >= 1)) throw new RangeError(`maxLine must be at least 1: ${opts.maxLine}`);
  }

  /** Bytes of the partial line held back, waiting for its newline. */
  get pending(): number {
    return this.partialLen;
  }

  /** Frames every line completed by chunk; returns them concatenated (maybe empty).
   *  All lines completed by one chunk share one timestamp: they arrived together. */
  push(chunk: Uint8Array): Buffer {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: Buffer[] = [];
    let prefix: Buffer | null = null;
    const emit = (body: Buffer) => {
      prefix ??= Buffer.from(stampPrefix(this.format, this.now()));
      if (prefix.length > 0) out.push(prefix);
      if (this.label) out.push(this.label);
      out.push(...this.partial, body, NEWLINE);
      this.partial = [];
      this.partialLen = 0;
    };
    let pos = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(NL, pos);
      const end = nl < 0 ? buf.length : nl;
      // Cut while the line so far would pass maxLine: the held part never exceeds it.
      while (this.partialLen + (end - pos) > this.maxLine) {
        const take = this.maxLine - this.partialLen;
        emit(buf.subarray(pos, pos + take));
        pos += take;
      }
      if (nl < 0) {
        if (end > pos) this.hold(buf.subarray(pos, end));
        break;
      }
      emit(buf.subarray(pos, nl));
      pos = nl + 1;
    }
    return out.length === 0 ? Buffer.alloc(0) : Buffer.concat(out);
  }

  /** Frames the partial line, if any, as a line of its own (at EOF or close). */
  flush(): Buffer {
    if (this.partialLen === 0) return Buffer.alloc(0);
    const body = Buffer.concat(this.partial);
    this.partial = [];
    this.partialLen = 0;
    return Buffer.concat([Buffer.from(stampPrefix(this.format, this.now())), ...(this.label ? [this.label] : []), body, NEWLINE]);
  }

  // Copied: the caller's read buffer may be reused or be much larger than the part we keep.
  private hold(part: Buffer): void {
    this.partial.push(Buffer.from(part));
    this.partialLen += part.length;
  }
}

/** Whole lines (each ended by "\n"), each with the stamp of time ms before
 *  it; nothing cut: for lines already framed, or PID 1's own. */
export function stampLines(format: TimestampFormat, ms: number, lines: Buffer): Buffer {
  const prefix = stampPrefix(format, ms);
  if (prefix === "" || lines.length === 0) return lines;
  const stamp = Buffer.from(prefix);
  const parts: Buffer[] = [];
  for (let at = 0; at < lines.length; ) {
    const nl = lines.indexOf(NL, at);
    const end = nl < 0 ? lines.length : nl + 1;
    parts.push(stamp, lines.subarray(at, end));
    at = end;
  }
  return Buffer.concat(parts);
}

/** Number of "\n" in buf. */
export function countLines(buf: Uint8Array): number {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let n = 0;
  for (let i = b.indexOf(NL); i >= 0; i = b.indexOf(NL, i + 1)) n++;
  return n;
}

/** Length of the longest prefix of buf of at most max bytes that ends with "\n" (0 if none). */
export function linePrefix(buf: Buffer, max: number): number {
  if (max >= buf.length) return buf.length;
  if (max <= 0) return 0;
  return buf.lastIndexOf(NL, max - 1) + 1;
}
