// Stage 2: supervises every service of a scan directory in this one process,
// as s6-svscan + s6-supervise do with one process per service. Services come
// and go with the directory (inotify, no polling) and on `a`/`h` written to
// .s6-svscan/control. A service X with X/log/ gets a logger X/log whose stdin
// is one pipe held here for as long as the pair lives, so restarts of either
// side never lose a line (the bytes wait in the pipe). The entries (slots)
// are scan-slots.ts; when to scan again is rescan-timer.ts. A little over 250
// lines: what starts, stops and ends supervision is kept in one class.
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { parseSvscanControl, type SvscanLetter } from "../s6/letters";
import { UnknownBytesWarning } from "./unknown-bytes";
import { closeControlDir, openControlDir, type ControlDir } from "./s6dir";
import { diffScan, readScanDir, scanDirExists } from "./scandir";
import type { Service, ServiceHost } from "./service";
import type { CgroupTree, ServiceCgroup } from "../cgroup/tree";
import { DepGate } from "./dep-gate";
import { StagedStop } from "./staged-stop";
import type { AdoptionPlan } from "./adopt-plan";
import { ServiceFiles } from "./service-files";
import { RescanTimer } from "./rescan-timer";
import { deathCode, type Failure } from "./on-failure";
import { FD_RETRY_MS, isFdShortage, ScanSlots, type SlotOptions } from "./scan-slots";

export { FD_RETRY_MS, scanDirExists };

export interface ScannerOptions extends SlotOptions {
  /** the environment services get, as "K=V" strings */
  env?: () => string[];
  /** called once every service has exited after t/q/i (or b) */
  onFinished?: (how: "term" | "quit" | "abort") => void;
  /** the dependency gate shared with the tasks; the scanner makes its own if none */
  gate?: DepGate;
  /** who gets each death (PID 1 shares its own with the scanner); a private one by default */
  deaths?: sys.DeathRouter;
  /** one cgroup per service under this subtree (PID 1 with cgroup v2); none by default */
  cgroups?: CgroupTree | null;
  /** what `a` and `h` on .s6-svscan/control do instead of a plain rescan
   *  (PID 1: mirror the image's scan dir first, as SIGHUP does) */
  rescanLetter?: () => void;
  /** a service became failed (restart-limit): PID 1 or the container acts on its on-failure */
  onFailed?: (failure: Failure) => void;
}

/** s6-svscan scans again 1 s after a supervisor exits, and so starts a new
 *  one for a directory still in the scan dir (after `x`). */
const SUPERVISOR_RESCAN_MS = 1000;
/** A big scan grows the fd table after this many starts, which fit in the
 *  table tsinit has by then (256: ~64 fds open, most the spawn slots'). */
const RESERVE_AFTER = 12;
const DIR_EVENTS = ["IN_CREATE", "IN_DELETE", "IN_MOVED_FROM", "IN_MOVED_TO", "IN_ATTRIB", "IN_CLOSE_WRITE", "IN_DELETE_SELF", "IN_MOVE_SELF"];

/** The scanner of one directory. */
export class Scanner implements ServiceHost {
  private readonly slots: ScanSlots;
  private readonly live = new Set<Service>();
  private readonly deaths: sys.DeathRouter;

  /** the first scan after a re-exec takes over running services */
  private adopting = false;
  /** what that first scan may take over (adopt.ts checked each status) */
  private plan: AdoptionPlan | null = null;
  private control?: ControlDir;
  private inotify = -1;
  private scanWd = -1;
  private readonly rescans = new RescanTimer(() => this.rescan());
  /** what the last failed read of the scan dir said, so it is said once */
  private scanFailure = "";
  /** a shutdown began: deaths are recorded, nothing is started any more */
  private frozen = false;
  private ending: "term" | "quit" | "abort" | null = null;
  /** the shutdown in progress, dependents first */
  private staged?: StagedStop;
  readonly gate: DepGate;
  /** process.env as strings, for services when options.env is not given */
  private ownEnv?: string[];
  /** junk on .s6-svscan/control: one line a burst, then a count a second */
  private readonly unknownBytes: UnknownBytesWarning;

  constructor(
    readonly scanDir: string,
    private readonly options: ScannerOptions = {},
  ) {
    this.gate = options.gate ?? new DepGate();
    this.slots = new ScanSlots({
      gate: this.gate,
      options,
      serviceHost: this,
      ending: () => this.ending !== null,
      frozen: () => this.frozen,
      adopting: () => this.adopting,
      plan: () => this.plan,
      inotifyFd: () => this.inotify,
      retryIn: (ms) => this.rescans.in(ms),
      started: (service) => this.live.add(service),
    });
    this.deaths = options.deaths ?? new sys.DeathRouter();
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
      this.inotify = sys.inotifyInit(
        (records) => this.onInotify(records),
        (e) => {
          logLine(`unable to read inotify events for ${this.scanDir}: ${reason(e)}: new services need tsinit scan-ctl -a`);
        },
      );
      this.scanWd = sys.inotifyAdd(
        this.inotify,
        this.scanDir,
        DIR_EVENTS.reduce((m, n) => m | c[n]!, 0),
      );
    } catch (e) {
      logLine(`warning: unable to watch ${this.scanDir}: ${reason(e)}: new services need tsinit scan-ctl -a`);
    }
    this.rescan();
    this.adopting = false;
    this.plan = null;
  }

  /** Routes a reaped death to whoever spawned that pid; orphans are just reaped. */
  reaped(exit: sys.Exit): void {
    this.deaths.route(exit);
  }

  // ---- ServiceHost ----
  watchPid(pid: number, cb: (exit: sys.Exit) => void): void {
    this.deaths.watchPid(pid, cb);
  }

  cannotStart(service: Service): void {
    this.slots.watchForFix(service);
  }

  expectSpawn(): sys.SpawnTicket {
    return this.deaths.expectSpawn();
  }

  spawnReported(ticket: sys.SpawnTicket, pid: number, cb: ((exit: sys.Exit) => void) | null): void {
    this.deaths.spawnReported(ticket, pid, cb);
  }

  env(): string[] {
    // Without options.env (tsinit scan) the environment is the scanner's own,
    // which nothing changes once it runs: made into strings once, not once a
    // spawn (each read of process.env asks libc, ~80 us a spawn for 30 variables).
    return this.options.env ? this.options.env() : (this.ownEnv ??= sys.envStrings(process.env));
  }

  cgroup(name: string): ServiceCgroup | null {
    return this.options.cgroups?.service(name) ?? null;
  }

  onExited(service: Service): void {
    this.live.delete(service);
    const found = this.slots.ofService(service);
    if (found) {
      const [key, slot] = found;
      // `x` on a directory still there: s6-svscan starts a new supervisor at its next scan.
      if (!slot.removed && !this.ending && !this.frozen) this.rescans.in(SUPERVISOR_RESCAN_MS);
      if (slot.main === service) slot.main = undefined;
      if (slot.log === service) slot.log = undefined;
      if (!slot.main && !slot.log) this.slots.drop(key, slot);
    }
    if (this.ending && this.ending !== "abort") this.staged?.advance(service);
    if (this.ending && this.live.size === 0) this.finish();
  }

  onFailed(service: Service): void {
    const death = service.current.history.lastDeath;
    this.options.onFailed?.({ what: service.name, dir: service.dir, code: death ? deathCode(death.status) : 0 });
  }

  onReadiness(service: Service, state: "started" | "ready" | "failed"): void {
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
    this.rescans.cancel();
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

  /** The names of the services whose run or finish still runs, with its pid. */
  stillRunning(): string[] {
    return [...this.live].filter((s) => s.runningPid() > 0).map((s) => `${s.name} (pid ${s.runningPid()})`);
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
        try {
          sys.kill(pid, signal);
        } catch {
          /* gone */
        }
      }
    }
  }

  /** Looks at the directory again: starts new services and supervisors that
   *  exited (`x`), stops vanished ones. A directory that cannot be read keeps
   *  every service as it is: an fd shortage is not a removal. */
  rescan(): void {
    if (this.frozen) return;
    // Every service of the scan is spawned before any record is written.
    ServiceFiles.deferWrites(() => this.rescanNow());
  }

  private rescanNow(): void {
    const scan = readScanDir(this.scanDir);
    if (scan.error !== undefined) return this.scanFailed(scan.error);
    this.scanFailure = "";
    for (const p of scan.problems) logLine(p);
    const { added, removed } = diffScan(this.slots.keys(), scan.services);
    // An entry that could not be stat'ed for want of fds or memory may be a running service.
    if (scan.complete) for (const key of removed) this.slots.remove(key);
    else this.rescans.in(FD_RETRY_MS);
    for (const entry of scan.services) {
      const slot = this.slots.get(entry.key);
      if (!slot || added.includes(entry)) continue;
      this.slots.revive(slot);
      this.slots.noticeLateLog(slot);
    }
    // ~3 fds a service (lock, control fifo, a pipe's ends): the table made
    // that large at once, not doubled in steps that each wait on the kernel.
    // After the first few starts, so that their spawns are on the way while
    // the JS thread waits.
    const control = added.length >= 32 ? this.control : null;
    const fdsWanted = 3 * (this.slots.size + added.length) + 64;
    added.forEach((entry, i) => {
      if (control && i === RESERVE_AFTER) sys.reserveFdTable(control.lockFd, fdsWanted);
      this.slots.add(entry);
    });
  }

  private scanFailed(code: string): void {
    const retry = isFdShortage(code);
    const line = `unable to read ${this.scanDir}: ${code}: keeping the ${this.slots.size} services as they are${retry ? `, retrying in ${FD_RETRY_MS / 1000} s` : ""}`;
    if (code !== this.scanFailure) logLine(line);
    this.scanFailure = code;
    if (retry) this.rescans.in(FD_RETRY_MS);
  }

  private onInotify(records: sys.NativeInotifyEvent[]): void {
    const c = sys.constants();
    for (const r of records) {
      if (r.wd === this.scanWd || r.mask & c.IN_Q_OVERFLOW!) {
        this.rescans.soon();
        continue;
      }
      const slot = this.slots.ofWatch(r.wd);
      if (!slot) continue;
      if (r.name === "run") slot.main?.poke();
    }
  }

  /** What each .s6-svscan/control letter does, as s6-svscan's. */
  private readonly onLetter: Record<SvscanLetter, () => void> = {
    a: () => (this.options.rescanLetter ?? (() => this.rescan()))(),
    h: () => (this.options.rescanLetter ?? (() => this.rescan()))(),
    n: () => this.rescan(),
    N: () => this.rescan(),
    z: () => undefined, // we reap on every SIGCHLD already
    t: () => this.terminate("term"),
    i: () => this.terminate("term"),
    q: () => this.terminate("quit"),
    b: () => {
      this.ending = "abort";
      this.finish();
    },
  };

  private onControl(bytes: Buffer): void {
    const parsed = parseSvscanControl(bytes);
    this.unknownBytes.note(parsed.unknown);
    for (const letter of parsed.letters) this.onLetter[letter]();
  }

  private finish(): void {
    this.rescans.cancel();
    this.unknownBytes.close();
    if (this.control) closeControlDir(this.control);
    this.control = undefined;
    if (this.inotify >= 0) {
      try {
        sys.unwatch(this.inotify);
        sys.close(this.inotify);
      } catch {
        /* already */
      }
      this.inotify = -1;
    }
    this.options.onFinished?.(this.ending ?? "term");
  }
}
