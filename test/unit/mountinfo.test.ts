// /proc/self/mountinfo parsing: the fields stage 3 unmounts by and the cgroup
// lookups use, escapes undone, optional fields and bad lines skipped.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { parseMountinfo } from "../../src/sys/mountinfo";

const TEXT = [
  "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
  "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:2 - proc proc rw",
  "40 22 0:35 /sub /mnt/my\\040dir rw,relatime - tmpfs run rw,size=10k,mode=755",
  "41 22 0:36 / /sys/fs/cgroup rw,nosuid shared:9 master:3 - cgroup2 cgroup2 rw,nsdelegate",
  "garbage",
  "",
].join("\n");

test("fields in order, escapes undone, optional fields before the dash skipped", () => {
  assert.equal(parseMountinfo(TEXT), [
    { root: "/", target: "/", fstype: "ext4", superOptions: ["rw"] },
    { root: "/", target: "/proc", fstype: "proc", superOptions: ["rw"] },
    { root: "/sub", target: "/mnt/my dir", fstype: "tmpfs", superOptions: ["rw", "size=10k", "mode=755"] },
    { root: "/", target: "/sys/fs/cgroup", fstype: "cgroup2", superOptions: ["rw", "nsdelegate"] },
  ]);
});

test("this machine's own mountinfo has / and /proc", () => {
  const mounts = parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"));
  assert.ok(mounts.some((m) => m.target === "/"));
  assert.ok(mounts.some((m) => m.target === "/proc" && m.fstype === "proc"));
});

test.run();
