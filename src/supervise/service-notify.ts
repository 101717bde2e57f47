// One service's sd_notify side (notify-socket): the socket made for each run
// (notify-socket.ts), and what its messages do: READY=1 is the machine's
// "ready" event, exactly as a newline on notification-fd (so supervise/status
// gets its ready flag and event/ its U, for s6-svwait -U as for tsinit
// wait -U); STATUS= goes to supervise/notify-status for `tsinit status`;
// WATCHDOG=1 is the machine's "watchdog" event (machine-watchdog.ts);
// STOPPING=1 is accepted (the supervisor learns of the stop at the death).
import { logLine, reason } from "../cli/log";
import type { SuperviseConfig, SuperviseEvent } from "./machine";
import type { NotifyMessage } from "./notify-message";
import { NOTIFY_STATUS_FILE, NotifySocket } from "./notify-socket";
import { writeAtomic } from "../sys/write-atomic";

export class ServiceNotify {
  private socket: NotifySocket | null = null;

  constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly feed: (e: SuperviseEvent) => void,
    /** the service's cgroup directory, null without one: its processes are heard too */
    private readonly cgroupDir: () => string | null = () => null,
  ) {}

  /** Before each spawn of run: its NOTIFY_SOCKET (made for uid:gid), or nothing without notify-socket. Throws when the socket cannot be made: a failed spawn. */
  runEnv(config: SuperviseConfig, uid?: number, gid?: number): string[] {
    if (!config.notifySocket) {
      this.close();
      return [];
    }
    this.socket ??= new NotifySocket(this.dir, this.name, (m) => this.onMessage(m), this.cgroupDir);
    const env = [this.socket.open(uid, gid)];
    // As systemd sets it: sd_watchdog_enabled(3) reads it (no WATCHDOG_PID: run's pid is not known before the spawn, and run often execs the daemon).
    if (config.watchdogMs > 0) env.push(`WATCHDOG_USEC=${config.watchdogMs * 1000}`);
    return env;
  }

  /** After a re-exec, run adopted: its socket, kept by the previous image, is heard again. */
  adopt(config: SuperviseConfig): void {
    if (!config.notifySocket) return;
    this.socket ??= new NotifySocket(this.dir, this.name, (m) => this.onMessage(m), this.cgroupDir);
    this.socket.adopt();
  }

  /** run's pid while it is up (0 otherwise): whose session is heard. */
  track(pid: number): void {
    this.socket?.setPid(pid);
  }

  close(): void {
    this.socket?.close();
    this.socket = null;
  }

  private onMessage(m: NotifyMessage): void {
    if (m.status !== null) {
      try {
        writeAtomic(`${this.dir}/supervise`, NOTIFY_STATUS_FILE, Buffer.from(JSON.stringify({ status: m.status, at: new Date().toISOString() }) + "\n"));
      } catch (e) {
        logLine(`warning: unable to write ${this.dir}/supervise/${NOTIFY_STATUS_FILE}: ${reason(e)}`);
      }
    }
    if (m.ready) this.feed({ type: "ready", now: Date.now() });
    if (m.watchdog) this.feed({ type: "watchdog", now: Date.now() });
  }
}
