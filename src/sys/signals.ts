// Signal names and numbers. The addon gives libc's table (SIGRTMIN is 34 with
// glibc, not the kernel's 32); "RTMIN+n" and "RTMAX-n" are computed here.
import { native } from "./load";

/** A signal as users and service files write it: 15, "15", "TERM", "SIGTERM", "RTMIN+4". */
export type Signal = number | string;

// Aliases that should never be the name we print for a number.
const aliases = new Set(["SIGIOT", "SIGPOLL"]);

/** The signal number for a name or number; throws RangeError naming the input if unknown. */
export function signalNumber(sig: Signal): number {
  const table = native().signals;
  const { SIGRTMIN: rtmin, SIGRTMAX: rtmax } = table;
  if (typeof sig === "number") {
    if (Number.isInteger(sig) && sig >= 0 && sig <= rtmax) return sig;
    throw new RangeError(`unknown signal: ${sig}`);
  }
  const text = sig.trim().toUpperCase();
  if (/^\d+$/.test(text)) return signalNumber(Number(text));
  const name = text.startsWith("SIG") ? text : `SIG${text}`;
  const known = table[name];
  if (known !== undefined) return known;
  const rt = /^SIGRT(MIN|MAX)([+-])(\d+)$/.exec(name);
  if (rt) {
    const n = rt[1] === "MIN" ? rtmin + (rt[2] === "+" ? 1 : -1) * Number(rt[3]) : rtmax - (rt[2] === "-" ? 1 : -1) * Number(rt[3]);
    if (n >= rtmin && n <= rtmax) return n;
  }
  throw new RangeError(`unknown signal: ${sig}`);
}

/** The canonical name of a signal number ("SIGTERM", "SIGRTMIN+4"), or String(n) if it has none. */
export function signalName(n: number): string {
  const table = native().signals;
  for (const [name, value] of Object.entries(table)) {
    if (value === n && !aliases.has(name)) return name;
  }
  if (n > table.SIGRTMIN && n < table.SIGRTMAX) return `SIGRTMIN+${n - table.SIGRTMIN}`;
  return String(n);
}
