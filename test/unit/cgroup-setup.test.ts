// Boot-time cgroup decisions over a fake cgroupfs: where B is, the shared-root
// refusal, controllers enabled down to B/tsinit, and the no-internal-processes
// rule (EBUSY → PID 1 into B/tsinit-init → retry), which this development
// machine's controller-less cgroup v2 cannot show for real.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { setUpTree, type SetupFs } from "../../src/cgroup/setup";

const INIT_PID_NS = "pid:[4026531836]";
const INIT_CG_NS = "cgroup:[4026531835]";
const V2 = "26 21 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";

interface Fake extends SetupFs {
  files: Map<string, string>;
  writes: string[];
  dirs: Set<string>;
}

/** A cgroupfs in a map. busy(): whether B still holds other processes after PID 1 moved out. */
function fakeFs(
  over: { own?: string; mountinfo?: string; controllers?: string; pidNs?: string; cgNs?: string; others?: boolean; mkdirFails?: string; pid?: number } = {},
): Fake {
  const files = new Map<string, string>([
    ["/proc/self/mountinfo", over.mountinfo ?? V2],
    ["/proc/self/cgroup", `0::${over.own ?? "/system/box"}\n`],
  ]);
  const b = `/sys/fs/cgroup${over.own ?? "/system/box"}`.replace(/\/$/, "");
  files.set(`${b}/cgroup.controllers`, over.controllers ?? "cpuset cpu io memory pids\n");
  let pid1InB = true;
  const fs: Fake = {
    files,
    pid: over.pid ?? 1,
    writes: [],
    dirs: new Set(),
    read: (p) => {
      const v = files.get(p);
      if (v === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT", errno: 2, syscall: "open", path: p });
      return v;
    },
    readlink: (p) => (p.endsWith("/pid") ? (over.pidNs ?? INIT_PID_NS) : (over.cgNs ?? INIT_CG_NS)),
    mkdir: (p) => {
      if (over.mkdirFails === p) throw Object.assign(new Error(`EACCES: ${p}`), { code: "EACCES", errno: 13, syscall: "mkdir", path: p });
      fs.dirs.add(p);
    },
    write: (p, v) => {
      if (p === `${b}/cgroup.subtree_control` && b !== "/sys/fs/cgroup" && (pid1InB || over.others)) {
        throw Object.assign(new Error(`EBUSY: ${p}`), { code: "EBUSY", errno: 16, syscall: "write", path: p });
      }
      if (p === `${b}/tsinit-init/cgroup.procs` && v === "0") pid1InB = false;
      fs.writes.push(`${p} ${v}`);
    },
  };
  return fs;
}

const test = suite("cgroup: setup");

test("B not the root: EBUSY moves PID 1 into B/tsinit-init, then controllers go down to B/tsinit", () => {
  const fs = fakeFs();
  const r = setUpTree(fs);
  assert.is(r.top, "/sys/fs/cgroup/system/box/tsinit");
  assert.ok(fs.dirs.has("/sys/fs/cgroup/system/box/tsinit"));
  assert.equal(fs.writes, [
    "/sys/fs/cgroup/system/box/tsinit-init/cgroup.procs 0",
    "/sys/fs/cgroup/system/box/cgroup.subtree_control +memory +cpu +pids",
    "/sys/fs/cgroup/system/box/tsinit/cgroup.subtree_control +memory +cpu +pids",
  ]);
  assert.match(r.detail, /^\/sys\/fs\/cgroup\/system\/box\/tsinit \(memory cpu pids, PID 1 moved to \/sys\/fs\/cgroup\/system\/box\/tsinit-init\)$/);
});

test("other processes in B: said once in the detail, the tree is still used (kill and usage work)", () => {
  const fs = fakeFs({ others: true });
  const r = setUpTree(fs);
  assert.is(r.top, "/sys/fs/cgroup/system/box/tsinit");
  assert.match(r.detail, /no controllers: unable to enable memory cpu pids \(.*\(EBUSY\)\), PID 1 moved to/);
  assert.not.ok(fs.writes.some((w) => w.includes("tsinit/cgroup.subtree_control")));
});

test("after a re-exec PID 1 is found in its leaf: B is the leaf's parent, no deeper nesting", () => {
  const fs = fakeFs({ own: "/system/box/tsinit-init" });
  fs.files.set("/sys/fs/cgroup/system/box/cgroup.controllers", "memory pids\n");
  const r = setUpTree(fs);
  assert.is(r.top, "/sys/fs/cgroup/system/box/tsinit");
});

test("the real root (qemu): no internal-process rule, controllers enabled directly", () => {
  const fs = fakeFs({ own: "/" });
  const r = setUpTree(fs);
  assert.is(r.top, "/sys/fs/cgroup/tsinit");
  assert.equal(fs.writes, ["/sys/fs/cgroup/cgroup.subtree_control +memory +cpu +pids", "/sys/fs/cgroup/tsinit/cgroup.subtree_control +memory +cpu +pids"]);
  assert.is(r.detail, "/sys/fs/cgroup/tsinit (memory cpu pids)");
});

test("the host's root cgroup from a pid namespace (a test PID 1), or not as PID 1: no tree, said why", () => {
  const r = setUpTree(fakeFs({ own: "/", pidNs: "pid:[4026532999]" }));
  assert.is(r.top, null);
  assert.match(r.detail, /host's root cgroup.*services share PID 1's cgroup/);
  assert.is(setUpTree(fakeFs({ own: "/", pid: 4242 })).top, null, "a subreaper started from a root shell");
  assert.is(setUpTree(fakeFs({ own: "/system/box", pid: 4242 })).top, "/sys/fs/cgroup/system/box/tsinit", "a subreaper in a cgroup of its own");
  // ... but a container's own cgroup namespace root is its own
  assert.is(setUpTree(fakeFs({ own: "/", pidNs: "pid:[4026532999]", cgNs: "cgroup:[4026533000]" })).top, "/sys/fs/cgroup/tsinit");
});

test("the hybrid layout's unified mount without controllers: the tree, no controllers", () => {
  const mountinfo = "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
  const fs = fakeFs({ mountinfo, own: "/t1" });
  fs.files.set("/sys/fs/cgroup/unified/t1/cgroup.controllers", "\n");
  const r = setUpTree(fs);
  assert.is(r.top, "/sys/fs/cgroup/unified/t1/tsinit");
  assert.match(r.detail, /no memory, cpu, pids controller in \/sys\/fs\/cgroup\/unified\/t1/);
  assert.equal(fs.writes, []);
});

test("no cgroup v2, or no 0:: line: no tree, one detail", () => {
  const v1 = setUpTree(fakeFs({ mountinfo: "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n" }));
  assert.equal(v1, { top: null, detail: "no cgroup v2: services share PID 1's cgroup" });
  const fs = fakeFs();
  fs.files.set("/proc/self/cgroup", "4:memory:/\n");
  assert.is(setUpTree(fs).top, null);
});

test("B/tsinit cannot be made: no tree, the reason in the detail", () => {
  const r = setUpTree(fakeFs({ mkdirFails: "/sys/fs/cgroup/system/box/tsinit" }));
  assert.is(r.top, null);
  assert.match(r.detail, /^unable to create \/sys\/fs\/cgroup\/system\/box\/tsinit: Permission denied \(EACCES\)/);
});

test.run();
