// What runs in a service dir, seen from the host's /proc: every live (not
// zombie) session leader whose cwd is that dir — a run started by a
// supervisor (its own session), not the commands it runs. Two means a
// service runs twice.
import { readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";

/** Host pids of the live session leaders whose cwd is dir. */
export function runningIn(dir: string): number[] {
  const want = realpathSync(dir);
  const found: number[] = [];
  for (const n of readdirSync("/proc")) {
    if (!/^\d+$/.test(n)) continue;
    try {
      if (readlinkSync(`/proc/${n}/cwd`) !== want) continue;
      const stat = readFileSync(`/proc/${n}/stat`, "latin1");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // f[0] is field 3 (state), f[3] field 6 (session): a leader's session is its own pid.
      if (f[0] !== "Z" && f[3] === n) found.push(Number(n));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}
