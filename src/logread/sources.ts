// Where a service's lines are: the built-in logger's dir (log/ without run:
// log/dir, else LOGROOT/NAME), an s6-log's logdirs (log/run names them: to
// s6-log, a directive that starts with "." or "/" is a logdir), or, for a
// service with no log/, its labelled lines in PID 1's catch-all.
import { statSync } from "node:fs";
import { readHead } from "../sys/read-head";
import { resolve } from "node:path";
import { DEFAULT_LOG_ROOT, readServiceLogConfig, wantsBuiltinLogger } from "../log/service-log-config";
import { decodeRecord, RECORD_FILE, RECORD_MAX } from "../supervise/service-record";

/** One place to read lines from. */
export interface LogSource {
  /** the label its lines get */
  label: string;
  /** a dir with current and @TAI64N.s/.u archives */
  dir: string;
  /** read only the catch-all lines labelled with this service (a service without log/) */
  onlyLabel?: string;
}

/** s6-log's logdirs in a log/run script, resolved against logServiceDir (its cwd). */
export function s6LogDirs(script: string, logServiceDir: string): string[] {
  const dirs: string[] = [];
  for (const raw of script.split("\n")) {
    const words = raw.replace(/#.*/, "").trim().split(/\s+/);
    const at = words.findIndex((w) => w === "s6-log" || w.endsWith("/s6-log"));
    if (at < 0) continue;
    for (const w of words.slice(at + 1)) {
      if (w === ";" || w === "&&" || w === "||" || w === "|") break;
      const bare = w.replace(/^["']|["']$/g, "");
      if (bare.startsWith("/") || bare.startsWith(".")) dirs.push(resolve(logServiceDir, bare));
    }
  }
  return dirs;
}

const isDir = (path: string): boolean => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** The sources of service NAME in DIR; catchAll is PID 1's catch-all dir (null: none, as under tsinit scan). */
export function serviceSources(name: string, dir: string, logRoot: string | null, catchAll: string | null): LogSource[] {
  const logDir = `${dir}/log`;
  if (!isDir(logDir)) return catchAll ? [{ label: name, dir: catchAll, onlyLabel: name }] : [];
  if (wantsBuiltinLogger(dir)) return [{ label: name, dir: recordedLogDir(dir) ?? readServiceLogConfig(logDir, name, logRoot ?? DEFAULT_LOG_ROOT).config.dir }];
  let script = "";
  try {
    // A run script is small (a huge one is no s6-log line we would find), and
    // read non-blocking: a fifo there must not hang log or status.
    script = readHead(`${logDir}/run`, 64 * 1024).toString("utf8");
  } catch {
    /* an unreadable run names no dir */
  }
  return s6LogDirs(script, logDir).map((d) => ({ label: name, dir: d }));
}

/** Where the supervisor said its built-in logger writes for the service in
 *  DIR (supervise/tsinit-record): each tsinit scan keeps its own log root,
 *  which only it knows. Null when there is no such record or no reading it. */
function recordedLogDir(dir: string): string | null {
  try {
    return decodeRecord(readHead(`${dir}/supervise/${RECORD_FILE}`, RECORD_MAX))?.logDir ?? null;
  } catch {
    return null;
  }
}
