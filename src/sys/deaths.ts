// The one death router: every reaped child (the addon drains waitpid(-1) on
// SIGCHLD) goes to whoever asked for that pid; a pid nobody asked for is an
// orphan that re-parented to us, and reaping it was all it needed.
import type { Exit } from "./events";

/** pid -> what to do when it dies, each called once. */
export class DeathRouter {
  private readonly owners = new Map<number, (exit: Exit) => void>();

  /** Calls cb when pid dies (a pid has one owner; the last to ask wins). */
  watchPid(pid: number, cb: (exit: Exit) => void): void {
    this.owners.set(pid, cb);
  }

  /** Whether pid's death has an owner. */
  has(pid: number): boolean {
    return this.owners.has(pid);
  }

  /** Hands a death to its owner; false for an orphan (nothing to do). */
  route(exit: Exit): boolean {
    const cb = this.owners.get(exit.pid);
    if (!cb) return false;
    this.owners.delete(exit.pid);
    cb(exit);
    return true;
  }
}
