// TAI64N, skalibs' (and so every s6 program's) timestamp: 8 bytes of seconds
// since 1970 offset by 2^62 plus TAI-UTC, then 4 bytes of nanoseconds. As a
// label (s6-log's line stamps and archive names, ftrig fifo names) it is "@"
// and those 12 bytes in 24 hex digits; in supervise/status and death_tally
// the 12 bytes themselves, big-endian. The one codec for all of them.

/** A wall-clock instant with the nanoseconds TAI64N can carry. */
export interface Stamp {
  /** seconds since the Unix epoch */
  unixSec: number;
  nsec: number;
}

// skalibs maps the UTC system clock to TAI with its leap-second table: 10 s
// at 1972 plus 27 leap seconds, the last at the end of 2016.
const TAI_MINUS_UTC = 37n;
const TAI64_OFFSET = (1n << 62n) + TAI_MINUS_UTC;

/** A millisecond Unix time (Date.now()-like) as a Stamp. */
export function stampFromMs(ms: number): Stamp {
  const unixSec = Math.floor(ms / 1000);
  return { unixSec, nsec: Math.round((ms - unixSec * 1000) * 1e6) };
}

/** A Stamp back to milliseconds since the epoch (sub-ms precision is dropped). */
export function stampToMs(s: Stamp): number {
  return s.unixSec * 1000 + Math.floor(s.nsec / 1e6);
}

/** The TAI64N label of a number of nanoseconds since the epoch: "@" and 24 hex digits. */
export function tai64nFromNanos(ns: bigint): string {
  const secs = ns / 1_000_000_000n + TAI64_OFFSET;
  const nanos = ns % 1_000_000_000n;
  return `@${secs.toString(16).padStart(16, "0")}${nanos.toString(16).padStart(8, "0")}`;
}

/** Nanoseconds since the epoch of a TAI64N label (inverse of tai64nFromNanos). */
export function nanosFromTai64n(label: string): bigint {
  const secs = BigInt(`0x${label.slice(1, 17)}`) - TAI64_OFFSET;
  return secs * 1_000_000_000n + BigInt(`0x${label.slice(17, 25)}`);
}

/** The TAI64N label of a Date.now() value. */
export const tai64n = (ms: number): string => tai64nFromNanos(BigInt(Math.floor(ms)) * 1_000_000n);

/** Writes s as 12 big-endian TAI64N bytes at offset at. */
export function putTai64n(view: DataView, at: number, s: Stamp): void {
  view.setBigUint64(at, BigInt(s.unixSec) + TAI64_OFFSET);
  view.setUint32(at + 8, s.nsec);
}

/** Reads 12 big-endian TAI64N bytes at offset at. */
export function getTai64n(view: DataView, at: number): Stamp {
  return { unixSec: Number(view.getBigUint64(at) - TAI64_OFFSET), nsec: view.getUint32(at + 8) };
}
