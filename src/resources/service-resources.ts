// A service's own process settings, from files in its directory (user,
// rlimits/, nice, umask, env/), turned into spawn options. Re-read before
// every spawn, like the s6 files in config.ts, so an edit applies at the next
// start. A value that cannot be honoured stops the start (ok:false): running
// a service as root, or without its limits, because of a typo is worse than
// not running it. Most dirs have none of these files, so the directory is
// listed once and only the files it holds are opened.
import { reason } from "../cli/log";
import { readdirSync } from "node:fs";
import * as sys from "../sys";
import type { Rlimit, SpawnOptions } from "../sys";
import { applyEnvChanges, readEnvDir, type EnvChange } from "./envdir";
import { resolveUser } from "./service-user";
import { readHead } from "../sys/read-head";
import type { PasswdEntry } from "./userdb";

/** The spawn fields a service directory may set. */
export type ResourceOptions = Pick<SpawnOptions, "uid" | "gid" | "groups" | "rlimits" | "nice" | "umask"> & {
  /** the complete environment for run and finish */
  env: string[];
};

/** The options, or why the service must not start (a `user` that does not exist, ...). */
export type ResourcesResult = { ok: true; options: ResourceOptions; warnings: string[] } | { ok: false; problem: string; warnings: string[] };

/** Where the system facts come from (a fake etc root and limits in unit tests). */
export interface ResourceHost {
  /** the directory holding passwd and group */
  etc: string;
  /** the [soft, hard] a child of PID 1 inherits for a limit ("NOFILE"), Infinity = unlimited */
  getrlimit(name: string): [number, number];
}

// nofile: the limit we started with, not the one we raised for ourselves (sys/fd-limit.ts).
const SYSTEM: ResourceHost = { etc: "/etc", getrlimit: (name) => (name === "NOFILE" ? sys.inheritedNofile() : sys.getrlimit(name)) };

/** rlimits/ file names: the resource in lowercase, as RLIMIT_<NAME> minus the prefix. */
export const LIMIT_NAMES: readonly string[] = [
  "as",
  "core",
  "cpu",
  "data",
  "fsize",
  "locks",
  "memlock",
  "msgqueue",
  "nice",
  "nofile",
  "nproc",
  "rss",
  "rtprio",
  "rttime",
  "sigpending",
  "stack",
];
const LIMITS = new Set(LIMIT_NAMES);

/** The names this module reads; anything else in a service dir is not ours. */
const OURS = ["user", "rlimits", "nice", "umask", "env"];

type Read<T> = { ok: true; value: T } | { ok: false; problem: string };

/** A value is one short line; more than this is not read. */
const MAX_READ = 4096;

/** FILE's first line, trailing blanks dropped. Opened non-blocking: a fifo
 *  put there by mistake reads as empty instead of hanging PID 1. */
function firstLine(file: string): Read<string> {
  try {
    const text = readHead(file, MAX_READ).toString("utf8");
    const nl = text.indexOf("\n");
    return { ok: true, value: (nl < 0 ? text : text.slice(0, nl)).replace(/[ \t\r]+$/, "") };
  } catch (e) {
    return { ok: false, problem: `unable to read ${file}: ${reason(e)}` };
  }
}

/** One side of a limit: a count or unlimited (Infinity). */
function limitValue(text: string): number | null {
  if (text === "unlimited" || text === "infinity") return Infinity;
  if (!/^[0-9]+$/.test(text)) return null;
  const n = Number(text);
  // Past 2^53 a double no longer holds the exact count the file asked for.
  return n <= Number.MAX_SAFE_INTEGER ? n : null;
}

/** One rlimits/ file's `SOFT` or `SOFT:HARD`; a lone SOFT keeps PID 1's hard limit unless it exceeds it. */
export function parseLimit(name: string, line: string, file: string, host: ResourceHost): Read<Rlimit> {
  const parts = line.split(":");
  const soft = limitValue(parts[0]);
  const hard = parts.length === 2 ? limitValue(parts[1]) : null;
  if (parts.length > 2 || soft === null || (parts.length === 2 && hard === null)) {
    return { ok: false, problem: `unable to parse ${file}: ${JSON.stringify(line)} is not SOFT or SOFT:HARD (a count, unlimited or infinity)` };
  }
  const res = name.toUpperCase();
  if (hard === null) return { ok: true, value: [res, soft, Math.max(soft, host.getrlimit(res)[1])] };
  if (soft > hard) return { ok: false, problem: `unable to use ${file}: soft limit ${parts[0]} is above hard limit ${parts[1]}` };
  return { ok: true, value: [res, soft, hard] };
}

/** Every limit in DIR (rlimits/), sorted by name; unknown names are warned about and skipped. */
function readLimits(dir: string, host: ResourceHost, warnings: string[]): Read<Rlimit[]> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    return { ok: false, problem: `unable to read directory ${dir}: ${reason(e)}` };
  }
  const limits: Rlimit[] = [];
  for (const name of names.sort()) {
    if (name.startsWith(".")) continue; // .gitkeep and editors' files are not limits
    const file = `${dir}/${name}`;
    if (!LIMITS.has(name)) {
      warnings.push(`warning: ignoring ${file}: not a limit name (${LIMIT_NAMES.join(" ")})`);
      continue;
    }
    const line = firstLine(file);
    if (!line.ok) return line;
    const limit = parseLimit(name, line.value, file, host);
    if (!limit.ok) return limit;
    limits.push(limit.value);
  }
  return { ok: true, value: limits };
}

/** `nice`: a decimal -20..19. */
export function parseNice(line: string, file: string): Read<number> {
  const n = /^[+-]?[0-9]{1,3}$/.test(line) ? Number(line) : NaN;
  if (n >= -20 && n <= 19) return { ok: true, value: n };
  return { ok: false, problem: `unable to parse ${file}: ${JSON.stringify(line)} is not a nice value from -20 to 19` };
}

/** `umask`: octal 0..0777, as the shell's umask takes it (022, 0027, 7). */
export function parseUmask(line: string, file: string): Read<number> {
  const n = /^[0-7]{1,4}$/.test(line) ? parseInt(line, 8) : NaN;
  if (n <= 0o777) return { ok: true, value: n };
  return { ok: false, problem: `unable to parse ${file}: ${JSON.stringify(line)} is not an octal umask from 0 to 0777` };
}

/** BASE ("K=V") with the passwd user's USER/LOGNAME/HOME, then env/'s changes, on top. */
function buildEnv(base: string[], entry: PasswdEntry | undefined, dirChanges: EnvChange[]): string[] {
  if (!entry && dirChanges.length === 0) return base;
  const changes: EnvChange[] = [];
  for (const kv of base) {
    const eq = kv.indexOf("=");
    if (eq > 0) changes.push({ name: kv.slice(0, eq), value: kv.slice(eq + 1) });
  }
  if (entry) {
    changes.push({ name: "USER", value: entry.name }, { name: "LOGNAME", value: entry.name }, { name: "HOME", value: entry.home });
  }
  return sys.envStrings(applyEnvChanges({}, [...changes, ...dirChanges]));
}

/** DIR's names, or why they cannot be read: the one read of a service
 *  directory per spawn, which config.ts and readServiceResources share. */
export function listServiceDir(dir: string): Read<string[]> {
  try {
    return { ok: true, value: readdirSync(dir) };
  } catch (e) {
    return { ok: false, problem: `unable to read directory ${dir}: ${reason(e)}` };
  }
}

/** The uid DIR's service runs as (its `user` file), null when it runs as
 *  this process's user or the file does not resolve (the service then does
 *  not start). Besides root, the one owner trusted for its log dir. */
export function serviceUid(dir: string, host: ResourceHost = SYSTEM): number | null {
  const line = firstLine(`${dir}/user`);
  if (!line.ok) return null;
  const user = resolveUser(line.value, host.etc, `${dir}/user`);
  return user.ok ? user.user.uid : null;
}

/** Reads DIR's resource files on top of BASEENV (the global environment, "K=V"
 *  strings); LISTING is DIR's listServiceDir, read here when not given. */
export function readServiceResources(dir: string, baseEnv: string[], host: ResourceHost = SYSTEM, listing = listServiceDir(dir)): ResourcesResult {
  const warnings: string[] = [];
  const fail = (problem: string): ResourcesResult => ({ ok: false, problem, warnings });
  // Not knowing whether a `user` file is there must not mean running as root.
  if (!listing.ok) return fail(listing.problem);
  const present = new Set(OURS.filter((n) => listing.value.includes(n)));
  const options: ResourceOptions = { env: baseEnv };
  if (present.size === 0) return { ok: true, options, warnings };

  let entry: PasswdEntry | undefined;
  if (present.has("user")) {
    const file = `${dir}/user`;
    const line = firstLine(file);
    if (!line.ok) return fail(line.problem);
    const user = resolveUser(line.value, host.etc, file);
    if (!user.ok) return fail(user.problem);
    const { uid, gid, groups } = user.user;
    Object.assign(options, { uid, gid, groups });
    entry = user.user.entry;
  }
  if (present.has("rlimits")) {
    const limits = readLimits(`${dir}/rlimits`, host, warnings);
    if (!limits.ok) return fail(limits.problem);
    if (limits.value.length > 0) options.rlimits = limits.value;
  }
  for (const [name, parse] of [
    ["nice", parseNice],
    ["umask", parseUmask],
  ] as const) {
    if (!present.has(name)) continue;
    const file = `${dir}/${name}`;
    const line = firstLine(file);
    const value = line.ok ? parse(line.value, file) : line;
    if (!value.ok) return fail(value.problem);
    options[name] = value.value;
  }
  let dirChanges: EnvChange[] = [];
  if (present.has("env")) {
    const env = readEnvDir(`${dir}/env`);
    if (!env.ok) return fail(env.problem);
    for (const s of env.skipped) warnings.push(`warning: unable to set a variable from ${s}: skipped`);
    dirChanges = env.changes;
  }
  options.env = buildEnv(baseEnv, entry, dirChanges);
  return { ok: true, options, warnings };
}
