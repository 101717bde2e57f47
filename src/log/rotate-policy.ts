// When to archive DIR/current and which archives to delete: pure functions of
// sizes and names. Archives are named as s6-log names them, "@" + TAI64N of the
// rotation + ".s": one rename per rotation (no shifting current.1..N), names
// sort by age, and s6-log's readers (s6-tai64nlocal, ls) work on them.
import { nanosFromTai64n, tai64nFromNanos } from "../s6/tai64n";

const ARCHIVE = /^@[0-9a-f]{24}\.[su]$/;

/** Whether a directory entry is an archive we manage (s6-log's .s and .u included). */
export const isArchiveName = (name: string): boolean => ARCHIVE.test(name);

/** The archives of a directory listing, oldest first. */
export const archivesOf = (names: string[]): string[] => names.filter(isArchiveName).sort();

/** What to do before writing the head of the queue. */
export interface WritePlan {
  /** archive current first */
  rotate: boolean;
  /** bytes of the queue head to append (cut back to a line boundary by the queue) */
  take: number;
}

/** Archive when current is not empty and the next line would take it past
 *  maxSize; then take as much as still fits (never less than that one line,
 *  so a line longer than maxSize still gets written, alone in its file). */
export function planWrite(currentSize: number, maxSize: number, firstLine: number, queued: number): WritePlan {
  const rotate = currentSize > 0 && currentSize + firstLine > maxSize;
  const size = rotate ? 0 : currentSize;
  return { rotate, take: Math.min(queued, Math.max(firstLine, maxSize - size)) };
}

/** The archives to delete, oldest first, so that at most maxFiles remain. */
export function toPrune(archives: string[], maxFiles: number): string[] {
  const sorted = [...archives].sort();
  return sorted.slice(0, Math.max(0, sorted.length - maxFiles));
}

/** The name for an archive made at nowMs: strictly after `previous`, so two
 *  rotations within one millisecond (or a clock stepped back) never collide. */
export function archiveName(nowMs: number, previous?: string): string {
  let ns = BigInt(Math.floor(nowMs)) * 1_000_000n;
  if (previous !== undefined && isArchiveName(previous)) {
    const last = nanosFromTai64n(previous);
    if (ns <= last) ns = last + 1n;
  }
  return `${tai64nFromNanos(ns)}.s`;
}
