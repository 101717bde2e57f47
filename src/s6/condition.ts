// When is a wait over? s6_svlisten_loop's logic (s6 2.11), pure. Each
// service's up/ready bits start from supervise/status and then follow the
// event letters, not status re-reads: for a restart the "d" and "u" events
// can both land before a re-read, which would then show "up" and miss the
// down. Letters: d = down, D = down and finish done, u = up, U = up and
// ready, O = run failed permanently (finish exited 125), x = supervisor exited.
import type { SuperviseStatus } from "./status-file";

/** A wait goal as s6-svwait and s6-svc -w spell it. */
export type WaitGoal = "u" | "U" | "d" | "D" | "r" | "R";

/** What is known of one service. */
export interface SvBits {
  up: boolean;
  /** up and ready (U), or down with finish done (D) */
  ready: boolean;
}

/** One wait loop: the bits wanted, for all services or (or = true) any one. */
export interface Phase {
  wantUp: boolean;
  wantReady: boolean;
  or: boolean;
}

/** The bits s6 derives from a status file: "up" is a pid that is not ./finish. */
export function bitsFromStatus(s: SuperviseStatus): SvBits {
  return { up: s.pid !== 0 && !s.finishing, ready: s.ready };
}

/** The loops for a goal. Restart goals first wait for the down, and the two
 *  s6 programs differ there: s6-svwait -r waits for all services down ("d"),
 *  s6-svc -wr (through s6-svlisten1) waits for the finish to be done ("D").
 *  The "up" loop then wants readiness only for R. */
export function phasesFor(goal: WaitGoal, or: boolean, via: "svwait" | "svc"): Phase[] {
  switch (goal) {
    case "u":
      return [{ wantUp: true, wantReady: false, or }];
    case "U":
      return [{ wantUp: true, wantReady: true, or }];
    case "d":
      return [{ wantUp: false, wantReady: false, or }];
    case "D":
      return [{ wantUp: false, wantReady: true, or }];
    case "r":
    case "R": {
      const down = via === "svwait" ? { wantUp: false, wantReady: false, or: false } : { wantUp: false, wantReady: true, or: true };
      return [down, { wantUp: true, wantReady: goal === "R", or }];
    }
  }
}

/** Whether the phase holds: every service (or one, with or) has the wanted bits.
 *  "Wanted ready" is required; ready when not asked for is fine. */
export function satisfied(bits: readonly SvBits[], p: Phase): boolean {
  const ok = (b: SvBits) => b.up === p.wantUp && (!p.wantReady || b.ready);
  return p.or ? bits.some(ok) : bits.every(ok);
}

/** Applies one event letter to a service's bits; true when it counts as a
 *  failure (s6 counts one per "O" while waiting for up, and one per "x"
 *  that left the service short of the goal; both then pretend the goal was
 *  reached so the wait ends). Unknown letters change nothing. */
export function applyEvent(bits: SvBits, letter: string, p: Phase): boolean {
  switch (letter) {
    case "x": {
      const short = bits.up !== p.wantUp || bits.ready !== p.wantReady;
      bits.up = p.wantUp;
      bits.ready = p.wantReady;
      return short;
    }
    case "O":
      if (!p.wantUp) return false;
      bits.up = true;
      bits.ready = p.wantReady;
      return true;
    case "d":
      bits.up = false;
      bits.ready = false;
      return false;
    case "D":
      bits.up = false;
      bits.ready = true;
      return false;
    case "u":
      bits.up = true;
      bits.ready = false;
      return false;
    case "U":
      bits.up = true;
      bits.ready = true;
      return false;
    default:
      return false;
  }
}

/** The progress of one wait over several services through its phases. */
export class WaitTracker {
  private phase = 0;
  private failed = false;
  /** failures counted in the current phase (s6-svwait exits with this count) */
  failures = 0;

  constructor(
    readonly bits: SvBits[],
    readonly phases: readonly Phase[],
  ) {
    this.advance();
  }

  /** "waiting", "done" (goal met), or "failed" (a phase ended with failures). */
  get outcome(): "waiting" | "done" | "failed" {
    if (this.failed) return "failed";
    return this.phase >= this.phases.length ? "done" : "waiting";
  }

  /** Feeds the event letters read for service i, in order; returns the outcome.
   *  Unlike s6, letters after a phase ends are kept for the next phase, so a
   *  "du" read in one go still completes a restart. */
  feed(i: number, letters: string): "waiting" | "done" | "failed" {
    for (const letter of letters) {
      if (this.outcome !== "waiting") break;
      if (applyEvent(this.bits[i]!, letter, this.phases[this.phase]!)) this.failures++;
      this.advance();
    }
    return this.outcome;
  }

  // Moves past every phase that holds. As in s6, a phase ends only when its
  // condition holds (failures force it), and one that ended with failures
  // ends the whole wait.
  private advance(): void {
    while (!this.failed && this.phase < this.phases.length && satisfied(this.bits, this.phases[this.phase]!)) {
      if (this.failures > 0) this.failed = true;
      else this.phase++;
    }
  }
}
