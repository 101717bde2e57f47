// What `tsinit status` prints, as pure functions of decoded status records
// and "now": a table for people, JSON for scripts. No filesystem, no clock.
import type { Waiting } from "../s6/deps";
import { decodeWaitStatus } from "../s6/signal-names";
import { stampToMs, type SuperviseStatus } from "../s6/status-file";
import { formatBytes, formatCpu, type CgroupUsage } from "./status-cgroup";
import type { ServiceRecord } from "../supervise/service-record";

/** One service as read from disk. */
export interface ServiceReport {
  /** as shown: the argument, or "X" / "X/log" inside a scan dir */
  name: string;
  path: string;
  /** someone holds the write lock on supervise/lock (s6-svok) */
  supervised: boolean;
  /** supervise/lock could not be opened (EACCES for a non-root user): whether it is supervised is unknown */
  unreadable?: boolean;
  /** supervise/status, null when missing or unreadable */
  status: SuperviseStatus | null;
  /** why the status could not be read (shown instead of the state) */
  error?: string;
  /** ./run is there but cannot be reached: "run: ELOOP" (shown in NOTES) */
  runProblem?: string;
  /** supervise/waiting: held by its dependencies (absent or null when not held) */
  waiting?: Waiting | null;
  /** what its `dependencies` file / `dependencies.d/` names */
  dependencies?: string[];
  /** its cgroup's memory and CPU time, while it runs in one of its own */
  usage?: CgroupUsage | null;
  /** supervise/tsinit-record (tsinit only; null under s6-supervise or when stale) */
  record?: ServiceRecord | null;
  /** supervise/notify-status: the last STATUS= from sd_notify, and when */
  notifyStatus?: { status: string; at: string } | null;
}

/** The --json shape of one service. */
export interface StatusJson {
  kind: "service";
  name: string;
  path: string;
  /** null when supervise/ could not be read (see error) */
  supervised: boolean | null;
  up: boolean;
  pid: number | null;
  since: string | null;
  wantUp: boolean | null;
  ready: boolean;
  readySince: string | null;
  paused: boolean;
  finishing: boolean;
  /** the last death of ./run, only while it is not up (as s6-svstat shows
   *  it); under tsinit null when run never died (it never ran, see spawnError) */
  lastExit: { code: number | null; signal: string | null; at?: string } | null;
  /** the rest from supervise/tsinit-record, absent under s6-supervise:
   *  the last successful start of run, restarts since boot, the failed start
   *  (EACCES, ENOENT...) until one succeeds, the crash loop and backoff */
  startedAt?: string | null;
  restarts?: number;
  spawnError?: ServiceRecord["spawnError"];
  crashLoop?: boolean;
  delayMs?: number;
  restartDelayMaxMs?: number;
  notificationFd?: number | null;
  /** restart-limit reached (state "failed"): since when, COUNT deaths in SECONDS; null when not failed */
  failed?: ServiceRecord["failed"];
  restartLimit?: ServiceRecord["restartLimit"];
  notifySocket?: boolean;
  /** watchdog-ms (0: none), the watchdog's kills since boot and the last one */
  watchdogMs?: number;
  watchdogKills?: number;
  lastWatchdogKill?: ServiceRecord["lastWatchdogKill"];
  /** the last STATUS= sent on NOTIFY_SOCKET, while run is up */
  notifyStatus?: { status: string; at: string } | null;
  /** the STATE column's word */
  state: ServiceState;
  /** while held by its dependencies: those not ready yet, and those that never will be */
  waitsFor: string[];
  blockedBy: string[];
  dependencies: string[];
  error?: string;
  /** ./run is there but cannot be reached: "run: ELOOP" */
  runProblem?: string;
  /** only while it runs in its own cgroup: where, memory.current (null
   *  without the memory controller) and CPU time in microseconds */
  cgroup?: CgroupUsage;
}

export { decodeWaitStatus };

/** A duration in the two largest units: 12s, 3m04s, 2h01m, 5d03h. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86400)}d${two(Math.floor(s / 3600) % 24)}h`;
}

export type ServiceState = "up" | "paused" | "finishing" | "down" | "failed" | "waiting" | "not supervised" | "unreadable" | "unknown";

/** The state word: up, paused, finishing, down, failed (restart-limit
 *  reached: down until someone starts it), waiting (held by its
 *  dependencies), not supervised, unreadable (supervise/ is not ours to
 *  read), or unknown (no status). */
export function stateOf(r: ServiceReport): ServiceState {
  if (r.unreadable) return "unreadable";
  if (!r.supervised) return "not supervised";
  const s = r.status;
  // A held service never ran: "down" would read as a crash. A stale file beside a running one loses.
  if (r.waiting && (!s || (s.pid === 0 && !s.finishing))) return "waiting";
  if (!s) return "unknown";
  if (s.finishing) return "finishing";
  if (s.pid === 0) return r.record?.failed ? "failed" : "down";
  return s.paused ? "paused" : "up";
}

const isUp = (s: SuperviseStatus) => s.pid !== 0 && !s.finishing;
const iso = (ms: number) => new Date(ms).toISOString();

/** The JSON record of one service. Status fields are null/false when unsupervised. */
export function toJson(r: ServiceReport): StatusJson {
  const s = r.supervised ? r.status : null;
  const up = s !== null && isUp(s);
  const out: StatusJson = {
    kind: "service",
    name: r.name,
    path: r.path,
    supervised: r.unreadable ? null : r.supervised,
    up,
    pid: s && s.pid !== 0 ? s.pid : null,
    since: s ? iso(stampToMs(s.stamp)) : null,
    wantUp: s ? s.wantUp : null,
    ready: up && s!.ready,
    readySince: up && s!.ready ? iso(stampToMs(s!.readyStamp)) : null,
    paused: s?.paused ?? false,
    finishing: s?.finishing ?? false,
    lastExit: s && !up ? lastExitOf(s, r.record) : null,
    state: stateOf(r),
    waitsFor: r.waiting?.waitsFor ?? [],
    blockedBy: r.waiting?.blockedBy ?? [],
    dependencies: r.dependencies ?? [],
  };
  if (r.error !== undefined) out.error = r.error;
  if (r.runProblem !== undefined) out.runProblem = r.runProblem;
  if (r.usage) out.cgroup = r.usage;
  const rec = r.record;
  if (rec) {
    Object.assign(out, {
      startedAt: rec.startedAt,
      restarts: rec.restarts,
      spawnError: rec.spawnError,
      crashLoop: rec.crashLoop,
      delayMs: rec.delayMs,
      restartDelayMaxMs: rec.restartDelayMaxMs,
      notificationFd: rec.notificationFd,
      failed: rec.failed,
      restartLimit: rec.restartLimit,
      notifySocket: rec.notifySocket,
      watchdogMs: rec.watchdogMs,
      watchdogKills: rec.watchdogKills,
      lastWatchdogKill: rec.lastWatchdogKill,
      notifyStatus: up ? currentNotifyStatus(r) : null,
    });
  }
  return out;
}

/** The last exit: the record's when there is one (null if run never died), else s6's wait status. */
function lastExitOf(s: SuperviseStatus, rec: ServiceRecord | null | undefined): StatusJson["lastExit"] {
  if (!rec) return decodeWaitStatus(s.waitStatus);
  return rec.lastExit;
}

// A dependencies file may hold hundreds of names (64 KiB are read): the notes
// column names a few, each cut short, and counts the rest (--json has all).
const NAMES_SHOWN = 5;
const NAME_CHARS = 40;

/** "a, b, c and 12 more", names cut to NAME_CHARS. */
function someNames(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).map((n) => (n.length > NAME_CHARS ? `${n.slice(0, NAME_CHARS - 1)}…` : n));
  const rest = names.length - shown.length;
  return shown.join(", ") + (rest > 0 ? ` and ${rest} more` : "");
}

/** The last STATUS= when it was sent by the run now up (an older run's is stale), else null. */
export function currentNotifyStatus(r: ServiceReport): { status: string; at: string } | null {
  const n = r.notifyStatus;
  const s = r.status;
  if (!n || !s || s.pid === 0 || s.finishing) return null;
  return Date.parse(n.at) >= stampToMs(s.stamp) - 1000 ? n : null;
}

/** "3 deaths in 10 s": why a service is failed (restart-limit). */
export function failedText(f: NonNullable<ServiceRecord["failed"]>): string {
  return `${f.deaths} deaths in ${f.seconds} s`;
}

/** "waits for a, b; blocked by x": why a held service or task has not started. */
export function waitingNotes(w: Waiting): string {
  const parts: string[] = [];
  if (w.waitsFor.length > 0) parts.push(`waits for ${someNames(w.waitsFor)}`);
  if (w.blockedBy.length > 0) parts.push(`blocked by ${someNames(w.blockedBy)}`);
  return parts.join("; ");
}

/** The notes column: want up/down when it differs, last exit or spawn error, readiness, restarts. */
function notes(s: SuperviseStatus, nowMs: number, rec: ServiceRecord | null | undefined): string {
  const up = isUp(s);
  const parts: string[] = [];
  if (up && !s.wantUp) parts.push("want down");
  if (!up && s.wantUp) parts.push("want up");
  if (!up && rec?.spawnError) parts.push(`run: ${rec.spawnError.code}`);
  else if (!up) {
    const e = lastExitOf(s, rec);
    if (e) parts.push(e.signal !== null ? `signal ${e.signal}` : `exit ${e.code}`);
  }
  if (rec?.crashLoop) parts.push("crash loop");
  if (!up && rec?.failed) parts.push(failedText(rec.failed));
  if (rec && rec.restarts > 0) parts.push(`${rec.restarts} restart${rec.restarts === 1 ? "" : "s"}`);
  if (up && s.ready) parts.push(`ready since ${formatDuration(nowMs - stampToMs(s.readyStamp))}`);
  return parts.join(", ");
}

const COLOURS = { green: "\x1b[32m", red: "\x1b[31m", yellow: "\x1b[33m" } as const;

export type Colour = keyof typeof COLOURS;

function colourOf(r: ServiceReport): Colour | null {
  const state = stateOf(r);
  if (state === "up") return "green";
  if (state === "waiting") return r.waiting!.blockedBy.length > 0 ? "red" : "yellow";
  if (state === "finishing") return "yellow";
  if (state === "failed") return "red";
  if (state === "down" && r.status!.wantUp) return "red";
  return null;
}

/** The table: one header line, one line per service. Colours (ANSI) only
 *  when colour is set; padding is computed on the plain text. */
export function formatTable(reports: readonly ServiceReport[], nowMs: number, colour: boolean): string {
  const rows = reports.map((r) => {
    const s = r.supervised ? r.status : null;
    const state = stateOf(r);
    // A held service's status says "want up, exit 0" from before it ever ran: the wait is the news.
    const note = [state === "waiting" ? waitingNotes(r.waiting!) : s ? notes(s, nowMs, r.record) : "", r.runProblem ?? ""].filter((n) => n).join("; ");
    return {
      cells: [r.name, state, s && s.pid !== 0 ? String(s.pid) : "-", s ? formatDuration(nowMs - stampToMs(s.stamp)) : "-", r.error ?? note, ...usageCells(r)],
      colour: colour ? colourOf(r) : null,
    };
  });
  // MEM and CPU come last, and only when some service runs in its own cgroup:
  // the columns before them stay where scripts look for them.
  const withUsage = reports.some((r) => r.usage);
  return renderTable(
    ["NAME", "STATE", "PID", "TIME", "NOTES", ...(withUsage ? ["MEM", "CPU"] : [])],
    withUsage ? rows : rows.map((row) => ({ ...row, cells: row.cells.slice(0, 5) })),
  );
}

/** MEM (memory.current, "-" without the memory controller) and CPU time;
 *  blank for a service not running in its own cgroup. */
function usageCells(r: ServiceReport): [string, string] {
  if (!r.usage) return ["", ""];
  return [r.usage.memoryBytes === null ? "-" : formatBytes(r.usage.memoryBytes), formatCpu(r.usage.cpuUsec)];
}

/** Columns padded to their widest plain cell, the last one unpadded; the
 *  second column coloured when a row has a colour. */
export function renderTable(header: string[], rows: ReadonlyArray<{ cells: string[]; colour: Colour | null }>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row.cells[i]!.length)));
  const line = (cells: string[], c: Colour | null) =>
    cells
      .map((cell, i) => {
        const padded = i === cells.length - 1 ? cell : cell.padEnd(widths[i]!);
        return i === 1 && c ? `${COLOURS[c]}${padded}\x1b[0m` : padded;
      })
      .join("  ")
      .trimEnd();
  return [line(header, null), ...rows.map((row) => line(row.cells, row.colour))].join("\n") + "\n";
}
