// The last N bytes of whole lines, oldest dropped first: what the catch-all
// saw before its directory could be opened (early boot, before /run).

/** Keeps at most `limit` bytes of the most recent lines. */
export class Ring {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(readonly limit: number) {}

  get bytes(): number {
    return this.size;
  }

  /** Adds whole lines, dropping the oldest lines beyond the limit. */
  push(lines: Buffer): void {
    this.chunks.push(lines);
    this.size += lines.length;
    while (this.size > this.limit) {
      const oldest = this.chunks[0]!;
      const excess = this.size - this.limit;
      if (oldest.length <= excess) {
        this.chunks.shift();
        this.size -= oldest.length;
        continue;
      }
      // Cut the oldest chunk after the first newline at or past the excess.
      const nl = oldest.indexOf(0x0a, excess - 1);
      const cut = nl < 0 ? oldest.length : nl + 1;
      this.chunks[0] = oldest.subarray(cut);
      this.size -= cut;
      if (this.chunks[0].length === 0) this.chunks.shift();
    }
  }

  /** Everything kept, oldest first, emptying the ring. */
  take(): Buffer {
    const all = Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    return all;
  }
}
