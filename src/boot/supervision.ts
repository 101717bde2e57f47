// The start of stage 2, the same for the machine's init (init-main.ts) and
// container mode (container-main.ts): the image's scan dir mirrored to the
// live one on /run, the cgroup subtree, after a re-exec the adoption plan,
// the scanner, and a watch on the image's scan dir so that new services
// reach the mirror. Each caller says how a step is logged and what the
// scanner does when supervision ends.
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { Scanner, type ScannerOptions } from "../supervise/scanner";
import { adoptUnchecked, prepareAdoption } from "../supervise/adopt";
import { openCgroupTree, type CgroupTree } from "../cgroup/tree";
import { syncMirror } from "./mirror";
import type { TaskRecord } from "../supervise/task-record";

/** How a boot step runs: timed() logs each, container mode's quietly() only
 *  failures. A failed step (thrown, or its promise rejected) is logged and
 *  gives undefined: boot goes on. */
export interface Step {
  <T>(stage: string, what: string, fn: () => Promise<T>): Promise<T | undefined>;
  <T>(stage: string, what: string, fn: () => T): T | undefined;
}

export interface SupervisionStart {
  step: Step;
  /** the image's scan dir and its live mirror */
  scandir: string;
  live: string;
  /** re-executed: adopt the running services */
  inherited: boolean;
  /** what a pid whose death already has an owner is ("task NAME's process"), or
   *  null: adoption never takes such a pid as a service's */
  knownAs: (pid: number) => string | null;
  /** what the scanner gets besides the cgroups */
  options: Omit<ScannerOptions, "cgroups">;
  /** the scanner exists (before it starts): callers route deaths to it */
  created: (scanner: Scanner) => void;
  /** it has started (its first scan done), before the source is watched */
  started?: () => void;
  /** the image's scan dir changed */
  rescan: () => void;
}

/** Mirrors, sets up cgroups, adopts after a re-exec, starts the scanner. */
export async function startSupervision(o: SupervisionStart): Promise<void> {
  o.step("boot", `mirror ${o.scandir} to ${o.live}`, () => {
    for (const p of syncMirror(o.scandir, o.live)) logLine(p);
  });
  let cgroups: CgroupTree | null = null;
  o.step("boot", "set up cgroups", () => {
    const r = openCgroupTree();
    cgroups = r.tree;
    return r.detail;
  });
  // After a re-exec: which running processes each status truly names, and
  // the leftovers of services whose status does not hold, stopped first.
  // Without /proc to check them against, what each status names (a fresh
  // start would run a service twice); failing that too, a fresh start.
  const plan = !o.inherited
    ? null
    : ((await o.step("boot", "adopt the running services", () => prepareAdoption(o.live, o.knownAs))) ??
      o.step("boot", "adopt the running services on their status files' word, unchecked", () => adoptUnchecked(o.live, o.knownAs)) ??
      null);
  o.step("boot", "start supervision", () => {
    // scan-ctl -a on the live dir: the image's scan dir is looked at too, as on SIGHUP.
    const scanner = new Scanner(o.live, { ...o.options, cgroups, rescanLetter: o.rescan });
    o.created(scanner);
    scanner.start(plan);
    o.started?.();
    watchSource(o.scandir, o.rescan);
  });
}

/** New or removed service dirs in the image's scan dir (when it is writable) reach the mirror. */
export function watchSource(dir: string, onChange: () => void): void {
  const c = sys.constants();
  try {
    let queued = false;
    const ifd = sys.inotifyInit(
      () => {
        if (queued) return;
        queued = true;
        setImmediate(() => {
          queued = false;
          onChange();
        });
      },
      (e) => logLine(`unable to read inotify events for ${dir}: ${reason(e)}: send SIGHUP to pick up changes`),
    );
    sys.inotifyAdd(ifd, dir, c.IN_CREATE! | c.IN_DELETE! | c.IN_MOVED_FROM! | c.IN_MOVED_TO!);
  } catch (e) {
    logLine(`warning: unable to watch ${dir}: ${reason(e)}: send SIGHUP to pick up changes`);
  }
}

/** knownAs for startSupervision: tasks by name, then whatever else has an
 *  owner in deaths (a container's CMD: cmd names it). */
export function knownPids(deaths: sys.DeathRouter, tasks: readonly TaskRecord[], cmd?: { pid: number; what: string }): (pid: number) => string | null {
  return (pid) => {
    if (cmd && pid === cmd.pid && cmd.pid > 0) return cmd.what;
    const task = tasks.find((t) => t.pid === pid && t.state === "running");
    if (task) return `task ${task.name}'s process`;
    return deaths.has(pid) ? "a process this supervisor already watches" : null;
  };
}
