// `tsinit install ROOT` with the real executable: into a minimal root that
// has the loader and the libraries (copied from the host at the paths ldd
// names), twice (the second run changes nothing); into roots missing
// libstdc++ or with a libc too old, where it must name what is missing,
// exit 111 and leave ROOT alone.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { BIN } from "../helpers/pid1";
import { readElf } from "../../src/image/elf";
import { run, tsinit } from "./cli-helpers";
import { removeTree, tempTree } from "../../lab/tree";

/** The host libraries our binary and its addon load (ldd, as image/build.sh finds them). */
function hostLibs(): string[] {
  const libs = new Set<string>();
  for (const file of [BIN, "build/Release/tsinit.node"]) {
    for (const line of run("ldd", file).out.split("\n")) {
      const m = /=> (\/\S+)/.exec(line) ?? /^\s+(\/\S+)/.exec(line);
      if (m) libs.add(m[1]!);
    }
  }
  return [...libs];
}

/** A root with the host's loader and libraries, minus those whose name starts with one of WITHOUT. */
function minimalRoot(without: string[] = []): string {
  const root = tempTree({ "etc/passwd": "root:x:0:0:root:/root:/bin/sh\n" }, "tsinit-install-");
  for (const lib of hostLibs()) {
    const name = lib.split("/").pop()!;
    if (without.some((w) => name.startsWith(w))) continue;
    mkdirSync(dirname(`${root}${lib}`), { recursive: true });
    copyFileSync(lib, `${root}${lib}`); // follows the host's symlink: a file in the root
  }
  return root;
}

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

test("install: into a minimal root: init, links, skeleton, a check; a second run changes nothing", () => {
  const root = minimalRoot();
  try {
    const r = tsinit("install", root);
    assert.is(r.status, 0, r.out + r.err);
    assert.is(r.err, "");
    assert.is(sha(`${root}/sbin/init`), sha(BIN));
    assert.is(statSync(`${root}/sbin/init`).mode & 0o777, 0o755);
    for (const l of ["poweroff", "reboot", "halt", "tsinit"]) assert.is(readlinkSync(`${root}/sbin/${l}`), "init");
    for (const d of ["service", "task", "env"]) assert.ok(statSync(`${root}/etc/s6/${d}`).isDirectory(), d);
    assert.match(readFileSync(`${root}/etc/s6/env/PATH`, "utf8"), /^\/usr\/local\/sbin:.*:\/bin\n$/);
    assert.match(r.out, new RegExp(`^${root}/sbin/init: installed \\(\\d+ bytes\\)$`, "m"));
    assert.match(r.out, new RegExp(`^/etc/s6 in ${root}: no problems\\n$`, "m"));

    // The root's own loader and libraries are enough to run it.
    const inside = run("chroot", root, "/sbin/init", "--version");
    assert.is(inside.out, tsinit("--version").out, inside.err);
    // The client commands are there by the name the README uses (in a
    // booted image /run is a tmpfs, where the addon is unpacked).
    mkdirSync(`${root}/run`);
    const status = run("chroot", root, "/sbin/tsinit", "status", "/etc/s6/service");
    assert.match(status.out + status.err, /no services in \/etc\/s6\/service/, status.out + status.err);

    const ino = statSync(`${root}/sbin/init`).ino;
    const again = tsinit("install", root);
    assert.is(again.status, 0, again.out + again.err);
    assert.match(again.out, new RegExp(`^${root}: nothing to change, this tsinit is installed$`, "m"));
    assert.not.match(again.out, /installed \(|created|replaced/);
    assert.is(statSync(`${root}/sbin/init`).ino, ino, "init was not rewritten");
    assert.not.ok(existsSync(`${root}/sbin/init.old`));
  } finally {
    removeTree(root);
  }
});

test("install --keep-old: a different init becomes init.old; what the user made in /etc/s6 stays and is checked in ROOT", () => {
  const root = minimalRoot();
  try {
    mkdirSync(`${root}/sbin`);
    writeFileSync(`${root}/sbin/init`, "#!/bin/sh\necho old init\n", { mode: 0o755 });
    mkdirSync(`${root}/etc/s6/env`, { recursive: true });
    writeFileSync(`${root}/etc/s6/env/PATH`, "/mine\n");
    // A service whose interpreter the root lacks (the host has /bin/sh): installed, but check says so and install exits 1.
    mkdirSync(`${root}/etc/s6/service/web`, { recursive: true });
    writeFileSync(`${root}/etc/s6/service/web/run`, "#!/bin/sh\nexec sleep 1\n", { mode: 0o755 });
    const r = tsinit("install", "--keep-old", root);
    assert.is(r.status, 1, r.out + r.err);
    assert.match(r.out, /^service\/web\/run: error: its interpreter \/bin\/sh is not in the image: /m);
    assert.is(readFileSync(`${root}/sbin/init.old`, "utf8"), "#!/bin/sh\necho old init\n");
    assert.is(sha(`${root}/sbin/init`), sha(BIN));
    assert.is(readFileSync(`${root}/etc/s6/env/PATH`, "utf8"), "/mine\n");
    assert.match(r.out, /sbin\/init: replaced/);
  } finally {
    removeTree(root);
  }
});

test("install: a root without libstdc++ is refused by name (111) and left unchanged", () => {
  const root = minimalRoot(["libstdc++"]);
  try {
    const r = tsinit("install", root);
    assert.is(r.status, 111, r.out + r.err);
    assert.is(r.out, "");
    assert.match(
      r.err,
      new RegExp(
        `^tsinit install: unable to install ${root}/sbin/init: libstdc\\+\\+\\.so\\.6 not found in ROOT \\(needed by tsinit; looked in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 `,
        "m",
      ),
    );
    assert.match(r.err, /nothing was changed in /);
    assert.not.ok(existsSync(`${root}/sbin`));
    assert.not.ok(existsSync(`${root}/etc/s6`));
  } finally {
    removeTree(root);
  }
});

test("install: a libc that lacks GLIBC_2.28 is named with the newest version it has", () => {
  const root = minimalRoot();
  try {
    // A stand-in libc.so.6 that defines GLIBC_2.2.5 and nothing newer (no libc of its own: -nostdlib).
    const src = tempTree({ "x.c": "int f(void) { return 0; }\n", "v.map": "GLIBC_2.2.5 { global: f; local: *; };\n" });
    const cc = run(
      "gcc",
      "-shared",
      "-nostdlib",
      "-fPIC",
      "-Wl,-soname,libc.so.6",
      `-Wl,--version-script=${src}/v.map`,
      "-o",
      `${root}/lib/x86_64-linux-gnu/libc.so.6`,
      `${src}/x.c`,
    );
    removeTree(src);
    assert.is(cc.status, 0, cc.err);
    const r = tsinit("install", root);
    assert.is(r.status, 111, r.out + r.err);
    assert.match(
      r.err,
      /unable to install .*\/sbin\/init: ROOT's libc\.so\.6 lacks (GLIBC_[0-9.]+, )*GLIBC_2\.28(, GLIBC_[0-9A-Z_.]+)* \(needed by tsinit, tsinit's addon, [^;]*; it has up to GLIBC_2\.2\.5\)/,
    );
    assert.is((r.err.match(/libc\.so\.6 lacks/g) ?? []).length, 1, `one line for libc: ${r.err}`);
    assert.not.ok(existsSync(`${root}/sbin/init`));
  } finally {
    removeTree(root);
  }
});

test("install: a libstdc++ with what Node needs but not what the addon needs is refused, naming the addon", () => {
  const root = minimalRoot(["libstdc++"]);
  try {
    // A stand-in libstdc++.so.6 defining exactly the versions the executable itself needs.
    const nodeNeeds = readElf(BIN).versionsNeeded.get("libstdc++.so.6")!;
    const addonNeeds = readElf("build/Release/tsinit.node").versionsNeeded.get("libstdc++.so.6") ?? [];
    const lacking = addonNeeds.filter((v) => !nodeNeeds.includes(v));
    assert.ok(lacking.length > 0, "the addon needs a newer libstdc++ than Node (else this test shows nothing)");
    const map = nodeNeeds.map((v, i) => (i === 0 ? `${v} { global: f; local: *; };` : `${v} { };`)).join("\n");
    const src = tempTree({ "x.c": "int f(void) { return 0; }\n", "v.map": `${map}\n` });
    const cc = run(
      "gcc",
      "-shared",
      "-nostdlib",
      "-fPIC",
      "-Wl,-soname,libstdc++.so.6",
      `-Wl,--version-script=${src}/v.map`,
      "-o",
      `${root}/lib/x86_64-linux-gnu/libstdc++.so.6`,
      `${src}/x.c`,
    );
    removeTree(src);
    assert.is(cc.status, 0, cc.err);
    const r = tsinit("install", root);
    assert.is(r.status, 111, r.out + r.err);
    // One line for the library, its versions in order, every needer named (not one line each).
    const nums = (v: string) => v.replace(/^.*_/, "").split(".").map(Number);
    const family = (v: string) => v.replace(/_[0-9.]+$/, "");
    const order = (a: string, b: string) => {
      if (family(a) !== family(b)) return family(a) < family(b) ? -1 : 1;
      const [x, y] = [nums(a), nums(b)];
      for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? -1) !== (y[i] ?? -1)) return (x[i] ?? -1) - (y[i] ?? -1);
      return 0;
    };
    const list = [...new Set(lacking)].sort(order).join(", ").replace(/[.+]/g, "\\$&");
    assert.match(r.err, new RegExp(`ROOT's libstdc\\+\\+\\.so\\.6 lacks ${list} \\(needed by tsinit's addon;`));
    assert.is((r.err.match(/ lacks /g) ?? []).length, 1, r.err);
    assert.not.match(r.err, /needed by tsinit;/, "what Node needs is there");
    assert.not.ok(existsSync(`${root}/sbin`));
  } finally {
    removeTree(root);
  }
});

test("install --help, -h, a bad option, a missing ROOT", () => {
  for (const flag of ["--help", "-h"]) {
    const r = tsinit("install", flag);
    assert.is(r.status, 0);
    assert.match(r.out, /^usage: tsinit install \[--keep-old\] ROOT\n/);
    assert.match(r.out, /\nexamples: tsinit install \/mnt\/image\n/);
    assert.match(r.out, /\nexit codes: 0 installed.*100 usage; 111 /s);
  }
  const bad = tsinit("install", "--force", "/tmp");
  assert.is(bad.status, 100);
  assert.match(bad.err, /^tsinit install: .*--force.*\nusage: tsinit install \[--keep-old\] ROOT\n$/);
  const none = tsinit("install");
  assert.is(none.status, 100);
  assert.match(none.err, /^tsinit install: missing ROOT\nusage: tsinit install/);
  const gone = tsinit("install", "/nonexistent-root");
  assert.is(gone.status, 111);
  assert.is(gone.err, "tsinit install: unable to open /nonexistent-root: No such file or directory (ENOENT)\n");
});

test("install refuses when not the packed executable", () => {
  const root = minimalRoot();
  try {
    const r = run("node_modules/.bin/tsx", "src/main.ts", "install", root);
    assert.is(r.status, 111, r.out + r.err);
    assert.match(r.err, /^tsinit install: unable to install .*\/sbin\/init: this is not the packed tsinit executable/);
    assert.not.ok(existsSync(`${root}/sbin`));
  } finally {
    removeTree(root);
  }
});

test.run();
