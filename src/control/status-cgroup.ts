// A service's memory and CPU time for `tsinit status`, from its cgroup: the
// cgroup of its running pid (/proc/PID/cgroup) under the cgroup2 mount of
// /proc/self/mountinfo, taken only when it is the service's own cgroup
// (.../tsinit/NAME, see src/cgroup/tree.ts). No state file: a service
// without a cgroup, or a pid from another pid namespace, shows nothing.
import { readFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { cgroup2Mounts, cgroupDir, cgroupName, keyValues, pickCgroup2Mount, unifiedPath } from "../cgroup/parse";
import { SUBTREE } from "../cgroup/setup";

/** What a service's cgroup says about it. */
export interface CgroupUsage {
  /** the cgroup's directory */
  path: string;
  /** memory.current, null without the memory controller */
  memoryBytes: number | null;
  /** usage_usec of cpu.stat (always there in cgroup v2) */
  cpuUsec: number;
}

/** The names the supervisor may have given a service shown as NAME at PATH:
 *  itself, its directory's name, and "X/log" for a logger's directory X/log. */
export function supervisorNames(name: string, path: string): string[] {
  const base = basename(path);
  const names = [name, base];
  if (base === "log") names.push(`${basename(dirname(path))}/log`);
  return names;
}

/** The service's cgroup directory from /proc/self/mountinfo and /proc/PID/cgroup
 *  texts, or null unless it is B/tsinit/NAME for one of NAMES. */
export function serviceCgroupDir(mountinfo: string, procCgroup: string, names: readonly string[]): string | null {
  const mount = pickCgroup2Mount(cgroup2Mounts(mountinfo));
  const path = unifiedPath(procCgroup);
  if (!mount || path === null) return null;
  const dir = cgroupDir(mount, path);
  if (dir === null || basename(dirname(dir)) !== SUBTREE) return null;
  return names.some((n) => cgroupName(n) === basename(dir)) ? dir : null;
}

// Read once per command: `tsinit status` of a scan dir asks for every service.
let mountinfo: string | undefined;

/** Usage of the cgroup PID is in, when it is that service's; null otherwise (never throws). */
export function readUsage(pid: number, names: readonly string[]): CgroupUsage | null {
  try {
    mountinfo ??= readFileSync("/proc/self/mountinfo", "utf8");
    const dir = serviceCgroupDir(mountinfo, readFileSync(`/proc/${pid}/cgroup`, "utf8"), names);
    if (dir === null) return null;
    const cpuUsec = keyValues(readFileSync(`${dir}/cpu.stat`, "utf8")).get("usage_usec");
    if (cpuUsec === undefined) return null;
    let memoryBytes: number | null = null;
    try {
      memoryBytes = Number(readFileSync(`${dir}/memory.current`, "utf8").trim());
    } catch {
      /* no memory controller here */
    }
    return { path: dir, memoryBytes: Number.isFinite(memoryBytes) ? memoryBytes : null, cpuUsec };
  } catch {
    return null;
  }
}

/** Bytes as the kernel's suffixes read: 812K, 12.4M, 1.2G. */
export function formatBytes(n: number): string {
  const units = ["K", "M", "G", "T"];
  let v = n;
  let unit = "";
  for (const u of units) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  return unit === "" ? `${n}B` : `${v < 10 ? v.toFixed(1) : Math.round(v)}${unit}`;
}

/** CPU time: 0.42s below a minute, then 3m04s, 2h01m. */
export function formatCpu(usec: number): string {
  const s = usec / 1e6;
  if (s < 60) return `${s.toFixed(2)}s`;
  const whole = Math.floor(s);
  const two = (n: number) => String(n).padStart(2, "0");
  if (whole < 3600) return `${Math.floor(whole / 60)}m${two(whole % 60)}s`;
  return `${Math.floor(whole / 3600)}h${two(Math.floor(whole / 60) % 60)}m`;
}
