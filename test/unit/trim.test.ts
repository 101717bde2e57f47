// The after-boot trim's choices: which levers $TSINIT_TRIM names, and which
// mappings it may advise (only the executable's own, never a writable one:
// a written private page is anonymous memory and must not be touched).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readlinkSync } from "node:fs";
import { DEFAULT_LEVERS, executableMappings, parseLevers, parseMaps } from "../../src/boot/trim";

const EXE = "/sbin/init";
const MAPS = [
  "00400000-00600000 r--p 00000000 fe:00 131 /sbin/init",
  "00600000-02600000 r-xp 00200000 fe:00 131 /sbin/init",
  "02600000-02700000 rw-p 02200000 fe:00 131 /sbin/init",
  "02700000-02800000 rw-p 00000000 00:00 0 ",
  "7f0000000000-7f0000200000 r-xp 00000000 fe:00 77 /usr/lib/x86_64-linux-gnu/libc.so.6",
  "7f0000300000-7f0000301000 r-xp 00000000 00:05 12 /dev/.tsinit-1-abc.node (deleted)",
  "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]",
  "garbage",
  "",
].join("\n");

test("maps: addresses exact as bigint, paths with spaces kept, bad lines skipped", () => {
  const maps = parseMaps(MAPS);
  assert.is(maps.length, 7);
  assert.equal(maps[0], { start: 0x400000n, end: 0x600000n, perms: "r--p", path: "/sbin/init" });
  assert.is(maps[3]!.path, "");
  assert.is(maps[4]!.start, 0x7f0000000000n);
  assert.is(maps[5]!.path, "/dev/.tsinit-1-abc.node (deleted)");
});

test("only the executable's read-only mappings are advised", () => {
  const picked = executableMappings(parseMaps(MAPS), EXE);
  assert.equal(
    picked.map((m) => m.perms),
    ["r--p", "r-xp"],
  );
  // after a rename over the file, /proc/self/exe and the maps both say "(deleted)"
  assert.is(executableMappings(parseMaps(MAPS), "/dev/.tsinit-1-abc.node (deleted)").length, 1);
});

test("levers: unset = defaults, off = none, unknown names dropped", () => {
  assert.equal(parseLevers(undefined), DEFAULT_LEVERS);
  assert.equal(parseLevers(""), DEFAULT_LEVERS);
  assert.equal(parseLevers("off"), []);
  assert.equal(parseLevers("pageout,bogus,v8"), ["pageout", "v8"]);
});

test("this process's own maps parse, and its executable is mapped read-only somewhere", () => {
  const maps = parseMaps(readFileSync("/proc/self/maps", "latin1"));
  const exe = readlinkSync("/proc/self/exe");
  assert.ok(executableMappings(maps, exe).length > 0);
});

test.run();
