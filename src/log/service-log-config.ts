// The built-in logger's settings, read from a service's log/ directory the
// way s6 service dirs are configured: one file per value, first line only.
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { reason } from "../cli/log";
import { isTimestampFormat, type TimestampFormat } from "./stamp";
import { codeOf } from "../sys/errors";
import { readHead } from "../sys/read-head";

/** Where and how one service's lines are kept. */
export interface ServiceLogConfig {
  maxSize: number;
  maxFiles: number;
  dir: string;
  timestamp: TimestampFormat;
}

/** The directory under which each service gets <root>/<name>. */
export const DEFAULT_LOG_ROOT = "/run/tsinit/log";

/** The files the built-in logger reads in log/; anything else there is not ours. */
export const LOG_FILES = ["max-size", "max-files", "dir", "timestamp"] as const;

/** The smallest value each integer setting takes. */
export const LOG_INT_MIN = { "max-size": 4096, "max-files": 1 } as const;

/** An integer setting's value, or null when it is not an integer >= MIN. */
export function logIntOf(v: string, min: number): number | null {
  return /^\d+$/.test(v) && Number(v) >= min && Number.isSafeInteger(Number(v)) ? Number(v) : null;
}

/** True when serviceDir/log is a directory without a run file: PID 1 logs the service itself. */
export function wantsBuiltinLogger(serviceDir: string): boolean {
  try {
    if (!statSync(`${serviceDir}/log`).isDirectory()) return false;
  } catch {
    return false;
  }
  try {
    statSync(`${serviceDir}/log/run`);
    return false;
  } catch (e) {
    return codeOf(e) === "ENOENT";
  }
}

function firstLine(path: string): string | null {
  try {
    return readHead(path).toString("utf8").split("\n", 1)[0]!.trim();
  } catch (e) {
    if (codeOf(e) === "ENOENT") return null;
    throw e;
  }
}

/** Reads max-size, max-files, dir and timestamp from logDir; a bad or
 *  unreadable value is a warning and its default is used (logging anyway
 *  beats not logging). A relative dir is relative to logDir, as s6-log's. */
export function readServiceLogConfig(logDir: string, name: string, root = DEFAULT_LOG_ROOT): { config: ServiceLogConfig; warnings: string[] } {
  const warnings: string[] = [];
  const config: ServiceLogConfig = { maxSize: 1 << 20, maxFiles: 10, dir: `${root}/${name}`, timestamp: "iso" };
  const read = (file: string): string | null => {
    try {
      return firstLine(`${logDir}/${file}`);
    } catch (e) {
      warnings.push(`warning: unable to read ${logDir}/${file}: ${reason(e)}: using the default`);
      return null;
    }
  };
  const int = (file: string, min: number): number | null => {
    const v = read(file);
    if (v === null) return null;
    const n = logIntOf(v, min);
    if (n !== null) return n;
    warnings.push(`warning: ${logDir}/${file}: ${JSON.stringify(v)} is not an integer >= ${min}: using the default`);
    return null;
  };
  config.maxSize = int("max-size", LOG_INT_MIN["max-size"]) ?? config.maxSize;
  config.maxFiles = int("max-files", LOG_INT_MIN["max-files"]) ?? config.maxFiles;
  const dir = read("dir");
  if (dir) config.dir = resolve(logDir, dir);
  const ts = read("timestamp");
  if (ts !== null) {
    if (isTimestampFormat(ts)) config.timestamp = ts;
    else warnings.push(`warning: ${logDir}/timestamp: ${JSON.stringify(ts)} is not iso, tai64n or none: using iso`);
  }
  return { config, warnings };
}
