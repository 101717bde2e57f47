// A service re-reads its config files at every spawn of run and finish (and
// did once more when it was set up), so an invalid down-signal or rlimit was
// warned about two or more times per start, and at every restart of a crash
// loop. What a reader needs is one line when the problem appears, and again
// only if it changes (fixed and broken anew, or another file).
import { logLine } from "../cli/log";

/** Logs each warning of a series of reads once, until a read no longer has it. */
export class NewWarnings {
  private last = new Set<string>();

  /** The warnings of one read: those the previous read did not have are logged. */
  report(warnings: readonly string[]): void {
    for (const w of warnings) if (!this.last.has(w)) logLine(w);
    this.last = new Set(warnings);
  }
}
