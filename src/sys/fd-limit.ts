// The supervisor's own fd limit. One process holds ~3 fds per service
// (supervise/lock, the control fifo, /dev/null) plus two per log pipe, so the
// 1024:4096 a boot starts with runs out near 1350 services (Node raises only
// the soft limit, to the hard one). So the supervisor raises RLIMIT_NOFILE as
// far as the kernel allows: fs.nr_open when it may raise the hard limit
// (root), else the hard limit. Its children must not inherit that: every
// spawn gives back the limits this process started with unless the caller
// sets its own (a service's rlimits/nofile). A re-exec inherits the raised
// limit, so the original travels to the new image in the environment.
import { readFileSync } from "node:fs";
import { native } from "./load";

/** Carries the original [soft, hard] across a re-exec; removed at once. */
export const NOFILE_ENV = "TSINIT_NOFILE";

/** What children get, once raiseNofile has run; null before (nothing raised). */
let original: [number, number] | null = null;
/** Our own limits as raiseNofile or restoreNofile left them (only this file
 *  sets them): childNofile compares with these instead of a getrlimit at
 *  every spawn (1000 of them to start 1000 services). */
let ours: [number, number] | null = null;

const RLIMIT_NOFILE = () => native().constants.RLIMIT_NOFILE!;
const fromNative = (v: number) => (v < 0 ? Infinity : v);
const toNative = (v: number) => (v === Infinity ? -1 : v);

function current(): [number, number] {
  const [soft, hard] = native().getrlimit(RLIMIT_NOFILE());
  return [fromNative(soft), fromNative(hard)];
}

function set(soft: number, hard: number): void {
  native().setrlimit(RLIMIT_NOFILE(), toNative(soft), toNative(hard));
}

/** "SOFT:HARD" as written by nofileEnv, or null. */
function parsePair(text: string | undefined): [number, number] | null {
  const m = /^(\d+|Infinity):(\d+|Infinity)$/.exec(text ?? "");
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** The kernel's ceiling for a hard nofile (fs.nr_open), or 0 when unknown (no /proc). */
function nrOpen(): number {
  try {
    const n = Number(readFileSync("/proc/sys/fs/nr_open", "utf8").trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

const show = ([soft, hard]: [number, number]) => `${soft}:${hard}`;

/** Raises this process's nofile as far as allowed; returns what it did, for the boot log. */
export function raiseNofile(env: NodeJS.ProcessEnv = process.env): string {
  const inherited = parsePair(env[NOFILE_ENV]);
  delete env[NOFILE_ENV];
  const now = current();
  original = inherited ?? now;
  const ceiling = nrOpen();
  try {
    if (ceiling > now[1]) set(ceiling, ceiling);
    else if (now[0] < now[1]) set(now[1], now[1]);
  } catch {
    // Not allowed to raise the hard limit (not root): the soft one is ours to raise.
    try {
      set(now[1], now[1]);
    } catch {
      /* keep what we have */
    }
  }
  ours = current();
  return `${show(ours)}; services get ${show(original)}`;
}

/** The [soft, hard] nofile children get, when it differs from ours; else null. */
export function childNofile(): [number, number] | null {
  if (!original || !ours) return null;
  return ours[0] === original[0] && ours[1] === original[1] ? null : original;
}

/** The nofile a child would inherit from us: the original, or our own. */
export function inheritedNofile(): [number, number] {
  return original ?? current();
}

/** `TSINIT_NOFILE=SOFT:HARD` for the environment of our own re-exec. */
export function nofileEnv(): string[] {
  return original ? [`${NOFILE_ENV}=${show(original)}`] : [];
}

/** Gives this process its original limits back, before it execs something else. */
export function restoreNofile(): void {
  if (!childNofile()) return;
  try {
    set(original![0], original![1]);
  } catch {
    /* exec with what we have */
  }
  ours = current();
}

/** Grows this process's fd table to hold about `upTo` fds now, in one step,
 *  through a copy of `fd` (one we hold) placed there and closed. The kernel
 *  otherwise doubles the table as fds are opened, and each growth of a table
 *  shared by threads waits for an RCU grace period (synchronize_rcu in
 *  expand_fdtable): three waits of ~8 ms each on the JS thread to start 1000
 *  services here. The table never shrinks; at ~3 fds a service it costs
 *  ~24 bytes a service. Over the limit (or fd not open): it grows as it goes. */
export function reserveFdTable(fd: number, upTo: number): void {
  try {
    native().close(native().dupAtLeast(fd, upTo));
  } catch {
    /* only a saving lost */
  }
}
