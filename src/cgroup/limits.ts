// A service's limit files (memory.max, cpu.max, pids.max in its directory)
// copied into its cgroup before every spawn of ./run and ./finish, so an edit
// takes effect at the next restart, as the s6 files do.
import { logLine, reason } from "../cli/log";
import { codeOf } from "../sys/errors";
import { writeCgroupFile } from "./files";
import { readHead } from "../sys/read-head";
import { checkLimit, LIMIT_DEFAULTS, LIMIT_FILES, type LimitFile } from "./parse";

/** What was said already for one service, so a restart loop does not repeat it. */
export type Warned = Set<string>;

/** What each interface file of the cgroup holds, as far as we wrote or made it:
 *  a spawn writes only what differs (most services have no limit files). */
export type Applied = Map<string, string>;

/** What the kernel puts in a cgroup it has just made. */
export const fresh = (): Applied => new Map<string, string>([...Object.entries(LIMIT_DEFAULTS), ["memory.oom.group", "0"]]);

/** A limit file of the service dir (a user's file: read as sys/read-head.ts reads them), or null when absent. */
function readLimitFile(path: string): string | null {
  try {
    return readHead(path).toString("utf8");
  } catch (e) {
    if (codeOf(e) === "ENOENT") return null;
    throw e;
  }
}

/** Writes each limit file of SERVICEDIR into the cgroup CGDIR: the file's value,
 *  or the default ("max") when the file is absent or invalid. With a memory
 *  limit, memory.oom.group=1: an OOM kill takes the whole service at once
 *  rather than one random process of it. Never throws: a limit that cannot be
 *  applied is a warning (once per service, file and reason), and the service
 *  starts anyway. */
export function applyLimits(name: string, serviceDir: string, cgDir: string, warned: Warned, applied: Applied): void {
  const once = (key: string, line: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    logLine(line);
  };
  let memoryLimited = false;
  for (const file of LIMIT_FILES) {
    let value = LIMIT_DEFAULTS[file];
    let given = false;
    try {
      const content = readLimitFile(`${serviceDir}/${file}`);
      if (content !== null) {
        const r = checkLimit(file, content);
        if (r.ok) {
          value = r.value;
          given = true;
        } else once(`invalid ${file} ${content}`, `warning: ${serviceDir}/${r.problem}: using ${value}`);
      }
    } catch (e) {
      once(`read ${file} ${codeOf(e)}`, `warning: unable to read ${serviceDir}/${file}: ${reason(e)}: using ${value}`);
    }
    if (file === "memory.max" && given && value !== "max") memoryLimited = true;
    write(name, cgDir, file, value, given, once, applied);
  }
  write(name, cgDir, "memory.oom.group", memoryLimited ? "1" : "0", memoryLimited, once, applied);
}

// ENOENT on an interface file means its controller is not enabled for this
// cgroup: that matters only when the service asked for the limit.
function write(
  name: string,
  cgDir: string,
  file: LimitFile | "memory.oom.group",
  value: string,
  given: boolean,
  once: (key: string, line: string) => void,
  applied: Applied,
): void {
  if (applied.get(file) === value) return;
  try {
    writeCgroupFile(`${cgDir}/${file}`, value);
    applied.set(file, value);
  } catch (e) {
    const code = codeOf(e);
    if (code === "ENOENT") {
      const controller = file.split(".")[0];
      if (given) once(`missing ${file}`, `warning: ${name}: ${file} not applied: no ${controller} controller in ${cgDir}`);
      return;
    }
    once(`write ${file} ${code}`, `warning: ${name}: unable to write ${value} to ${cgDir}/${file}: ${reason(e)}`);
  }
}
