// cgroup v2 for services: one cgroup per service under a tsinit subtree.
// STUB: filled in by the cgroup work; no cgroups yet.

/** One service's cgroup, as the effects layer uses it. */
export interface ServiceCgroup {
  /** An O_WRONLY|O_CLOEXEC fd on its cgroup.procs for spawn's cgroupFd
   *  (created on first use, limits from DIR written), or -1 to spawn without. */
  procsFd(dir: string): number;
  /** Kills everything still in it (cgroup.kill). */
  killAll(): void;
  /** The service is gone: close the fd, remove the cgroup once empty. */
  release(): void;
}

/** The subtree all services' cgroups live in. */
export interface CgroupTree {
  service(name: string): ServiceCgroup;
}

/** The services' subtree below this process's own cgroup v2, or null when
 *  there is no cgroup v2 to use. STUB: always null. */
export function openCgroupTree(): { tree: CgroupTree; detail: string } | { tree: null; detail: string } {
  return { tree: null, detail: "cgroups not implemented yet" };
}
