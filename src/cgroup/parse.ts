// The pure half of cgroups: reading /proc/self/mountinfo, /proc/PID/cgroup and
// the kernel's cgroup files, checking a service's limit files, and turning a
// service name into a cgroup directory name. No filesystem, no syscalls.

import { parseMountinfo } from "../sys/mountinfo";

/** One cgroup2 mount: where it is, and which cgroup its root shows. */
export interface Cgroup2Mount {
  mountPoint: string;
  /** the mountinfo root field: "/" unless a cgroup namespace or bind mount shows a subtree */
  root: string;
  /** the superblock's options without rw/ro (nsdelegate, memory_recursiveprot, ...) */
  superOptions: string[];
}

/** Every cgroup2 mount of /proc/self/mountinfo text, in order. */
export function cgroup2Mounts(mountinfo: string): Cgroup2Mount[] {
  return parseMountinfo(mountinfo)
    .filter((m) => m.fstype === "cgroup2")
    .map((m) => ({
      root: m.root,
      mountPoint: m.target,
      superOptions: m.superOptions.filter((o) => o !== "rw" && o !== "ro"),
    }));
}

/** The mount to use: /sys/fs/cgroup when it is cgroup2, else the first
 *  cgroup2 mount (the hybrid layout's /sys/fs/cgroup/unified), else null. */
export function pickCgroup2Mount(mounts: readonly Cgroup2Mount[]): Cgroup2Mount | null {
  return mounts.find((m) => m.mountPoint === "/sys/fs/cgroup") ?? mounts[0] ?? null;
}

/** The cgroup v2 path ("0::PATH") of /proc/PID/cgroup text, or null (v1 only). */
export function unifiedPath(procCgroup: string): string | null {
  for (const line of procCgroup.split("\n")) {
    if (line.startsWith("0::")) return line.slice(3);
  }
  return null;
}

/** The directory of cgroup PATH under a mount, or null when the mount does not
 *  show it (PATH outside the mount's root, or "(deleted)"). */
export function cgroupDir(mount: Cgroup2Mount, path: string): string | null {
  if (path.endsWith(" (deleted)")) return null;
  const root = mount.root.replace(/\/+$/, "");
  let rel: string;
  if (root === "") rel = path;
  else if (path === root) rel = "";
  else if (path.startsWith(`${root}/`)) rel = path.slice(root.length);
  else return null;
  const base = mount.mountPoint.replace(/\/+$/, "");
  return `${base}${rel === "/" ? "" : rel}` || "/";
}

// Names a cgroup directory may not take: the interface files of the
// controllers live in the same directory ("memory.max" as a service name
// would collide with the file).
const INTERFACE_PREFIX = /^(cgroup|cpu|cpuset|io|memory|pids|rdma|hugetlb|misc)\./;

/** The cgroup directory name of service NAME. A logger is "X/log" and a cgroup
 *  name may not hold "/": percent-encode "%", "/" and newline, and the "." of
 *  a leading dot or of an interface file's prefix. One-to-one, so two services
 *  never share a cgroup. */
export function cgroupName(name: string): string {
  let s = name.replace(/[%/\n]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  if (s.startsWith(".")) s = `%2E${s.slice(1)}`;
  if (INTERFACE_PREFIX.test(s)) s = s.replace(".", "%2E");
  return s;
}

/** The limit files a service directory may hold, each written as is to the cgroup file of the same name. */
export const LIMIT_FILES = ["memory.max", "cpu.max", "pids.max"] as const;
export type LimitFile = (typeof LIMIT_FILES)[number];

/** What each limit file resets to when it is removed. cpu.max names the
 *  period too: "max" alone would keep a period set earlier. */
export const LIMIT_DEFAULTS: Record<LimitFile, string> = { "memory.max": "max", "cpu.max": "max 100000", "pids.max": "max" };

// memparse(): a number with an optional K/M/G/T/P/E suffix (either case).
const BYTES = /^(max|\d+[kmgtpe]?)$/i;
const COUNT = /^(max|\d+)$/;

/** The value to write for one limit file's content (first line, trimmed), or
 *  why the kernel would refuse it. Checked here so the log names the file and
 *  the rule, not only "EINVAL". */
export function checkLimit(file: LimitFile, content: string): { ok: true; value: string } | { ok: false; problem: string } {
  const value = (content.split("\n")[0] ?? "").trim();
  const bad = (rule: string) => ({ ok: false as const, problem: `${file}: ${JSON.stringify(value)} is not ${rule}` });
  switch (file) {
    case "memory.max":
      return BYTES.test(value) ? { ok: true, value } : bad("max or bytes with an optional K, M, G suffix (e.g. 64M)");
    case "pids.max":
      return COUNT.test(value) ? { ok: true, value } : bad("max or a number of processes");
    case "cpu.max": {
      // "QUOTA [PERIOD]" in microseconds: QUOTA max or >= 1000, PERIOD 1000..1000000.
      const m = /^(max|\d+)(?:\s+(\d+))?$/.exec(value);
      if (!m) return bad("QUOTA [PERIOD] in microseconds, QUOTA max or a number (e.g. 50000 100000)");
      if (m[1] !== "max" && Number(m[1]) < 1000) return bad("a quota of at least 1000 µs");
      if (m[2] !== undefined && (Number(m[2]) < 1000 || Number(m[2]) > 1_000_000)) return bad("a period of 1000 to 1000000 µs");
      return { ok: true, value: m[2] === undefined ? value : `${m[1]} ${m[2]}` };
    }
  }
}

/** A "key value" file (cgroup.events, cpu.stat, memory.events) as a map. */
export function keyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

/** The pids of a cgroup.procs text; 0 (a process outside our pid namespace) is dropped. */
export function procsPids(text: string): number[] {
  return text
    .split("\n")
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** The controllers among WANTED that a cgroup.controllers text lists, in WANTED's order. */
export function availableControllers(controllersText: string, wanted: readonly string[]): string[] {
  const have = new Set(controllersText.trim().split(/\s+/));
  return wanted.filter((c) => have.has(c));
}
