// Reads a service directory's configuration files into SuperviseConfig, the
// way s6-supervise 2.11 reads them: a missing file means the default, an
// unreadable or invalid one is a warning plus the default. Nothing throws;
// the only hard problem is a run file we cannot execute.
import { reason } from "../cli/log";
import { accessSync, constants, statSync, type Stats } from "node:fs";
import { join } from "node:path";
import { DEFAULT_CONFIG, MAX_DEATH_TALLY, type SuperviseConfig } from "./machine";
import { parseSignal } from "../s6/signal-names";
import { readHead } from "../sys/read-head";
import { codeOf } from "../sys/errors";
import { parseRestartLimit, type RestartLimit } from "./machine-limit";

/** The config and what was wrong with it, or the reason the service cannot start. */
export type ConfigResult = { ok: true; config: SuperviseConfig; warnings: string[] } | { ok: false; problem: string; code: string; warnings: string[] };

/** The largest value s6 accepts in notification-fd and the timeouts. */
export const INT_MAX = 2 ** 31 - 1;

/** The first line of a file's bytes, trailing blanks dropped: what every s6 file holds. */
export function firstLineOf(bytes: Buffer): string {
  const text = bytes.toString("latin1");
  const nl = text.indexOf("\n");
  return (nl < 0 ? text : text.slice(0, nl)).replace(/[ \t\r]+$/, "");
}

/** s6's uint0_scan of a whole line: the number, or null when it is not one or exceeds MAX. */
export function scanUint(line: string, max: number): number | null {
  return /^[0-9]+$/.test(line) && Number(line) <= max ? Number(line) : null;
}

/** timeout-up's milliseconds as the scanner reads them: a positive integer, anything else 0 (no timeout). */
export function timeoutUpOf(text: string): number {
  const n = Number(text.split("\n")[0]!.trim());
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** The first line of FILE, trailing blanks dropped; null if absent (or FILE null: not listed). */
function readFirstLine(file: string | null, warnings: string[]): string | null {
  if (file === null) return null;
  try {
    return firstLineOf(readHead(file));
  } catch (e) {
    if (codeOf(e) !== "ENOENT") warnings.push(`warning: unable to read ${file}: ${reason(e)}`);
    return null;
  }
}

/** A decimal integer file (s6's uint0_scan), or the default with a warning. */
function readUint(file: string | null, fallback: number, max: number, warnings: string[]): number {
  const line = readFirstLine(file, warnings);
  if (line === null) return fallback;
  const n = scanUint(line, max);
  if (n !== null) return n;
  warnings.push(`warning: invalid ${file}: ${JSON.stringify(line)} (using ${fallback})`);
  return fallback;
}

/** restart-limit's COUNT SECONDS, or null (restart for ever) with a warning when it is invalid. */
function readRestartLimit(file: string | null, warnings: string[]): RestartLimit | null {
  const line = readFirstLine(file, warnings);
  if (line === null) return null;
  const r = parseRestartLimit(line);
  if ("error" in r) {
    warnings.push(`warning: invalid ${file}: ${r.error} (restarting for ever)`);
    return null;
  }
  return r;
}

/** True when PATH exists (null: not listed, false); other errors than ENOENT become a warning and false. */
function exists(file: string | null, warnings: string[]): boolean {
  if (file === null) return false;
  try {
    accessSync(file, constants.F_OK);
    return true;
  } catch (e) {
    if (codeOf(e) !== "ENOENT") warnings.push(`warning: unable to access ${file}: ${reason(e)}`);
    return false;
  }
}

let root: boolean | undefined;
/** Whether we run as root (asked once: tsinit never changes its euid). */
const isRoot = () => (root ??= process.geteuid?.() === 0);

/** Why DIR/run cannot be executed and the errno code that says it, or null when it can. */
export function checkRun(dir: string): { problem: string; code: string } | null {
  const run = join(dir, "run");
  let st: Stats;
  try {
    st = statSync(run);
  } catch (e) {
    // ENOENT is a missing run; ELOOP, EACCES… name a run that is there but cannot be reached.
    return { problem: `unable to ${codeOf(e) === "ENOENT" ? "find" : "stat"} ${run}: ${reason(e)}`, code: codeOf(e) };
  }
  if (!st.isFile()) return { problem: `unable to execute ${run}: not a regular file`, code: "ENOEXEC" };
  // Root may execute any file with an x bit (a noexec mount still fails the
  // exec itself, reported as the spawn's error): no second syscall per start.
  if (st.mode & 0o111 && isRoot()) return null;
  try {
    accessSync(run, constants.X_OK);
  } catch (e) {
    return { problem: `unable to execute ${run}: ${reason(e)}`, code: codeOf(e) };
  }
  return null;
}

/** Reads DIR's files; NAME is what run receives as argv[1]. Re-read it before
 *  each spawn: s6 reads notification-fd, down-signal, timeouts and
 *  max-death-tally when it uses them, so edits apply without a restart.
 *  LISTING: DIR's names, read just before (one read of the directory per
 *  spawn, shared with resources/service-resources.ts); a file not in it is absent, not opened. */
export function readServiceConfig(dir: string, name: string, listing?: readonly string[]): ConfigResult {
  const warnings: string[] = [];
  const file = (f: string) => (listing && !listing.includes(f) ? null : join(dir, f));
  const bad = checkRun(dir);
  if (bad) return { ok: false, ...bad, warnings };

  let downSignal = DEFAULT_CONFIG.downSignal;
  const sigText = readFirstLine(file("down-signal"), warnings);
  if (sigText !== null) {
    const sig = parseSignal(sigText);
    if (sig === null) warnings.push(`warning: invalid ${join(dir, "down-signal")}: ${JSON.stringify(sigText)} (using SIGTERM)`);
    else downSignal = sig;
  }
  const fd = readUint(file("notification-fd"), -1, INT_MAX, warnings);
  const config: SuperviseConfig = {
    name,
    hasFinish: exists(file("finish"), warnings),
    hasDownFile: exists(file("down"), warnings),
    downSignal,
    timeoutKillMs: readUint(file("timeout-kill"), DEFAULT_CONFIG.timeoutKillMs, INT_MAX, warnings),
    timeoutFinishMs: readUint(file("timeout-finish"), DEFAULT_CONFIG.timeoutFinishMs, INT_MAX, warnings),
    // s6 clamps silently rather than rejecting a big tally.
    maxDeathTally: Math.min(MAX_DEATH_TALLY, readUint(file("max-death-tally"), DEFAULT_CONFIG.maxDeathTally, Number.MAX_SAFE_INTEGER, warnings)),
    notificationFd: fd < 0 ? null : fd,
    // tsinit's backoff, in milliseconds like s6's timeouts; absent or 0 = off.
    restartDelayMaxMs: readUint(file("restart-delay-max"), DEFAULT_CONFIG.restartDelayMaxMs, INT_MAX, warnings),
    restartLimit: readRestartLimit(file("restart-limit"), warnings),
    notifySocket: exists(file("notify-socket"), warnings),
    // Heard only through notify-socket; without one the file does nothing (tsinit check says so).
    watchdogMs: readUint(file("watchdog-ms"), DEFAULT_CONFIG.watchdogMs, INT_MAX, warnings),
  };
  return { ok: true, config, warnings };
}
