// Re-executing PID 1: execve() keeps PID 1 and keeps every service as our
// child, so a new image (the same binary after a crash, or a new one after
// an upgrade) can adopt them instead of restarting them. Three roads lead
// here: `tsinit reexec` (SIGRTMIN+25, as systemd), an uncaught JS error, and
// a fatal signal (native/crash.cc execs from the handler). The environment
// tells the new image which road it came by, the old image's crash count and
// when it started; the new image counts: crashes each within a window of the
// start before are a loop, which ends in safe mode instead of spinning, and
// an image that ran for the window starts the count over.
import * as sys from "../sys";

export const REEXEC_ENV = "TSINIT_REEXEC";
export const CRASHES_ENV = "TSINIT_CRASHES";
/** when the image that re-executed started, in ms of CLOCK_MONOTONIC (one
 *  clock for the whole boot, so an exec cannot skew it, nor a clock set) */
export const STARTED_ENV = "TSINIT_STARTED";
/** signal for a planned re-exec (systemd uses the same) */
export const REEXEC_SIGNAL = "SIGRTMIN+25";
/** this many crashes, each within the window of the previous image's start, is a loop */
export const CRASH_LIMIT = 3;
/** the default window (--crash-window): an image that ran this long before it crashed starts the count over */
export const CRASH_WINDOW_MS = 60_000;

/** What the previous image said about this one's start. */
export interface Inherited {
  /** "planned", "exception" or "signal" */
  reason: string;
  /** crashes in a row, this one's included, each soon after the start before it (0 after a planned re-exec) */
  crashes: number;
}

/** What the previous image wrote: why it re-executed, its own count, its start. */
export interface Carried {
  reason: string;
  /** the crashed image's own Inherited.crashes */
  crashes: number;
  /** its start (STARTED_ENV); null from an image that counted for us (older ones did) */
  startedMs: number | null;
}

/** Now on CLOCK_MONOTONIC (libuv's hrtime), in ms. */
export const monotonicMs = (): number => Number(process.hrtime.bigint() / 1_000_000n);

/** When this image was exec'd, in monotonicMs (process.uptime counts from there). */
export const imageStartMs = (): number => Math.round(monotonicMs() - process.uptime() * 1000);

/** This image's count: a crash within windowMs of the crashed image's start
 *  adds one to its count; a later one (it ran that long) is the first again.
 *  The crashed image cannot count for us: a fatal signal's handler runs no
 *  JS, and the time of the crash is now, within the exec's cost. */
export function crashesNow(c: Carried, nowMs: number, windowMs: number): number {
  if (c.reason === "planned") return 0;
  if (c.startedMs === null) return c.crashes;
  return nowMs - c.startedMs < windowMs ? c.crashes + 1 : 1;
}

/** Reads and removes the re-exec variables (services must not see them); null on a first boot. */
export function takeInherited(windowMs = CRASH_WINDOW_MS, env: NodeJS.ProcessEnv = process.env, nowMs = monotonicMs()): Inherited | null {
  const reason = env[REEXEC_ENV];
  const crashes = Number(env[CRASHES_ENV] ?? 0) || 0;
  const started = env[STARTED_ENV];
  delete env[REEXEC_ENV];
  delete env[CRASHES_ENV];
  delete env[STARTED_ENV];
  if (!reason) return null;
  const startedMs = started !== undefined && /^\d+$/.test(started) ? Number(started) : null;
  return { reason, crashes: crashesNow({ reason, crashes, startedMs }, nowMs, windowMs) };
}

/** True when the crashes seen say: stop re-executing, go to safe mode. */
export function isCrashLoop(inherited: Inherited | null): boolean {
  return !!inherited && inherited.reason !== "planned" && inherited.crashes >= CRASH_LIMIT;
}

/** The binary to exec: our own path (after an upgrade in place, the new file). */
export function selfPath(): string {
  const p = process.execPath;
  return p.startsWith("/") ? p : "/sbin/init";
}

/** argv for the new image: the name we were called by and our arguments. */
export function selfArgv(): string[] {
  return [process.argv0 || "init", ...process.argv.slice(2)];
}

// State the new image needs beyond the service dirs (a container's CMD pid),
// passed in the environment: not in process.env, which services inherit.
const carried = new Map<string, string>();
let armed: { inherited: Inherited | null; startedAt: number } | null = null;

/** The next image's environment: this image's count and start, which it counts from. */
function envWith(reason: string, inherited: Inherited | null, startedAt: number): string[] {
  const extra = [...carried].map(([k, v]) => `${k}=${v}`);
  const own = [`${REEXEC_ENV}=${reason}`, `${CRASHES_ENV}=${inherited?.crashes ?? 0}`, `${STARTED_ENV}=${startedAt}`];
  return [...sys.envStrings(process.env), ...extra, ...own, ...sys.nofileEnv()];
}

/** Hands name=value (null: nothing) to the next image; re-arms the fatal-signal path. */
export function carry(name: string, value: string | null): void {
  if (value === null) carried.delete(name);
  else carried.set(name, value);
  if (armed) armCrashReexec(armed.inherited, armed.startedAt);
}

/** What the previous image carried under name, removed from the environment. */
export function takeCarried(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[name];
  delete env[name];
  return v;
}

/** The signals that would kill PID 1 (and so panic the kernel) and that a
 *  re-exec survives: faults in our own code or Node's, and V8's out-of-memory,
 *  which ends in abort(). */
export const FATAL_SIGNALS = ["SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL", "SIGFPE"];

/** What the handler says for each (it runs no JS: the lines are made now). */
export function crashLines(): { signals: number[]; lines: string[]; failLine: string } {
  const signals = FATAL_SIGNALS.map((name) => sys.signalNumber(name));
  // "tsinit:" whatever name we run under, as the handler always said.
  return {
    signals,
    lines: signals.map((n) => `tsinit: fatal signal ${n}: re-executing to keep process 1 alive\n`),
    failLine: "tsinit: unable to re-execute after a fatal signal\n",
  };
}

/** Arms the fatal-signal path. startedAt: this image's start (monotonicMs). */
export function armCrashReexec(inherited: Inherited | null, startedAt: number): void {
  armed = { inherited, startedAt };
  sys.armCrashExec(selfPath(), selfArgv(), envWith("signal", inherited, startedAt), crashLines());
}

/** Replaces this image now; returns only by throwing (exec failed). */
export function reexecNow(reason: "planned" | "exception", inherited: Inherited | null, startedAt: number): never {
  // A run whose spawn is in flight gets its pid into supervise/status first,
  // so the new image adopts it instead of stopping it as a leftover.
  try {
    sys.settleSpawns();
  } catch {
    /* a report's handler threw: the exec matters more; adoption stops what it cannot place */
  }
  return sys.execve(selfPath(), selfArgv(), envWith(reason, inherited, startedAt));
}
