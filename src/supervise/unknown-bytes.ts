// Warnings for unknown bytes written to a control fifo, at most one line a
// second. Anyone who may write the fifo can pour megabytes of junk into it; a
// line per read (4 KiB) listing every byte was ~300 lines of ~15 KB for 1 MB,
// and writing them was most of the cost. So: the first burst is named (a few
// bytes shown), then what follows within a second is counted and told in one
// line when the second ends; a quiet second ends the window (no timer left).
import { logLine } from "../cli/log";
import { describeByte } from "../s6/letters";

const BYTES_SHOWN = 16;
const WINDOW_MS = 1000;

/** Rate-limited "ignoring unknown command" warnings for one control fifo. */
export class UnknownBytesWarning {
  private counted = 0;
  private timer: NodeJS.Timeout | undefined;

  /** fifo: the path named in the warning. */
  constructor(private readonly fifo: string) {}

  /** Notes the unknown bytes of one read. */
  note(unknown: readonly number[]): void {
    if (unknown.length === 0) return;
    if (this.timer) {
      this.counted += unknown.length;
      return;
    }
    const shown = unknown.slice(0, BYTES_SHOWN).map(describeByte).join(" ");
    const more = unknown.length > BYTES_SHOWN ? ` and ${unknown.length - BYTES_SHOWN} more bytes` : "";
    logLine(`warning: ${this.fifo}: ignoring unknown command ${shown}${more}`);
    this.arm();
  }

  /** Drops a pending count (the fifo is closed). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.counted === 0) return;
      logLine(`warning: ${this.fifo}: ignored ${this.counted} more unknown bytes`);
      this.counted = 0;
      this.arm();
    }, WINDOW_MS);
    this.timer.unref?.();
  }
}
