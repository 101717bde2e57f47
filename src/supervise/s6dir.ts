// The s6 2.11 on-disk face of one supervised directory: supervise/ (0700)
// with lock (fcntl write lock, so s6-svok sees us), control (a fifo we hold
// open read+write so it never reports EOF), status (35 bytes, written to
// status.new then renamed), and the event/ fifodir (03730) that s6-svwait
// listens on. The same layout serves a scan dir's .s6-svscan/.
import { mkdirSync, readdirSync, chmodSync, statSync, unlinkSync } from "node:fs";
import { native } from "../sys/load";
import { unwatchAndClose } from "../sys";
import { writeAtomic } from "../sys/write-atomic";

/** The supervise/ files are replaced whole (sys/write-atomic.ts). */
export { writeAtomic };
import { codeOf, errnoError } from "../sys/errors";
import { isFifo } from "../sys/file-kind";

/** The open handles of one supervise/ (or .s6-svscan/) directory. */
export interface ControlDir {
  dir: string;
  lockFd: number;
  controlFd: number;
  /** dir was made just now: nothing of an earlier supervisor is in it */
  fresh: boolean;
}

/** Creates dir (0700) with lock and control, takes the lock, opens the fifo.
 *  Throws an error with code "ELOCKED" (no libc errno: fcntl said the lock
 *  is taken, not that it failed) when another supervisor holds the lock. */
export function openControlDir(dir: string, onControl: (bytes: Buffer) => void): ControlDir {
  const sys = native();
  const c = sys.constants;
  const fresh = mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined;
  const lockFd = sys.open(`${dir}/lock`, c.O_WRONLY! | c.O_CREAT! | c.O_CLOEXEC!, 0o644);
  try {
    if (!sys.lockWrite(lockFd)) {
      throw errnoError("ELOCKED", "fcntl", `${dir}/lock`, `${dir}/lock is held by another supervisor`);
    }
    const control = `${dir}/control`;
    // Made first, looked at only when something is there already (a restart
    // of the supervisor): a fresh directory costs one syscall here.
    try {
      sys.mkfifo(control, 0o600);
    } catch (e) {
      if (codeOf(e) !== "EEXIST") throw e;
      if (!isFifo(control)) {
        try {
          unlinkSync(control);
        } catch {
          /* gone meanwhile */
        }
        sys.mkfifo(control, 0o600);
      }
    }
    const controlFd = sys.open(control, c.O_RDWR! | c.O_NONBLOCK! | c.O_CLOEXEC!, 0);
    sys.watchReadable(controlFd, (fd) => {
      for (;;) {
        const chunk = sys.read(fd, 4096);
        if (chunk === null || chunk.length === 0) return;
        onControl(chunk);
      }
    });
    return { dir, lockFd, controlFd, fresh };
  } catch (e) {
    sys.close(lockFd);
    throw e;
  }
}

/** Stops reading the control fifo and releases the lock (closing drops it). */
export function closeControlDir(cd: ControlDir): void {
  unwatchAndClose(cd.controlFd);
  try {
    native().close(cd.lockFd);
  } catch {
    /* already */
  }
}

/** s6-svok: someone holds a write lock on supervise/lock. Missing → false.
 *  The holder may be in a pid namespace we cannot see, so "held" is any non-zero answer. */
export function isSupervised(servicedir: string): boolean {
  const sys = native();
  const c = sys.constants;
  let fd: number;
  try {
    fd = sys.open(`${servicedir}/supervise/lock`, c.O_RDONLY! | c.O_CLOEXEC!, 0);
  } catch (e) {
    const code = codeOf(e);
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw e;
  }
  try {
    return sys.lockHolder(fd) !== 0;
  } finally {
    sys.close(fd);
  }
}

/** Creates the fifodir if missing, as ftrigw_fifodir_make does: 0700 first,
 *  then 03730, so anyone in the group may add a fifo but only its owner may
 *  remove it. The supervisor's event/ and a listener's fifodir alike. */
export function ensureFifodir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if (codeOf(e) === "EEXIST") return;
    throw e;
  }
  chmodSync(dir, 0o3730);
}

/** What one fifodir looked like when it last had no listener: its mtime then
 *  (null: not known to be quiet). A listener that comes later adds its fifo,
 *  which moves the mtime; so while it stays, the directory needs no reading
 *  (one stat instead of open, fstat, two getdents and close, for each of the
 *  two or three events of every restart). */
export interface QuietFifodir {
  emptyAt: bigint | null;
}

/** How old the fifodir's mtime must be before it is trusted: a fifo made in
 *  the same clock tick as the change we saw could leave the mtime as it was
 *  (timestamps come from a coarse clock); one made after a change this old cannot. */
const QUIET_TRUST_NS = 1_000_000_000n;

const isQuiet = (names: string[], mtime: bigint) =>
  !names.some((n) => n.startsWith("ftrig1:@")) && mtime >= 0n && mtime < BigInt(Date.now()) * 1_000_000n - QUIET_TRUST_NS;

/** Sends event letters to every listener in the fifodir (s6's ftrig protocol):
 *  each `ftrig1:@*` fifo is opened non-blocking; one that has lost its reader
 *  (ENXIO, EPIPE) is removed. Listeners never slow the supervisor down.
 *  quiet: this fifodir's state, kept by the caller, to skip reading it while no one listens. */
export function broadcastEvent(dir: string, letters: string, quiet?: QuietFifodir): void {
  let names: string[];
  let mtime = -1n;
  try {
    if (quiet) {
      mtime = statSync(dir, { bigint: true }).mtimeNs;
      if (mtime === quiet.emptyAt) return; // unchanged since it was seen without listeners
    }
    names = readdirSync(dir);
  } catch {
    return;
  }
  if (quiet) quiet.emptyAt = isQuiet(names, mtime) ? mtime : null;
  const sys = native();
  const c = sys.constants;
  const bytes = Buffer.from(letters, "latin1");
  for (const name of names) {
    if (!name.startsWith("ftrig1:@")) continue;
    const path = `${dir}/${name}`;
    let fd = -1;
    try {
      fd = sys.open(path, c.O_WRONLY! | c.O_NONBLOCK! | c.O_CLOEXEC!, 0);
      sys.write(fd, bytes);
    } catch (e) {
      const code = codeOf(e);
      if (code === "ENXIO" || code === "EPIPE") {
        try {
          unlinkSync(path);
        } catch {
          /* raced with its owner */
        }
      }
    } finally {
      if (fd >= 0) sys.close(fd);
    }
  }
}
