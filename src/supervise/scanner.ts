// Stage 2: supervises every service of a scan directory in this one process,
// as s6-svscan + s6-supervise do with one process per service. Services come
// and go with the directory (inotify, no polling) and on `a`/`h` written to
// .s6-svscan/control. A service X with X/log/ gets a logger X/log whose stdin
// is one pipe held here for as long as the pair lives, so restarts of either
// side never lose a line (the bytes wait in the pipe).
import { existsSync, statSync } from "node:fs";
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { parseSvscanControl, describeByte } from "../control/letters";
import { closeControlDir, openControlDir, type ControlDir } from "./s6dir";
import { diffScan, readScanDir, type ScanEntry } from "./scandir";
import { Service, type ServiceHost } from "./service";
import type { CgroupTree, ServiceCgroup } from "./cgroup";
import { readHead } from "./read-head";
import { DepGate, showWaitingFile } from "./dep-gate";
import { StagedStop } from "./staged-stop";
import { readDependencies } from "./deps-read";
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
  private ending: "term" | "quit" | "abort" | null = null;
  /** the shutdown in progress, dependents first */
  private staged?: StagedStop;
  readonly gate: DepGate;

  constructor(readonly scanDir: string, private readonly options: ScannerOptions = {}) {
    this.gate = options.gate ?? new DepGate();
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

  /** Stops every service and exits when all are down (s6-svscanctl -t). */
  terminate(how: "term" | "quit" = "term"): void {
    if (this.ending) return;
    this.ending = how;
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

  /** Looks at the directory again: starts new services, stops vanished ones. */
  rescan(): void {
    const { services, problems } = readScanDir(this.scanDir);
    for (const p of problems) logLine(p);
    const { added, removed } = diffScan(this.slots.keys(), services);
    for (const key of removed) this.removeSlot(key);
    for (const entry of added) this.addSlot(entry);
  }

  private addSlot(entry: ScanEntry): void {
    if (this.ending) return;
    const slot: Slot = { entry, wd: -1 };
    this.slots.set(entry.key, slot);
    const hasLog = isDir(`${entry.path}/log`);
    if (hasLog) slot.pipe = this.logPipe(entry.name);
    const deps = readDependencies(entry.path);
    for (const p of deps.problems) logLine(p);
    const held = deps.deps.length > 0;
    const out = this.options.stdout ?? 1;
    const err = this.options.stderr ?? 2;
    // Into the gate before it starts: its first readiness news must find it there.
    this.gate.add({
      node: { name: entry.name, kind: "service", deps: deps.deps, source: deps.source },
      release: () => slot.main?.release(),
      showWaiting: (w) => showWaitingFile(`${entry.path}/supervise`, w),
      timeoutUpMs: readMillis(`${entry.path}/timeout-up`),
    });
    // The logger first: a service held by its dependencies still has its log ready.
    if (hasLog && wantsBuiltinLogger(entry.path)) {
      // PID 1 reads the pipe itself; it pauses reading for up to 250 ms when
      // the disk is behind (the service blocks, as under s6-log), then drops and counts.
      slot.builtin = startServiceLog(entry.path, entry.name, slot.pipe![0], {
        root: this.options.logRoot ?? DEFAULT_LOG_ROOT,
        onReport: (m) => logLine(m),
        holdMs: 250,
      });
    } else if (hasLog) {
      slot.log = this.startService(`${entry.path}/log`, `${entry.name}/log`, { stdin: slot.pipe![0], stdout: out, stderr: err }, false);
    }
    slot.main = this.startService(entry.path, entry.name, { stdin: 0, stdout: slot.pipe ? slot.pipe[1] : out, stderr: err }, held);
    if (this.inotify >= 0) {
      try {
        slot.wd = sys.inotifyAdd(this.inotify, entry.path, sys.constants().IN_CREATE! | sys.constants().IN_MOVED_TO! | sys.constants().IN_ATTRIB! | sys.constants().IN_CLOSE_WRITE!);
        this.wdToKey.set(slot.wd, entry.key);
      } catch { /* no watch: the 10 s retry still works */ }
    }
    if (!slot.main && !slot.log) this.dropSlot(entry.key, slot);
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

  private startService(dir: string, name: string, stdio: { stdin: number; stdout: number; stderr: number }, held: boolean): Service | undefined {
    const service = new Service(dir, name, stdio, this);
    try {
      service.start(held, this.plan?.adopt.get(planKey(dir)) ?? null);
    } catch (e) {
      logLine(`unable to supervise ${dir}: ${reason(e)}`);
      return undefined;
    }
    this.live.add(service);
    return service;
  }

  private removeSlot(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    slot.main?.remove();
    slot.log?.remove();
  }

  private dropSlot(key: string, slot: Slot): void {
    this.gate.remove(slot.entry.name);
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
    if (parsed.unknown.length > 0) {
      logLine(`warning: ${this.scanDir}/.s6-svscan/control: ignoring unknown command ${parsed.unknown.map(describeByte).join(" ")}`);
    }
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
    if (this.control) closeControlDir(this.control);
    this.control = undefined;
    if (this.inotify >= 0) {
      try { sys.unwatch(this.inotify); sys.close(this.inotify); } catch { /* already */ }
      this.inotify = -1;
    }
    this.options.onFinished?.(this.ending ?? "term");
  }
}

/** A millisecond count from the first line of file; 0 when absent or invalid. */
function readMillis(file: string): number {
  try {
    const n = Number(readHead(file).toString("utf8").split("\n")[0]!.trim());
    return Number.isInteger(n) && n > 0 ? n : 0;
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
