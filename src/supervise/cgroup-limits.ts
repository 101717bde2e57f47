// A service's limit files (memory.max, cpu.max, pids.max in its directory)
// copied into its cgroup before every spawn of ./run and ./finish, so an edit
// takes effect at the next restart, as the s6 files do.
import { logLine, reason } from "../cli/log";
import { codeOf, readIfExists, writeCgroupFile } from "./cgroup-files";
import { checkLimit, LIMIT_DEFAULTS, LIMIT_FILES, type LimitFile } from "./cgroup-parse";

/** What was said already for one service, so a restart loop does not repeat it. */
export type Warned = Set<string>;

/** Writes each limit file of SERVICEDIR into the cgroup CGDIR: the file's value,
 *  or the default ("max") when the file is absent or invalid. With a memory
 *  limit, memory.oom.group=1: an OOM kill takes the whole service at once
 *  rather than one random process of it. Never throws: a limit that cannot be
 *  applied is a warning (once per service, file and reason), and the service
 *  starts anyway. */
export function applyLimits(name: string, serviceDir: string, cgDir: string, warned: Warned): void {
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
      const content = readIfExists(`${serviceDir}/${file}`);
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
    write(name, cgDir, file, value, given, once);
  }
  write(name, cgDir, "memory.oom.group", memoryLimited ? "1" : "0", memoryLimited, once);
}

// ENOENT on an interface file means its controller is not enabled for this
// cgroup: that matters only when the service asked for the limit.
function write(name: string, cgDir: string, file: LimitFile | "memory.oom.group", value: string, given: boolean, once: (key: string, line: string) => void): void {
  try {
    writeCgroupFile(`${cgDir}/${file}`, value);
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
