// Stage 3: from "power off" to reboot(2) (or, in a container, to exit). Each step is logged with its
// duration, and each waits on events (deaths), bounded by the grace time —
// never a sleep loop. Nothing here throws: whatever fails, the sequence goes
// on to reboot(2), and if even that fails PID 1 stays up reaping.
import { accessSync, constants as fsc, readFileSync } from "node:fs";
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { elapsed, timed, within } from "../cli/timed";
import { rebootCommand, type PowerAction } from "./actions";
import { otherProcesses } from "./procs";
import { isInitialPidNamespace } from "../sys/proc";
import type { Scanner } from "../supervise/scanner";
import { parseMountinfo, type MountInfo } from "../sys/mountinfo";

/** What stage 3 works with. */
export interface Stage3Context {
  /** from now on a service that dies stays down (the hook may kill them all) */
  freeze(): void;
  /** stops every supervised service (down-signal, then KILL after grace); resolves when all are down */
  stopServices(graceMs: number): Promise<void>;
  /** the stage-3 hook to run first, if it exists (.s6-svscan/finish of the image's scan dir) */
  hook: string;
  env: string[];
  graceMs: number;
  /** resolves on the next reaped death */
  nextDeath(): Promise<void>;
  /** register for a pid's death */
  watchPid(pid: number, cb: (exit: sys.Exit) => void): void;
  /** writes out and closes the log files, before filesystems go */
  flushLogs(): Promise<void>;
}

/** Filesystems that hold no data: left mounted (the kernel drops them). */
const API_FS = new Set([
  "proc",
  "sysfs",
  "devtmpfs",
  "devpts",
  "tmpfs",
  "cgroup",
  "cgroup2",
  "securityfs",
  "debugfs",
  "tracefs",
  "pstore",
  "bpf",
  "mqueue",
  "hugetlbfs",
  "configfs",
  "fusectl",
  "binfmt_misc",
  "autofs",
  "efivarfs",
  "ramfs",
  "nsfs",
]);

/** The processes left after the services, and how to signal them all. */
interface Leftovers {
  list(): number[];
  signal(sig: string): void;
}

/** Waits until none is left, or ms pass; true when none is left. */
async function waitForQuiet(nextDeath: () => Promise<void>, left: Leftovers, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (left.list().length > 0) {
    const rest = end - Date.now();
    if (rest <= 0) return false;
    await within(nextDeath(), rest);
  }
  return true;
}

/** TERM (+CONT, for the stopped) to what is left, KILL after the grace. */
async function terminateLeftovers(nextDeath: () => Promise<void>, graceMs: number, left: Leftovers, say = logLine): Promise<void> {
  const tKill = process.hrtime.bigint();
  // Nothing left (a container whose CMD took its children with it): one look
  // at /proc, not three (TERM, CONT, then the wait each walk it again).
  if (left.list().length === 0) return say(`shutdown: terminated remaining processes: none (${elapsed(tKill)})`);
  left.signal("SIGTERM");
  left.signal("SIGCONT");
  if (!(await waitForQuiet(nextDeath, left, graceMs))) {
    logLine(`shutdown: ${left.list().length} processes still there after ${graceMs} ms: sending KILL`);
    left.signal("SIGKILL");
    await waitForQuiet(nextDeath, left, 2000);
  }
  say(`shutdown: terminated remaining processes (${elapsed(tKill)})`);
}

async function runHook(ctx: Stage3Context, action: PowerAction): Promise<void> {
  try {
    accessSync(ctx.hook, fsc.X_OK);
  } catch {
    return;
  }
  const t0 = process.hrtime.bigint();
  let done = false;
  try {
    const pid = sys.spawn({ file: ctx.hook, argv: [ctx.hook, action], env: ctx.env, cwd: "/", setsid: true });
    ctx.watchPid(pid, () => {
      done = true;
    });
    const end = Date.now() + ctx.graceMs;
    while (!done && Date.now() < end) await within(ctx.nextDeath(), end - Date.now());
    if (!done) {
      logLine(`shutdown: ${ctx.hook} still runs after ${ctx.graceMs} ms: killing it`);
      try {
        sys.killpg(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    logLine(`shutdown: ran ${ctx.hook} (${elapsed(t0)})`);
  } catch (e) {
    logLine(`shutdown: unable to run ${ctx.hook}: ${reason(e)}`);
  }
}

function unmountAll(real: boolean): void {
  let mounts: MountInfo[];
  try {
    mounts = parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"));
  } catch (e) {
    logLine(`shutdown: unable to read /proc/self/mountinfo: ${reason(e)}`);
    mounts = [];
  }
  const c = sys.constants();
  for (const m of mounts.reverse()) {
    if (m.target === "/" || API_FS.has(m.fstype)) continue;
    try {
      sys.umount2(m.target, 0);
    } catch {
      // Busy (a process we could not kill holds it): keep it, read-only.
      remountReadOnly(m.target, real, c);
    }
  }
  remountReadOnly("/", real, c);
}

// On the machine's own PID 1 the filesystem itself goes read-only (its
// superblock), which is what leaves ext4 clean. In a pid namespace (tests,
// containers) the same call would reach the host's filesystem through the
// shared superblock, so only this namespace's mount is made read-only.
function remountReadOnly(target: string, real: boolean, c: Record<string, number>): void {
  const flags = c.MS_REMOUNT! | c.MS_RDONLY! | (real ? 0 : c.MS_BIND!);
  try {
    sys.mount("", target, "", flags, "");
    logLine(`shutdown: remounted ${target} read-only`);
  } catch (e) {
    logLine(`shutdown: unable to remount ${target} read-only: ${reason(e)}`);
  }
}

/** Runs stage 3 and calls reboot(2); returns only if reboot(2) failed. */
/** Stage 3's first step on a scanner: TERM (dependents first), then KILL to
 *  whatever is still up after GRACE ms; resolves once FINISHED has (or 2 s later). */
export async function stopScanner(scanner: Scanner | undefined, finished: Promise<void>, grace: number): Promise<void> {
  if (!scanner) return;
  scanner.terminate("term");
  if (await within(finished, grace)) return;
  // Named: the service that ignores TERM is the one to fix.
  const left = scanner.stillRunning();
  const MAX_NAMED = 10;
  const names = left.length > MAX_NAMED ? `${left.slice(0, MAX_NAMED).join(", ")} and ${left.length - MAX_NAMED} more` : left.join(", ");
  logLine(`shutdown: ${left.length === 1 ? "1 service" : `${left.length} services`} still up after ${grace} ms: sending KILL to ${names}`);
  scanner.killRemaining("SIGKILL");
  await within(finished, 2000);
}

export async function stage3(action: PowerAction, ctx: Stage3Context): Promise<void> {
  const t0 = process.hrtime.bigint();
  logLine(`shutdown: ${action} requested`);
  // As under s6-svscan, whose finish runs after supervision ended: a hook
  // that runs `kill -15 -1` must not see its victims restarted.
  ctx.freeze();
  await runHook(ctx, action);
  const tStop = process.hrtime.bigint();
  await ctx.stopServices(ctx.graceMs);
  logLine(`shutdown: stopped services (${elapsed(tStop)})`);
  // kill(-1) is only ever sent as PID 1: elsewhere it would hit every process the caller may signal.
  if (process.pid === 1) {
    await terminateLeftovers(ctx.nextDeath, ctx.graceMs, {
      list: () => otherProcesses(),
      signal: (sig) => {
        try {
          sys.kill(-1, sig);
        } catch {
          /* none left: ESRCH */
        }
      },
    });
  }
  const tFlush = process.hrtime.bigint();
  await ctx.flushLogs();
  logLine(`shutdown: flushed the logs (${elapsed(tFlush)})`);
  timed("shutdown", "sync", () => sys.sync());
  const real = isInitialPidNamespace();
  timed("shutdown", "unmount filesystems", () => unmountAll(real));
  timed("shutdown", "sync again", () => sys.sync());
  logLine(`shutdown: ${action} now (stage 3 took ${elapsed(t0)})`);
  try {
    sys.reboot(rebootCommand(action));
  } catch (e) {
    logLine(`shutdown: unable to ${action}: ${reason(e)}: staying up, reaping`);
  }
}

/** What a container's end works with: stage 3 without the hook, the
 *  filesystems and reboot(2) — the runtime owns those. */
export interface ContainerEndContext {
  stopServices(graceMs: number): Promise<void>;
  graceMs: number;
  nextDeath(): Promise<void>;
  /** our descendants still alive (the subreaper's, or all of a namespace's) */
  leftovers(): number[];
  flushLogs(): Promise<void>;
  /** where the progress lines go (a quiet container drops them); warnings always reach the log */
  say(line: string): void;
}

/** Stops the services, then what is left below us, then flushes the logs;
 *  the caller exits. Never throws. */
export async function containerEnd(why: string, ctx: ContainerEndContext): Promise<void> {
  const t0 = process.hrtime.bigint();
  ctx.say(`shutdown: ${why}`);
  try {
    const tStop = process.hrtime.bigint();
    await ctx.stopServices(ctx.graceMs);
    ctx.say(`shutdown: stopped services (${elapsed(tStop)})`);
    // Pid by pid, never kill(-1): as a subreaper that would reach every process we may signal.
    await terminateLeftovers(
      ctx.nextDeath,
      ctx.graceMs,
      {
        list: ctx.leftovers,
        signal: (sig) => {
          for (const pid of ctx.leftovers())
            try {
              sys.kill(pid, sig);
            } catch {
              /* gone */
            }
        },
      },
      ctx.say,
    );
    ctx.say(`shutdown: exiting (stage 3 took ${elapsed(t0)})`);
    await ctx.flushLogs();
  } catch (e) {
    logLine(`shutdown: ${reason(e)}`);
  }
}
