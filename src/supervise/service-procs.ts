// run and finish of one service as processes: spawned with their fds (the
// service's stdio, /dev/null, the notification pipe), its user, limits, env
// and cgroup; what happened goes back to the machine as an event, and the
// child's death is routed to it; and signalled when the machine says so.
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { codeOf, errnoError } from "../sys/errors";
import type { ServiceCgroup } from "../cgroup/tree";
import { readServiceResources, type listServiceDir, type ResourceOptions } from "../resources/service-resources";
import type { SuperviseConfig, SuperviseEvent } from "./machine";
import type { NotifyPipe } from "./notify-pipe";
import { NewWarnings } from "./new-warnings";
import { ServiceFiles } from "./service-files";

/** Where the service's stdio comes from: fds in the supervisor, or -1 for /dev/null. */
export interface ServiceStdio {
  stdin: number;
  stdout: number;
  stderr: number;
}

/** What spawning needs from the service. */
export interface SpawnContext {
  dir: string;
  name: string;
  stdio: ServiceStdio;
  notify: NotifyPipe;
  /** the environment run and finish get */
  env(): string[];
  cgroup(): ServiceCgroup | null;
  watchPid(pid: number, cb: (exit: sys.Exit) => void): void;
  /** run's spawn is asked for: deaths nobody watches are held for its report (deaths.ts) */
  expectSpawn(): sys.SpawnTicket;
  /** ... and reported: pid's death goes to cb (null: discarded) */
  spawnReported(ticket: sys.SpawnTicket, pid: number, cb: ((exit: sys.Exit) => void) | null): void;
  feed(event: SuperviseEvent): void;
  /** what only run's environment gets beside the rest (NOTIFY_SOCKET=...), made for its user */
  runEnv?(config: SuperviseConfig, uid: number | undefined, gid: number | undefined): string[];
}

type Listing = ReturnType<typeof listServiceDir>;

export class ServiceProcs {
  /** x was received: run's stdin and stdout are /dev/null from now on */
  detached = false;
  private readonly resourceWarnings = new NewWarnings();

  constructor(private readonly c: SpawnContext) {}

  /** Spawns ./run on the spawner thread; run: the config just read, or why
   *  run cannot be executed; listing: the directory's names, read once for
   *  this spawn. The machine waits in `starting` for the spawned or
   *  spawnFailed this feeds once the report comes (from the event loop). */
  spawnRun(config: SuperviseConfig, bad: { problem: string; code: string } | null, listing: Listing): void {
    const { c } = this;
    const now = Date.now();
    const path = `${c.dir}/run`;
    if (bad) return c.feed({ type: "spawnFailed", errno: bad.code, now, during: "exec", why: bad.problem, path });
    const settings = this.settings(listing);
    if (!settings.ok) return c.feed({ type: "spawnFailed", errno: "EINVAL", now, during: "exec", why: settings.problem });
    const nfd = config.notificationFd;
    let notifyWrite = -1;
    // The child is made later, on another thread: every fd it maps must stay
    // open until the report (the notification pipe's write end is closed then).
    const failed = (e: unknown, at: number) => {
      if (notifyWrite >= 0) sys.close(notifyWrite);
      c.notify.close();
      const during = (e as { syscall?: string }).syscall === "execve" ? "exec" : "fork";
      c.feed({ type: "spawnFailed", errno: codeOf(e), now: at, during, why: `unable to spawn ${path}: ${reason(e)}`, path });
    };
    let ticket: sys.SpawnTicket | null = null;
    try {
      // /dev/null and the notification pipe need fds too: out of them is a failed spawn, retried.
      const fds = this.childFds();
      if (nfd !== null) {
        notifyWrite = c.notify.open();
        while (fds.length < nfd) fds.push(-1);
        fds[nfd] = notifyWrite;
      }
      const extra = c.runEnv?.(config, settings.options.uid, settings.options.gid) ?? [];
      const options = extra.length > 0 ? { ...settings.options, env: [...settings.options.env, ...extra] } : settings.options;
      const t = c.expectSpawn();
      ticket = t;
      sys.spawnAsync({ file: "./run", argv: ["./run", c.name], cwd: c.dir, setsid: true, fds, ...options }, ({ pid, error }) => {
        const at = Date.now();
        if (error) {
          failed(error, at);
          return c.spawnReported(t, pid, null);
        }
        if (notifyWrite >= 0) {
          sys.close(notifyWrite);
          c.notify.listen();
        }
        // spawned first: a death already reaped is handed over inside spawnReported, and must find run up.
        // Its time is the request's, as s6-supervise stamps at its fork: the
        // report may reach a busy JS thread well after the child exec'd.
        c.feed({ type: "spawned", pid, now });
        c.spawnReported(t, pid, (exit) => c.feed({ type: "died", pid, status: exit.status, now: Date.now() }));
      });
    } catch (e) {
      if (ticket) c.spawnReported(ticket, 0, null);
      return failed(e, now);
    }
  }

  /** Spawns ./finish with s6's three arguments. */
  spawnFinish(args: [string, string, string], listing: Listing): void {
    const { c } = this;
    let pid: number;
    try {
      const settings = this.settings(listing);
      if (!settings.ok) throw errnoError("EINVAL", "spawn", `${c.dir}/finish`, settings.problem);
      pid = sys.spawn({ file: "./finish", argv: ["./finish", ...args], cwd: c.dir, setsid: true, fds: this.childFds(), ...settings.options });
    } catch (e) {
      logLine(`unable to spawn ${c.dir}/finish: ${reason(e)}`);
      return c.feed({ type: "finishSpawnFailed", errno: codeOf(e), now: Date.now() });
    }
    c.watchPid(pid, (exit) => c.feed({ type: "finishDied", pid, status: exit.status, now: Date.now() }));
    c.feed({ type: "finishSpawned", pid });
  }

  /** Sends a signal to run or finish (group: to run's process group). */
  signal(pid: number, signo: number, group: boolean): void {
    try {
      if (group) sys.killpg(pid, signo);
      else sys.kill(pid, signo);
    } catch (e) {
      // ESRCH: it died and its death is on its way to us; nothing to do.
      if (codeOf(e) !== "ESRCH") logLine(`unable to signal ${this.c.dir}/run (pid ${pid}): ${reason(e)}`);
    }
  }

  /** What run and finish are started with: the service's own user, limits and
   *  env on top of the host's, and its cgroup; or why it must not start. */
  private settings(listing: Listing): { ok: true; options: ResourceOptions & { cgroupFd?: number } } | { ok: false; problem: string } {
    const r = readServiceResources(this.c.dir, this.c.env(), undefined, listing);
    this.resourceWarnings.report(r.warnings);
    if (!r.ok) return r;
    const cgroupFd = this.c.cgroup()?.procsFd(this.c.dir) ?? -1;
    return { ok: true, options: cgroupFd >= 0 ? { ...r.options, cgroupFd } : r.options };
  }

  private childFds(): number[] {
    const devnull = this.nullFd();
    const { stdio } = this.c;
    const pick = (fd: number) => (fd < 0 || this.detached ? devnull : fd);
    return [pick(stdio.stdin), pick(stdio.stdout), stdio.stderr < 0 ? devnull : stdio.stderr];
  }

  private nullFd(): number {
    if (devnull < 0) devnull = sys.open("/dev/null", sys.constants().O_RDWR! | sys.constants().O_CLOEXEC!, 0);
    return devnull;
  }
}

// A batch of spawn reports (a scan's first starts come back together) writes
// every status first and the records after them, as a scan's starts did when
// they spawned in line.
sys.wrapSpawnReports((deliver) => ServiceFiles.deferWrites(deliver));

/** One /dev/null for every service's child fds: an open and an fd per service saved. Never closed. */
let devnull = -1;
