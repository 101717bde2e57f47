// The image's /etc/passwd and /etc/group, parsed here rather than through
// libc's NSS: PID 1 has no business loading NSS modules, and the files are
// the image's own (a service dir may name a user that exists only there).
// Parses are cached by (path, mtime, size, inode): a service's `user` is
// re-read before every spawn, and 1000 services must not mean 1000 parses.
import { readFileSync, statSync } from "node:fs";
import { codeOf } from "../sys/errors";

/** One /etc/passwd entry (the fields a service needs). */
export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** A parsed file, or why it could not be read (code "ENOENT" when absent). */
export type DbResult<T> = { ok: true; db: T } | { ok: false; code: string };

/** /etc/passwd by name and by uid; the first entry wins, as getpwnam/getpwuid. */
export interface PasswdDb {
  byName: Map<string, PasswdEntry>;
  byUid: Map<number, PasswdEntry>;
}

/** /etc/group: member name → the gids of the groups listing it, in file order. */
export type GroupDb = Map<string, number[]>;

/** uid_t and gid_t values setuid(2) accepts: (uid_t)-1 means "no change". */
export const MAX_ID = 2 ** 32 - 2;

const ID = /^[0-9]+$/;

function parseId(text: string): number | null {
  if (!ID.test(text)) return null;
  const n = Number(text);
  return n <= MAX_ID ? n : null;
}

/** Lines of a colon file worth reading: no blank, comment or NIS (+/-) lines. */
function records(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line[0] === "#" || line[0] === "+" || line[0] === "-") continue;
    out.push(line.split(":"));
  }
  return out;
}

/** Parses passwd text; malformed lines are skipped (libc skips them too). */
export function parsePasswd(text: string): PasswdDb {
  const db: PasswdDb = { byName: new Map(), byUid: new Map() };
  for (const f of records(text)) {
    if (f.length < 7 || f[0] === "") continue;
    const uid = parseId(f[2]);
    const gid = parseId(f[3]);
    if (uid === null || gid === null) continue;
    const entry = { name: f[0], uid, gid, home: f[5] };
    if (!db.byName.has(entry.name)) db.byName.set(entry.name, entry);
    if (!db.byUid.has(uid)) db.byUid.set(uid, entry);
  }
  return db;
}

/** Parses group text into member → gids. */
export function parseGroup(text: string): GroupDb {
  const db: GroupDb = new Map();
  for (const f of records(text)) {
    if (f.length < 4) continue;
    const gid = parseId(f[2]);
    if (gid === null) continue;
    for (const member of f[3].split(",")) {
      const name = member.trim();
      if (name === "") continue;
      const gids = db.get(name);
      if (!gids) db.set(name, [gid]);
      else if (!gids.includes(gid)) gids.push(gid);
    }
  }
  return db;
}

interface CacheEntry {
  mtimeMs: number;
  size: number;
  ino: number;
  db: unknown;
}

const cache = new Map<string, CacheEntry>();

/** FILE parsed by PARSE, from the cache while its stat is unchanged. */
function cached<T>(file: string, parse: (text: string) => T): DbResult<T> {
  try {
    const st = statSync(file);
    // A fifo or device here would block PID 1 or feed it endless bytes.
    if (!st.isFile()) return { ok: false, code: "not a regular file" };
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size && hit.ino === st.ino) return { ok: true, db: hit.db as T };
    const db = parse(readFileSync(file, "utf8"));
    cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino, db });
    return { ok: true, db };
  } catch (e) {
    cache.delete(file);
    return { ok: false, code: codeOf(e) };
  }
}

/** ETC/passwd, parsed. */
export const readPasswd = (etc: string): DbResult<PasswdDb> => cached(`${etc}/passwd`, parsePasswd);

/** ETC/group, parsed. */
export const readGroup = (etc: string): DbResult<GroupDb> => cached(`${etc}/group`, parseGroup);

/** What initgroups(3) would give NAME: GID first, then every group listing NAME. */
export function groupsOf(groups: GroupDb, name: string, gid: number): number[] {
  const out = [gid];
  for (const g of groups.get(name) ?? []) if (g !== gid) out.push(g);
  return out;
}
