// supervise/tsinit-record: what tsinit keeps about a service beyond s6's
// 35-byte supervise/status (which stays byte-exact for s6-svstat): when run
// last started, restarts since boot, the last exit or the spawn error, the
// crash loop and the backoff, and the restart limit's failure. JSON, so `tsinit status NAME --json` and people
// can read it; written by the supervisor's effects layer (service-files.ts)
// whenever it changes, and read back after a re-exec. Pure: no I/O here.
import type { SuperviseConfig, SuperviseState } from "./machine";
import { freshHistory, type ServiceHistory } from "./machine-history";
import { decodeWaitStatus, parseSignal } from "../s6/signal-names";
import { RESTART_LIMIT_MAX_COUNT } from "./machine-limit";

/** The file's name inside supervise/. */
export const RECORD_FILE = "tsinit-record";
/** The most of it anyone reads (a record is well under 1 KiB; a planted huge file costs one read). */
export const RECORD_MAX = 64 * 1024;

/** The record as written (times are ISO 8601 UTC). */
export interface ServiceRecord {
  version: 1;
  name: string;
  /** the machine's phase: up, down, starting, throttled (waiting to restart), finishing */
  phase: string;
  pid: number | null;
  /** the last successful start of run (wall clock), null if it never started */
  startedAt: string | null;
  /** when it was flagged ready (notification-fd), null while not ready or down */
  readySince: string | null;
  wantUp: boolean;
  /** times the supervisor started run again by itself since boot */
  restarts: number;
  /** run's last death, null while it never died */
  lastExit: { code: number | null; signal: string | null; at: string } | null;
  /** the last start of run that failed, null once one succeeds */
  spawnError: { code: string; path: string | null; message: string; at: string; retryInMs: number } | null;
  /** 5 deaths in a row, each within 1 s of its start; left once run stays up */
  crashLoop: boolean;
  quickDeaths: number;
  /** the minimum ms between two starts of run now (1000 = s6's throttle) */
  delayMs: number;
  /** restart-delay-max in ms, 0 when there is no backoff */
  restartDelayMaxMs: number;
  /** restart-limit reached: since when, and the limit (COUNT deaths in SECONDS); null while not failed */
  failed: { since: string; deaths: number; seconds: number } | null;
  /** deaths counted towards restart-limit now (ms since the epoch, oldest first) */
  deathTimes: number[];
  /** restart-limit, null without one */
  restartLimit: { count: number; seconds: number } | null;
  /** notify-socket: flagged ready by READY=1 on NOTIFY_SOCKET */
  notifySocket: boolean;
  /** watchdog-ms (0: none; heard only with notify-socket) */
  watchdogMs: number;
  /** times the watchdog killed run since boot, and the last such kill */
  watchdogKills: number;
  lastWatchdogKill: { at: string; ms: number } | null;
  /** notification-fd, null without one: then it is never flagged ready */
  notificationFd: number | null;
  /** the built-in logger's directory (log/ without run), else null */
  logDir: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The record for this machine state and config. */
export function recordFromState(state: SuperviseState, config: SuperviseConfig): ServiceRecord {
  const p = state.phase;
  const h = state.history;
  const pid = p.kind === "up" ? p.pid : null;
  return {
    version: 1,
    name: config.name,
    phase: p.kind,
    pid,
    startedAt: state.spawnedAt === null ? null : iso(state.spawnedAt),
    readySince: pid !== null && state.ready ? iso(state.readyStamp) : null,
    wantUp: state.wantUp,
    restarts: h.restarts,
    lastExit: h.lastDeath ? { ...decodeWaitStatus(h.lastDeath.status), at: iso(h.lastDeath.at) } : null,
    spawnError: h.spawnError
      ? { code: h.spawnError.code, path: h.spawnError.path, message: h.spawnError.why, at: iso(h.spawnError.at), retryInMs: h.spawnError.retryMs }
      : null,
    crashLoop: h.crashLoop,
    quickDeaths: h.quickDeaths,
    delayMs: h.delayMs,
    restartDelayMaxMs: config.restartDelayMaxMs,
    failed: h.failed ? { since: iso(h.failed.at), deaths: h.failed.deaths, seconds: h.failed.seconds } : null,
    deathTimes: h.deathTimes,
    restartLimit: config.restartLimit ? { count: config.restartLimit.count, seconds: config.restartLimit.windowMs / 1000 } : null,
    notifySocket: config.notifySocket,
    watchdogMs: config.notifySocket ? config.watchdogMs : 0,
    watchdogKills: h.watchdogKills,
    lastWatchdogKill: h.lastWatchdogKill ? { at: iso(h.lastWatchdogKill.at), ms: h.lastWatchdogKill.ms } : null,
    notificationFd: config.notificationFd,
    logDir: null,
  };
}

/** The text of the file. */
export function recordText(r: ServiceRecord): string {
  return JSON.stringify(r, null, 2) + "\n";
}

/** The bytes of the file. */
export function encodeRecord(r: ServiceRecord): Uint8Array {
  return Buffer.from(recordText(r));
}

const num = (v: unknown, fallback: number) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : fallback);
const str = (v: unknown) => (typeof v === "string" ? v : null);
const time = (v: unknown) => {
  const ms = typeof v === "string" ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? ms : null;
};

/** Reads the file; null when it is not a record (absent, truncated, hand-edited
 *  into something else). Fields of the wrong type take their fresh value. */
export function decodeRecord(bytes: Uint8Array): ServiceRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return null;
  }
  if (!v || typeof v !== "object" || (v as { version?: unknown }).version !== 1) return null;
  const r = v as Record<string, unknown>;
  const exit = r.lastExit as Record<string, unknown> | null;
  const err = r.spawnError as Record<string, unknown> | null;
  const fail = r.failed as Record<string, unknown> | null;
  const limit = r.restartLimit as Record<string, unknown> | null;
  const dog = r.lastWatchdogKill as Record<string, unknown> | null;
  return {
    version: 1,
    name: str(r.name) ?? "",
    phase: str(r.phase) ?? "unknown",
    pid: typeof r.pid === "number" ? r.pid : null,
    startedAt: str(r.startedAt),
    readySince: str(r.readySince),
    wantUp: r.wantUp === true,
    restarts: num(r.restarts, 0),
    lastExit:
      exit && typeof exit === "object" && str(exit.at)
        ? { code: typeof exit.code === "number" ? exit.code : null, signal: str(exit.signal), at: str(exit.at)! }
        : null,
    spawnError:
      err && typeof err === "object" && str(err.code) && str(err.at)
        ? { code: str(err.code)!, path: str(err.path), message: str(err.message) ?? "", at: str(err.at)!, retryInMs: num(err.retryInMs, 0) }
        : null,
    crashLoop: r.crashLoop === true,
    quickDeaths: num(r.quickDeaths, 0),
    delayMs: num(r.delayMs, freshHistory().delayMs),
    restartDelayMaxMs: num(r.restartDelayMaxMs, 0),
    failed:
      fail && typeof fail === "object" && str(fail.since) ? { since: str(fail.since)!, deaths: num(fail.deaths, 0), seconds: num(fail.seconds, 0) } : null,
    deathTimes: Array.isArray(r.deathTimes)
      ? r.deathTimes.filter((t): t is number => typeof t === "number" && Number.isFinite(t)).slice(-RESTART_LIMIT_MAX_COUNT)
      : [],
    restartLimit: limit && typeof limit === "object" ? { count: num(limit.count, 0), seconds: num(limit.seconds, 0) } : null,
    notifySocket: r.notifySocket === true,
    watchdogMs: num(r.watchdogMs, 0),
    watchdogKills: num(r.watchdogKills, 0),
    lastWatchdogKill: dog && typeof dog === "object" && str(dog.at) ? { at: str(dog.at)!, ms: num(dog.ms, 0) } : null,
    notificationFd: typeof r.notificationFd === "number" ? r.notificationFd : null,
    logDir: str(r.logDir),
  };
}

/** The machine's history from a record, for the restore event after a re-exec. */
export function historyFromRecord(r: ServiceRecord): ServiceHistory {
  const exitAt = r.lastExit ? time(r.lastExit.at) : null;
  const errAt = r.spawnError ? time(r.spawnError.at) : null;
  const failedAt = r.failed ? time(r.failed.since) : null;
  const dogAt = r.lastWatchdogKill ? time(r.lastWatchdogKill.at) : null;
  return {
    restarts: r.restarts,
    lastDeath: r.lastExit && exitAt !== null ? { at: exitAt, status: waitStatusOf(r.lastExit) } : null,
    spawnError:
      r.spawnError && errAt !== null
        ? { code: r.spawnError.code, why: r.spawnError.message, path: r.spawnError.path, at: errAt, retryMs: r.spawnError.retryInMs }
        : null,
    quickDeaths: r.quickDeaths,
    crashLoop: r.crashLoop,
    delayMs: r.delayMs,
    deathTimes: r.deathTimes,
    failed: r.failed && failedAt !== null ? { at: failedAt, deaths: r.failed.deaths, seconds: r.failed.seconds } : null,
    watchdogKills: r.watchdogKills,
    lastWatchdogKill: r.lastWatchdogKill && dogAt !== null ? { at: dogAt, ms: r.lastWatchdogKill.ms } : null,
  };
}

/** A raw wait status again from a code or a signal name. */
function waitStatusOf(e: { code: number | null; signal: string | null }): number {
  if (e.signal === null) return ((e.code ?? 0) & 0xff) << 8;
  return signalNumber(e.signal) & 0x7f;
}

const signalNumber = (name: string): number => parseSignal(name) ?? 0;
