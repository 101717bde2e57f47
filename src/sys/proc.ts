// What /proc says about one process: the two fields of /proc/PID/stat that
// the init needs. The command name may hold spaces and parentheses, so the
// fields are counted from the last ")".
import { readFileSync } from "node:fs";

/** State letter (R S D Z T ...) and parent pid, or null when the process is gone. */
export function procStat(pid: number): { state: string; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0]!, ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

/** True when pid is alive (or a zombie) and a child of this process: after a
 *  re-exec only those are ours to adopt (a pid may have been reused). */
export function isOurChild(pid: number): boolean {
  return pid > 0 && procStat(pid)?.ppid === process.pid;
}
