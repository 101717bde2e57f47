// cgroup v2 for services: one cgroup per service under a tsinit subtree of
// PID 1's own cgroup (B/tsinit/NAME), so that stopping a service kills
// everything it started (cgroup.kill), limits apply to the whole service,
// and status can show its memory and CPU time. See docs/cgroups.md.
import { mkdirSync, readFileSync, readlinkSync } from "node:fs";
import { codeOf } from "../sys/errors";
import { writeCgroupFile } from "./files";
import { InotifyEmptyWatch } from "./empty-watch";
import { cgroupName } from "./parse";
import { ServiceGroup, type ServiceCgroup } from "./service-cgroup";

export type { ServiceCgroup };
import { setUpTree, type SetupFs } from "./setup";

/** The subtree all services' cgroups live in. */
export interface CgroupTree {
  service(name: string): ServiceCgroup;
}

/** The services' cgroups under one directory, one object per name: a service
 *  that comes back before its old cgroup emptied takes that cgroup over. */
export class ServiceTree implements CgroupTree {
  private readonly groups = new Map<string, ServiceGroup>();
  private readonly empty = new InotifyEmptyWatch();

  constructor(readonly top: string) {}

  service(name: string): ServiceCgroup {
    let g = this.groups.get(name);
    if (g) {
      g.revive();
      return g;
    }
    g = new ServiceGroup(name, `${this.top}/${cgroupName(name)}`, this.empty, (gone) => {
      if (this.groups.get(name) === gone) this.groups.delete(name);
    });
    this.groups.set(name, g);
    return g;
  }
}

const realFs: SetupFs = {
  read: (path) => readFileSync(path, "utf8"),
  readlink: (path) => readlinkSync(path),
  mkdir: (path) => {
    try {
      mkdirSync(path, { mode: 0o755 });
    } catch (e) {
      if (codeOf(e) !== "EEXIST") throw e;
    }
  },
  write: writeCgroupFile,
  pid: process.pid,
};

/** The services' subtree below this process's own cgroup v2, or null when
 *  there is no cgroup v2 to use; detail says which, for the boot log. */
export function openCgroupTree(): { tree: CgroupTree; detail: string } | { tree: null; detail: string } {
  const r = setUpTree(realFs);
  return r.top === null ? { tree: null, detail: r.detail } : { tree: new ServiceTree(r.top), detail: r.detail };
}
