// sd_notify for one service (`notify-socket` in its directory): run gets
// NOTIFY_SOCKET naming a datagram socket in DIR/notify/ (0700, owned by the
// service's user: only that user and root reach it; never an abstract name,
// which any process in the network namespace could). Each datagram comes
// with the kernel's word on its sender (SO_PASSCRED): only run itself, a
// process in run's session (run is a session leader) or, when the service
// has a cgroup, a process in it (a daemon that called setsid) is heard, so
// another service, or a user's shell, cannot make it ready. A datagram that
// comes before run's spawn is reported (a fast daemon, a busy supervisor) is
// held, with its sender's session as it was then, until run's pid is known.
// A sender that has exited before its datagram is read can no longer be
// placed (its session is gone with it): unless it was run itself, it is not
// heard, and the warning says so. At most MAX_DATAGRAM
// bytes a datagram and RATE_PER_S datagrams a second are read; more is
// dropped with one line. The protocol's parsing is pure (notify-message.ts).
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, renameSync, unlinkSync } from "node:fs";
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { codeOf } from "../sys/errors";
import { procStat } from "../sys/proc";
import { readHead } from "../sys/read-head";
import { forgetFd, keepFd, takeFd } from "../sys/kept-fds";
import { parseNotify, type NotifyMessage } from "./notify-message";

/** The most read of one datagram; a longer one is ignored (systemd: 4 KiB too, less its padding). */
export const MAX_DATAGRAM = 4096;
/** Datagrams heard a second; the rest of that second's are dropped. */
export const RATE_PER_S = 50;
/** Datagrams read per wake-up, so one flood cannot hold the loop. */
const PER_WAKE = 64;
/** Datagrams held while run's pid is not yet known; more are dropped. */
const EARLY_MAX = 16;

/** A datagram's sender as /proc showed it when the datagram was read. */
interface Sender {
  /** its session, null once it has exited */
  session: number | null;
  inCgroup: boolean;
}

export class NotifySocket {
  private fd = -1;
  private pid = 0;
  private windowStart = 0;
  private inWindow = 0;
  private dropped = 0;
  private warnedForged = false;
  /** a run was spawned with this socket and its pid is not known yet */
  private awaitingPid = false;
  /** datagrams read meanwhile, with their senders then */
  private early: Array<{ m: sys.NativeNotifyMessage; sender: Sender }> = [];
  /** datagrams beyond EARLY_MAX meanwhile, said when the pid comes */
  private earlyDropped = 0;

  private readonly key: string;

  constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly onMessage: (m: NotifyMessage) => void,
    /** the service's cgroup directory, null without one */
    private readonly cgroupDir: () => string | null = () => null,
  ) {
    this.key = `sdnotify:${name}`;
  }

  /** The socket for the next run, made afresh (a stale one from a crash
   *  is removed), its dir owned by UID:GID; returns "NOTIFY_SOCKET=PATH". */
  open(uid = process.geteuid?.() ?? 0, gid = process.getegid?.() ?? 0): string {
    this.close();
    const dir = `${this.dir}/notify`;
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (e) {
      if (codeOf(e) !== "EEXIST") throw e;
    }
    // What is there must be our directory, not a link someone planted.
    const st = lstatSync(dir);
    if (!st.isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: "ENOTDIR" });
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
    const path = `${dir}/socket`;
    // Made and given to the user in root's own supervise/ (0700), then renamed
    // in whole: a chown of DIR/notify/socket itself would follow whatever the
    // user, who owns notify/, swapped in there meanwhile (a link to /etc/shadow).
    const staging = `${this.dir}/supervise/notify-socket.new`;
    try {
      unlinkSync(staging);
    } catch (e) {
      if (codeOf(e) !== "ENOENT") throw e;
    }
    this.fd = sys.notifySocket(staging);
    // Kept across a re-exec of PID 1: the daemon keeps sending to this path,
    // and what it sent meanwhile (a WATCHDOG=1) waits in the socket.
    keepFd(this.key, this.fd);
    // The sender needs write permission on the socket itself (its dir already limits who).
    chownSync(staging, uid, gid);
    renameSync(staging, path);
    sys.watchReadable(this.fd, () => this.onReadable());
    this.awaitingPid = true;
    return `NOTIFY_SOCKET=${path}`;
  }

  /** After a re-exec: the previous image's socket for the run adopted, if it kept one. */
  adopt(): void {
    const fd = takeFd(this.key);
    if (fd === undefined) return;
    this.fd = fd;
    sys.watchReadable(this.fd, () => this.onReadable());
  }

  /** run's pid: the session whose members are heard (0: none, run is not up). */
  setPid(pid: number): void {
    this.pid = pid;
    // Called after every step of the service's machine: only the first pid after an open() has work.
    if (pid <= 0 || !this.awaitingPid) return;
    this.awaitingPid = false;
    if (this.earlyDropped > 0) logLine(`warning: ${this.name}: ${this.earlyDropped} notify messages beyond ${EARLY_MAX} before run's start was known dropped`);
    this.earlyDropped = 0;
    // Judged against the pid now known; taken first, as a message may set the pid again.
    for (const { m, sender } of this.early.splice(0)) this.judge(m, sender);
  }

  close(): void {
    this.awaitingPid = false;
    this.early = [];
    this.earlyDropped = 0;
    if (this.fd < 0) return;
    forgetFd(this.key);
    sys.unwatchAndClose(this.fd);
    this.fd = -1;
  }

  private onReadable(): void {
    for (let i = 0; i < PER_WAKE && this.fd >= 0; i++) {
      let m: sys.NativeNotifyMessage | null;
      try {
        m = sys.notifyRecv(this.fd, MAX_DATAGRAM);
      } catch (e) {
        logLine(`warning: unable to read ${this.dir}/notify/socket: ${reason(e)}`);
        return;
      }
      if (m === null) return this.sayDropped();
      if (!this.withinRate()) {
        this.dropped++;
        continue;
      }
      if (m.truncated) {
        logLine(`warning: ${this.name}: notify message over ${MAX_DATAGRAM} bytes ignored`);
        continue;
      }
      if (this.pid <= 0 && this.awaitingPid) {
        if (this.early.length < EARLY_MAX) this.early.push({ m, sender: this.sender(m.pid) });
        else this.earlyDropped++;
        continue;
      }
      this.judge(m);
    }
  }

  /** Acts on a datagram from the service; says once that one from elsewhere is
   *  ignored (a flood of forged datagrams must not flood the log too). */
  private judge(m: sys.NativeNotifyMessage, sender?: Sender): void {
    if (this.fromService(m.pid, sender)) return this.onMessage(parseNotify(m.data));
    if (this.warnedForged) return;
    this.warnedForged = true;
    const gone = m.pid > 0 && (sender ? sender.session === null : procStat(m.pid) === null);
    const where = gone ? "which had exited when it was read (its session cannot be checked)" : "outside the service";
    logLine(`warning: ${this.name}: notify message from pid ${m.pid}, ${where}, ignored`);
  }

  /** run, a process in its session (run is a session leader), or one in its
   *  cgroup (a daemon that left the session); sender: as it was when read, else now. */
  private fromService(pid: number, sender?: Sender): boolean {
    if (this.pid <= 0 || pid <= 0) return false;
    if (pid === this.pid) return true;
    if ((sender ? sender.session : procStat(pid)?.session) === this.pid) return true;
    if (sender) return sender.inCgroup;
    const dir = this.cgroupDir();
    return dir !== null && inCgroup(pid, dir);
  }

  private sender(pid: number): Sender {
    const dir = this.cgroupDir();
    return { session: procStat(pid)?.session ?? null, inCgroup: dir !== null && inCgroup(pid, dir) };
  }

  private withinRate(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.sayDropped();
      this.windowStart = now;
      this.inWindow = 0;
    }
    return ++this.inWindow <= RATE_PER_S;
  }

  private sayDropped(): void {
    if (this.dropped === 0) return;
    logLine(`warning: ${this.name}: ${this.dropped} notify messages over ${RATE_PER_S} a second dropped`);
    this.dropped = 0;
  }
}

/** True when PID is listed in cgroup DIR's cgroup.procs (bounded read: a service's own processes). */
function inCgroup(pid: number, dir: string): boolean {
  try {
    return readHead(`${dir}/cgroup.procs`, 1 << 20)
      .toString("latin1")
      .split("\n")
      .includes(String(pid));
  } catch {
    return false;
  }
}

/** The file in supervise/ holding the last STATUS= (JSON {status, at}). */
export const NOTIFY_STATUS_FILE = "notify-status";

/** Reads supervise/notify-status: the last STATUS= and when it came, or null. */
export function readNotifyStatus(superviseDir: string): { status: string; at: string } | null {
  try {
    const v = JSON.parse(readFileSync(`${superviseDir}/${NOTIFY_STATUS_FILE}`, "utf8").slice(0, 4096)) as { status?: unknown; at?: unknown };
    return typeof v.status === "string" && typeof v.at === "string" ? { status: v.status, at: v.at } : null;
  } catch {
    return null;
  }
}
