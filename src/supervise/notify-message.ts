// sd_notify's message format, pure: newline-separated KEY=VALUE assignments
// (sd_notify(3)). What tsinit acts on: READY=1, STATUS=, STOPPING=1,
// WATCHDOG=1; the rest (MAINPID=, RELOADING=1, ...) is accepted and ignored.

/** The most of STATUS= kept (what `tsinit status NAME` shows). */
export const STATUS_MAX = 256;

/** What one datagram said. */
export interface NotifyMessage {
  ready: boolean;
  stopping: boolean;
  watchdog: boolean;
  /** STATUS='s text, control characters made spaces; null when not sent */
  status: string | null;
}

/** Parses one datagram. */
export function parseNotify(data: Uint8Array): NotifyMessage {
  const out: NotifyMessage = { ready: false, stopping: false, watchdog: false, status: null };
  for (const line of Buffer.from(data).toString("utf8").split("\n")) {
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === "READY") out.ready ||= value === "1";
    else if (key === "STOPPING") out.stopping ||= value === "1";
    else if (key === "WATCHDOG") out.watchdog ||= value === "1";
    // a status line is shown on a terminal: control characters become blanks
    else if (key === "STATUS") out.status = value.replace(/[\x00-\x1f\x7f]/g, " ").slice(0, STATUS_MAX);
  }
  return out;
}
