// spawn() with defaults: the addon takes every field positionally and
// literally; here the caller names only what differs from "inherit".
import { accessSync, constants as fsConstants } from "node:fs";
import { native } from "./load";
import type { NativeEnvBlock, NativeSpawnRequest } from "./native-types";
import { childNofile } from "./fd-limit";

/** One rlimit: resource as "NOFILE", "RLIMIT_NOFILE" or its number; Infinity or -1 = unlimited. */
export type Rlimit = [resource: number | string, soft: number, hard: number];

export interface SpawnOptions {
  /** program: a path, or a name searched in env PATH (then process.env.PATH) */
  file: string;
  /** default [file] */
  argv?: string[];
  /** default process.env; an object or complete "K=V" strings */
  env?: Record<string, string | undefined> | string[];
  /** default: stay in our cwd */
  cwd?: string;
  /** new session (default false) */
  setsid?: boolean;
  /** setpgid(0, pgid) unless setsid; 0 = own group. Default: stay in ours */
  pgid?: number;
  /** an open cgroup.procs (O_WRONLY) the child joins before anything else */
  cgroupFd?: number;
  /** a terminal fd whose foreground process group the child's group becomes */
  ttyFd?: number;
  /** child fd i = our fd fds[i], -1 = closed; all others closed. Default [0, 1, 2] (inherit stdio) */
  fds?: number[];
  umask?: number;
  uid?: number;
  gid?: number;
  groups?: number[];
  rlimits?: Rlimit[];
  nice?: number;
  /** a crash from the moment the child is about to exec carries its pid in
   *  this environment variable (NativeAddon.carryPidOnCrash) */
  carryPidAs?: string;
}

/** "K=V" strings from an env object, skipping undefined values. */
export function envStrings(env: Record<string, string | undefined>): string[] {
  return Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
}

function pathOf(env: string[]): string {
  const entry = env.find((e) => e.startsWith("PATH="));
  return entry !== undefined ? entry.slice(5) : (process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin");
}

/** The first executable `name` on env's PATH (as execvp); a name with a
 *  slash, or none found, is returned as is. PATH is looked for only then:
 *  every service's ./run is a path. */
export function resolveFile(name: string, env: string[]): string {
  if (name.includes("/")) return name;
  for (const dir of pathOf(env).split(":")) {
    const candidate = `${dir === "" ? "." : dir}/${name}`;
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return name;
}

export function rlimitNumber(resource: number | string): number {
  if (typeof resource === "number") return resource;
  const name = resource.toUpperCase().startsWith("RLIMIT_") ? resource.toUpperCase() : `RLIMIT_${resource.toUpperCase()}`;
  const n = native().constants[name];
  if (n === undefined) throw new RangeError(`unknown rlimit: ${resource}`);
  return n;
}

const limit = (v: number): number => (v === Infinity || v < 0 ? -1 : v);

/** The caller's limits, plus the nofile we started with when we raised ours
 *  (fd-limit.ts) and the caller did not set one: a child never inherits the raise. */
function childRlimits(rlimits: Rlimit[]): Array<[number, number, number]> {
  const out = rlimits.map(([r, soft, hard]): [number, number, number] => [rlimitNumber(r), limit(soft), limit(hard)]);
  const nofile = childNofile();
  const NOFILE = rlimitNumber("NOFILE");
  if (nofile && !out.some(([r]) => r === NOFILE)) out.unshift([NOFILE, limit(nofile[0]), limit(nofile[1])]);
  return out;
}

/** Each environment array the addon was given, as it made it into C
 *  strings. A supervisor passes the same array (its own environment, made
 *  once) to every service: converted once instead of at each spawn. Such
 *  arrays are never changed once made; a new environment is a new array. */
const envBlocks = new WeakMap<readonly string[], NativeEnvBlock>();

function envBlockOf(env: string[]): NativeEnvBlock {
  let block = envBlocks.get(env);
  if (!block) envBlocks.set(env, (block = native().envBlock(env)));
  return block;
}

/** The complete request the addon takes, from options with defaults applied. */
export function spawnRequest(opts: SpawnOptions): NativeSpawnRequest {
  const env = Array.isArray(opts.env) ? opts.env : envStrings(opts.env ?? process.env);
  return {
    file: resolveFile(opts.file, env),
    argv: opts.argv ?? [opts.file],
    env: envBlockOf(env),
    cwd: opts.cwd ?? "",
    setsid: opts.setsid ?? false,
    pgid: opts.pgid ?? -1,
    cgroupFd: opts.cgroupFd ?? -1,
    ttyFd: opts.ttyFd ?? -1,
    fds: opts.fds ?? [0, 1, 2],
    umask: opts.umask ?? -1,
    uid: opts.uid ?? -1,
    gid: opts.gid ?? -1,
    groups: opts.groups ?? null,
    rlimits: childRlimits(opts.rlimits ?? []),
    nice: opts.nice ?? null,
    carryPidAs: opts.carryPidAs ?? null,
  };
}

/** Starts a process; returns its pid. Its death arrives as an `exit` event.
 *  Throws an ErrnoError (syscall "execve", "chdir", ...) if it could not start. */
export function spawn(opts: SpawnOptions): number {
  return native().spawn(spawnRequest(opts));
}

/** What became of a spawnAsync: pid 0 when no child was made; error null
 *  when it exec'd. A pid with an error is a child that failed before exec
 *  (setuid, chdir, execve, ...): it has exited, and its death is still to
 *  be reaped like any other (a DeathRouter discards it, deaths.ts). */
export interface SpawnReport {
  pid: number;
  error: Error | null;
}

/** reports owed, by request id (the addon reports in the order the spawns end) */
const owed = new Map<number, (report: SpawnReport) => void>();
let listening = false;

/** how a batch of reports is handed out (wrapSpawnReports) */
let wrap = (deliver: () => void): void => deliver();

/** Runs each batch of reports inside around(deliver): e.g. to hold back
 *  writes that are no part of starting until every report of the batch is in. */
export function wrapSpawnReports(around: (deliver: () => void) => void): void {
  wrap = around;
}

/** For tests only: reports reach their owners this many ms late, as when
 *  the JS thread is busy for that long: a spawn stays in flight (its child
 *  running, its pid not yet known) for a test to act in. */
const TEST_DELAY_MS = Number(process.env.TSINIT_TEST_SPAWN_REPORT_DELAY_MS ?? 0) || 0;
/** batches held back by TEST_DELAY_MS */
const late: Array<() => void> = [];

function takeReports(ids: number[], pids: number[], errors: Array<Error | null>): void {
  if (TEST_DELAY_MS <= 0) return handOut(ids, pids, errors);
  late.push(() => handOut(ids, pids, errors));
  setTimeout(() => late.shift()?.(), TEST_DELAY_MS);
}

/** When the last batch of spawn reports was handed out (ms since the epoch), 0 before any. */
let lastReportAt = 0;

/** Spawns asked for and not yet reported, and when the last report came: a
 *  start still under way for whoever waits for start-up to settle (trim.ts). */
export function spawnActivity(): { owed: number; lastReportAt: number } {
  return { owed: owed.size, lastReportAt };
}

function handOut(ids: number[], pids: number[], errors: Array<Error | null>): void {
  lastReportAt = Date.now();
  let thrown: { e: unknown } | null = null;
  wrap(() => {
    for (let i = 0; i < ids.length; i++) {
      const cb = owed.get(ids[i]!);
      owed.delete(ids[i]!);
      // One owner's throw must not lose the reports after it: rethrown once all are out.
      try {
        cb?.({ pid: pids[i]!, error: errors[i]! });
      } catch (e) {
        thrown ??= { e };
      }
    }
  });
  if (thrown) throw (thrown as { e: unknown }).e;
}

/** Starts a process on one of the addon's spawner threads: this thread goes on while
 *  the child is made and execs. onReport runs from the event loop (or inside
 *  settleSpawns) once, with its pid or why it failed. Throws only for a bad
 *  request (TypeError) or when the thread cannot be started. */
export function spawnAsync(opts: SpawnOptions, onReport: (report: SpawnReport) => void): void {
  const n = native();
  if (!listening) n.onSpawnReport(takeReports);
  listening = true;
  owed.set(n.spawnAsync(spawnRequest(opts)), onReport);
}

/** Every spawnAsync asked for is run and reported before this returns:
 *  before an exec of this image, so each child's pid reaches its owner (and
 *  supervise/status) first. */
export function settleSpawns(): void {
  if (owed.size > 0) native().settleSpawns();
  while (late.length > 0) late.shift()!();
}
