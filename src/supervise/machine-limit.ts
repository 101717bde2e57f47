// The restart limit (`restart-limit`: COUNT SECONDS), as pure policy beside
// the crash loop and backoff (machine-history.ts): COUNT deaths of run within
// SECONDS and the service is *failed* — not restarted, want-down as s6 tools
// see it (s6-permafailon's exit 125 from finish does the same), and its
// dependents blocked. A start asked by someone (svc -u, -U, -o, -r) clears it.
// Only deaths while want-up count: one asked for by -d is no failure.
import type { ServiceHistory } from "./machine-history";

/** COUNT deaths within windowMs. */
export interface RestartLimit {
  count: number;
  windowMs: number;
}

/** Why a service failed: when, and the limit it reached. */
export interface Failure {
  at: number;
  deaths: number;
  seconds: number;
}

/** The largest COUNT: the death times kept are at most this many. */
export const RESTART_LIMIT_MAX_COUNT = 1000;
/** The longest window, in seconds (a day and more means "ever" anyway). */
export const RESTART_LIMIT_MAX_SECONDS = 7 * 24 * 3600;

/** Reads "COUNT SECONDS" (blanks between), or the reason it cannot. */
export function parseRestartLimit(line: string): RestartLimit | { error: string } {
  const m = /^\s*([0-9]+)\s+([0-9]+)\s*$/.exec(line);
  if (!m) return { error: `${JSON.stringify(line)} is not COUNT SECONDS` };
  const count = Number(m[1]);
  const seconds = Number(m[2]);
  if (count < 1 || count > RESTART_LIMIT_MAX_COUNT) return { error: `COUNT ${count} is not from 1 to ${RESTART_LIMIT_MAX_COUNT}` };
  if (seconds < 1 || seconds > RESTART_LIMIT_MAX_SECONDS) return { error: `SECONDS ${seconds} is not from 1 to ${RESTART_LIMIT_MAX_SECONDS}` };
  return { count, windowMs: seconds * 1000 };
}

/** A death at NOW under LIMIT: the deaths kept (those within the window, at
 *  most COUNT), and the failure once COUNT of them fall within it. */
export function countDeath(h: ServiceHistory, limit: RestartLimit, name: string, now: number): { history: ServiceHistory; line: string | null } {
  const recent = [...h.deathTimes, now].filter((t) => now - t < limit.windowMs).slice(-limit.count);
  if (recent.length < limit.count) return { history: { ...h, deathTimes: recent }, line: null };
  const seconds = limit.windowMs / 1000;
  const failed: Failure = { at: now, deaths: limit.count, seconds };
  return {
    history: { ...h, deathTimes: [], failed },
    line: `warning: ${name} failed: ${limit.count} deaths in ${seconds} s (restart-limit): not restarted until svc -u`,
  };
}

/** A start someone asked for: the failure and the deaths counted towards it are forgotten. */
export function clearFailure(h: ServiceHistory): ServiceHistory {
  return h.failed === null && h.deathTimes.length === 0 ? h : { ...h, failed: null, deathTimes: [] };
}
