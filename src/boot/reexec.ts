// Re-executing PID 1: execve() keeps PID 1 and keeps every service as our
// child, so a new image (the same binary after a crash, or a new one after
// an upgrade) can adopt them instead of restarting them. Three roads lead
// here: `tsinit reexec` (SIGRTMIN+25, as systemd), an uncaught JS error, and
// a fatal signal (native/crash.cc execs from the handler). The environment
// tells the new image which road it came by and how many crashes it has
// seen lately: a crash loop ends in safe mode instead of spinning.
import * as sys from "../sys";

export const REEXEC_ENV = "TSINIT_REEXEC";
export const CRASHES_ENV = "TSINIT_CRASHES";
/** signal for a planned re-exec (systemd uses the same) */
export const REEXEC_SIGNAL = "SIGRTMIN+25";
/** this many crashes, each within CRASH_WINDOW_MS of the previous image's start, is a loop */
export const CRASH_LIMIT = 3;
export const CRASH_WINDOW_MS = 60_000;

/** What the previous image said about this one's start. */
export interface Inherited {
  /** "planned", "exception" or "signal" */
  reason: string;
  /** crashes in a row (0 after a planned re-exec) */
  crashes: number;
}

/** Reads and removes the re-exec variables (services must not see them); null on a first boot. */
export function takeInherited(env: NodeJS.ProcessEnv = process.env): Inherited | null {
  const reason = env[REEXEC_ENV];
  const crashes = env[CRASHES_ENV];
  delete env[REEXEC_ENV];
  delete env[CRASHES_ENV];
  if (!reason) return null;
  return { reason, crashes: Number(crashes ?? 0) || 0 };
}

/** Crash count for the next image: one more if this image crashes soon after it started, else 1. */
export function nextCrashCount(previous: Inherited | null, startedAt: number, now: number): number {
  const soon = now - startedAt < CRASH_WINDOW_MS;
  return soon && previous && previous.reason !== "planned" ? previous.crashes + 1 : 1;
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

function envWith(reason: string, crashes: number): string[] {
  const extra = [...carried].map(([k, v]) => `${k}=${v}`);
  return [...sys.envStrings(process.env), ...extra, `${REEXEC_ENV}=${reason}`, `${CRASHES_ENV}=${crashes}`, ...sys.nofileEnv()];
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

/** Arms the fatal-signal path: a crash soon after start counts toward a loop. */
export function armCrashReexec(inherited: Inherited | null, startedAt: number): void {
  // The count is fixed now, for a crash within the window; the handler cannot compute.
  const crashes = nextCrashCount(inherited, startedAt, startedAt);
  armed = { inherited, startedAt };
  sys.armCrashExec(selfPath(), selfArgv(), envWith("signal", crashes), crashLines());
}

/** Replaces this image now; returns only by throwing (exec failed). */
export function reexecNow(reason: "planned" | "exception", inherited: Inherited | null, startedAt: number): never {
  const crashes = reason === "planned" ? 0 : nextCrashCount(inherited, startedAt, Date.now());
  return sys.execve(selfPath(), selfArgv(), envWith(reason, crashes));
}
