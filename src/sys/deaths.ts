// The one death router: every reaped child (the addon drains waitpid(-1) on
// SIGCHLD) goes to whoever asked for that pid; a pid nobody asked for is an
// orphan that re-parented to us, and reaping it was all it needed.
//
// A spawn on a spawner thread (spawnAsync) tells its pid later than the
// kernel may report its death: the reaper and the report are two event
// sources, in no set order. So while a spawn is in flight, a death nobody
// watches is held, not dropped: the report hands it to its owner. A held
// death is an orphan's once every spawn that was in flight when it was
// reaped has reported (a spawn asked for after the reap cannot have made
// that process); so a crash loop that always has a spawn in flight does not
// hold orphans for ever, and a pid the kernel hands out again later is not
// taken for the dead one.
import type { Exit } from "./events";

/** One spawn whose pid is not known yet (expectSpawn → spawnReported). */
export interface SpawnTicket {
  readonly seq: number;
}

/** pid -> what to do when it dies, each called once. */
export class DeathRouter {
  private readonly owners = new Map<number, (exit: Exit) => void>();
  /** tickets not reported yet, in the order issued (a Set keeps it: the first is the oldest) */
  private readonly inFlight = new Set<number>();
  private lastSeq = 0;
  /** deaths of unwatched pids while spawns were in flight, with the last ticket then issued */
  private readonly held = new Map<number, { exit: Exit; upTo: number }>();

  /** Calls cb when pid dies (a pid has one owner; the last to ask wins). */
  watchPid(pid: number, cb: (exit: Exit) => void): void {
    this.owners.set(pid, cb);
  }

  /** Whether pid's death has an owner. */
  has(pid: number): boolean {
    return this.owners.has(pid);
  }

  /** Hands a death to its owner, or holds it for a spawn in flight; false for an orphan (nothing to do). */
  route(exit: Exit): boolean {
    const cb = this.owners.get(exit.pid);
    if (cb) {
      this.owners.delete(exit.pid);
      cb(exit);
      return true;
    }
    if (this.inFlight.size === 0) return false;
    this.held.set(exit.pid, { exit, upTo: this.lastSeq });
    return true;
  }

  /** A spawn was asked for; its pid comes with spawnReported(ticket, ...). */
  expectSpawn(): SpawnTicket {
    const seq = ++this.lastSeq;
    this.inFlight.add(seq);
    return { seq };
  }

  /** The spawn's report: pid (0 when no child was made) dies to cb; null
   *  discards its death (a child that failed before exec). A death already
   *  reaped is handed over now, after the caller's own bookkeeping: call
   *  this once the pid is known to whoever cb feeds. */
  spawnReported(ticket: SpawnTicket, pid: number, cb: ((exit: Exit) => void) | null): void {
    if (!this.inFlight.delete(ticket.seq)) return;
    if (pid > 0) {
      const h = this.held.get(pid);
      // upTo >= seq: the ticket was out when that death was reaped, so it can be this child's.
      if (h && h.upTo >= ticket.seq) {
        this.held.delete(pid);
        cb?.(h.exit);
      } else {
        this.owners.set(pid, cb ?? (() => undefined));
      }
    }
    this.releaseOrphans();
  }

  /** Held deaths no ticket still out can own are orphans': dropped (reaped is all they needed). */
  private releaseOrphans(): void {
    if (this.held.size === 0) return;
    const oldest = this.inFlight.values().next();
    for (const [pid, h] of this.held) if (oldest.done || h.upTo < oldest.value) this.held.delete(pid);
  }
}
