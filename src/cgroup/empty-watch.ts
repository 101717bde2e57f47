// Waiting for cgroups to empty without polling: the kernel signals a change
// of "populated" in cgroup.events as IN_MODIFY on that file. One inotify fd
// serves every cgroup being waited for, made at the first wait.
import { readFileSync } from "node:fs";
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { codeOf } from "../sys/errors";
import { keyValues } from "./parse";

/** Calls back once a cgroup holds no process, in it or below it. */
export interface EmptyWatch {
  /** cb runs once, when DIR's cgroup.events says populated 0 (at once if it already does, or if DIR is gone) */
  whenEmpty(dir: string, cb: () => void): void;
  /** forget a pending whenEmpty */
  cancel(dir: string): void;
}

/** Whether DIR's cgroup holds no process; true when DIR is gone. */
export function isEmpty(dir: string): boolean {
  try {
    return keyValues(readFileSync(`${dir}/cgroup.events`, "utf8")).get("populated") === 0;
  } catch (e) {
    if (codeOf(e) === "ENOENT") return true;
    throw e;
  }
}

export class InotifyEmptyWatch implements EmptyWatch {
  private ifd = -1;
  private readonly byDir = new Map<string, { wd: number; cb: () => void }>();
  private readonly dirOfWd = new Map<number, string>();

  whenEmpty(dir: string, cb: () => void): void {
    this.cancel(dir);
    try {
      if (this.ifd < 0)
        this.ifd = sys.inotifyInit(
          (records) => {
            for (const r of records) this.onRecord(r.wd);
          },
          (e) => this.onReadError(e),
        );
      // Watch first, then look: a change between the two still wakes us.
      const wd = sys.inotifyAdd(this.ifd, `${dir}/cgroup.events`, sys.constants().IN_MODIFY!);
      this.byDir.set(dir, { wd, cb });
      this.dirOfWd.set(wd, dir);
    } catch (e) {
      if (codeOf(e) === "ENOENT") return cb();
      return logLine(`warning: unable to watch ${dir}/cgroup.events: ${reason(e)}: the cgroup stays`);
    }
    this.onRecord(this.byDir.get(dir)!.wd);
  }

  cancel(dir: string): void {
    const w = this.byDir.get(dir);
    if (!w) return;
    this.byDir.delete(dir);
    this.dirOfWd.delete(w.wd);
    try {
      sys.inotifyRm(this.ifd, w.wd);
    } catch {
      /* the file went away with its cgroup: the kernel dropped the watch already */
    }
  }

  /** The inotify fd failed (its watch is stopped): the cgroups waited for stay,
   *  and the next wait makes a new fd. */
  private onReadError(e: unknown): void {
    logLine(`unable to read inotify events for cgroup.events: ${reason(e)}: the cgroups waited for stay`);
    try {
      sys.close(this.ifd);
    } catch {
      /* the fd that failed may be gone already */
    }
    this.ifd = -1;
    this.byDir.clear();
    this.dirOfWd.clear();
  }

  /** Stops every wait and closes the inotify fd (it keeps the event loop alive). */
  close(): void {
    for (const dir of [...this.byDir.keys()]) this.cancel(dir);
    if (this.ifd < 0) return;
    sys.unwatch(this.ifd);
    sys.close(this.ifd);
    this.ifd = -1;
  }

  private onRecord(wd: number): void {
    const dir = this.dirOfWd.get(wd);
    if (dir === undefined) return;
    let empty: boolean;
    try {
      empty = isEmpty(dir);
    } catch (e) {
      logLine(`warning: unable to read ${dir}/cgroup.events: ${reason(e)}: the cgroup stays`);
      return this.cancel(dir);
    }
    if (!empty) return;
    const { cb } = this.byDir.get(dir)!;
    this.cancel(dir);
    cb();
  }
}
