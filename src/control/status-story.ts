// `tsinit status NAME`: the story of one service, as `systemctl status`
// tells it: its state with the absolute local start time and how long ago,
// readiness and what it means for this service, pid, restarts since boot,
// the last exit or the failed start, want-up, dependencies and what blocks
// them, its cgroup's memory and CPU, and its last log lines. Pure: the
// caller reads the reports (status-read.ts) and the log lines.
import { stampToMs } from "../s6/status-file";
import { currentNotifyStatus, decodeWaitStatus, failedText, formatDuration, stateOf, waitingNotes, type ServiceReport } from "./status-format";
import { formatBytes, formatCpu } from "./status-cgroup";
import { CRASH_LOOP_DEATHS, QUICK_DEATH_MS } from "../supervise/machine-history";
import { formatTime } from "../logread/lines";

/** What the caller found beside the service. */
export interface StoryExtras {
  /** the first dependencies (at most STORY_DEPS) with their state words (up, ready, down, task failed, missing...) */
  dependencies: Array<{ name: string; state: string }>;
  /** the last log lines as `tsinit log` prints them, oldest first, and where they came from; null when none */
  log: { source: string; lines: string[] } | null;
}

/** Dependencies named with their states; a 1 MB dependencies file says "and N more". */
export const STORY_DEPS = 10;
/** Log lines shown, as systemctl status shows them. */
export const STORY_LOG_LINES = 10;

/** "2026-11-30 14:02:03 UTC" (or "+0100"): local time, absolute. */
export function localTime(ms: number): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const off = -new Date(ms).getTimezoneOffset();
  const zone = off === 0 ? "UTC" : `${off < 0 ? "-" : "+"}${two(Math.floor(Math.abs(off) / 60))}${two(Math.abs(off) % 60)}`;
  return `${formatTime(ms, false).slice(0, 19)} ${zone}`; // to the second: the zone says whose clock
}

const at = (ms: number, now: number) => `${localTime(ms)} (${formatDuration(now - ms)} ago)`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The lines of the story, without a trailing newline. */
export function formatStory(r: ServiceReport, extras: StoryExtras, now: number): string {
  const s = r.supervised ? r.status : null;
  const rec = r.record ?? null;
  const state = stateOf(r);
  const rows: Array<[string, string]> = [];
  const up = s !== null && s.pid !== 0 && !s.finishing;

  // state: since when, in absolute local time and as a duration
  let head = state as string;
  if (s && up) head += ` (pid ${s.pid}) since ${at(stampToMs(s.stamp), now)}`;
  else if (state === "failed" && rec?.failed)
    head += ` since ${at(Date.parse(rec.failed.since), now)}: ${failedText(rec.failed)} (restart-limit; svc -u starts it again)`;
  else if (s && state !== "waiting") head += ` since ${at(stampToMs(s.stamp), now)}`;
  if (r.error) head += `: ${r.error}`;
  rows.push(["state", head]);
  if (s) rows.push(["want", s.wantUp ? "up (restarted when it dies)" : "down (not restarted)"]);
  if (rec?.startedAt && !up) rows.push(["last start", at(Date.parse(rec.startedAt), now)]);
  if (!rec && s && !up) {
    const e = decodeWaitStatus(s.waitStatus);
    rows.push(["last exit", e.signal !== null ? `signal ${e.signal}` : `exit ${e.code}`]);
  }
  if (rec) {
    const e = rec.lastExit;
    rows.push([
      "last exit",
      e
        ? `${e.signal !== null ? `killed by SIG${e.signal}` : `exit code ${e.code}`} at ${at(Date.parse(e.at), now)}`
        : "none: run never died under this supervisor",
    ]);
    if (rec.spawnError) {
      const err = rec.spawnError;
      const next = Date.parse(err.at) + err.retryInMs - now;
      rows.push([
        "start failed",
        `${err.message}, at ${at(Date.parse(err.at), now)}; retrying every ${err.retryInMs / 1000} s${s?.wantUp && next > 0 ? ` (next in ${Math.ceil(next / 1000)} s)` : ""}`,
      ]);
    }
    rows.push(["restarts", `${rec.restarts} since boot${crashLoopText(rec)}`]);
    if (rec.watchdogMs > 0) {
      const k = rec.lastWatchdogKill;
      rows.push([
        "watchdog",
        `WATCHDOG=1 due every ${rec.watchdogMs} ms; ${k ? `killed ${plural(rec.watchdogKills, "time")} since boot, last at ${at(Date.parse(k.at), now)}: no WATCHDOG=1 for ${k.ms} ms (SIGABRT, then SIGKILL)` : "never killed"}`,
      ]);
    }
  }
  rows.push(["ready", readinessText(r, now)]);
  const said = currentNotifyStatus(r);
  if (said) rows.push(["status", `${said.status} (STATUS= at ${at(Date.parse(said.at), now)})`]);
  rows.push(["depends on", dependencyText(r, extras)]);
  if (r.usage) {
    const mem = r.usage.memoryBytes === null ? "-" : formatBytes(r.usage.memoryBytes);
    rows.push(["cgroup", `${r.usage.path}: memory ${mem}, CPU ${formatCpu(r.usage.cpuUsec)}`]);
  }
  if (r.runProblem) rows.push(["problem", r.runProblem]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const out = [`${r.name} - ${r.path}`, ...rows.map(([k, v]) => `  ${k.padStart(width)}: ${v}`)];
  if (extras.log) {
    out.push("", `last ${plural(extras.log.lines.length, "log line")} (${extras.log.source}):`, ...extras.log.lines.map((l) => `  ${l}`));
  }
  return out.join("\n");
}

function crashLoopText(rec: NonNullable<ServiceReport["record"]>): string {
  const parts: string[] = [];
  if (rec.crashLoop) parts.push(`crash loop: ${CRASH_LOOP_DEATHS}+ deaths in a row, each within ${QUICK_DEATH_MS / 1000} s of its start`);
  if (rec.restartDelayMaxMs > 0) parts.push(`backoff: ${rec.delayMs / 1000} s between starts now, at most ${rec.restartDelayMaxMs / 1000} s`);
  return parts.length > 0 ? `; ${parts.join("; ")}` : "";
}

/** What "ready" means for this service, and when its dependents start. */
export function readinessText(r: ServiceReport, now: number): string {
  // Not "no (down)": a user who may not read supervise/ knows nothing of it.
  if (r.unreadable) return `unknown: ${r.error ?? "supervise/ cannot be read by this user"} (root can read it)`;
  const s = r.supervised ? r.status : null;
  const up = s !== null && s.pid !== 0 && !s.finishing;
  if (stateOf(r) === "failed") return "no (failed: not restarted); its dependents are blocked until svc -u starts it";
  const fd = r.record ? r.record.notificationFd : undefined;
  if (r.record?.notifySocket) {
    const how = "when run sends READY=1 on its NOTIFY_SOCKET (sd_notify)";
    if (up && s!.ready) return `since ${at(stampToMs(s!.readyStamp), now)} (flagged ${how}); its dependents start once it is ready`;
    return `${up ? "not yet" : "no (down)"}: flagged ${how}; its dependents wait until then`;
  }
  if (fd === null) {
    // s6's meaning, kept: without notification-fd nothing ever flags it ready.
    return `never flagged (no notification-fd, as in s6: \`tsinit wait -U\` would time out); its dependents ${up ? "started when it came up" : "start once it is up"}`;
  }
  const how = fd === undefined ? "when run writes a newline on its notification-fd" : `when run writes a newline on fd ${fd}`;
  if (up && s!.ready) return `since ${at(stampToMs(s!.readyStamp), now)} (flagged ${how}); its dependents start once it is ready`;
  if (up) return `not yet: flagged ${how}; its dependents wait until then`;
  return `no (down); flagged ${how}; its dependents wait until then`;
}

function dependencyText(r: ServiceReport, extras: StoryExtras): string {
  const all = r.dependencies ?? [];
  if (all.length === 0) return "nothing";
  const rest = all.length - extras.dependencies.length;
  const list = extras.dependencies.map((d) => `${d.name} (${d.state})`).join(", ") + (rest > 0 ? ` and ${rest} more` : "");
  const w = r.waiting;
  if (!w || (w.waitsFor.length === 0 && w.blockedBy.length === 0)) return list;
  // "blocked by" names those that will never be ready (failed, missing, in a cycle).
  return `${list}; ${waitingNotes(w)}`;
}
