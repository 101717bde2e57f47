// A file in a service directory whose name is one typo away from a file the
// supervisor reads ("notification_fd", "dependency", "timeout-kil") is
// ignored at boot without a word. Other names are the service's own data and
// are left alone.
import type { CheckContext } from "./context";

/** Every name s6-supervise or tsinit reads in a service or task directory. */
const KNOWN = [
  "run",
  "finish",
  "down",
  "log",
  "notification-fd",
  "timeout-kill",
  "timeout-finish",
  "timeout-up",
  "max-death-tally",
  "restart-delay-max",
  "restart-limit",
  "on-failure",
  "notify-socket",
  "watchdog-ms",
  "down-signal",
  "dependencies",
  "dependencies.d",
  "user",
  "rlimits",
  "nice",
  "umask",
  "env",
  "memory.max",
  "cpu.max",
  "pids.max",
  "supervise",
  "event",
];

/** One spelling for the variants a typo makes: case, _ for -, plural for singular. */
const normal = (name: string): string => name.toLowerCase().replace(/_/g, "-").replace(/ies$/, "y").replace(/s$/, "");

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j]! + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = row[j]!;
      row[j] = next;
    }
  }
  return row[b.length]!;
}

/** The known name NAME is likely a misspelling of, or null. */
export function meantName(name: string): string | null {
  if (KNOWN.includes(name)) return null;
  for (const known of KNOWN) {
    if (normal(name) === normal(known)) return known;
    if (known.length >= 6 && name.length >= 6 && distance(name.toLowerCase(), known) <= 2) return known;
  }
  return null;
}

/** Warns about each entry of DIR that looks like a misspelt known file. */
export function checkNearMisses(ctx: CheckContext, dir: string): void {
  for (const entry of ctx.fs.list(dir) ?? []) {
    const meant = meantName(entry);
    if (meant !== null) ctx.out.warning(ctx.show(`${dir}/${entry}`), `not a file tsinit reads (did you mean ${meant}?)`, `rename it to ${meant}`);
  }
}
