// What tsinit keeps about a service beyond s6's status, and its policy:
// restarts since boot, the last death, the last failed start, crash loops
// and the opt-in backoff. Pure functions over a ServiceHistory, called by the
// machine (machine.ts) at a death, a restart, a settle; no I/O, no clock.
//
// Crash loop: a death within QUICK_DEATH_MS of its spawn is quick;
// CRASH_LOOP_DEATHS quick deaths in a row enter a crash loop (one line), and
// run staying up for stableMs leaves it (one line). Backoff, only with
// restart-delay-max: the minimum time between two starts, s6's 1 s, doubles at
// each death up to that maximum, and goes back to 1 s at the same settle.

import type { Failure } from "./machine-limit";

/** Minimum time between two spawns of run (s6's throttle). */
export const THROTTLE_MS = 1000;
/** A death this soon after its spawn counts towards a crash loop. */
export const QUICK_DEATH_MS = 1000;
/** Quick deaths in a row that make a crash loop. */
export const CRASH_LOOP_DEATHS = 5;

/** What goes into supervise/tsinit-record and comes back after a re-exec. */
export interface ServiceHistory {
  /** times the supervisor started run again by itself (after a death or a failed start) */
  restarts: number;
  /** run's last death: when, and its raw wait status; null while it never died */
  lastDeath: { at: number; status: number } | null;
  /** the last failed start of run, null once one succeeds */
  spawnError: { code: string; why: string; path: string | null; at: number; retryMs: number } | null;
  /** deaths in a row, each within QUICK_DEATH_MS of its spawn */
  quickDeaths: number;
  crashLoop: boolean;
  /** the minimum ms between two starts of run now: THROTTLE_MS, or more under backoff */
  delayMs: number;
  /** with restart-limit: the recent deaths counted towards it (ms, oldest first) */
  deathTimes: number[];
  /** with restart-limit: it was reached, so run is not restarted (machine-limit.ts) */
  failed: Failure | null;
  /** times the watchdog (watchdog-ms) killed run since boot, and the last such kill */
  watchdogKills: number;
  lastWatchdogKill: { at: number; ms: number } | null;
}

/** A history and the one line to log, if any. */
export interface HistoryStep {
  history: ServiceHistory;
  line: string | null;
}

/** A service with no past. */
export function freshHistory(): ServiceHistory {
  return {
    restarts: 0,
    lastDeath: null,
    spawnError: null,
    quickDeaths: 0,
    crashLoop: false,
    delayMs: THROTTLE_MS,
    deathTimes: [],
    failed: null,
    watchdogKills: 0,
    lastWatchdogKill: null,
  };
}

/** How long run must stay up to leave a crash loop and reset the backoff:
 *  QUICK_DEATH_MS, or restart-delay-max when that is longer. */
export function stableMs(restartDelayMaxMs: number): number {
  return Math.max(QUICK_DEATH_MS, restartDelayMaxMs);
}

/** True when a spawn must arm the timer that settles the history: only when
 *  there is something to reset, so a healthy service sets no timer. */
export function needsSettle(h: ServiceHistory): boolean {
  return h.crashLoop || h.delayMs > THROTTLE_MS;
}

/** A death of run, ranMs after its spawn. A death asked for (want down) is
 *  no crash; -r keeps want-up and counts. */
export function afterDeath(h: ServiceHistory, name: string, status: number, now: number, ranMs: number, wantUp: boolean): HistoryStep {
  const next = { ...h, lastDeath: { at: now, status } };
  if (wantUp) next.quickDeaths = ranMs < QUICK_DEATH_MS ? h.quickDeaths + 1 : 0;
  if (next.crashLoop || next.quickDeaths < CRASH_LOOP_DEATHS) return { history: next, line: null };
  next.crashLoop = true;
  return {
    history: next,
    line: `warning: ${name} is crash-looping: run died ${next.quickDeaths} times in a row, each within ${QUICK_DEATH_MS / 1000} s of its start`,
  };
}

/** The wait before the next start (measured from the last spawn), and the
 *  history with the backoff grown for the one after. */
export function nextDelay(h: ServiceHistory, restartDelayMaxMs: number): { waitMs: number; history: ServiceHistory } {
  if (restartDelayMaxMs <= 0) return { waitMs: h.delayMs, history: h };
  return { waitMs: h.delayMs, history: { ...h, delayMs: Math.min(h.delayMs * 2, Math.max(THROTTLE_MS, restartDelayMaxMs)) } };
}

/** Out of a crash loop (one line when it was in one), the backoff reset. */
export function settle(h: ServiceHistory, name: string, why: string): HistoryStep {
  return {
    history: { ...h, crashLoop: false, quickDeaths: 0, delayMs: THROTTLE_MS },
    line: h.crashLoop ? `${name} is no longer crash-looping: ${why}` : null,
  };
}
