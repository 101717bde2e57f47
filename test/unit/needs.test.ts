// How install decides that an image can run the executable: libraries found
// through the image's ld.so.conf (and its includes), files that are not
// x86-64 ELF passed over as the loader passes over them, and a missing
// library or version named.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { readElf } from "../../src/image/elf";
import { libraryDirs, missingInImage, DEFAULT_LIB_DIRS } from "../../src/install/needs";
import { ImageFs } from "../../src/image/image-fs";
import { removeTree, tempTree } from "../../lab/tree";

const BIN = process.env.TSINIT_BIN ?? "dist/tsinit";
const HOST = "/lib/x86_64-linux-gnu";
const LIBS = ["libdl.so.2", "libstdc++.so.6", "libm.so.6", "libgcc_s.so.1", "libpthread.so.0", "libc.so.6", "ld-linux-x86-64.so.2"];

/** A root with ld.so.conf including conf.d/*.conf, which names /opt/lib; the loader at /lib64. */
function root(): string {
  const r = tempTree({
    "etc/ld.so.conf": "# comment\ninclude /etc/ld.so.conf.d/*.conf\n",
    "etc/ld.so.conf.d/opt.conf": "/opt/lib/\n",
    "etc/ld.so.conf.d/skip.txt": "/not/this\n",
  });
  mkdirSync(`${r}/opt/lib`, { recursive: true });
  mkdirSync(`${r}/lib64`);
  copyFileSync("/lib64/ld-linux-x86-64.so.2", `${r}/lib64/ld-linux-x86-64.so.2`);
  return r;
}

test("libraryDirs: ld.so.conf and the files its include glob matches come before the loader's own dirs", () => {
  const r = root();
  try {
    assert.equal(libraryDirs(new ImageFs(r)), ["/opt/lib", ...DEFAULT_LIB_DIRS]);
  } finally {
    removeTree(r);
  }
});

test("missingInImage: everything in an ld.so.conf dir is found; a non-ELF file of the same name is skipped and said", () => {
  const r = root();
  try {
    for (const lib of LIBS) copyFileSync(`${HOST}/${lib}`, `${r}/opt/lib/${lib}`);
    const needers = [{ name: "tsinit", elf: readElf(BIN) }];
    assert.equal(missingInImage(r, needers, 62), []);

    writeFileSync(`${r}/opt/lib/libm.so.6`, "not an ELF file\n");
    const missing = missingInImage(r, needers, 62);
    assert.is(missing.length, 1, missing.join("\n"));
    assert.match(
      missing[0]!,
      /^libm\.so\.6 not found in ROOT \(needed by tsinit; looked in \/opt\/lib \/lib\/x86_64-linux-gnu .*; skipped \/opt\/lib\/libm\.so\.6: not x86-64\)$/,
    );

    mkdirSync(`${r}/usr/lib`, { recursive: true });
    copyFileSync(`${HOST}/libm.so.6`, `${r}/usr/lib/libm.so.6`);
    assert.equal(missingInImage(r, needers, 62), [], "found further down the list, as the loader would");
  } finally {
    removeTree(r);
  }
});

test("missingInImage: no loader and a library's own needs (libstdc++ needs libgcc_s) are named", () => {
  const r = root();
  try {
    for (const lib of LIBS) if (lib !== "libgcc_s.so.1") copyFileSync(`${HOST}/${lib}`, `${r}/opt/lib/${lib}`);
    const missing = missingInImage(
      r,
      [
        { name: "prog", elf: readElf(`${HOST}/libstdc++.so.6`) },
        { name: "tsinit", elf: readElf(BIN) },
      ],
      62,
    );
    assert.ok(
      missing.some((m) => /^libgcc_s\.so\.1 not found in ROOT \(needed by (prog|tsinit)/.test(m)),
      missing.join("\n"),
    );
    removeTree(`${r}/lib64`);
    assert.ok(missingInImage(r, [{ name: "tsinit", elf: readElf(BIN) }], 62).includes("the dynamic loader /lib64/ld-linux-x86-64.so.2 is not in ROOT"));
  } finally {
    removeTree(r);
  }
});

test.run();
