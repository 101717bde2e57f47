// One log line as `tsinit log` reads it back: its time from either stamp the
// files carry (the built-in logger's UTC ISO, s6-log's TAI64N "@..."), its
// text, and who wrote it. Pure: the readers and the follower share it.
import { nanosFromTai64n } from "../log/stamp";

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
// service's "NAME: ..." or "NAME[err]: ..."): a name as the scanner allows one.
const LABEL = /^([A-Za-z0-9_][A-Za-z0-9_.@+-]*)(?:\[(out|err)\])?: /;

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
  if (m && m[1] === "tsinit") return { label: "tsinit", text: text.slice(m[0].length) };
  if (!m || !known(m[1]!)) return { label: "catch-all", text };
  return { label: m[1]!, stream: m[2], text: text.slice(m[0].length) };
}

/** The lines of one file's text, stamped; `from` is the time of an unstamped first line. */
export function parseLines(content: string, label: string, from = 0): LogLine[] {
  const out: LogLine[] = [];
  let last = from;
  const lines = content.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (const line of lines) {
    const { ms, text } = splitStamp(line);
    if (ms !== null && !Number.isNaN(ms)) last = ms;
    out.push({ ms: last, label, text });
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

/** One output line: "TIME LABEL: text" ("LABEL[err]" when the stream is known). */
export function formatLine(l: LogLine, utc: boolean): string {
  return `${formatTime(l.ms, utc)} ${l.label}${l.stream ? `[${l.stream}]` : ""}: ${l.text}`;
}

/** The --json form of a line: one object per line. */
export function jsonLine(l: LogLine): string {
  return JSON.stringify({ time: new Date(l.ms).toISOString(), service: l.label, ...(l.stream ? { stream: l.stream } : {}), text: l.text });
}
