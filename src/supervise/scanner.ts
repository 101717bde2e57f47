// Stage 2: supervises every service of a scan directory in this one process,
// as s6-svscan + s6-supervise do with one process per service. Services come
// and go with the directory (inotify, no polling) and on `a`/`h` written to
// .s6-svscan/control. A service X with X/log/ gets a logger X/log whose stdin
// is one pipe held here for as long as the pair lives, so restarts of either
// side never lose a line (the bytes wait in the pipe).
import { existsSync, statSync } from "node:fs";
import * as sys from "../sys";
import { codeOf } from "../sys/errors";
import { logLine, reason } from "../cli/log";
import { parseSvscanControl } from "../control/letters";
import { UnknownBytesWarning } from "../control/unknown-bytes";
import { closeControlDir, openControlDir, type ControlDir } from "./s6dir";
import { diffScan, readScanDir, type ScanEntry } from "./scandir";
import { Service, type ServiceHost } from "./service";
import type { CgroupTree, ServiceCgroup } from "./cgroup";
import { readHead } from "./read-head";
import { DepGate, showWaitingFile } from "./dep-gate";
import { StagedStop } from "./staged-stop";
import { readDependencies } from "./deps-read";
import { timeoutUpOf } from "./config";
import { forgetFd, keepFd, takeFd } from "../boot/kept-fds";
import { planKey } from "./adopt";
import type { AdoptionPlan } from "./adopt-plan";
import { startServiceLog, type ServiceLog } from "../log/service-log";
import { wantsBuiltinLogger, DEFAULT_LOG_ROOT } from "../log/service-log-config";

/** One scan-dir entry: the service, its logger and the pipe between them. */
interface Slot {
  entry: ScanEntry;
  main?: Service;
  log?: Service;
  /** the built-in logger, for log/ without run */
  builtin?: ServiceLog;
  pipe?: [number, number];
  /** inotify watch on the service dir (run appearing) */
  wd: number;
  /** the directory left the scan dir: its services are being stopped */
  removed?: boolean;
}

export interface ScannerOptions {
  /** the environment services get, as "K=V" strings */
  env?: () => string[];
  /** called once every service has exited after t/q/i (or b) */
  onFinished?: (how: "term" | "quit" | "abort") => void;
  /** the dependency gate shared with the tasks; the scanner makes its own if none */
  gate?: DepGate;
  /** stdout and stderr of services without a logger (PID 1: the catch-all pipe); default 1 and 2 */
  stdout?: number;
  stderr?: number;
  /** where built-in loggers write (log/ without run): ROOT/NAME; default /run/tsinit/log */
  logRoot?: string;
  /** one cgroup per service under this subtree (PID 1 with cgroup v2); none by default */
  cgroups?: CgroupTree | null;
}

/** s6-svscan scans again 1 s after a supervisor exits, and so starts a new
 *  one for a directory still in the scan dir (after `x`). */
const SUPERVISOR_RESCAN_MS = 1000;
/** A scan or a service's setup that ran out of fds is tried again after this
 *  (s6-svscan's DIR_RETRY_TIMEOUT): a one-shot timer, armed only then. */
export const FD_RETRY_MS = 3000;

const DIR_EVENTS = ["IN_CREATE", "IN_DELETE", "IN_MOVED_FROM", "IN_MOVED_TO", "IN_ATTRIB", "IN_CLOSE_WRITE", "IN_DELETE_SELF", "IN_MOVE_SELF"];

/** The scanner of one directory. */
export class Scanner implements ServiceHost {
  private readonly slots = new Map<string, Slot>();
  private readonly pids = new Map<number, (exit: sys.Exit) => void>();
  private readonly live = new Set<Service>();

  /** the first scan after a re-exec takes over running services */
  private adopting = false;
  /** what that first scan may take over (adopt.ts checked each status) */
  private plan: AdoptionPlan | null = null;
  private control?: ControlDir;
  private inotify = -1;
  private scanWd = -1;
  private readonly wdToKey = new Map<number, string>();
  private rescanQueued = false;
  /** the one-shot rescan (after an exit, or an fd shortage) and when it is due */
  private rescanTimer?: NodeJS.Timeout;
  private rescanDue = 0;
  /** what the last failed read of the scan dir said, so it is said once */
  private scanFailure = "";
  /** dir -> why its setup failed, so a retry that fails alike says nothing */
  private readonly setupFailures = new Map<string, string>();
  /** a shutdown began: deaths are recorded, nothing is started any more */
  private frozen = false;
  private ending: "term" | "quit" | "abort" | null = null;
  /** the shutdown in progress, dependents first */
  private staged?: StagedStop;
  readonly gate: DepGate;
  /** junk on .s6-svscan/control: one line a burst, then a count a second */
  private readonly unknownBytes: UnknownBytesWarning;

  constructor(readonly scanDir: string, private readonly options: ScannerOptions = {}) {
    this.gate = options.gate ?? new DepGate();
    this.unknownBytes = new UnknownBytesWarning(`${scanDir}/.s6-svscan/control`);
  }

  /** Opens .s6-svscan/, watches the directory and starts every service;
   *  after a re-exec, takes over what the plan (prepareAdoption) allows. */
  start(plan: AdoptionPlan | null = null): void {
    this.adopting = !!plan;
    this.plan = plan;
    this.control = openControlDir(`${this.scanDir}/.s6-svscan`, (bytes) => this.onControl(bytes));
    const c = sys.constants();
    try {
      this.inotify = sys.inotifyInit((records) => this.onInotify(records));
      this.scanWd = sys.inotifyAdd(this.inotify, this.scanDir, DIR_EVENTS.reduce((m, n) => m | c[n]!, 0));
    } catch (e) {
      logLine(`warning: unable to watch ${this.scanDir}: ${reason(e)}: new services need tsinit scan-ctl -a`);
    }
    this.rescan();
    this.adopting = false;
    this.plan = null;
  }

  /** Routes a reaped death to whoever spawned that pid; orphans are just reaped. */
  reaped(exit: sys.Exit): void {
    const cb = this.pids.get(exit.pid);
    if (!cb) return;
    this.pids.delete(exit.pid);
    cb(exit);
  }

  // ---- ServiceHost ----
  watchPid(pid: number, cb: (exit: sys.Exit) => void): void {
    this.pids.set(pid, cb);
  }

  env(): string[] {
    return this.options.env ? this.options.env() : sys.envStrings(process.env);
  }

  cgroup(name: string): ServiceCgroup | null {
    return this.options.cgroups?.service(name) ?? null;
  }

  onExited(service: Service): void {
    this.live.delete(service);
    for (const [key, slot] of this.slots) {
      // `x` on a directory still there: s6-svscan starts a new supervisor at its next scan.
      const mine = slot.main === service || slot.log === service;
      if (mine && !slot.removed && !this.ending && !this.frozen) this.rescanIn(SUPERVISOR_RESCAN_MS);
      if (slot.main === service) slot.main = undefined;
      if (slot.log === service) slot.log = undefined;
      if (!slot.main && !slot.log) this.dropSlot(key, slot);
    }
    if (this.ending && this.ending !== "abort") this.staged?.advance();
    if (this.ending && this.live.size === 0) this.finish();
  }

  onReadiness(service: Service, state: "started" | "ready"): void {
    if (!service.name.endsWith("/log")) this.gate.update(service.name, state);
  }

  /** True once t, q, i or b was asked (the services are being stopped). */
  isEnding(): boolean {
    return this.ending !== null;
  }

  /** Every live service, for status and tests. */
  services(): Service[] {
    return [...this.live];
  }

  /** A shutdown began: from now on a death is recorded, never restarted, and
   *  no service is added or started again. */
  freeze(): void {
    if (this.frozen) return;
    this.frozen = true;
    this.cancelRescan();
    for (const s of this.live) s.freeze();
  }

  /** Stops every service and exits when all are down (s6-svscanctl -t). */
  terminate(how: "term" | "quit" = "term"): void {
    if (this.ending) return;
    this.ending = how;
    this.freeze();
    if (this.live.size === 0) return this.finish();
    // Dependents before what they depend on, group by group; loggers last,
    // so the last lines reach the logs.
    this.staged = new StagedStop(this.gate.stopGroups(), () => this.live);
    this.gate.close();
    this.staged.advance();
  }

  /** Sends signal to the process group of every run and finish still running
   *  (the end of a shutdown grace period). */
  killRemaining(signal: string): void {
    for (const s of this.live) {
      const pid = s.runningPid();
      if (pid <= 0) continue;
      try {
        sys.killpg(pid, signal);
      } catch {
        try { sys.kill(pid, signal); } catch { /* gone */ }
      }
    }
  }

  /** Looks at the directory again: starts new services and supervisors that
   *  exited (`x`), stops vanished ones. A directory that cannot be read keeps
   *  every service as it is: an fd shortage is not a removal. */
  rescan(): void {
    if (this.frozen) return;
    const scan = readScanDir(this.scanDir);
    if (scan.error !== undefined) return this.scanFailed(scan.error);
    this.scanFailure = "";
    for (const p of scan.problems) logLine(p);
    const { added, removed } = diffScan(this.slots.keys(), scan.services);
    // An entry that could not be stat'ed for want of fds or memory may be a running service.
    if (scan.complete) for (const key of removed) this.removeSlot(key);
    else this.rescanIn(FD_RETRY_MS);
    for (const entry of scan.services) {
      const slot = this.slots.get(entry.key);
      if (slot && !added.includes(entry)) this.revive(slot);
    }
    for (const entry of added) this.addSlot(entry);
  }

  private scanFailed(code: string): void {
    const retry = isFdShortage(code);
    const line = `unable to read ${this.scanDir}: ${code}: keeping the ${this.slots.size} services as they are${retry ? `, retrying in ${FD_RETRY_MS / 1000} s` : ""}`;
    if (code !== this.scanFailure) logLine(line);
    this.scanFailure = code;
    if (retry) this.rescanIn(FD_RETRY_MS);
  }

  /** One rescan in MS (or sooner, if one is already due sooner). */
  private rescanIn(ms: number): void {
    const due = Date.now() + ms;
    if (this.rescanTimer && this.rescanDue <= due) return;
    this.cancelRescan();
    this.rescanDue = due;
    this.rescanTimer = setTimeout(() => {
      this.rescanTimer = undefined;
      this.rescan();
    }, ms);
  }

  private cancelRescan(): void {
    if (this.rescanTimer) clearTimeout(this.rescanTimer);
    this.rescanTimer = undefined;
  }

  private addSlot(entry: ScanEntry): void {
    if (this.ending || this.frozen) return;
    const slot: Slot = { entry, wd: -1 };
    if (isDir(`${entry.path}/log`)) {
      try {
        slot.pipe = this.logPipe(entry.name);
      } catch (e) {
        return this.setupFailed(entry.path, e); // not in slots: the retry's scan adds it again
      }
    }
    this.slots.set(entry.key, slot);
    const deps = readDependencies(entry.path);
    for (const p of deps.problems) logLine(p);
    const held = deps.deps.length > 0;
    // Into the gate before it starts: its first readiness news must find it there.
    this.gate.add({
      node: { name: entry.name, kind: "service", deps: deps.deps, source: deps.source },
      release: () => slot.main?.release(),
      showWaiting: (w) => showWaitingFile(`${entry.path}/supervise`, w),
      timeoutUpMs: readMillis(`${entry.path}/timeout-up`),
    });
    this.startMissing(slot, held);
    if (this.inotify >= 0) {
      try {
        slot.wd = sys.inotifyAdd(this.inotify, entry.path, sys.constants().IN_CREATE! | sys.constants().IN_MOVED_TO! | sys.constants().IN_ATTRIB! | sys.constants().IN_CLOSE_WRITE!);
        this.wdToKey.set(slot.wd, entry.key);
      } catch { /* no watch: the 10 s retry still works */ }
    }
    if (!slot.main && !slot.log) this.dropSlot(entry.key, slot);
  }

  /** Starts what a slot lacks: its logger, then the service (the pipe between them is the slot's). */
  private startMissing(slot: Slot, held: boolean): void {
    const { entry } = slot;
    const out = this.options.stdout ?? 1;
    const err = this.options.stderr ?? 2;
    // The logger first: a service held by its dependencies still has its log ready.
    if (slot.pipe && !slot.builtin && !slot.log) {
      if (wantsBuiltinLogger(entry.path)) {
        // PID 1 reads the pipe itself; it pauses reading for up to 250 ms when
        // the disk is behind (the service blocks, as under s6-log), then drops and counts.
        try {
          slot.builtin = startServiceLog(entry.path, entry.name, slot.pipe[0], {
            root: this.options.logRoot ?? DEFAULT_LOG_ROOT,
            onReport: (m) => logLine(m),
            holdMs: 250,
          });
        } catch (e) {
          this.setupFailed(`${entry.path}/log`, e);
        }
      } else {
        slot.log = this.startService(`${entry.path}/log`, `${entry.name}/log`, { stdin: slot.pipe[0], stdout: out, stderr: err }, false);
      }
    }
    if (!slot.main) slot.main = this.startService(entry.path, entry.name, { stdin: 0, stdout: slot.pipe ? slot.pipe[1] : out, stderr: err }, held, slot.builtin?.config.dir);
  }

  /** A directory still in the scan dir whose service or logger is not
   *  supervised (its supervisor exited on `x`, or its setup failed): start
   *  it again, as s6-svscan does. The other half and the pipe stay as they are. */
  private revive(slot: Slot): void {
    if (slot.removed || this.ending) return;
    if (slot.main && (!slot.pipe || slot.builtin || slot.log)) return;
    // Still waiting in the gate: it starts held, and the gate releases it.
    this.startMissing(slot, this.gate.state(slot.entry.name) === "waiting");
  }

  // The pipe between a service and its logger outlives both, and a re-exec of
  // PID 1 too: the service and the logger keep their ends across it.
  private logPipe(name: string): [number, number] {
    const r = this.adopting ? takeFd(`log:${name}:r`) : undefined;
    const w = this.adopting ? takeFd(`log:${name}:w`) : undefined;
    const pipe: [number, number] = r !== undefined && w !== undefined ? [r, w] : sys.pipe(false);
    keepFd(`log:${name}:r`, pipe[0]);
    keepFd(`log:${name}:w`, pipe[1]);
    return pipe;
  }

  private startService(dir: string, name: string, stdio: { stdin: number; stdout: number; stderr: number }, held: boolean, logDir?: string): Service | undefined {
    const service = new Service(dir, name, stdio, this);
    service.logDir = logDir ?? null;
    try {
      service.start(held, this.plan?.adopt.get(planKey(dir)) ?? null, this.adopting);
    } catch (e) {
      service.abandon();
      this.setupFailed(dir, e);
      return undefined;
    }
    this.setupFailures.delete(dir);
    this.live.add(service);
    return service;
  }

  // Out of fds (ours or the system's) is no fault of the directory: try again
  // after a delay. Said once per directory and reason, not once per retry.
  private setupFailed(dir: string, e: unknown): void {
    const retry = isFdShortage(codeOf(e));
    const why = `${reason(e)}${retry ? `: retrying in ${FD_RETRY_MS / 1000} s` : ""}`;
    if (this.setupFailures.get(dir) !== why) logLine(`unable to supervise ${dir}: ${why}`);
    this.setupFailures.set(dir, why);
    if (retry) this.rescanIn(FD_RETRY_MS);
  }

  private removeSlot(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    slot.removed = true;
    slot.main?.remove();
    slot.log?.remove();
  }

  private dropSlot(key: string, slot: Slot): void {
    this.gate.remove(slot.entry.name);
    this.setupFailures.delete(slot.entry.path);
    this.setupFailures.delete(`${slot.entry.path}/log`);
    // stop() unwatches at once, so closing the pipe right after is safe.
    if (slot.builtin) void slot.builtin.stop();
    slot.builtin = undefined;
    if (slot.pipe) {
      for (const fd of slot.pipe) sys.close(fd);
      forgetFd(`log:${slot.entry.name}:r`);
      forgetFd(`log:${slot.entry.name}:w`);
    }
    slot.pipe = undefined;
    if (slot.wd >= 0) {
      try { sys.inotifyRm(this.inotify, slot.wd); } catch { /* dir gone: watch already dropped */ }
      this.wdToKey.delete(slot.wd);
    }
    this.slots.delete(key);
  }

  private onInotify(records: sys.NativeInotifyEvent[]): void {
    const c = sys.constants();
    for (const r of records) {
      if (r.wd === this.scanWd || r.mask & c.IN_Q_OVERFLOW!) {
        this.queueRescan();
        continue;
      }
      const key = this.wdToKey.get(r.wd);
      const slot = key ? this.slots.get(key) : undefined;
      if (!slot) continue;
      if (r.name === "run") slot.main?.poke();
      if (r.name === "log" && !slot.log && !this.ending && isDir(`${slot.entry.path}/log`)) {
        logLine(`warning: ${slot.entry.path}/log appeared after the service started: it will be used after the service is removed and added again`);
      }
    }
  }

  // Many inotify records arrive at once when services are installed in bulk:
  // one rescan after the batch, not one per record.
  private queueRescan(): void {
    if (this.rescanQueued) return;
    this.rescanQueued = true;
    setImmediate(() => {
      this.rescanQueued = false;
      this.rescan();
    });
  }

  private onControl(bytes: Buffer): void {
    const parsed = parseSvscanControl(bytes);
    this.unknownBytes.note(parsed.unknown);
    for (const letter of parsed.letters) {
      switch (letter) {
        case "a":
        case "h":
        case "n":
        case "N":
          this.rescan();
          break;
        case "z":
          break; // we reap on every SIGCHLD already
        case "t":
        case "i":
          this.terminate("term");
          break;
        case "q":
          this.terminate("quit");
          break;
        case "b":
          this.ending = "abort";
          this.finish();
          break;
      }
    }
  }

  private finish(): void {
    this.cancelRescan();
    this.unknownBytes.close();
    if (this.control) closeControlDir(this.control);
    this.control = undefined;
    if (this.inotify >= 0) {
      try { sys.unwatch(this.inotify); sys.close(this.inotify); } catch { /* already */ }
      this.inotify = -1;
    }
    this.options.onFinished?.(this.ending ?? "term");
  }
}

/** EMFILE (our fd limit) or ENFILE (the system's): a shortage that passes. */
function isFdShortage(code: string | undefined): boolean {
  return code === "EMFILE" || code === "ENFILE";
}

/** A millisecond count from the first line of file; 0 when absent or invalid. */
function readMillis(file: string): number {
  try {
    return timeoutUpOf(readHead(file).toString("utf8"));
  } catch {
    return 0;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** True when DIR looks like a scan dir we could supervise. */
export function scanDirExists(dir: string): boolean {
  return existsSync(dir) && isDir(dir);
}
