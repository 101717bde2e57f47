// The thin layer that applies machine.ts's effects for one service directory:
// spawning run and finish, signals, timers, the notification-fd pipe, and the
// s6 files (supervise/status, death_tally, event/, down). All policy is in
// machine.ts; this file only does what an Effect says and feeds the results
// back in as events.
import { unlinkSync, writeFileSync } from "node:fs";
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { encodeDeathTally, encodeStatus, deathTallyFromState, statusFromState } from "../control/status";
import { parseSuperviseControl } from "../control/letters";
import { initialState, step, DEFAULT_CONFIG, type Effect, type SuperviseConfig, type SuperviseEvent, type SuperviseState, type TimerKind } from "./machine";
import { readServiceConfig } from "./config";
import { readServiceResources, type ResourceOptions } from "./resources";
import type { ServiceCgroup } from "./cgroup";
import { stampToMs, type SuperviseStatus } from "../control/status";
import { NotifyPipe } from "./notify-pipe";
import { broadcastEvent, closeControlDir, ensureFifodir, openControlDir, writeAtomic, type ControlDir } from "./s6dir";
import { NewWarnings } from "./new-warnings";
import { UnknownBytesWarning } from "../control/unknown-bytes";
import { decodeRecord, encodeRecord, historyFromRecord, recordFromState, RECORD_FILE } from "../control/service-record";
import { readFileSync } from "node:fs";

/** What a service needs from the supervisor that owns it. */
export interface ServiceHost {
  /** route this pid's death to cb (one registration per pid) */
  watchPid(pid: number, cb: (exit: sys.Exit) => void): void;
  /** the environment run and finish get */
  env(): string[];
  /** the cgroup this service's processes go into, if cgroups are in use */
  cgroup?(name: string): ServiceCgroup | null;
  /** this service's supervisor has exited (x, or removed and down) */
  onExited(service: Service): void;
  /** readiness changed: "ready" (up, and notified if it has notification-fd), else "started" */
  onReadiness?(service: Service, state: "started" | "ready"): void;
}

/** Where the service's stdio comes from: fds in the supervisor, or -1 for /dev/null. */
export interface ServiceStdio {
  stdin: number;
  stdout: number;
  stderr: number;
}

/** One supervised directory. */
export class Service {
  private state: SuperviseState = initialState();
  private config: SuperviseConfig;
  private readonly timers = new Map<TimerKind, NodeJS.Timeout>();
  private control?: ControlDir;
  private readonly notify: NotifyPipe;
  private detached = false;
  private devnull = -1;
  private problem = "";
  /** the errno code of problem (EACCES, ENOENT, ...) */
  private problemCode = "";
  /** the directory left the scan dir (it may be gone from disk) */
  private removed = false;
  /** held down until its dependencies are ready (release() lets it go) */
  private held = false;
  /** errno of the last failed state write, "" after a success */
  private writeError = "";
  private readiness: "started" | "ready" = "started";
  private cgroup: ServiceCgroup | null | undefined;
  private readonly configWarnings = new NewWarnings();
  private readonly resourceWarnings = new NewWarnings();
  private readonly unknownBytes: UnknownBytesWarning;
  /** while one read's letters go through the machine: what to write once they are done */
  private batch: { status: boolean; events: string } | null = null;
  /** where PID 1's built-in logger writes this service's lines, for the record */
  logDir: string | null = null;
  /** the supervise/tsinit-record last written, to write it only when it changes */
  private lastRecord = "";

  constructor(
    readonly dir: string,
    readonly name: string,
    private readonly stdio: ServiceStdio,
    private readonly host: ServiceHost,
  ) {
    this.config = { ...DEFAULT_CONFIG, name };
    this.notify = new NotifyPipe(`notify:${name}`, () => this.feed({ type: "ready", now: Date.now() }));
    this.unknownBytes = new UnknownBytesWarning(`${dir}/supervise/control`);
  }

  /** Takes supervise/ (lock, control fifo), then starts per ./down. Throws if
   *  the directory cannot be supervised (e.g. another supervisor holds it).
   *  adopt: the previous image's status, checked (adopt.ts): its run or
   *  finish keeps running and is taken over instead of started.
   *  restore: a re-exec; the history in supervise/tsinit-record carries on. */
  start(held = false, adopt: SuperviseStatus | null = null, restore = false): void {
    this.control = openControlDir(`${this.dir}/supervise`, (bytes) => this.onControl(bytes));
    ensureFifodir(`${this.dir}/event`);
    this.refreshConfig();
    this.held = held;
    if (restore) this.restoreRecord();
    if (adopt) return this.adopt(adopt);
    // A held service starts as if it had ./down; release() then says "u".
    const config = held ? { ...this.config, hasDownFile: true } : this.config;
    this.apply1(step(this.state, { type: "start", now: Date.now() }, config));
  }

  // A re-exec: run (or finish) kept running; take it over without a restart.
  private adopt(st: SuperviseStatus): void {
    this.held = false;
    const pid = st.pid;
    this.host.watchPid(pid, (exit) => this.feed(
      st.finishing ? { type: "finishDied", pid, status: exit.status, now: Date.now() } : { type: "died", pid, status: exit.status, now: Date.now() },
    ));
    if (!st.finishing && !st.ready && this.config.notificationFd !== null) this.notify.adopt();
    this.apply1(step(this.state, {
      type: "adopt", pid, finishing: st.finishing, wantUp: st.wantUp, paused: st.paused, ready: st.ready,
      stamp: stampToMs(st.stamp), readyStamp: stampToMs(st.readyStamp), waitStatus: st.waitStatus,
    }, this.config));
  }

  // A fresh `tsinit scan` ignores an old record: "since boot" means since this supervisor began.
  private restoreRecord(): void {
    let bytes: Buffer;
    try {
      bytes = readFileSync(`${this.dir}/supervise/${RECORD_FILE}`);
    } catch {
      return; // none yet (a service new since the last image) or unreadable: start counting afresh
    }
    const record = decodeRecord(bytes);
    if (record) this.apply1(step(this.state, { type: "restore", history: historyFromRecord(record) }, this.config));
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
    return p.kind === "up" ? p.pid : p.kind === "finishing" ? p.pid ?? 0 : 0;
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
    const outer = this.batch !== null; // a command() from inside a batch joins it
    this.batch ??= { status: false, events: "" };
    try {
      for (const letter of parsed.letters) this.feed({ type: "control", letter });
    } finally {
      if (!outer) this.flushBatch();
    }
  }

  /** Writes what the letters of one read left to write (also before an exit, so nothing lands after it). */
  private flushBatch(): void {
    const batch = this.batch;
    this.batch = null;
    if (batch?.status) this.writeFile("status", encodeStatus(statusFromState(this.state)));
    if (batch?.events) broadcastEvent(`${this.dir}/event`, batch.events);
    this.writeRecord();
  }

  private refreshConfig(): void {
    const r = readServiceConfig(this.dir, this.name);
    this.configWarnings.report(r.warnings);
    this.problem = r.ok ? "" : r.problem;
    this.problemCode = r.ok ? "" : r.code;
    if (r.ok) this.config = r.config;
  }

  /** Something in the directory changed (run created, made executable):
   *  if we are waiting out an exec-failure retry, try now. */
  poke(): void {
    if (!this.problem) return;
    this.refreshConfig();
    if (!this.problem && this.state.wantUp && this.state.phase.kind === "throttled") this.feed({ type: "control", letter: "u" });
  }

  /** One event through the machine, then its effects in order. */
  private feed(event: SuperviseEvent): void {
    this.apply1(step(this.state, event, this.config));
  }

  private apply1(result: { state: SuperviseState; effects: Effect[] }): void {
    this.state = result.state;
    for (const effect of result.effects) this.apply(effect);
    this.writeRecord();
    const p = this.state.phase;
    const ready = p.kind === "up" && (this.config.notificationFd === null || this.state.ready) ? "ready" : "started";
    if (ready !== this.readiness) {
      this.readiness = ready;
      this.host.onReadiness?.(this, ready);
    }
  }

  private apply(effect: Effect): void {
    switch (effect.type) {
      case "spawnRun":
        return this.spawnRun();
      case "spawnFinish":
        return this.spawnFinish(effect.args);
      case "kill":
        return this.signal(effect.pid, effect.signal, false);
      case "killGroup":
        return this.signal(effect.pgid, effect.signal, true);
      case "armTimer":
        return this.arm(effect.kind, effect.ms);
      case "cancelTimer":
        return this.cancel(effect.kind);
      case "writeStatus":
        if (this.batch) return void (this.batch.status = true);
        return this.writeFile("status", encodeStatus(statusFromState(this.state)));
      case "writeDeathTally":
        return this.writeFile("death_tally", encodeDeathTally(deathTallyFromState(this.state)));
      case "event":
        if (this.batch) return void (this.batch.events += effect.letters);
        return broadcastEvent(`${this.dir}/event`, effect.letters);
      case "touchDown":
        return this.touchDown(true);
      case "unlinkDown":
        return this.touchDown(false);
      case "detachStdio":
        this.detached = true;
        return;
      case "killLeftovers":
        return this.cgroupOf()?.killAll();
      case "log":
        return logLine(effect.message);
      case "exited":
        return this.exit();
    }
  }

  // Not an effect of the machine: the record is a view of its state (and
  // config), written whenever that view changes, after the step's own files.
  private writeRecord(): void {
    if (this.batch || this.state.phase.kind === "init" || this.state.phase.kind === "exited") return;
    const bytes = encodeRecord({ ...recordFromState(this.state, this.config), logDir: this.logDir });
    const text = Buffer.from(bytes).toString();
    if (text === this.lastRecord) return;
    this.lastRecord = text;
    this.writeFile(RECORD_FILE, bytes);
  }

  private childFds(): number[] {
    const devnull = this.nullFd();
    const pick = (fd: number) => (fd < 0 || this.detached ? devnull : fd);
    return [pick(this.stdio.stdin), pick(this.stdio.stdout), this.stdio.stderr < 0 ? devnull : this.stdio.stderr];
  }

  private spawnRun(): void {
    this.refreshConfig();
    const now = Date.now();
    if (this.problem) {
      return this.feed({ type: "spawnFailed", errno: this.problemCode, now, during: "exec", why: this.problem, path: `${this.dir}/run` });
    }
    const settings = this.settings();
    if (!settings.ok) return this.feed({ type: "spawnFailed", errno: "EINVAL", now, during: "exec", why: settings.problem });
    const nfd = this.config.notificationFd;
    let notifyWrite = -1;
    let pid: number;
    try {
      // /dev/null and the notification pipe need fds too: out of them is a failed spawn, retried.
      const fds = this.childFds();
      if (nfd !== null) {
        notifyWrite = this.notify.open();
        while (fds.length < nfd) fds.push(-1);
        fds[nfd] = notifyWrite;
      }
      pid = sys.spawn({ file: "./run", argv: ["./run", this.name], cwd: this.dir, setsid: true, fds, ...settings.options });
    } catch (e) {
      if (notifyWrite >= 0) sys.close(notifyWrite);
      this.notify.close();
      const code = (e as { code?: string }).code ?? "EIO";
      const during = (e as { syscall?: string }).syscall === "execve" ? "exec" : "fork";
      return this.feed({ type: "spawnFailed", errno: code, now, during, why: `unable to spawn ${this.dir}/run: ${reason(e)}`, path: `${this.dir}/run` });
    }
    if (notifyWrite >= 0) {
      sys.close(notifyWrite);
      this.notify.listen();
    }
    this.host.watchPid(pid, (exit) => this.feed({ type: "died", pid, status: exit.status, now: Date.now() }));
    this.feed({ type: "spawned", pid, now });
  }

  private spawnFinish(args: [string, string, string]): void {
    this.refreshConfig();
    let pid: number;
    try {
      const settings = this.settings();
      if (!settings.ok) throw Object.assign(new Error(settings.problem), { code: "EINVAL" });
      pid = sys.spawn({ file: "./finish", argv: ["./finish", ...args], cwd: this.dir, setsid: true, fds: this.childFds(), ...settings.options });
    } catch (e) {
      logLine(`unable to spawn ${this.dir}/finish: ${reason(e)}`);
      return this.feed({ type: "finishSpawnFailed", errno: (e as { code?: string }).code ?? "EIO", now: Date.now() });
    }
    this.host.watchPid(pid, (exit) => this.feed({ type: "finishDied", pid, status: exit.status, now: Date.now() }));
    this.feed({ type: "finishSpawned", pid });
  }

  /** What run and finish are started with: the service's own user, limits and
   *  env on top of the host's, and its cgroup; or why it must not start. */
  private settings(): { ok: true; options: ResourceOptions & { cgroupFd?: number } } | { ok: false; problem: string } {
    const r = readServiceResources(this.dir, this.host.env());
    this.resourceWarnings.report(r.warnings);
    if (!r.ok) return r;
    const cgroupFd = this.cgroupOf()?.procsFd(this.dir) ?? -1;
    return { ok: true, options: cgroupFd >= 0 ? { ...r.options, cgroupFd } : r.options };
  }

  private cgroupOf(): ServiceCgroup | null {
    if (this.cgroup === undefined) this.cgroup = this.host.cgroup?.(this.name) ?? null;
    return this.cgroup;
  }

  private signal(pid: number, signo: number, group: boolean): void {
    try {
      if (group) sys.killpg(pid, signo);
      else sys.kill(pid, signo);
    } catch (e) {
      // ESRCH: it died and its death is on its way to us; nothing to do.
      if ((e as { code?: string }).code !== "ESRCH") logLine(`unable to signal ${this.dir}/run (pid ${pid}): ${reason(e)}`);
    }
  }

  private arm(kind: TimerKind, ms: number): void {
    this.cancel(kind);
    this.timers.set(kind, setTimeout(() => {
      this.timers.delete(kind);
      this.feed({ type: "timer", kind });
    }, ms));
  }

  private cancel(kind: TimerKind): void {
    const t = this.timers.get(kind);
    if (t) clearTimeout(t);
    this.timers.delete(kind);
  }

  private writeFile(name: string, bytes: Uint8Array): void {
    try {
      writeAtomic(`${this.dir}/supervise`, name, bytes);
      this.writeError = "";
    } catch (e) {
      const code = (e as { code?: string }).code ?? "EIO";
      if (this.removed && code === "ENOENT") return; // deleted with its directory
      // A full /run fails every state change alike: say it once until a write works again.
      if (code === this.writeError) return;
      this.writeError = code;
      logLine(`unable to write ${this.dir}/supervise/${name}: ${reason(e)}`);
    }
  }

  private touchDown(present: boolean): void {
    try {
      if (present) writeFileSync(`${this.dir}/down`, "");
      else unlinkSync(`${this.dir}/down`);
    } catch (e) {
      if (present || (e as { code?: string }).code !== "ENOENT") logLine(`unable to ${present ? "create" : "remove"} ${this.dir}/down: ${reason(e)}`);
    }
  }

  private nullFd(): number {
    if (this.devnull < 0) this.devnull = sys.open("/dev/null", sys.constants().O_RDWR! | sys.constants().O_CLOEXEC!, 0);
    return this.devnull;
  }

  /** start() threw (out of fds, say): let go of what it took (the lock, the
   *  control fifo, timers) so that a later try can take them again. */
  abandon(): void {
    for (const kind of [...this.timers.keys()]) this.cancel(kind);
    this.notify.close();
    this.unknownBytes.close();
    if (this.control) closeControlDir(this.control);
    this.control = undefined;
    if (this.devnull >= 0) sys.close(this.devnull);
    this.devnull = -1;
  }

  private exit(): void {
    this.flushBatch();
    this.abandon();
    this.cgroup?.release();
    this.host.onExited(this);
  }
}
