// The thin layer that applies machine.ts's effects for one service directory:
// its lifecycle (take supervise/, start, adopt, release, remove, exit), the
// control fifo's letters, and each effect handed to the part that does it:
// run and finish as processes (service-procs.ts), the s6 files
// (service-files.ts), timers (timers.ts). All policy is in machine.ts; this
// file only does what an Effect says and feeds the results back in as events.
// About 300 lines: the effect dispatch, the lifecycle it drives and the batch
// that puts a death's writes (status, death_tally, events, the record) after
// the restart's spawn read best side by side.
import * as sys from "../sys";
import { logLine } from "../cli/log";
import { parseSuperviseControl } from "../s6/letters";
import { initialState, step, DEFAULT_CONFIG, type Effect, type SuperviseConfig, type SuperviseEvent, type SuperviseState, type TimerKind } from "./machine";
import { readServiceConfig } from "./config";
import { listServiceDir } from "../resources/service-resources";
import type { ServiceCgroup } from "../cgroup/tree";
import { stampToMs, type SuperviseStatus } from "../s6/status-file";
import { NotifyPipe } from "./notify-pipe";
import { ServiceNotify } from "./service-notify";
import { closeControlDir, ensureFifodir, openControlDir, type ControlDir } from "./s6dir";
import { NewWarnings } from "./new-warnings";
import { UnknownBytesWarning } from "./unknown-bytes";
import { ServiceFiles } from "./service-files";
import { ServiceProcs, type ServiceStdio } from "./service-procs";
import { Timers } from "./timers";

export type { ServiceStdio };
type Listing = ReturnType<typeof listServiceDir>;

/** What a service needs from the supervisor that owns it. */
export interface ServiceHost {
  /** route this pid's death to cb (one registration per pid) */
  watchPid(pid: number, cb: (exit: sys.Exit) => void): void;
  /** run's spawn is asked for / reported (DeathRouter.expectSpawn, spawnReported) */
  expectSpawn(): sys.SpawnTicket;
  spawnReported(ticket: sys.SpawnTicket, pid: number, cb: ((exit: sys.Exit) => void) | null): void;
  /** the environment run and finish get */
  env(): string[];
  /** the cgroup this service's processes go into, if cgroups are in use */
  cgroup?(name: string): ServiceCgroup | null;
  /** this service's supervisor has exited (x, or removed and down) */
  onExited(service: Service): void;
  /** readiness changed: "ready" (up, and notified if it has notification-fd),
   *  "failed" (restart-limit reached: its dependents are blocked), else "started" */
  onReadiness?(service: Service, state: "started" | "ready" | "failed"): void;
  /** it became failed (restart-limit): its on-failure is the host's to carry out */
  onFailed?(service: Service): void;
  /** its run cannot be executed (missing, not executable): the host may watch
   *  the directory so that a fix is tried at once (poke), not at the next retry */
  cannotStart?(service: Service): void;
}

/** Events whose writes are batched: a death (its restart is spawned first) and a spawn's report. */
const BATCHED = new Set<SuperviseEvent["type"]>(["died", "spawned", "spawnFailed"]);

/** One supervised directory. */
export class Service {
  private state: SuperviseState = initialState();
  private config: SuperviseConfig;
  private readonly timers = new Timers<TimerKind>();
  private control?: ControlDir;
  private readonly notify: NotifyPipe;
  private readonly sdNotify: ServiceNotify;
  private readonly files: ServiceFiles;
  private readonly procs: ServiceProcs;
  private problem = "";
  /** its errno code ("ENOENT" for a missing run) */
  private problemCode = "";
  /** the directory left the scan dir (it may be gone from disk) */
  private removed = false;
  /** held down until its dependencies are ready (release() lets it go) */
  private held = false;
  private readiness: "started" | "ready" | "failed" = "started";
  private cgroup: ServiceCgroup | null | undefined;
  private readonly configWarnings = new NewWarnings();
  private readonly unknownBytes: UnknownBytesWarning;
  /** the listing start() read, for the spawn of the same step (then null: each later spawn reads its own) */
  private startListing: Listing | null = null;
  /** while one read's letters go through the machine: what to write once they are done */
  private batch: { status: boolean; deathTally: boolean; events: string } | null = null;
  /** event letters held while run's spawn is in flight, told with the report's ("s" + "u" as "su") */
  private heldEvents = "";

  constructor(
    readonly dir: string,
    readonly name: string,
    stdio: ServiceStdio,
    private readonly host: ServiceHost,
    /** where PID 1's built-in logger writes this service's lines, for the record */
    readonly logDir: string | null = null,
  ) {
    this.config = { ...DEFAULT_CONFIG, name };
    this.notify = new NotifyPipe(`notify:${name}`, () => this.feed({ type: "ready", now: Date.now() }));
    this.files = new ServiceFiles(dir, () => this.removed);
    this.sdNotify = new ServiceNotify(
      dir,
      name,
      (event) => this.feed(event),
      () => this.cgroupOf()?.dir ?? null,
    );
    this.procs = new ServiceProcs({
      dir,
      name,
      stdio,
      notify: this.notify,
      env: () => this.host.env(),
      cgroup: () => this.cgroupOf(),
      watchPid: (pid, cb) => this.host.watchPid(pid, cb),
      expectSpawn: () => this.host.expectSpawn(),
      spawnReported: (ticket, pid, cb) => this.host.spawnReported(ticket, pid, cb),
      feed: (event) => this.feed(event),
      runEnv: (config, uid, gid) => this.sdNotify.runEnv(config, uid, gid),
    });
    this.unknownBytes = new UnknownBytesWarning(`${dir}/supervise/control`);
  }

  /** Takes supervise/ (lock, control fifo), then starts per ./down. Throws if
   *  the directory cannot be supervised (e.g. another supervisor holds it).
   *  adopt: the previous image's status, checked (adopt.ts): its run or
   *  finish keeps running and is taken over instead of started.
   *  restore: a re-exec; the history in supervise/tsinit-record carries on
   *  (a fresh `tsinit scan` ignores an old one: "since boot" means since this supervisor began). */
  start(held = false, adopt: SuperviseStatus | null = null, restore = false, listing: Listing = listServiceDir(this.dir)): void {
    this.control = openControlDir(`${this.dir}/supervise`, (bytes) => this.onControl(bytes));
    if (this.control.fresh) this.files.madeAfresh();
    ensureFifodir(`${this.dir}/event`);
    // One read of the directory serves the config, and the first spawn just below.
    this.refreshConfig(listing.ok ? listing.value : undefined);
    this.held = held;
    const history = restore ? this.files.readHistory() : null;
    if (history) this.apply1(step(this.state, { type: "restore", history }, this.config));
    if (adopt) return this.adopt(adopt);
    // A held service starts as if it had ./down; release() then says "u".
    const config = held ? { ...this.config, hasDownFile: true } : this.config;
    // The start and its spawn write supervise/status once, naming the pid
    // once the spawner thread reports it (statusOwed): s6-supervise writes
    // status before the spawn too, but nobody can act on a "want up, not up
    // yet" that lasts a spawn.
    this.startListing = listing;
    try {
      this.batched(() => this.apply1(step(this.state, { type: "start", now: Date.now() }, config)));
    } finally {
      this.startListing = null;
    }
  }

  // A re-exec: run (or finish) kept running; take it over without a restart.
  private adopt(st: SuperviseStatus): void {
    this.held = false;
    const pid = st.pid;
    this.host.watchPid(pid, (exit) =>
      this.feed(st.finishing ? { type: "finishDied", pid, status: exit.status, now: Date.now() } : { type: "died", pid, status: exit.status, now: Date.now() }),
    );
    if (!st.finishing && !st.ready && this.config.notificationFd !== null) this.notify.adopt();
    if (!st.finishing) this.sdNotify.adopt(this.config);
    this.apply1(
      step(
        this.state,
        {
          type: "adopt",
          pid,
          finishing: st.finishing,
          wantUp: st.wantUp,
          paused: st.paused,
          ready: st.ready,
          stamp: stampToMs(st.stamp),
          readyStamp: stampToMs(st.readyStamp),
          waitStatus: st.waitStatus,
        },
        this.config,
      ),
    );
  }

  /** A dependency failed while it ran: stop it and wait for release() again. */
  hold(): void {
    if (this.held || this.removed) return;
    this.held = true;
    this.command("d");
  }

  /** Its dependencies are ready: start it, unless its ./down file says otherwise. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    if (!this.config.hasDownFile && !this.removed) this.command("u");
  }

  /** The directory left the scan dir: stop the service, then exit. */
  remove(): void {
    this.removed = true;
    this.feed({ type: "removed" });
  }

  /** A shutdown began: deaths from now on are recorded, never restarted. */
  freeze(): void {
    this.feed({ type: "freeze" });
  }

  /** Sends one control letter as if written to supervise/control. */
  command(letters: string): void {
    this.onControl(Buffer.from(letters, "latin1"));
  }

  /** The pid of run or finish when one is running, else 0. */
  runningPid(): number {
    const p = this.state.phase;
    return p.kind === "up" ? p.pid : p.kind === "finishing" ? (p.pid ?? 0) : 0;
  }

  /** The current machine state (read-only view, for status and tests). */
  get current(): Readonly<SuperviseState> {
    return this.state;
  }

  // One read may hold thousands of letters (anyone who may write the fifo can
  // pour junk into it): each goes through the machine, but supervise/status is
  // written and event/ told once per read, not once per letter.
  private onControl(bytes: Buffer): void {
    const parsed = parseSuperviseControl(bytes);
    this.unknownBytes.note(parsed.unknown);
    if (parsed.letters.length === 0) return;
    this.batched(() => {
      for (const letter of parsed.letters) this.feed({ type: "control", letter });
    });
  }

  /** Runs fn with state writes held back, then writes what it left to write, once. */
  private batched(fn: () => void): void {
    const outer = this.batch !== null; // a command() from inside a batch joins it
    this.batch ??= { status: false, deathTally: false, events: "" };
    try {
      fn();
    } finally {
      if (!outer) this.flushBatch();
    }
  }

  /** Writes what the batch left to write so far; the batch stays open. */
  private writePending(): void {
    const batch = this.batch;
    if (!batch) return;
    if (batch.deathTally) this.files.writeDeathTally(this.state);
    if (batch.status) this.writeStatus();
    if (batch.events || this.heldEvents) this.announce(batch.events);
    Object.assign(batch, { status: false, deathTally: false, events: "" });
  }

  /** supervise/status, unless run's spawn is in flight: the machine announces
   *  again when the report comes (spawned or spawnFailed), and the status then
   *  names the pid, in one write. */
  private writeStatus(): void {
    if (this.state.phase.kind !== "starting") this.files.writeStatus(this.state);
  }

  /** Tells event/ letters, held while run's spawn is in flight so that they
   *  agree with the status (and event/ is looked at once per start). */
  private announce(letters: string): void {
    const all = this.heldEvents + letters;
    const held = this.state.phase.kind === "starting";
    this.heldEvents = held ? all : "";
    if (!held && all) this.files.announce(all);
  }

  /** Ends the batch, writing what it left (also before an exit, so nothing lands after it). */
  private flushBatch(): void {
    this.writePending();
    this.batch = null;
    this.writeRecord();
  }

  // Not an effect of the machine: the record is a view of its state (and
  // config), written when that view changes, after the step's own files -- so
  // after a death's restart is spawned, like them, and not while that spawn
  // is in flight (the report writes status, then the record, once each).
  private writeRecord(): void {
    if (!this.batch && this.state.phase.kind !== "starting") this.files.writeRecord(this.state, this.config, this.logDir);
  }

  private refreshConfig(listing?: readonly string[]): void {
    const r = readServiceConfig(this.dir, this.name, listing);
    this.configWarnings.report(r.warnings);
    this.problem = r.ok ? "" : r.problem;
    this.problemCode = r.ok ? "" : r.code;
    if (r.ok) this.config = r.config;
    else this.host.cannotStart?.(this);
  }

  /** Something in the directory changed (run created, made executable):
   *  if we are waiting out an exec-failure retry, try now. */
  poke(): void {
    if (!this.problem) return;
    this.refreshConfig();
    if (!this.problem && this.state.wantUp && this.state.phase.kind === "throttled") this.feed({ type: "control", letter: "u" });
  }

  /** One event through the machine, then its effects in order. A death
   *  batches its writes: the restart is spawned first and death_tally,
   *  status and the "dDu" events follow it (on a disk-backed dir two
   *  renames before the spawn cost milliseconds of restart latency). */
  private feed(event: SuperviseEvent): void {
    // A spawn's report too: the deferred letters it replays write status once.
    if (BATCHED.has(event.type) && !this.batch) return this.batched(() => this.feed(event));
    this.apply1(step(this.state, event, this.config));
  }

  private apply1(result: { state: SuperviseState; effects: Effect[] }): void {
    this.state = result.state;
    for (const effect of result.effects) this.apply(effect);
    this.writeRecord();
    const p = this.state.phase;
    this.sdNotify.track(p.kind === "up" ? p.pid : 0);
    const flagged = this.config.notificationFd !== null || this.config.notifySocket;
    const ready = this.state.history.failed !== null && p.kind === "down" ? "failed" : p.kind === "up" && (!flagged || this.state.ready) ? "ready" : "started";
    if (ready !== this.readiness) {
      this.readiness = ready;
      // Held by the gate, its going down is the gate's own doing: it stays "waiting" there.
      if (!(this.held && ready === "started")) this.host.onReadiness?.(this, ready);
    }
  }

  private apply(effect: Effect): void {
    switch (effect.type) {
      case "spawnRun": {
        // The one read of the directory for this spawn (start()'s, when it spawns at once).
        const listing = this.startListing ?? listServiceDir(this.dir);
        if (!this.startListing) this.refreshConfig(listing.ok ? listing.value : undefined);
        this.startListing = null;
        return this.procs.spawnRun(this.config, this.problem ? { problem: this.problem, code: this.problemCode } : null, listing);
      }
      case "spawnFinish": {
        this.writePending(); // finish starts with the death in status, as in s6
        const listing = listServiceDir(this.dir);
        this.refreshConfig(listing.ok ? listing.value : undefined);
        return this.procs.spawnFinish(effect.args, listing);
      }
      case "kill":
        return this.procs.signal(effect.pid, effect.signal, false);
      case "killGroup":
        return this.procs.signal(effect.pgid, effect.signal, true);
      case "armTimer":
        return this.timers.arm(effect.kind, effect.ms, () => this.feed({ type: "timer", kind: effect.kind, now: Date.now() }));
      case "cancelTimer":
        return this.timers.cancel(effect.kind);
      case "writeStatus":
        // A shutdown's stop of a running service: the status its death writes
        // says all (want down too); the wish alone would be a second rename
        // per service on the way down, for readers about to lose their supervisor.
        if (this.state.frozen && this.state.phase.kind === "up") return;
        if (this.batch) return void (this.batch.status = true);
        return this.writeStatus();
      case "writeDeathTally":
        if (this.batch) return void (this.batch.deathTally = true);
        return this.files.writeDeathTally(this.state);
      case "event":
        if (this.batch) return void (this.batch.events += effect.letters);
        return this.announce(effect.letters);
      case "touchDown":
        return this.files.setDown(true);
      case "unlinkDown":
        return this.files.setDown(false);
      case "detachStdio":
        this.procs.detached = true;
        return;
      case "killLeftovers":
        return this.cgroupOf()?.killAll();
      case "log":
        return logLine(effect.message);
      case "failed":
        return this.host.onFailed?.(this);
      case "exited":
        return this.exit();
    }
  }

  private cgroupOf(): ServiceCgroup | null {
    if (this.cgroup === undefined) this.cgroup = this.host.cgroup?.(this.name) ?? null;
    return this.cgroup;
  }

  /** start() threw (out of fds, say): let go of what it took (the lock, the
   *  control fifo, timers) so that a later try can take them again. */
  abandon(): void {
    this.timers.cancelAll();
    this.notify.close();
    this.sdNotify.close();
    this.unknownBytes.close();
    if (this.control) closeControlDir(this.control);
    this.control = undefined;
  }

  private exit(): void {
    this.flushBatch();
    this.files.flushHeld(); // before the lock goes: nothing lands after another supervisor took it
    this.abandon();
    this.cgroup?.release();
    this.host.onExited(this);
  }
}
