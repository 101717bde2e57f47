// The filesystem calls the rotating sink makes, all asynchronous (libuv's
// thread pool): PID 1's event loop never waits on a slow or hung disk. An
// interface so unit tests can stand in a slow or failing disk. Logs hold what
// services print (tokens, addresses): files are 0640 and directories 0750, so
// only root and the owning group read them (a file that exists keeps its mode).
import { close, fstat, mkdir, open, readdir, rename, unlink, write } from "node:fs";

const DIR_MODE = 0o750;
const FILE_MODE = 0o640;

/** What RotatingSink needs from a filesystem; every call may reject with an errno error. */
export interface SinkIo {
  /** mkdir -p with mode 0750 */
  mkdir(dir: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  /** open for appending (created 0640, close-on-exec), with its current size */
  openAppend(path: string): Promise<{ fd: number; size: number }>;
  /** one write(2): bytes written */
  write(fd: number, data: Buffer): Promise<number>;
  close(fd: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

const done = <T>(resolve: (v: T) => void, reject: (e: Error) => void) =>
  (err: Error | null, v?: T) => (err ? reject(err) : resolve(v as T));

/** SinkIo over node:fs's callback API (no FileHandle objects to be GC-closed behind our back). */
export const nodeSinkIo: SinkIo = {
  mkdir: (dir) => new Promise((res, rej) => mkdir(dir, { recursive: true, mode: DIR_MODE }, (e) => (e ? rej(e) : res()))),
  readdir: (dir) => new Promise((res, rej) => readdir(dir, done(res, rej))),
  openAppend: (path) =>
    new Promise((res, rej) =>
      open(path, "a", FILE_MODE, (e, fd) => {
        if (e) return rej(e);
        fstat(fd, (e2, st) => (e2 ? close(fd, () => rej(e2)) : res({ fd, size: st.size })));
      }),
    ),
  write: (fd, data) => new Promise((res, rej) => write(fd, data, 0, data.length, null, done(res, rej))),
  close: (fd) => new Promise((res, rej) => close(fd, (e) => (e ? rej(e) : res()))),
  rename: (from, to) => new Promise((res, rej) => rename(from, to, (e) => (e ? rej(e) : res()))),
  unlink: (path) => new Promise((res, rej) => unlink(path, (e) => (e ? rej(e) : res()))),
};
