// Timestamps for log lines and archive names. ISO-8601 is what people read;
// TAI64N is what s6-log writes (and what s6-tai64nlocal turns back into dates).

/** How each line is stamped: ISO-8601 UTC with ms, s6-log's TAI64N label, or not at all. */
export type TimestampFormat = "iso" | "tai64n" | "none";

/** Whether s is a TimestampFormat. */
export const isTimestampFormat = (s: string): s is TimestampFormat => s === "iso" || s === "tai64n" || s === "none";

const TAI64_BASE = 1n << 62n;
// skalibs (hence s6-log) maps the UTC system clock to TAI with its leap-second
// table: 10 s at 1972 plus 27 leap seconds, the last at the end of 2016.
const TAI_MINUS_UTC = 37n;

/** The TAI64N label of a number of nanoseconds since the epoch: "@" and 24 hex digits. */
export function tai64nFromNanos(ns: bigint): string {
  const secs = ns / 1_000_000_000n + TAI64_BASE + TAI_MINUS_UTC;
  const nanos = ns % 1_000_000_000n;
  return `@${secs.toString(16).padStart(16, "0")}${nanos.toString(16).padStart(8, "0")}`;
}

/** Nanoseconds since the epoch of a TAI64N label (inverse of tai64nFromNanos). */
export function nanosFromTai64n(label: string): bigint {
  const secs = BigInt(`0x${label.slice(1, 17)}`) - TAI64_BASE - TAI_MINUS_UTC;
  return secs * 1_000_000_000n + BigInt(`0x${label.slice(17, 25)}`);
}

/** The TAI64N label of a Date.now() value. */
export const tai64n = (ms: number): string => tai64nFromNanos(BigInt(Math.floor(ms)) * 1_000_000n);

/** The prefix a line gets at time ms, space included ("" for none). */
export function stampPrefix(format: TimestampFormat, ms: number): string {
  if (format === "iso") return `${new Date(ms).toISOString()} `;
  if (format === "tai64n") return `${tai64n(ms)} `;
  return "";
}
