// Directories PID 1 writes in on behalf of a service whose user may own them
// (a log dir set by log/dir). A path is walked from / one component at a
// time, each opened with O_NOFOLLOW relative to its parent's fd and checked:
// a directory, owned by root or one of the trusted owners, writable by no one
// else. The fd at the end is the directory itself: names resolved in it later
// (openat, renameat, unlinkat) cannot be redirected by a swapped path. Files
// in it are opened with O_NOFOLLOW and checked after the open (one link, a
// regular file of a trusted owner): neither a symlink nor a hard link a user
// planted can make root write into a file of the user's choosing.
import * as sys from ".";
import { codeOf, errnoError } from "./errors";
import type { NativeStat } from "./native-types";

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_ISVTX = 0o1000;

/** Who may own a directory or file on the way: root and these uids. */
export type Owners = readonly number[];

const trusted = (uid: number, owners: Owners) => uid === 0 || owners.includes(uid);

/** Why someone outside OWNERS could change entries of directory ST; "" when no one can. */
export function dirUnsafeReason(path: string, st: NativeStat, owners: Owners): string {
  if ((st.mode & S_IFMT) !== S_IFDIR) return `${path} is not a directory`;
  if (!trusted(st.uid, owners))
    return `${path} belongs to uid ${st.uid}, not root${owners.some((u) => u !== 0) ? ` or uid ${owners.filter((u) => u !== 0).join(", ")}` : ""}`;
  // A sticky dir (/tmp) lets others add entries but not rename or remove
  // ours, and the next component's owner is checked in turn. A group-writable
  // dir whose group is root's gives nobody else anything.
  if ((st.mode & S_ISVTX) !== 0) return "";
  if ((st.mode & 0o002) !== 0) return `${path} is writable by everyone`;
  if ((st.mode & 0o020) !== 0 && st.gid !== 0) return `${path} is writable by group ${st.gid}`;
  return "";
}

/** Why file ST must not be written by root for OWNERS; "" when it may. */
export function fileUnsafeReason(path: string, st: NativeStat, owners: Owners): string {
  if ((st.mode & S_IFMT) !== S_IFREG) return `${path} is not a regular file`;
  if (st.nlink !== 1) return `${path} has ${st.nlink} links`;
  if (!trusted(st.uid, owners)) return `${path} belongs to uid ${st.uid}`;
  return "";
}

const unsafe = (syscall: string, path: string, why: string) => errnoError("EUNSAFE", syscall, path, `unsafe: ${why}`);

const DIR_FLAGS = () => {
  const c = sys.constants();
  return c.O_RDONLY! | c.O_DIRECTORY! | c.O_NOFOLLOW! | c.O_CLOEXEC!;
};

// As the kernel's own limit on symlinks in one lookup.
const MAX_LINKS = 40;

/** Opens the absolute directory PATH as described above, making missing
 *  components with createMode when given. A symlink on the way is followed
 *  only where it sits in a directory root owns and no one else can write
 *  (an image's /var/log -> /run/log): no other user could have made or
 *  changed it; the target is walked and checked in turn. Throws an errno
 *  error (EUNSAFE with the reason as message when a component fails a check). */
export function openCheckedDir(path: string, owners: Owners, createMode?: number): number {
  let target = path;
  for (let links = 0; links <= MAX_LINKS; links++) {
    const walked = walk(target, path, owners, createMode);
    if (typeof walked === "number") return walked;
    target = walked.next;
  }
  throw errnoError("ELOOP", "open", path);
}

/** Walks PATH from /: the directory's fd, or where to walk instead (a root-owned symlink was met). */
function walk(path: string, asked: string, owners: Owners, createMode?: number): number | { next: string } {
  if (!path.startsWith("/")) throw errnoError("EINVAL", "open", asked, `not an absolute path: ${asked}`);
  const flags = DIR_FLAGS();
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  let fd = sys.open("/", flags, 0);
  let at = "";
  try {
    let dir = check(fd, "/", owners);
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part === "..") throw unsafe("open", asked, `${path} has a .. component`);
      const parent = at === "" ? "/" : at;
      at = `${at}/${part}`;
      let next: number;
      try {
        next = sys.openat(fd, part, flags, 0);
      } catch (e) {
        const code = codeOf(e);
        if ((code === "ELOOP" || code === "ENOTDIR") && isRootsOnly(dir)) {
          const link = readLink(fd, part);
          if (link !== null) return { next: joinPath(link.startsWith("/") ? link : `${parent}/${link}`, parts.slice(i + 1)) };
        }
        if (code !== "ENOENT" || createMode === undefined) throw withPath(e, at);
        try {
          sys.mkdirat(fd, part, createMode);
        } catch (e2) {
          if (codeOf(e2) !== "EEXIST") throw withPath(e2, at);
        }
        next = sys.openat(fd, part, flags, 0);
      }
      sys.close(fd);
      fd = next;
      dir = check(fd, at, owners);
    }
    return fd;
  } catch (e) {
    sys.close(fd);
    throw e;
  }
}

// Root's and writable by no one else, so its entries are root's choice.
const isRootsOnly = (st: NativeStat) => st.uid === 0 && (st.mode & 0o022) === 0;

function readLink(dirfd: number, name: string): string | null {
  try {
    return sys.readlinkat(dirfd, name);
  } catch {
    return null; // not a symlink: the open's own error stands
  }
}

// Normalised as text: the result is walked and checked from / again, so a
// ".." taken through a symlink can only lead to another checked directory.
function joinPath(base: string, rest: string[]): string {
  const out: string[] = [];
  for (const p of [...base.split("/"), ...rest]) {
    if (p === "" || p === ".") continue;
    if (p === "..") out.pop();
    else out.push(p);
  }
  return `/${out.join("/")}`;
}

function check(fd: number, path: string, owners: Owners): NativeStat {
  const st = sys.fstat(fd);
  const why = dirUnsafeReason(path, st, owners);
  if (why) throw unsafe("open", path, why);
  return st;
}

// The addon names only the component; the log line wants the whole path.
function withPath(e: unknown, path: string): unknown {
  if (e && typeof e === "object" && "path" in e) {
    const err = e as { path?: string; message?: string };
    if (err.message && err.path) err.message = err.message.replace(`'${err.path}'`, `'${path}'`);
    err.path = path;
  }
  return e;
}

/** Opens NAME in checked directory DIRFD for appending (created 0640 when
 *  missing), refusing a symlink (ELOOP), a fifo, a device, a hard link and a
 *  file of an untrusted owner. Returns the fd and the size. */
export function openAppendAt(dirfd: number, dirPath: string, name: string, owners: Owners, mode = 0o640): { fd: number; size: number } {
  const c = sys.constants();
  const path = `${dirPath}/${name}`;
  let fd: number;
  try {
    fd = sys.openat(dirfd, name, c.O_WRONLY! | c.O_APPEND! | c.O_CREAT! | c.O_NOFOLLOW! | c.O_NONBLOCK! | c.O_CLOEXEC!, mode);
  } catch (e) {
    throw withPath(e, path);
  }
  try {
    const st = sys.fstat(fd);
    const why = fileUnsafeReason(path, st, owners);
    if (why) throw unsafe("open", path, why);
    return { fd, size: st.size };
  } catch (e) {
    sys.close(fd);
    throw e;
  }
}
