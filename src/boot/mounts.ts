// The early mounts of stage 1, made only where nothing is mounted yet (the
// initrd usually moved /dev over; a container has /proc and /sys already).
// Mount points are found by st_dev, which needs no /proc.
import { mkdirSync, readFileSync, statSync } from "node:fs";
import * as sys from "../sys";
import { cgroup2Mounts } from "../cgroup/parse";
import { codeOf } from "../sys/errors";

/** One filesystem stage 1 mounts when its target is not a mount point. */
export interface EarlyMount {
  target: string;
  fstype: string;
  source: string;
  /** MS_* names */
  flags: string[];
  data: string;
}

/** What a dock0 machine needs before anything runs, in mount order. */
export const EARLY_MOUNTS: EarlyMount[] = [
  { target: "/proc", fstype: "proc", source: "proc", flags: ["MS_NOSUID", "MS_NODEV", "MS_NOEXEC"], data: "" },
  { target: "/sys", fstype: "sysfs", source: "sysfs", flags: ["MS_NOSUID", "MS_NODEV", "MS_NOEXEC"], data: "" },
  // One cgroup per service (src/cgroup/tree.ts). Its options are
  // system-wide (see cgroup2Data), so none are given here.
  { target: "/sys/fs/cgroup", fstype: "cgroup2", source: "cgroup2", flags: ["MS_NOSUID", "MS_NODEV", "MS_NOEXEC"], data: "" },
  { target: "/dev", fstype: "devtmpfs", source: "devtmpfs", flags: ["MS_NOSUID"], data: "mode=0755" },
  { target: "/dev/pts", fstype: "devpts", source: "devpts", flags: ["MS_NOSUID", "MS_NOEXEC"], data: "gid=5,mode=0620,ptmxmode=0666" },
  { target: "/dev/shm", fstype: "tmpfs", source: "shm", flags: ["MS_NOSUID", "MS_NODEV"], data: "mode=1777" },
  { target: "/run", fstype: "tmpfs", source: "run", flags: ["MS_NOSUID", "MS_NODEV"], data: "mode=0755" },
];

/** True when path is a mount point: its device differs from its parent's, or it is "/". */
export function isMountPoint(path: string): boolean {
  const here = statSync(path);
  const parent = statSync(`${path}/..`);
  return here.dev !== parent.dev || here.ino === parent.ino;
}

/** Mounts m (creating the target) unless something is mounted there; returns whether it mounted. */
export function mountIfAbsent(m: EarlyMount, root = ""): boolean {
  const target = `${root}${m.target}`;
  try {
    if (isMountPoint(target)) return false;
  } catch (e) {
    if (codeOf(e) !== "ENOENT") throw e;
    mkdirSync(target, { recursive: true, mode: 0o755 });
  }
  const c = sys.constants();
  const flags = m.flags.reduce((acc, name) => acc | c[name]!, 0);
  sys.mount(m.source, target, m.fstype, flags, m.fstype === "cgroup2" ? cgroup2Data(m.data) : m.data);
  return true;
}

/** The data for a cgroup2 mount: the options of one already mounted, if any.
 *  Mounting cgroup2 from the initial cgroup namespace sets nsdelegate and the
 *  memory_* options for the whole system, so a PID 1 on a host (a test in a
 *  chroot) mounting it without them would take them from the host's mounts. */
export function cgroup2Data(fallback: string): string {
  let mountinfo: string;
  try {
    mountinfo = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return fallback;
  }
  const existing = cgroup2Mounts(mountinfo)[0];
  return existing ? existing.superOptions.join(",") : fallback;
}
