// Puts the addon's bytes in a file root can dlopen, where no other user can
// reach it. The candidates (/dev/shm, /tmp) may be world-writable, and the
// addon is not loaded yet, so only node:fs is at hand: a predictable name
// there lets a user plant a symlink (root overwrites a file of its choice) or
// a hard link to a file of their own (root writes, then maps, what the user
// can rewrite). So: the candidate's real path must be made of directories
// owned by root or us that no one else can write (or sticky, where no one can
// rename what is ours); in it a private dir from mkdtemp (random name, 0700,
// ours, checked); in that the file with O_EXCL|O_NOFOLLOW, checked by fstat
// to be a fresh regular file of ours with one link. Where /proc is mounted
// dlopen goes through /proc/self/fd/N, the very inode written.
import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdtempSync, openSync, realpathSync, rmdirSync, unlinkSync, writeSync } from "node:fs";
import { errnoError } from "./errors";

const CREATE_NEW = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const S_ISVTX = 0o1000;

/** Why another user could swap or write dir (a real path) or one of its ancestors; "" when none can. */
function unsafeReason(dir: string, euid: number): string {
  const parts = dir.split("/").filter((p) => p !== "");
  for (let i = 0; i <= parts.length; i++) {
    const path = `/${parts.slice(0, i).join("/")}`;
    const st = lstatSync(path);
    if (!st.isDirectory()) return `${path} is not a directory`;
    if (st.uid !== 0 && st.uid !== euid) return `${path} belongs to uid ${st.uid}`;
    if ((st.mode & 0o022) !== 0 && (st.mode & S_ISVTX) === 0) return `${path} is writable by others and not sticky`;
  }
  return "";
}

/** Throws a plain error naming what is wrong with what was just made. */
function refuse(what: string): never {
  throw errnoError("EUNSAFE", "open", undefined, what);
}

/** Calls use(path) with the bytes in a private file under dir, then removes file and dir on every path. */
export function withPrivateCopy<T>(dir: string, bytes: Uint8Array, use: (path: string) => T): T {
  const euid = process.geteuid?.() ?? 0;
  const real = realpathSync(dir);
  const why = unsafeReason(real, euid);
  if (why) refuse(`unsafe: ${why}`);
  const priv = mkdtempSync(`${real}/.tsinit-`);
  try {
    const d = lstatSync(priv);
    if (!d.isDirectory() || d.uid !== euid || (d.mode & 0o077) !== 0) refuse(`unsafe: ${priv} is not a private directory`);
    const file = `${priv}/tsinit.node`;
    const fd = openSync(file, CREATE_NEW, 0o700);
    try {
      const f = fstatSync(fd);
      if (!f.isFile() || f.uid !== euid || f.nlink !== 1 || f.size !== 0) refuse(`unsafe: ${file} is not a new file of ours`);
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
      const viaFd = `/proc/self/fd/${fd}`;
      return use(existsSync(viaFd) ? viaFd : file);
    } finally {
      closeSync(fd);
      try {
        unlinkSync(file);
      } catch {
        /* never made */
      }
    }
  } finally {
    try {
      rmdirSync(priv);
    } catch {
      /* an empty 0700 dir left behind: harmless */
    }
  }
}
