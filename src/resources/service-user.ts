// A service dir's `user` file: NAME, UID or UID:GID, turned into the ids
// run and finish are started with. Anything that does not resolve is a
// reason not to start: a typo must never leave a service running as root.
import { plainReason } from "../sys/errors";
import { groupsOf, MAX_ID, readGroup, readPasswd, type PasswdEntry } from "./userdb";

/** Who to run as; `entry` when the user came from passwd (for USER, LOGNAME, HOME). */
export interface ServiceUser {
  uid: number;
  gid: number;
  groups: number[];
  entry?: PasswdEntry;
}

export type UserResult = { ok: true; user: ServiceUser } | { ok: false; problem: string };

const NUMERIC = /^([0-9]+)(?::([0-9]+))?$/;
// No colon (the passwd separator), no blanks, no slash; leading '-' is an option to most tools.
const NAME = /^[^\s:/-][^\s:/]*$/;

function id(text: string): number | null {
  const n = Number(text);
  return n <= MAX_ID ? n : null;
}

/** The ids for VALUE (the file's first line), with passwd and group read from ETC; FILE names the file in problems. */
export function resolveUser(value: string, etc: string, file: string): UserResult {
  const numeric = NUMERIC.exec(value);
  if (numeric) return byNumber(numeric[1], numeric[2], etc, file);
  if (!NAME.test(value)) return { ok: false, problem: `unable to parse ${file}: ${JSON.stringify(value)} is not NAME, UID or UID:GID` };
  const passwd = readPasswd(etc);
  if (!passwd.ok) return { ok: false, problem: `unable to read ${etc}/passwd: ${plainReason(passwd.code)} (${file})` };
  const entry = passwd.db.byName.get(value);
  if (!entry) return { ok: false, problem: `unable to find user ${value} in ${etc}/passwd (${file})` };
  return withGroups(entry, etc, file);
}

function byNumber(uidText: string, gidText: string | undefined, etc: string, file: string): UserResult {
  const uid = id(uidText);
  const gid = gidText === undefined ? uid : id(gidText);
  if (uid === null || gid === null) return { ok: false, problem: `unable to parse ${file}: ids go up to ${MAX_ID}` };
  if (gidText !== undefined) return { ok: true, user: { uid, gid, groups: [gid] } };
  // A bare UID borrows its passwd entry's group and groups when it has one.
  const passwd = readPasswd(etc);
  if (!passwd.ok && passwd.code !== "ENOENT") return { ok: false, problem: `unable to read ${etc}/passwd: ${plainReason(passwd.code)} (${file})` };
  const entry = passwd.ok ? passwd.db.byUid.get(uid) : undefined;
  if (!entry) return { ok: true, user: { uid, gid: uid, groups: [uid] } };
  return withGroups(entry, etc, file);
}

function withGroups(entry: PasswdEntry, etc: string, file: string): UserResult {
  const group = readGroup(etc);
  // No /etc/group is a valid image (the primary group still applies); an unreadable one is not.
  if (!group.ok && group.code !== "ENOENT") return { ok: false, problem: `unable to read ${etc}/group: ${plainReason(group.code)} (${file})` };
  const groups = group.ok ? groupsOf(group.db, entry.name, entry.gid) : [entry.gid];
  return { ok: true, user: { uid: entry.uid, gid: entry.gid, groups, entry } };
}
