// Reading services for `tsinit status`: is DIR a service dir or a scan dir
// (the services a scan dir holds are supervise/scandir.ts's scanServices),
// and, per service, the s6-svok lock test, supervise/status, and what it
// depends on and waits for (supervise/waiting, written by tsinit's dep gate).
import { lstatSync, statSync } from "node:fs";
import { readHead } from "../sys/read-head";
import { readWaitingFile } from "../supervise/dep-gate";
import { readNotifyStatus } from "../supervise/notify-socket";
import type { Waiting } from "../s6/deps";
import { readDependencies } from "../supervise/deps-read";
import { reason } from "../cli/log";
import { decodeStatus } from "../s6/status-file";
import { readUsage, supervisorNames } from "./status-cgroup";
import type { ServiceReport } from "./status-format";
import { codeOf, errnoError } from "../sys/errors";
import { isSupervised } from "../supervise/s6dir";
import { scanServices } from "../supervise/scandir";
import { decodeRecord, RECORD_FILE, RECORD_MAX, type ServiceRecord } from "../supervise/service-record";

// An entry, not what it points to: a run that is a dangling link or a
// symlink loop still makes a service dir (whose run cannot start), not a
// scan dir (existsSync would say "absent" for ELOOP).
const hasEntry = (path: string): boolean => lstatSync(path, { throwIfNoEntry: false }) !== undefined;

/** A service dir has ./run or ./supervise; anything else is read as a scan dir. */
export function isServiceDir(dir: string): boolean {
  return hasEntry(`${dir}/run`) || hasEntry(`${dir}/supervise`);
}

/** "run: ELOOP" when ./run is there but cannot be reached (a loop, a dangling link), else undefined. */
function runProblem(dir: string): string | undefined {
  try {
    statSync(`${dir}/run`);
    return undefined;
  } catch (e) {
    return hasEntry(`${dir}/run`) ? `run: ${codeOf(e)}` : undefined;
  }
}

/** One service's report. Errors reading the status land in report.error,
 *  so one broken service does not hide the others. */
export function readService(name: string, path: string): ServiceReport {
  // Unreadable dependency files are the supervisor's to report; status shows what it can read.
  const report: ServiceReport = { name, path, supervised: false, status: null, dependencies: readDependencies(path).deps };
  report.waiting = cleanWaiting(readWaitingFile(`${path}/supervise`));
  report.notifyStatus = readNotifyStatus(`${path}/supervise`);
  report.runProblem = runProblem(path);
  try {
    report.supervised = isSupervised(path);
  } catch (e) {
    // Not "not supervised": a user who may not read root's supervise/ cannot tell.
    report.unreadable = true;
    report.error = `supervise/lock: ${reason(e)}`;
    return report;
  }
  try {
    // Non-blocking and bounded: a fifo or a huge file in a user's service dir must not hang status.
    report.status = decodeStatus(readHead(`${path}/supervise/status`, 64));
    if (!report.status && report.supervised) report.error = "supervise/status: not 35 bytes";
    if (report.supervised && report.status && report.status.pid > 0) report.usage = readUsage(report.status.pid, supervisorNames(name, path));
    if (report.supervised && report.status) report.record = readRecord(path, report.status.pid, report.status.finishing);
  } catch (e) {
    // A supervisor that just started may not have written it yet: that is "unknown", not an error.
    if (codeOf(e) !== "ENOENT") report.error = `supervise/status: ${reason(e)}`;
  }
  return report;
}

/** supervise/tsinit-record when it belongs to the status beside it: one left
 *  by an earlier tsinit in a dir s6-supervise now runs names another pid. */
function readRecord(path: string, pid: number, finishing: boolean): ServiceRecord | null {
  let record: ServiceRecord | null;
  try {
    record = decodeRecord(readHead(`${path}/supervise/${RECORD_FILE}`, RECORD_MAX));
  } catch {
    return null; // s6-supervise keeps none; status then shows what supervise/status says
  }
  if (!record) return null;
  const runPid = pid > 0 && !finishing ? pid : null;
  return record.pid === runPid ? record : null;
}

/** The file is another program's JSON: keep only string arrays, so a
 *  hand-edited or half-understood file cannot break the table. */
export function cleanWaiting(w: unknown): Waiting | null {
  if (!w || typeof w !== "object") return null;
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return { waitsFor: list((w as Waiting).waitsFor), blockedBy: list((w as Waiting).blockedBy) };
}

/** Every service DIR names: itself, or the contents of a scan dir. Throws
 *  (errno-shaped) when DIR itself cannot be read. */
export function readDir(dir: string): ServiceReport[] {
  if (!statSync(dir).isDirectory()) {
    throw errnoError("ENOTDIR", "stat", dir);
  }
  if (isServiceDir(dir)) return [readService(dir, dir)];
  const clean = dir.replace(/\/+$/, "") || "/";
  return scanServices(clean).map((s) => readService(s.name, s.path));
}
