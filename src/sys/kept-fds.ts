// File descriptors that must outlive an execve of PID 1: the catch-all pipe,
// each service's log pipe and notification pipe. Their children keep writing
// into them across a re-exec, so the new image must read the same pipes.
// They are kept without close-on-exec (our spawn closes every fd a child
// was not given, so nothing leaks to services) and listed in a small file on
// /run, so that even an exec from a fatal-signal handler, which runs no JS,
// leaves the new image a map of them.
import { fstatSync, readFileSync } from "node:fs";
import * as sys from ".";
import { writeAtomic } from "./write-atomic";

const kept = new Map<string, number>();
let file = "";

/** Where the map is written (RUNDIR/kept-fds.json); "" keeps it in memory only. */
export function setKeptFdsFile(path: string): void {
  file = path;
  save();
}

function save(): void {
  if (!file) return;
  const slash = file.lastIndexOf("/");
  try {
    writeAtomic(file.slice(0, slash), file.slice(slash + 1), Buffer.from(JSON.stringify(Object.fromEntries(kept)) + "\n"), 0o600);
  } catch {
    /* /run not writable: a crash then loses the pipes, a planned re-exec does not (it passes them itself) */
  }
}

/** Keeps fd across exec under key. */
export function keepFd(key: string, fd: number): void {
  sys.setCloexec(fd, false);
  kept.set(key, fd);
  save();
}

/** Lets go of key (the caller closes the fd). */
export function forgetFd(key: string): void {
  if (kept.delete(key)) save();
}

/** The fd kept under key by the previous image, if it is still open; taken over by this image. */
export function takeFd(key: string): number | undefined {
  const fd = inherited().get(key);
  if (fd === undefined) return undefined;
  inheritedMap!.delete(key);
  kept.set(key, fd);
  save();
  return fd;
}

let inheritedMap: Map<string, number> | undefined;

/** What the previous image left (read once): only fds that are still open. */
function inherited(): Map<string, number> {
  if (inheritedMap) return inheritedMap;
  inheritedMap = new Map();
  if (!file) return inheritedMap;
  try {
    const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, number>;
    for (const [k, fd] of Object.entries(raw)) {
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

/** Reads the previous image's map before anything writes a new one. */
export function loadInheritedFds(path: string): number {
  file = path;
  return inherited().size;
}

/** Closes what the previous image kept and this one did not take over. */
export function closeUntakenFds(): void {
  for (const fd of inherited().values()) {
    try { sys.close(fd); } catch { /* already */ }
  }
  inherited().clear();
}
