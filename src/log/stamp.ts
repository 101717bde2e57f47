// Timestamps for log lines and archive names. ISO-8601 is what people read;
// TAI64N is what s6-log writes (and what s6-tai64nlocal turns back into dates).
import { tai64n } from "../s6/tai64n";

/** How each line is stamped: ISO-8601 UTC with ms, s6-log's TAI64N label, or not at all. */
export type TimestampFormat = "iso" | "tai64n" | "none";

/** Whether s is a TimestampFormat. */
export const isTimestampFormat = (s: string): s is TimestampFormat => s === "iso" || s === "tai64n" || s === "none";

/** The prefix a line gets at time ms, space included ("" for none). */
export function stampPrefix(format: TimestampFormat, ms: number): string {
  if (format === "iso") return `${new Date(ms).toISOString()} `;
  if (format === "tai64n") return `${tai64n(ms)} `;
  return "";
}
