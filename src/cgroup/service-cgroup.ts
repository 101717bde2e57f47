// One service's cgroup: made at its first spawn, the limit files applied at
// every spawn, everything in it killed at once when run and finish are both
// gone, and removed once empty after the service left the scan dir.
import { existsSync, mkdirSync, readFileSync, rmdirSync } from "node:fs";
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { codeOf } from "../sys/errors";
import { writeCgroupFile } from "./files";
import { applyLimits, fresh, type Applied, type Warned } from "./limits";
import { procsPids } from "./parse";
import type { EmptyWatch } from "./empty-watch";

/** One service's cgroup, as the effects layer uses it. */
export interface ServiceCgroup {
  /** the cgroup's directory (under the cgroup2 mount) */
  readonly dir: string;
  /** An O_WRONLY|O_CLOEXEC fd on its cgroup.procs for spawn's cgroupFd
   *  (created on first use, limits from DIR written), or -1 to spawn without. */
  procsFd(dir: string): number;
  /** Kills everything still in it (cgroup.kill). */
  killAll(): void;
  /** The service is gone: close the fd, remove the cgroup once empty. */
  release(): void;
}

export class ServiceGroup implements ServiceCgroup {
  private fd = -1;
  /** errno of the last failed creation, so a restart loop logs it once */
  private createError = "";
  private readonly warned: Warned = new Set();
  /** the limit files' values in the cgroup; unknown (empty) for one we did not make */
  private applied: Applied = new Map();
  /** release() ran: waiting for the cgroup to empty before rmdir */
  private releasing = false;

  constructor(
    readonly name: string,
    /** the cgroup's directory */
    readonly dir: string,
    private readonly empty: EmptyWatch,
    private readonly onRemoved: (group: ServiceGroup) => void,
  ) {}

  procsFd(serviceDir: string): number {
    this.revive();
    if (this.fd < 0) {
      try {
        mkdirSync(this.dir, { mode: 0o755 });
        this.applied = fresh();
      } catch (e) {
        if (codeOf(e) !== "EEXIST") return this.cannotCreate(e);
      }
      try {
        const c = sys.constants();
        // Held for the service's life: every spawn joins through this fd.
        this.fd = sys.open(`${this.dir}/cgroup.procs`, c.O_WRONLY! | c.O_CLOEXEC!, 0);
      } catch (e) {
        return this.cannotCreate(e);
      }
      this.createError = "";
    }
    applyLimits(this.name, serviceDir, this.dir, this.warned, this.applied);
    return this.fd;
  }

  private cannotCreate(e: unknown): number {
    if (codeOf(e) !== this.createError) logLine(`unable to create cgroup ${this.dir}: ${reason(e)}: ${this.name} starts in PID 1's cgroup`);
    this.createError = codeOf(e);
    return -1;
  }

  killAll(): void {
    if (!existsSync(this.dir)) return;
    try {
      writeCgroupFile(`${this.dir}/cgroup.kill`, "1");
      return;
    } catch (e) {
      if (codeOf(e) !== "ENOENT") return logLine(`unable to kill the processes of cgroup ${this.dir}: ${reason(e)}`);
    }
    this.freezeAndKill();
  }

  // Before cgroup.kill (Linux 5.14): frozen, nothing in it can fork while
  // each listed pid gets SIGKILL (a frozen process still dies of it).
  private freezeAndKill(): void {
    let frozen = false;
    try {
      writeCgroupFile(`${this.dir}/cgroup.freeze`, "1");
      frozen = true;
    } catch (e) {
      if (codeOf(e) !== "ENOENT") logLine(`warning: unable to freeze cgroup ${this.dir}: ${reason(e)}`);
    }
    try {
      for (const pid of procsPids(readFileSync(`${this.dir}/cgroup.procs`, "utf8"))) {
        try {
          sys.kill(pid, "SIGKILL");
        } catch (e) {
          if (codeOf(e) !== "ESRCH") logLine(`unable to kill pid ${pid} of cgroup ${this.dir}: ${reason(e)}`);
        }
      }
    } catch (e) {
      logLine(`unable to read ${this.dir}/cgroup.procs: ${reason(e)}`);
    }
    if (frozen) {
      try {
        writeCgroupFile(`${this.dir}/cgroup.freeze`, "0");
      } catch (e) {
        logLine(`unable to thaw cgroup ${this.dir}: ${reason(e)}`);
      }
    }
  }

  release(): void {
    if (this.fd >= 0) sys.close(this.fd);
    this.fd = -1;
    if (!existsSync(this.dir)) return this.onRemoved(this);
    this.killAll();
    this.releasing = true;
    this.empty.whenEmpty(this.dir, () => this.remove());
  }

  /** The service came back (same name) before its cgroup was removed: keep it. */
  revive(): void {
    if (!this.releasing) return;
    this.releasing = false;
    this.empty.cancel(this.dir);
  }

  private remove(): void {
    this.releasing = false;
    try {
      rmdirSync(this.dir);
    } catch (e) {
      if (codeOf(e) !== "ENOENT") logLine(`unable to remove cgroup ${this.dir}: ${reason(e)}`);
    }
    this.onRemoved(this);
  }
}
