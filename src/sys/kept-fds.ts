// File descriptors that must outlive an execve of PID 1: the catch-all pipe,
// each service's log pipe and notification pipe. Their children keep writing
// into them across a re-exec, so the new image must read the same pipes.
// They are kept without close-on-exec (our spawn closes every fd a child
// was not given, so nothing leaks to services) and listed in a small file on
// /run, so that even an exec from a fatal-signal handler, which runs no JS,
// leaves the new image a map of them.
//
// The file is a log, one JSON value per line: ["key",fd] keeps, ["key",null]
// lets go. Each change is one O_APPEND write(2) made before keepFd returns,
// so the map on disk is never behind what PID 1 has done since (a crash
// right after a service's status names its new pid still finds that run's
// pipes), and a scan of 1000 services costs 2000 small writes, not 2000
// rewrites of a growing file. When dead lines outnumber live ones the log is
// rewritten whole (atomically) and appending starts again.
import { closeSync, constants, fstatSync, openSync, readFileSync, writeSync } from "node:fs";
import * as sys from ".";
import { writeAtomic } from "./write-atomic";

const kept = new Map<string, number>();
let file = "";
/** appending fd on file, -1 until the next rewrite opens it */
let logFd = -1;
/** lines in the file now */
let logLines = 0;

const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW;

/** Where the map is written (RUNDIR/kept-fds.json); "" keeps it in memory only. */
export function setKeptFdsFile(path: string): void {
  file = path;
  rewrite();
}

const line = (key: string, fd: number | null): string => JSON.stringify([key, fd]) + "\n";

/** Every fd this image is answerable for: kept, and inherited but not yet taken or closed. */
function live(): Map<string, number> {
  return inheritedMap?.size ? new Map([...inheritedMap, ...kept]) : kept;
}

function rewrite(): void {
  if (logFd >= 0) closeQuietly(logFd);
  logFd = -1;
  if (!file) return;
  const entries = live();
  const slash = file.lastIndexOf("/");
  try {
    writeAtomic(file.slice(0, slash), file.slice(slash + 1), Buffer.from([...entries].map(([k, fd]) => line(k, fd)).join("")), 0o600);
    logFd = openSync(file, APPEND);
    logLines = entries.size;
  } catch {
    /* /run not writable: a crash then loses the pipes, a planned re-exec does not (it passes them itself) */
  }
}

function record(key: string, fd: number | null): void {
  if (!file) return;
  // The live count without building live(): inherited keys move to kept as they are taken.
  if (logFd < 0 || logLines > 2 * (kept.size + (inheritedMap?.size ?? 0)) + 64) return rewrite();
  try {
    writeSync(logFd, line(key, fd));
    logLines++;
  } catch {
    rewrite();
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* already */
  }
}

/** Keeps fd across exec under key. */
export function keepFd(key: string, fd: number): void {
  sys.setCloexec(fd, false);
  kept.set(key, fd);
  record(key, fd);
}

/** Lets go of key (the caller closes the fd). */
export function forgetFd(key: string): void {
  if (kept.delete(key)) record(key, null);
}

/** The fd kept under key by the previous image, if it is still open; taken over by this image. */
export function takeFd(key: string): number | undefined {
  const fd = inherited().get(key);
  if (fd === undefined) return undefined;
  inheritedMap!.delete(key);
  kept.set(key, fd);
  return fd;
}

let inheritedMap: Map<string, number> | undefined;

/** The map a file holds: this image's log of lines, or the whole JSON object older images wrote. */
export function parseKeptFds(text: string): Map<string, number> {
  const map = new Map<string, number>();
  if (text.startsWith("{")) {
    for (const [k, fd] of Object.entries(JSON.parse(text) as Record<string, number>)) map.set(k, fd);
    return map;
  }
  for (const raw of text.split("\n")) {
    if (!raw) continue;
    let entry: unknown;
    try {
      entry = JSON.parse(raw);
    } catch {
      continue; /* a torn last line */
    }
    if (!Array.isArray(entry) || typeof entry[0] !== "string") continue;
    if (typeof entry[1] === "number") map.set(entry[0], entry[1]);
    else map.delete(entry[0]);
  }
  return map;
}

/** What the previous image left (read once): only fds that are still open. */
function inherited(): Map<string, number> {
  if (inheritedMap) return inheritedMap;
  inheritedMap = new Map();
  if (!file) return inheritedMap;
  try {
    for (const [k, fd] of parseKeptFds(readFileSync(file, "utf8"))) {
      try {
        fstatSync(fd);
        inheritedMap.set(k, fd);
      } catch {
        /* closed by the exec: it had close-on-exec after all */
      }
    }
  } catch {
    /* no map: a first boot */
  }
  return inheritedMap;
}

/** Reads the previous image's map, then starts this image's log (which still lists them). */
export function loadInheritedFds(path: string): number {
  file = path;
  inheritedMap = undefined;
  const n = inherited().size;
  rewrite();
  return n;
}

/** Closes what the previous image kept and this one did not take over. */
export function closeUntakenFds(): void {
  // A number the previous image listed but did not pass on may since be one
  // of the spawner threads' slots (taken at the addon's load): it is ours now.
  const slots = new Set(sys.native().spawnSlots());
  for (const fd of inherited().values()) if (!slots.has(fd)) closeQuietly(fd);
  inherited().clear();
  rewrite();
}
