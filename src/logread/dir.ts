// Reading a log dir that another user may own (an s6-log run as a service's
// user, a built-in logger's log/dir) as root, without trusting its entries:
// the dir is opened without following a symlink at its last component, each
// file in it through that dir fd (/proc/self/fd/N/NAME) with O_NOFOLLOW and
// O_NONBLOCK, then fstat'd: only a regular file with one link, owned by root
// or by the dir's owner, is read. A symlink to /etc/shadow, a hard link to a
// root file or a fifo is a warning naming the file, and the others are read.
// Reads are bounded: the tail of a file, backwards from its end in chunks,
// only as far as the lines asked for, and never more than a cap.
import { closeSync, constants as C, existsSync, fstatSync, openSync, readdirSync, readSync } from "node:fs";
import { logLine } from "../cli/log";
import { codeOf } from "../sys/errors";
import { splitStamp } from "./lines";

// libuv adds O_CLOEXEC to every open; named here all the same (Linux's value when fs.constants lacks it).
const O_CLOEXEC = (C as unknown as Record<string, number | undefined>).O_CLOEXEC ?? 0o2000000;
const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW | C.O_NONBLOCK | O_CLOEXEC;
const FILE_FLAGS = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK | O_CLOEXEC;
const CHUNK = 64 * 1024;
/** The most one source (its current and archives together) costs to read: more
 *  than a full built-in logger dir (10 files of 1 MiB by default). */
export const SOURCE_CAP = 16 * 1024 * 1024;

/** An open log dir: its fd, who owns it, and the path its entries are opened by. */
export interface LogDir {
  fd: number;
  path: string;
  uid: number;
  /** /proc/self/fd/N: entries resolved in this very dir, not in whatever path now names */
  via: string;
}

/** Opens DIR (not through a symlink at its last component). Throws as fs does (ENOENT, ELOOP, ENOTDIR). */
export function openLogDir(path: string): LogDir {
  const fd = openSync(path, DIR_FLAGS);
  try {
    const st = fstatSync(fd);
    const proc = `/proc/self/fd/${fd}`;
    return { fd, path, uid: st.uid, via: existsSync(proc) ? proc : path };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

export function closeLogDir(dir: LogDir): void {
  try {
    closeSync(dir.fd);
  } catch {
    /* already */
  }
}

/** The entry names of an open dir. */
export function listLogDir(dir: LogDir): string[] {
  return readdirSync(dir.via);
}

/** An open file of a log dir that passed the checks. */
export interface LogFile {
  fd: number;
  path: string;
  size: number;
  ino: number;
  mtimeMs: number;
}

/** Why a file of the dir is not read, or "" when it may be. */
function refusal(st: import("node:fs").Stats, dir: LogDir): string {
  if (!st.isFile()) return st.isFIFO() ? "a fifo, not a regular file" : "not a regular file";
  if (st.nlink !== 1) return `${st.nlink} hard links`;
  if (st.uid !== 0 && st.uid !== dir.uid) return `owned by uid ${st.uid}, neither root nor the dir's owner (uid ${dir.uid})`;
  return "";
}

/** Opens NAME in DIR for reading; null when it is not there (rotated away) or
 *  refused (said with a warning line). Throws on other errors. */
export function openLogFile(dir: LogDir, name: string): LogFile | null {
  const path = `${dir.path}/${name}`;
  let fd: number;
  try {
    fd = openSync(`${dir.via}/${name}`, FILE_FLAGS);
  } catch (e) {
    if (codeOf(e) === "ENOENT") return null;
    if (codeOf(e) === "ELOOP") return warnSkip(path, "a symbolic link");
    throw e;
  }
  const st = fstatSync(fd);
  const why = refusal(st, dir);
  if (why) {
    closeSync(fd);
    return warnSkip(path, why);
  }
  return { fd, path, size: st.size, ino: st.ino, mtimeMs: st.mtimeMs };
}

function warnSkip(path: string, why: string): null {
  logLine(`warning: not reading ${path}: ${why}`);
  return null;
}

/** How much of a file's end to read. */
export interface TailWant {
  /** enough once this many whole lines are in */
  n?: number;
  /** enough once a line older than this (ms) is in */
  since?: number | null;
  /** never more than this many bytes */
  cap: number;
}

/** The end of an open file, from a line start: what `want` needs, read
 *  backwards in chunks. cut: the cap stopped it before the start of the file
 *  and before it had enough. */
export function readTail(file: LogFile, want: TailWant): { text: string; bytes: number; cut: boolean } {
  const chunks: Buffer[] = [];
  let end = file.size;
  let bytes = 0;
  let newlines = 0;
  let enough = false;
  while (end > 0 && bytes < want.cap && !enough) {
    const len = Math.min(CHUNK, end, want.cap - bytes);
    const buf = Buffer.allocUnsafe(len);
    const got = readSync(file.fd, buf, 0, len, end - len);
    end -= len;
    bytes += len;
    chunks.unshift(buf.subarray(0, got));
    if (got < len) break; // shrank under us: what was read stays in order
    for (let i = buf.indexOf(0x0a); i >= 0 && i < got; i = buf.indexOf(0x0a, i + 1)) newlines++;
    enough = (want.n !== undefined && newlines > want.n) || (want.since != null && olderThan(buf, want.since));
  }
  let all = Buffer.concat(chunks);
  // Not from the start of the file: the first line is a piece of one.
  if (end > 0) all = all.subarray(all.indexOf(0x0a) + 1);
  return { text: all.toString("utf8"), bytes, cut: end > 0 && !enough };
}

/** Whether the first whole line in buf is stamped before since. */
function olderThan(buf: Buffer, since: number): boolean {
  const nl = buf.indexOf(0x0a);
  if (nl < 0) return false;
  const { ms } = splitStamp(buf.toString("latin1", nl + 1, Math.min(buf.length, nl + 80)));
  return ms !== null && ms < since;
}

/** Closes a file opened by openLogFile. */
export function closeLogFile(file: LogFile): void {
  try {
    closeSync(file.fd);
  } catch {
    /* already */
  }
}

/** Says once per read that a cap cut a source short. */
export function warnCut(path: string, cap: number): void {
  logLine(`warning: only the last ${Math.round(cap / 1024 / 1024)} MiB of ${path} read (use -n or --since)`);
}
