// The ELF reader install uses to check an image, read against binutils'
// readelf on the real dist/tsinit, the host's libc and libstdc++, and the
// addon; and the paths it resolves inside a root.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { readElf, readElfBytes } from "../../src/image/elf";
import { resolveIn } from "../../src/image/root-path";
import { removeTree, tempTree } from "../../lab/tree";

const BIN = process.env.TSINIT_BIN ?? "dist/tsinit";
const LIBC = "/lib/x86_64-linux-gnu/libc.so.6";
const LIBSTDCXX = "/lib/x86_64-linux-gnu/libstdc++.so.6";

/** readelf's view: versions defined (base left out), versions needed per file (weak left out), NEEDED, interpreter. */
function readelf(file: string) {
  const out = spawnSync("readelf", ["-W", "-l", "-d", "-V", file], { encoding: "utf8", maxBuffer: 256 << 20 }).stdout;
  const defined: string[] = [];
  const needed = new Map<string, string[]>();
  let current = "";
  for (const line of out.split("\n")) {
    const def = /Rev: \d+\s+Flags: (\S+)\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)/.exec(line);
    if (def && def[1] !== "BASE") defined.push(def[2]!);
    const file = /Version: \d+\s+File: (\S+)\s+Cnt:/.exec(line);
    if (file) {
      current = file[1]!;
      needed.set(current, []);
    }
    const name = /^\s+0x[0-9a-f]+:\s+Name: (\S+)\s+Flags: (\S+)/.exec(line);
    if (name && current && name[2] !== "WEAK") needed.get(current)!.push(name[1]!);
  }
  return {
    defined,
    needed,
    libs: [...out.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]),
    interp: /Requesting program interpreter: ([^\]]+)\]/.exec(out)?.[1] ?? null,
  };
}

test("readElf(dist/tsinit): loader, NEEDED and version needs as readelf shows them", () => {
  const ours = readElf(BIN);
  const ref = readelf(BIN);
  assert.is(ours.bits, 64);
  assert.is(ours.machine, 62);
  assert.is(ours.interp, ref.interp);
  assert.is(ours.interp, "/lib64/ld-linux-x86-64.so.2");
  assert.equal(ours.needed, ref.libs);
  assert.ok(ours.needed.includes("libstdc++.so.6") && ours.needed.includes("libc.so.6"));
  const sorted = (m: Map<string, string[]>) => Object.fromEntries([...m].map(([k, v]) => [k, [...v].sort()]));
  assert.equal(sorted(ours.versionsNeeded), sorted(ref.needed));
  assert.ok(Object.keys(sorted(ours.versionsNeeded)).length >= 6);
  assert.ok(ours.versionsNeeded.get("libc.so.6")!.includes("GLIBC_2.28"));
  assert.ok(ours.versionsNeeded.get("libstdc++.so.6")!.includes("GLIBCXX_3.4.21"));
  assert.equal(ours.versionsDefined, []);
});

test("readElf(host libc, libstdc++): soname and version definitions as readelf shows them", () => {
  for (const lib of [LIBC, LIBSTDCXX]) {
    const ours = readElf(lib);
    const ref = readelf(lib);
    assert.is(ours.soname, lib.split("/").pop());
    assert.equal(ours.versionsDefined, ref.defined, lib);
    assert.ok(ours.versionsDefined.length > 10, lib);
  }
  assert.ok(readElf(LIBC).versionsDefined.includes("GLIBC_2.28"));
  assert.not.ok(readElf(LIBC).versionsDefined.includes("libc.so.6"), "the base name is not a version");
  assert.ok(readElf(LIBSTDCXX).versionsDefined.includes("CXXABI_1.3.9"));
});

test("readElfBytes reads the addon from memory as readElf reads it from disk", () => {
  const file = "build/Release/tsinit.node";
  assert.equal(readElfBytes(readFileSync(file)), readElf(file));
  assert.equal(readElf(file).needed, readelf(file).libs);
});

test("readElf: not an ELF, or cut short, throws a plain Error", () => {
  const dir = tempTree({ script: "#!/bin/sh\n" });
  try {
    assert.throws(() => readElf(`${dir}/script`), /not an ELF file/);
    writeFileSync(`${dir}/cut`, readFileSync(LIBC).subarray(0, 2000));
    assert.throws(() => readElf(`${dir}/cut`), /truncated|no loaded segment/);
  } finally {
    removeTree(dir);
  }
});

test("resolveIn: absolute links re-rooted, .. stops at ROOT, loops are ELOOP, host names the missing part", () => {
  const root = tempTree({ "usr/lib/libx.so": "x", "bin/busybox": "#!x\n" });
  try {
    symlinkSync("usr/lib", `${root}/lib`);
    symlinkSync("/bin/busybox", `${root}/bin/sh`);
    symlinkSync("../../../../../bin/busybox", `${root}/usr/lib/up`);
    symlinkSync("/etc/passwd", `${root}/usr/lib/hostfile`);
    symlinkSync("self", `${root}/usr/lib/self`);
    mkdirSync(`${root}/etc`);
    const ok = (p: string) => {
      const r = resolveIn(root, p);
      assert.ok(r.ok, `${p}: ${JSON.stringify(r)}`);
      return r.ok ? r.host : "";
    };
    assert.is(ok("/lib/libx.so"), `${root}/usr/lib/libx.so`);
    assert.is(ok("/bin/sh"), `${root}/bin/busybox`);
    assert.is(ok("/usr/lib/up"), `${root}/bin/busybox`);
    const out = resolveIn(root, "/usr/lib/hostfile");
    assert.equal([out.ok, out.ok ? "" : out.code, out.host], [false, "ENOENT", `${root}/etc/passwd`]);
    const loop = resolveIn(root, "/usr/lib/self");
    assert.equal([loop.ok, loop.ok ? "" : loop.code], [false, "ELOOP"]);
    const through = resolveIn(root, "/bin/busybox/x");
    assert.equal([through.ok, through.ok ? "" : through.code], [false, "ENOTDIR"]);
  } finally {
    removeTree(root);
  }
});

test.run();
