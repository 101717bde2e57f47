// The scan dir's entries as the scanner keeps them: a slot per entry holds
// the service, its logger (a supervised log/run, or the built-in one for a
// log/ without run) and the pipe between them, which outlives both and a
// re-exec of PID 1 too. A slot whose setup fails for want of fds is tried
// again later; the failure is said once per directory and reason. A little
// over 250 lines: the slot's parts start, revive and drop together here.
import { lstatSync, readlinkSync } from "node:fs";
import { dirname, resolve } from "node:path";
import * as sys from "../sys";
import { codeOf } from "../sys/errors";
import { logLine, reason } from "../cli/log";
import { forgetFd, keepFd, takeFd } from "../sys/kept-fds";
import { readHead } from "../sys/read-head";
import { isDir } from "../sys/file-kind";
import { startServiceLog, type ServiceLog } from "../log/service-log";
import { wantsBuiltinLogger, DEFAULT_LOG_ROOT } from "../log/service-log-config";
import type { ScanEntry } from "./scandir";
import { Service, type ServiceHost } from "./service";
import { showWaitingFile, type DepGate } from "./dep-gate";
import { readDependencies } from "./deps-read";
import { listServiceDir, serviceUid } from "../resources/service-resources";
import { timeoutUpOf } from "./config";
import { planKey } from "./adopt";
import type { AdoptionPlan } from "./adopt-plan";

type Listing = ReturnType<typeof listServiceDir>;

/** A scan or a service's setup that ran out of fds is tried again after this
 *  (s6-svscan's DIR_RETRY_TIMEOUT): a one-shot timer, armed only then. */
export const FD_RETRY_MS = 3000;

/** EMFILE (our fd limit) or ENFILE (the system's): a shortage that passes. */
export function isFdShortage(code: string | undefined): boolean {
  return code === "EMFILE" || code === "ENFILE";
}

/** One scan-dir entry: the service, its logger and the pipe between them. */
export interface Slot {
  entry: ScanEntry;
  main?: Service;
  log?: Service;
  /** the built-in logger, for log/ without run */
  builtin?: ServiceLog;
  /** no log/: the pipe is the service's own into the catch-all (options.labelOutput) */
  labelOnly?: boolean;
  labelled?: boolean;
  pipe?: [number, number];
  /** labelled pipes into the catch-all by label: the stderr of a service
   *  with a logger ("NAME"), a logger's stdout and stderr ("NAME/log") */
  labelPipes?: Map<string, [number, number]>;
  /** inotify watch on the service dir (run appearing), -1 while its run is fine */
  wd: number;
  /** inotify watch on the dir run links into (PID 1's mirror: the image's
   *  service dir, where a chmod +x or a new run happens), -1 when none */
  srcWd?: number;
  /** the directory left the scan dir: its services are being stopped */
  removed?: boolean;
  /** a log/ made after the start was warned about */
  lateLogSaid?: boolean;
}

/** Where services without a logger write, and where built-in loggers do. */
export interface SlotOptions {
  /** stdout and stderr of services without a logger (PID 1: the catch-all pipe); default 1 and 2 */
  stdout?: number;
  stderr?: number;
  /** Services without log/ get a pipe of their own (stdout and stderr), read
   *  by this (PID 1: into the catch-all, labelled with NAME); without it they
   *  share stdout/stderr above, as under s6-svscan. */
  labelOutput?: { readLabelled(name: string, readFd: number, onEnd?: () => void): void; stopLabelled(readFd: number): void };
  /** where built-in loggers write (log/ without run): ROOT/NAME; default /run/tsinit/log */
  logRoot?: string;
}

/** What the slots need from their scanner. */
export interface SlotsHost {
  readonly gate: DepGate;
  readonly options: SlotOptions;
  /** what every service is given (the scanner itself) */
  readonly serviceHost: ServiceHost;
  /** t, q, i or b was asked */
  ending(): boolean;
  /** a shutdown began: nothing is started any more */
  frozen(): boolean;
  /** the first scan after a re-exec: pipes and processes are taken over, per plan() */
  adopting(): boolean;
  plan(): AdoptionPlan | null;
  /** the scanner's inotify fd, -1 without one */
  inotifyFd(): number;
  /** scan again in ms */
  retryIn(ms: number): void;
  /** a service was started */
  started(service: Service): void;
}

export class ScanSlots {
  private readonly slots = new Map<string, Slot>();
  private readonly wdToKey = new Map<number, string>();
  /** each started service's slot key, so that an exit finds its slot without a walk over all of them */
  private readonly serviceKeys = new WeakMap<Service, string>();
  /** dir -> why its setup failed, so a retry that fails alike says nothing */
  private readonly setupFailures = new Map<string, string>();

  constructor(private readonly host: SlotsHost) {}

  get size(): number {
    return this.slots.size;
  }

  keys(): IterableIterator<string> {
    return this.slots.keys();
  }

  get(key: string): Slot | undefined {
    return this.slots.get(key);
  }

  entries(): IterableIterator<[string, Slot]> {
    return this.slots.entries();
  }

  /** The slot (and its key) whose service or logger this is: one lookup an exit. */
  ofService(service: Service): [string, Slot] | undefined {
    const key = this.serviceKeys.get(service);
    const slot = key === undefined ? undefined : this.slots.get(key);
    return slot && (slot.main === service || slot.log === service) ? [key!, slot] : undefined;
  }

  /** The slot whose directory this inotify watch is on. */
  ofWatch(wd: number): Slot | undefined {
    const key = this.wdToKey.get(wd);
    return key ? this.slots.get(key) : undefined;
  }

  /** Supervises a new entry: its logger and pipe, the gate, the service, a watch on its dir. */
  add(entry: ScanEntry): void {
    if (this.host.ending() || this.host.frozen()) return;
    const slot: Slot = { entry, wd: -1 };
    // One read of the directory: the files below that are not in it are not opened.
    const listing = listServiceDir(entry.path);
    const has = (name: string) => !listing.ok || listing.value.includes(name);
    const hasLog = has("log") && isDir(`${entry.path}/log`);
    slot.labelOnly = !hasLog && this.host.options.labelOutput !== undefined;
    if (slot.labelOnly || hasLog) {
      try {
        slot.pipe = this.logPipe(entry.name);
      } catch (e) {
        return this.setupFailed(entry.path, e); // not in slots: the retry's scan adds it again
      }
    }
    this.slots.set(entry.key, slot);
    const deps = has("dependencies") || has("dependencies.d") ? readDependencies(entry.path) : { deps: [], source: `${entry.path}/dependencies`, problems: [] };
    for (const p of deps.problems) logLine(p);
    const held = deps.deps.length > 0;
    let waitingShown = has("supervise");
    // Into the gate before it starts: its first readiness news must find it there.
    this.host.gate.add({
      node: { name: entry.name, kind: "service", deps: deps.deps, source: deps.source },
      release: () => slot.main?.release(),
      hold: () => slot.main?.hold(),
      showWaiting: (w) => {
        // Nothing to remove unless a waiting file was written, or left by the image before (a re-exec).
        if (w === null && !waitingShown) return;
        waitingShown = w !== null;
        showWaitingFile(`${entry.path}/supervise`, w);
      },
      timeoutUpMs: has("timeout-up") ? readMillis(`${entry.path}/timeout-up`) : 0,
    });
    this.startMissing(slot, held, listing);
    if (!slot.main && !slot.log) this.drop(entry.key, slot);
  }

  /** A service whose run cannot be executed: its directory (and, for a
   *  mirrored run, the one the link points into) is watched from now on, so
   *  a new run or a chmod +x starts it at once instead of at the 10 s retry.
   *  Only such a one: a watch on every service dir cost each start a syscall
   *  or two, and an inotify record for each file the supervisor makes there.
   *  Looked up a turn later: the first start finds its problem before the
   *  slot knows the service. */
  watchForFix(service: Service): void {
    setImmediate(() => {
      const found = this.ofService(service);
      if (!found || found[1].main !== service || found[1].wd >= 0 || this.host.inotifyFd() < 0) return;
      const [key, slot] = found;
      try {
        const mask = sys.constants().IN_CREATE! | sys.constants().IN_MOVED_TO! | sys.constants().IN_ATTRIB! | sys.constants().IN_CLOSE_WRITE!;
        slot.wd = sys.inotifyAdd(this.host.inotifyFd(), slot.entry.path, mask);
        this.wdToKey.set(slot.wd, key);
        // A mirrored run is a symlink: its chmod changes the target, which a
        // watch on this dir never sees. Watch where it points too.
        const src = linkedDir(`${slot.entry.path}/run`);
        if (src !== null) {
          slot.srcWd = sys.inotifyAdd(this.host.inotifyFd(), src, mask);
          if (slot.srcWd !== slot.wd) this.wdToKey.set(slot.srcWd, key);
        }
      } catch {
        return; // no watch: the 10 s retry still works
      }
      // A fix made between the check that failed and the watch: not seen by it.
      service.poke();
    });
  }

  /** log/ made beside a service that started without one is not used until
   *  the directory is removed and added again: said once, at a rescan. */
  noticeLateLog(slot: Slot): void {
    if ((slot.pipe && !slot.labelOnly) || slot.lateLogSaid || this.host.ending()) return;
    if (!isDir(`${slot.entry.path}/log`)) return;
    slot.lateLogSaid = true;
    logLine(`warning: ${slot.entry.path}/log appeared after the service started: it will be used after the service is removed and added again`);
  }

  /** Starts what a slot lacks: its logger, then the service (the pipe between them is the slot's). */
  private startMissing(slot: Slot, held: boolean, listing?: Listing): void {
    const { entry } = slot;
    const out = this.host.options.stdout ?? 1;
    const err = this.host.options.stderr ?? 2;
    // The logger first: a service held by its dependencies still has its log ready.
    if (slot.pipe && slot.labelOnly) {
      if (!slot.labelled) this.host.options.labelOutput!.readLabelled(entry.name, slot.pipe[0]);
      slot.labelled = true;
    } else if (slot.pipe && !slot.builtin && !slot.log) {
      if (wantsBuiltinLogger(entry.path)) {
        // PID 1 reads the pipe itself; it pauses reading for up to 250 ms when
        // the disk is behind (the service blocks, as under s6-log), then drops and counts.
        try {
          slot.builtin = startServiceLog(entry.path, entry.name, slot.pipe[0], {
            root: this.host.options.logRoot ?? DEFAULT_LOG_ROOT,
            onReport: (m) => logLine(m),
            holdMs: 250,
            // Its user may own the log dir (log/dir), and no one else.
            owners: [(listing?.ok && !listing.value.includes("user") ? null : serviceUid(entry.path)) ?? 0, process.geteuid?.() ?? 0],
          });
        } catch (e) {
          this.setupFailed(`${entry.path}/log`, e);
        }
      } else {
        const logOut = this.labelPipe(slot, `${entry.name}/log`) ?? [out, err];
        slot.log = this.startService(`${entry.path}/log`, `${entry.name}/log`, { stdin: slot.pipe[0], stdout: logOut[0], stderr: logOut[1] }, false);
        if (slot.log) this.serviceKeys.set(slot.log, entry.key);
      }
    }
    if (!slot.main) {
      // Beside a logger, stderr still goes to the catch-all, labelled NAME.
      const mainErr = slot.labelOnly ? slot.pipe![1] : slot.pipe ? (this.labelPipe(slot, entry.name)?.[1] ?? err) : err;
      slot.main = this.startService(
        entry.path,
        entry.name,
        { stdin: 0, stdout: slot.pipe ? slot.pipe[1] : out, stderr: mainErr },
        held,
        slot.builtin?.config.dir,
        listing,
      );
    }
    if (slot.main) this.serviceKeys.set(slot.main, entry.key);
  }

  /** A directory still in the scan dir whose service or logger is not
   *  supervised (its supervisor exited on `x`, or its setup failed): start
   *  it again, as s6-svscan does. The other half and the pipe stay as they are. */
  revive(slot: Slot): void {
    if (slot.removed || this.host.ending()) return;
    if (slot.main && (!slot.pipe || slot.labelOnly || slot.builtin || slot.log)) return;
    // Still waiting in the gate: it starts held, and the gate releases it.
    this.startMissing(slot, this.host.gate.state(slot.entry.name) === "waiting");
  }

  // The pipe between a service and its logger outlives both, and a re-exec of
  // PID 1 too: the service and the logger keep their ends across it.
  private logPipe(name: string, kind = "log"): [number, number] {
    const r = this.host.adopting() ? takeFd(`${kind}:${name}:r`) : undefined;
    const w = this.host.adopting() ? takeFd(`${kind}:${name}:w`) : undefined;
    const pipe: [number, number] = r !== undefined && w !== undefined ? [r, w] : sys.pipe(false);
    keepFd(`${kind}:${name}:r`, pipe[0]);
    keepFd(`${kind}:${name}:w`, pipe[1]);
    return pipe;
  }

  /** The write end of the slot's pipe into the catch-all labelled LABEL (made,
   *  kept and read once); undefined without labelOutput (tsinit scan). When it
   *  cannot be made the writer gets /dev/null (-1): unlabelled output in the
   *  shared pipe could pose as another writer's. */
  private labelPipe(slot: Slot, label: string): [number, number] | undefined {
    const to = this.host.options.labelOutput;
    if (!to) return undefined;
    slot.labelPipes ??= new Map();
    let pipe = slot.labelPipes.get(label);
    if (!pipe) {
      try {
        pipe = this.logPipe(label, "err");
      } catch (e) {
        logLine(`unable to make the output pipe of ${label}: ${reason(e)}: its output goes to /dev/null`);
        return [-1, -1];
      }
      slot.labelPipes.set(label, pipe);
      to.readLabelled(label, pipe[0]);
    }
    return [pipe[1], pipe[1]];
  }

  // logDir: where the built-in logger writes its lines, for the service's record.
  // listing: dir's names, when the caller has just read them (else start() reads them).
  private startService(
    dir: string,
    name: string,
    stdio: { stdin: number; stdout: number; stderr: number },
    held: boolean,
    logDir?: string,
    listing?: Listing,
  ): Service | undefined {
    const service = new Service(dir, name, stdio, this.host.serviceHost, logDir ?? null);
    try {
      // After a re-exec the history in supervise/tsinit-record carries on.
      service.start(held, this.host.plan()?.adopt.get(planKey(dir)) ?? null, this.host.adopting(), listing);
    } catch (e) {
      service.abandon();
      this.setupFailed(dir, e);
      return undefined;
    }
    this.setupFailures.delete(dir);
    this.host.started(service);
    return service;
  }

  // Out of fds (ours or the system's) is no fault of the directory: try again
  // after a delay. Said once per directory and reason, not once per retry.
  private setupFailed(dir: string, e: unknown): void {
    const retry = isFdShortage(codeOf(e));
    const why = `${reason(e)}${retry ? `: retrying in ${FD_RETRY_MS / 1000} s` : ""}`;
    if (this.setupFailures.get(dir) !== why) logLine(`unable to supervise ${dir}: ${why}`);
    this.setupFailures.set(dir, why);
    if (retry) this.host.retryIn(FD_RETRY_MS);
  }

  /** The entry left the scan dir: its services stop (then exit, then drop). */
  remove(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    slot.removed = true;
    slot.main?.remove();
    slot.log?.remove();
  }

  /** Both services of the slot have exited: let go of its pipe, logger, watch and gate entry. */
  drop(key: string, slot: Slot): void {
    this.host.gate.remove(slot.entry.name);
    this.setupFailures.delete(slot.entry.path);
    this.setupFailures.delete(`${slot.entry.path}/log`);
    // stop() unwatches at once, so closing the pipe right after is safe.
    if (slot.builtin) void slot.builtin.stop();
    slot.builtin = undefined;
    if (slot.labelled && slot.pipe) this.host.options.labelOutput?.stopLabelled(slot.pipe[0]);
    slot.labelled = undefined;
    for (const [label, pipe] of slot.labelPipes ?? []) {
      this.host.options.labelOutput?.stopLabelled(pipe[0]);
      for (const fd of pipe) sys.close(fd);
      forgetFd(`err:${label}:r`);
      forgetFd(`err:${label}:w`);
    }
    slot.labelPipes = undefined;
    if (slot.pipe) {
      for (const fd of slot.pipe) sys.close(fd);
      forgetFd(`log:${slot.entry.name}:r`);
      forgetFd(`log:${slot.entry.name}:w`);
    }
    slot.pipe = undefined;
    for (const wd of [slot.wd, slot.srcWd ?? -1]) {
      if (wd < 0 || !this.wdToKey.has(wd)) continue;
      try {
        sys.inotifyRm(this.host.inotifyFd(), wd);
      } catch {
        /* dir gone: watch already dropped */
      }
      this.wdToKey.delete(wd);
    }
    this.slots.delete(key);
  }
}

/** The directory a symlinked file lives in (its link's target's dir), null
 *  when the file is no symlink. An lstat first: a plain run (the usual case)
 *  then costs no thrown EINVAL, which costs more than the syscall itself. */
function linkedDir(file: string): string | null {
  try {
    if (!lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink()) return null;
    return dirname(resolve(dirname(file), readlinkSync(file)));
  } catch {
    return null;
  }
}

/** A millisecond count from the first line of file; 0 when absent or invalid. */
function readMillis(file: string): number {
  try {
    return timeoutUpOf(readHead(file).toString("utf8"));
  } catch {
    return 0;
  }
}
