// Finding PID 1's cgroup v2 at boot and preparing the services' subtree
// below it: B/tsinit/NAME, with the memory, cpu and pids controllers enabled
// down to the services where the kernel offers them. The filesystem is passed
// in, so the decisions are unit-tested without a cgroupfs.
import { basename, dirname } from "node:path";
import { reason } from "../cli/log";
import { codeOf } from "../sys/errors";
import { availableControllers, cgroup2Mounts, cgroupDir, pickCgroup2Mount, unifiedPath } from "./parse";

/** The file operations setup needs; each throws errno-shaped errors. */
export interface SetupFs {
  read(path: string): string;
  readlink(path: string): string;
  /** mkdir that succeeds when the directory exists */
  mkdir(path: string): void;
  write(path: string, value: string): void;
  /** this process's pid (1 for an init) */
  pid: number;
}

/** The subtree below B that holds one cgroup per service. */
export const SUBTREE = "tsinit";
/** The leaf PID 1 moves into when B must hand its controllers down (no internal processes). */
export const INIT_LEAF = "tsinit-init";
const WANTED = ["memory", "cpu", "pids"] as const;

// Initial namespaces have fixed inode numbers (PROC_PID_INIT_INO, PROC_CGROUP_INIT_INO).
const INITIAL_NS = { pid: 0xeffffffc, cgroup: 0xeffffffb } as const;

const NONE = "services share PID 1's cgroup";

export type Setup = { top: string; detail: string } | { top: null; detail: string };

/** Whether this process is in the initial namespace of KIND; true when unknown. */
function initialNs(fs: SetupFs, kind: keyof typeof INITIAL_NS): boolean {
  try {
    const m = /\[(\d+)\]/.exec(fs.readlink(`/proc/self/ns/${kind}`));
    return !m || Number(m[1]) === INITIAL_NS[kind];
  } catch {
    return true;
  }
}

/** Finds B (PID 1's own cgroup, or the parent of its leaf after a re-exec),
 *  makes B/tsinit and enables the controllers it can. */
export function setUpTree(fs: SetupFs): Setup {
  let mountinfo: string;
  let own: string | null;
  try {
    mountinfo = fs.read("/proc/self/mountinfo");
    own = unifiedPath(fs.read("/proc/self/cgroup"));
  } catch (e) {
    return { top: null, detail: `no cgroup v2 (${reason(e)}): ${NONE}` };
  }
  const mount = pickCgroup2Mount(cgroup2Mounts(mountinfo));
  if (!mount || own === null) return { top: null, detail: `no cgroup v2: ${NONE}` };
  let b = cgroupDir(mount, own);
  if (b === null) return { top: null, detail: `PID 1's cgroup ${own} is not under ${mount.mountPoint}: ${NONE}` };
  // A re-exec finds itself in the leaf the previous image moved it to.
  if (basename(b) === INIT_LEAF) b = dirname(b);
  const realRoot = own === "/" && mount.root === "/" && initialNs(fs, "cgroup");
  // The real root cgroup is the machine's init's to divide. Anyone else there
  // (a test's PID 1 in its own pid namespace, a subreaper started from a
  // shell) would share B/tsinit/NAME with every other such tsinit: one's
  // cgroup.kill would kill another's services.
  if (realRoot && !(fs.pid === 1 && initialNs(fs, "pid"))) return { top: null, detail: `in the host's root cgroup but not the machine's init: ${NONE}` };
  const top = `${b}/${SUBTREE}`;
  try {
    fs.mkdir(top);
  } catch (e) {
    return { top: null, detail: `unable to create ${top}: ${reason(e)}: ${NONE}` };
  }
  return { top, detail: `${top} (${controllers(fs, b, top, realRoot)})` };
}

// Enables what B offers of memory, cpu and pids in B and in B/tsinit; says
// which, or why none. Kill and usage work without them.
function controllers(fs: SetupFs, b: string, top: string, realRoot: boolean): string {
  let offered: string[];
  try {
    offered = availableControllers(fs.read(`${b}/cgroup.controllers`), WANTED);
  } catch (e) {
    return `no controllers: unable to read ${b}/cgroup.controllers: ${reason(e)}`;
  }
  if (offered.length === 0) return `no ${WANTED.join(", ")} controller in ${b}`;
  const enable = (dir: string) => fs.write(`${dir}/cgroup.subtree_control`, offered.map((c) => `+${c}`).join(" "));
  let moved = "";
  try {
    try {
      enable(b);
    } catch (e) {
      // No internal processes: a non-root cgroup handing controllers down may
      // hold none itself. PID 1 moves into a leaf; other processes in B cannot.
      if (codeOf(e) !== "EBUSY" || realRoot) throw e;
      fs.mkdir(`${b}/${INIT_LEAF}`);
      fs.write(`${b}/${INIT_LEAF}/cgroup.procs`, "0");
      moved = `, PID 1 moved to ${b}/${INIT_LEAF}`;
      enable(b);
    }
    enable(top);
  } catch (e) {
    return `no controllers: unable to enable ${offered.join(" ")} (${reason(e)})${moved}`;
  }
  return `${offered.join(" ")}${moved}`;
}
