// The filesystem calls the rotating sink makes. The directory is opened once,
// walked and checked (sys/checked-dir.ts): a log dir may belong to the
// service's user, who must not be able to point root's appends, renames or
// removals at a file of their choosing, by a symlink, a hard link or a swapped
// path. Every later name is resolved in that directory fd. Writes stay
// asynchronous (libuv's thread pool): PID 1's event loop never waits on a slow
// disk's data; the opens, renames and removals are single metadata calls.
// An interface so unit tests can stand in a slow or failing disk. Logs hold
// what services print (tokens, addresses): files are 0640 and directories
// 0750, so only root and the owning group read them (a file that exists keeps its mode).
import { close, write } from "node:fs";
import * as sys from "../sys";
import { openAppendAt, openCheckedDir, type Owners } from "../sys/checked-dir";

const DIR_MODE = 0o750;

/** What RotatingSink needs from a filesystem; every call may reject with an errno error. */
export interface SinkIo {
  /** opens (mkdir -p, 0750) and checks the directory; a handle for the calls below */
  openDir(dir: string): Promise<number>;
  readdir(dirFd: number): Promise<string[]>;
  /** opens NAME in the directory for appending (created 0640, close-on-exec), with its current size */
  openAppend(dirFd: number, dir: string, name: string): Promise<{ fd: number; size: number }>;
  /** one write(2): bytes written */
  write(fd: number, data: Buffer): Promise<number>;
  /** closes a file or a directory handle */
  close(fd: number): Promise<void>;
  rename(dirFd: number, from: string, to: string): Promise<void>;
  unlink(dirFd: number, name: string): Promise<void>;
}

const later = <T>(f: () => T): Promise<T> => new Promise((resolve) => resolve(f()));

/** SinkIo for a directory that root or one of OWNERS may own (see checked-dir). */
export function checkedSinkIo(owners: Owners = []): SinkIo {
  return {
    openDir: (dir) => later(() => openCheckedDir(dir, owners, DIR_MODE)),
    readdir: (dirFd) => later(() => sys.readdirFd(dirFd)),
    openAppend: (dirFd, dir, name) => later(() => openAppendAt(dirFd, dir, name, owners)),
    write: (fd, data) => new Promise((res, rej) => write(fd, data, 0, data.length, null, (e, n) => (e ? rej(e) : res(n)))),
    close: (fd) => new Promise((res, rej) => close(fd, (e) => (e ? rej(e) : res()))),
    rename: (dirFd, from, to) => later(() => sys.renameat(dirFd, from, dirFd, to)),
    unlink: (dirFd, name) => later(() => sys.unlinkat(dirFd, name)),
  };
}

/** For a directory only root (and this process's user) owns: the catch-all's. */
export const ownSinkIo = (): SinkIo => checkedSinkIo([process.geteuid?.() ?? 0]);
