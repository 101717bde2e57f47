// Linux x86-64 signal numbers by name, for reading ./down-signal and for the
// supervision machine's letters. The addon has its own lookup for the rest of
// tsinit; this table exists so the pure logic needs no addon.

/** Signal numbers as Linux x86-64 (glibc) defines them. */
export const SIGNALS: Readonly<Record<string, number>> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  IOT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  POLL: 29,
  PWR: 30,
  SYS: 31,
  RTMIN: 34,
  RTMAX: 64,
};

/** The signals the machine sends, named once. */
export const SIGHUP = 1,
  SIGINT = 2,
  SIGQUIT = 3,
  SIGABRT = 6,
  SIGKILL = 9,
  SIGUSR1 = 10,
  SIGUSR2 = 12,
  SIGALRM = 14,
  SIGTERM = 15,
  SIGCONT = 18,
  SIGSTOP = 19,
  SIGWINCH = 28;

/** Highest signal number Linux accepts (SIGRTMAX). */
export const MAX_SIGNAL = 64;

/** Parses a signal as skalibs' sig0_scan does: a name (any case, "SIG" prefix
 *  optional) or a decimal number; null when it is neither or out of 1..64. */
export function parseSignal(text: string): number | null {
  const s = text.trim();
  const bare = /^sig/i.test(s) ? s.slice(3) : s;
  const named = SIGNALS[bare.toUpperCase()] ?? SIGNALS[s.toUpperCase()];
  if (named !== undefined) return named;
  if (!/^[0-9]+$/.test(bare)) return null;
  const n = Number(bare);
  return n >= 1 && n <= MAX_SIGNAL ? n : null;
}

/** "SIGTERM" for 15, "signal 40" for numbers without a name (log messages). */
export function signalName(sig: number): string {
  for (const [name, n] of Object.entries(SIGNALS)) if (n === sig && name !== "IOT" && name !== "POLL") return `SIG${name}`;
  return `signal ${sig}`;
}

/** A raw wait status as an exit code or a signal name (without "SIG"). */
export function decodeWaitStatus(ws: number): { code: number | null; signal: string | null } {
  const sig = ws & 0x7f;
  if (sig === 0) return { code: (ws >> 8) & 0xff, signal: null };
  return { code: null, signal: signalName(sig).replace(/^SIG/, "") };
}
