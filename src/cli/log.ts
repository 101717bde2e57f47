// One line per event on stderr, prefixed with the program name:
// "tsinit: unable to VERB OBJECT: reason", "tsinit: warning: ...", "tsinit: info: ...".
let program = "tsinit";

/** Sets the prefix (the name we were called by, for multi-call links). */
export function setProgramName(name: string): void {
  program = name;
}

/** Writes one line to stderr synchronously: PID 1's stderr may be the console. */
export function logLine(message: string): void {
  try {
    process.stderr.write(`${program}: ${message}\n`);
  } catch {
    /* nowhere to say it */
  }
}

/** The reason part of a log line from any thrown value. */
export function reason(e: unknown): string {
  if (e && typeof e === "object" && "code" in e && typeof (e as { code: unknown }).code === "string") {
    const err = e as { code: string; message?: string };
    return err.message && !err.message.startsWith(err.code) ? `${err.code}: ${err.message}` : err.message ?? err.code;
  }
  return e instanceof Error ? e.message : String(e);
}
