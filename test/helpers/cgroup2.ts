// Where a test may make cgroups of its own: the cgroup v2 mount whose root is
// the hierarchy's root (/sys/fs/cgroup on a v2 host, /sys/fs/cgroup/unified on
// a hybrid one), or null, with the reason to skip on.
import { readFileSync } from "node:fs";
import { cgroup2Mounts, pickCgroup2Mount } from "../../src/cgroup/parse";

/** The cgroup2 mount point at the hierarchy's root, or null. */
export const CGROUP2 = ((): string | null => {
  const m = pickCgroup2Mount(cgroup2Mounts(readFileSync("/proc/self/mountinfo", "utf8")));
  return m && m.root === "/" ? m.mountPoint : null;
})();

/** Why a cgroup test cannot run here, or null. */
export const noCgroup2 = CGROUP2 ? null : "no cgroup2 mounted at its root (/sys/fs/cgroup or /sys/fs/cgroup/unified)";
