// One log line as `tsinit log` reads it back: its time from either stamp the
// files carry (the built-in logger's UTC ISO, s6-log's TAI64N "@..."), its
// text, and who wrote it. Pure: the readers and the follower share it.
import { nanosFromTai64n } from "../s6/tai64n";

/** A line read from a log file. */
export interface LogLine {
  /** ms since the epoch; a line without a stamp takes the one before it */
  ms: number;
  /** the service (or "catch-all", or "tsinit" for PID 1's own lines) */
  label: string;
  /** the stream when the writer is known to have used one ("err"), else undefined */
  stream?: string;
  text: string;
}

const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) /;
const TAI = /^(@[0-9a-f]{24}) /;
// A catch-all line labelled by PID 1 (its own lines say "tsinit: ...", a
// service's "NAME: ..." or "NAME[err]: ...", a logger's "NAME/log: ", a
// task's "task NAME: "): a name as the scanner allows one.
const LABEL = /^(task )?([A-Za-z0-9_][A-Za-z0-9_.@+-]*)(\/log)?(?:\[(out|err)\])?: /;

/** The time and text of one line; ms is null when it carries no stamp. */
export function splitStamp(line: string): { ms: number | null; text: string } {
  const iso = ISO.exec(line);
  if (iso) return { ms: Date.parse(iso[1]!), text: line.slice(iso[0].length) };
  const tai = TAI.exec(line);
  if (tai) return { ms: Number(nanosFromTai64n(tai[1]!) / 1_000_000n), text: line.slice(tai[0].length) };
  return { ms: null, text: line };
}

/** Who wrote a catch-all line: "tsinit", a known service with its stream, or "catch-all". */
export function catchAllLabel(text: string, known: (name: string) => boolean): { label: string; stream?: string; text: string } {
  const m = LABEL.exec(text);
  if (!m) return { label: "catch-all", text };
  const [whole, task, name, log, stream] = m;
  const rest = text.slice(whole.length);
  if (!task && !log && name === "tsinit") return { label: "tsinit", text: rest };
  // Only PID 1 writes "task " before a line: any task name is one.
  const withStream = (label: string) => (stream ? { label, stream, text: rest } : { label, text: rest });
  if (task && !log) return withStream(`task ${name}`);
  if (task || !known(name!)) return { label: "catch-all", text };
  return withStream(log ? `${name}/log` : name!);
}

/** Longer lines are shown cut (loggers cut theirs at 4 or 8 KiB): a file of
 *  one huge "line" (a sparse file reads as NULs) costs no more to show than this. */
export const LINE_SHOWN = 64 * 1024;

/** The lines of one file's text, stamped; `from` is the time of an unstamped first line. */
export function parseLines(content: string, label: string, from = 0): LogLine[] {
  const out: LogLine[] = [];
  let last = from;
  const lines = content.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (const line of lines) {
    const { ms, text } = splitStamp(line);
    if (ms !== null && !Number.isNaN(ms)) last = ms;
    const shown = text.length > LINE_SHOWN ? `${text.slice(0, LINE_SHOWN)} [${text.length - LINE_SHOWN} more characters not shown]` : text;
    out.push({ ms: last, label, text: shown });
  }
  return out;
}

/** Merges per-source lists (each in time order) into one, by time; ties keep source order. */
export function mergeByTime(lists: readonly LogLine[][]): LogLine[] {
  const all = lists.flatMap((list, source) => list.map((line, at) => ({ line, source, at })));
  all.sort((a, b) => a.line.ms - b.line.ms || a.source - b.source || a.at - b.at);
  return all.map((x) => x.line);
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** "2026-11-30 14:02:03.123" in local time, or the ISO UTC stamp with utc. */
export function formatTime(ms: number, utc: boolean): string {
  const d = new Date(ms);
  if (utc) return d.toISOString();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

// C0 but tab, DEL and C1: what a terminal may act on (ESC, OSC, CSI, BEL...).
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
const hex = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;

/** TEXT with its control characters as \xHH: a service's line cannot move
 *  root's cursor, retitle a window or rewrite what was shown before it. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, hex);
}

/** One output line: "TIME LABEL: text" ("LABEL[err]" when the stream is
 *  known), control characters escaped, whether the output is a terminal or
 *  not: a file or pipe is often shown on one later (less, cat, tail). */
export function formatLine(l: LogLine, utc: boolean): string {
  return `${formatTime(l.ms, utc)} ${escapeControls(l.label)}${l.stream ? `[${l.stream}]` : ""}: ${escapeControls(l.text)}`;
}

/** The --json form of a line: one object per line. JSON escapes C0 itself;
 *  DEL and C1, which it would leave raw, are written as \u00HH too. */
export function jsonLine(l: LogLine): string {
  return JSON.stringify({ time: new Date(l.ms).toISOString(), service: l.label, stream: l.stream ?? null, text: l.text }).replace(
    /[\x7f-\x9f]/g,
    (c) => `\\u00${c.charCodeAt(0).toString(16)}`,
  );
}
