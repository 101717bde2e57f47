// The pure parts of cgroups: mountinfo and /proc/PID/cgroup, the cgroup
// directory of a path under a mount, service names as cgroup names, limit
// files, key-value files, and the status columns' formats.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  availableControllers,
  cgroup2Mounts,
  cgroupDir,
  cgroupName,
  checkLimit,
  keyValues,
  pickCgroup2Mount,
  procsPids,
  unifiedPath,
} from "../../src/cgroup/parse";
import { formatBytes, formatCpu, serviceCgroupDir, supervisorNames } from "../../src/control/status-cgroup";

// This development machine's hybrid layout, and a pure v2 machine.
const HYBRID = [
  "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
  "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
].join("\n");
const PURE = "26 21 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";

const mounts = suite("cgroup: mounts and paths");

mounts("cgroup2 mounts: mount point, root, superblock options; v1 and tmpfs ignored", () => {
  assert.equal(cgroup2Mounts(HYBRID), [{ root: "/", mountPoint: "/sys/fs/cgroup/unified", superOptions: [] }]);
  assert.equal(cgroup2Mounts(PURE), [{ root: "/", mountPoint: "/sys/fs/cgroup", superOptions: ["nsdelegate", "memory_recursiveprot"] }]);
  // octal escapes in paths; optional fields before " - "
  const odd = "50 1 0:40 /a\\040b /mnt/my\\040cg rw shared:9 master:2 - cgroup2 none rw\n";
  assert.equal(cgroup2Mounts(odd), [{ root: "/a b", mountPoint: "/mnt/my cg", superOptions: [] }]);
  assert.equal(cgroup2Mounts("garbage\n\n- cgroup2\n"), []);
});

mounts("/sys/fs/cgroup is preferred, else the first (hybrid: unified), else none", () => {
  const both = cgroup2Mounts(`${HYBRID}\n${PURE.replace("26 21", "60 1").replace(" - ", " - ")}`);
  assert.is(pickCgroup2Mount(both)!.mountPoint, "/sys/fs/cgroup");
  assert.is(pickCgroup2Mount(cgroup2Mounts(HYBRID))!.mountPoint, "/sys/fs/cgroup/unified");
  assert.is(pickCgroup2Mount([]), null);
});

mounts("/proc/PID/cgroup: the 0:: line, or null with v1 only", () => {
  assert.is(unifiedPath("4:memory:/x\n0::/user.slice/a b\n"), "/user.slice/a b");
  assert.is(unifiedPath("0::/\n"), "/");
  assert.is(unifiedPath("4:memory:/x\n1:cpu:/\n"), null);
});

mounts("the directory of a cgroup path: the mount's root field is cut off", () => {
  const m = { mountPoint: "/sys/fs/cgroup/unified", root: "/", superOptions: [] };
  assert.is(cgroupDir(m, "/"), "/sys/fs/cgroup/unified");
  assert.is(cgroupDir(m, "/t/x"), "/sys/fs/cgroup/unified/t/x");
  // a cgroup namespace or bind mount showing /ns as the mount's root
  const ns = { mountPoint: "/sys/fs/cgroup", root: "/ns", superOptions: [] };
  assert.is(cgroupDir(ns, "/ns"), "/sys/fs/cgroup");
  assert.is(cgroupDir(ns, "/ns/svc"), "/sys/fs/cgroup/svc");
  assert.is(cgroupDir(ns, "/nsx/svc"), null, "a sibling of the root is not under the mount");
  assert.is(cgroupDir(ns, "/other"), null);
  assert.is(cgroupDir(m, "/gone (deleted)"), null);
});

mounts.run();

const names = suite("cgroup: service names");

names("plain names stay; / % newline and leading dots are encoded", () => {
  assert.is(cgroupName("web"), "web");
  assert.is(cgroupName("getty@tty1"), "getty@tty1");
  assert.is(cgroupName("ticker/log"), "ticker%2Flog");
  assert.is(cgroupName("50%"), "50%25");
  assert.is(cgroupName("a\nb"), "a%0Ab");
  assert.is(cgroupName("."), "%2E");
  assert.is(cgroupName(".."), "%2E.");
  assert.is(cgroupName(".hidden"), "%2Ehidden");
});

names("a name that looks like an interface file does not collide with it", () => {
  for (const n of ["memory.max", "cgroup.procs", "cpu.max", "pids.max", "io.weight"]) {
    assert.not.ok(/^[a-z]+\./.test(cgroupName(n)), n);
    assert.not.ok(cgroupName(n).includes("/"), n);
  }
  assert.is(cgroupName("memory.max"), "memory%2Emax");
  assert.is(cgroupName("cpuhog.v2"), "cpuhog.v2", "only the controllers' own prefixes");
});

names("encoding is one-to-one over awkward names", () => {
  const awkward = ["a/b", "a%2Fb", "a%b", "a.b", ".a", "%2Ea", "memory.x", "memory%2Ex", "x/log", "x%2Flog", "", "/", "%"];
  const encoded = awkward.map(cgroupName);
  assert.is(new Set(encoded).size, awkward.length, encoded.join(" "));
});

names.run();

const limits = suite("cgroup: limit files");

limits("memory.max: max or bytes with a K/M/G/T/P/E suffix; first line, trimmed", () => {
  for (const ok of ["max", "16M", "16m", "1G", "1048576", "64K", "2T"]) assert.equal(checkLimit("memory.max", `${ok}\n`), { ok: true, value: ok }, ok);
  assert.equal(checkLimit("memory.max", "  32M  \nignored\n"), { ok: true, value: "32M" });
  for (const bad of ["", "16 M", "16MB", "-1", "1.5G", "unlimited", "0x10"]) {
    const r = checkLimit("memory.max", bad);
    assert.is(r.ok, false, bad);
    if (!r.ok) assert.match(r.problem, /^memory\.max: ".*" is not max or bytes/);
  }
});

limits("pids.max: max or a count", () => {
  assert.equal(checkLimit("pids.max", "64\n"), { ok: true, value: "64" });
  assert.equal(checkLimit("pids.max", "max"), { ok: true, value: "max" });
  for (const bad of ["", "-1", "10k", "many"]) assert.is(checkLimit("pids.max", bad).ok, false, bad);
});

limits("cpu.max: QUOTA [PERIOD] in µs, the kernel's ranges", () => {
  assert.equal(checkLimit("cpu.max", "50000 100000\n"), { ok: true, value: "50000 100000" });
  assert.equal(checkLimit("cpu.max", "max"), { ok: true, value: "max" });
  assert.equal(checkLimit("cpu.max", "max   20000"), { ok: true, value: "max 20000" });
  assert.equal(checkLimit("cpu.max", "25000"), { ok: true, value: "25000" });
  const problem = (v: string) => {
    const r = checkLimit("cpu.max", v);
    return r.ok ? "" : r.problem;
  };
  assert.match(problem("999 100000"), /quota of at least 1000/);
  assert.match(problem("50000 999"), /period of 1000 to 1000000/);
  assert.match(problem("50000 2000000"), /period/);
  assert.match(problem("50%"), /QUOTA \[PERIOD\]/);
  assert.match(problem("1 2 3"), /QUOTA \[PERIOD\]/);
});

limits.run();

const files = suite("cgroup: kernel files");

files("key-value files: cgroup.events, cpu.stat", () => {
  const ev = keyValues("populated 1\nfrozen 0\n");
  assert.is(ev.get("populated"), 1);
  assert.is(ev.get("frozen"), 0);
  const stat = keyValues("usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\nnr_periods 0\n");
  assert.is(stat.get("usage_usec"), 123456);
  assert.is(keyValues("").size, 0);
});

files("cgroup.procs: pids, zeros (outside our pid namespace) dropped", () => {
  assert.equal(procsPids("12\n0\n345\n\n"), [12, 345]);
  assert.equal(procsPids(""), []);
});

files("controllers: what is offered among the wanted, in the wanted order", () => {
  assert.equal(availableControllers("cpuset cpu io memory hugetlb pids rdma misc\n", ["memory", "cpu", "pids"]), ["memory", "cpu", "pids"]);
  assert.equal(availableControllers("pids io\n", ["memory", "cpu", "pids"]), ["pids"]);
  assert.equal(availableControllers("\n", ["memory", "cpu", "pids"]), []);
});

files.run();

const status = suite("cgroup: status columns");

status("a pid's cgroup counts only when it is B/tsinit/NAME of that service", () => {
  const names = supervisorNames("ticker/log", "/run/tsinit/service/ticker/log");
  assert.equal(names, ["ticker/log", "log", "ticker/log"]);
  const dir = (cg: string, n = ["web"]) => serviceCgroupDir(HYBRID, `4:memory:/\n0::${cg}\n`, n);
  assert.is(dir("/t1/tsinit/web"), "/sys/fs/cgroup/unified/t1/tsinit/web");
  assert.is(dir("/tsinit/ticker%2Flog", names), "/sys/fs/cgroup/unified/tsinit/ticker%2Flog");
  assert.is(dir("/t1/tsinit/db"), null, "another service's cgroup");
  assert.is(dir("/t1/web"), null, "not in a tsinit subtree");
  assert.is(dir("/"), null, "the root: the whole machine, not the service");
  assert.is(serviceCgroupDir("", "0::/tsinit/web\n", ["web"]), null, "no cgroup2 mount");
});

status("formats: bytes with the kernel's suffixes, CPU seconds", () => {
  assert.is(formatBytes(512), "512B");
  assert.is(formatBytes(2048), "2.0K");
  assert.is(formatBytes(13 * 1024 * 1024), "13M");
  assert.is(formatBytes(1.5 * 1024 ** 3), "1.5G");
  assert.is(formatCpu(0), "0.00s");
  assert.is(formatCpu(1_234_567), "1.23s");
  assert.is(formatCpu(184_000_000), "3m04s");
  assert.is(formatCpu(7_260_000_000), "2h01m");
});

status.run();
