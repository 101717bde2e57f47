// A scan dir that cannot be read is not an empty one (issue 13, finding 2):
// readScanDir says so, and PID 1's mirror then removes nothing.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync } from "node:fs";
import { readScanDir } from "../../src/supervise/scandir";
import { syncMirror } from "../../src/boot/mirror";
import { removeTree, tempTree } from "../../lab/tree";

const test = suite("scan dir read failures");

test("a missing scan dir: no services, not complete, the errno", () => {
  const root = tempTree({});
  try {
    const r = readScanDir(`${root}/nope`);
    assert.equal(r.services, []);
    assert.is(r.complete, false);
    assert.is(r.error, "ENOENT");
    assert.equal(r.problems, [`unable to read ${root}/nope: No such file or directory (ENOENT)`]);
  } finally {
    removeTree(root);
  }
});

test("a readable scan dir is complete; a dangling symlink is a problem, not a gap", () => {
  const root = tempTree({ "a/run": "#!/bin/sh\n", b: { symlink: "/nonexistent" } });
  try {
    const r = readScanDir(root);
    assert.equal(
      r.services.map((s) => s.name),
      ["a"],
    );
    assert.is(r.complete, true);
    assert.is(r.error, undefined);
  } finally {
    removeTree(root);
  }
});

test("the mirror keeps every service when the image's scan dir cannot be read", () => {
  const root = tempTree({ "src/a/run": "#!/bin/sh\n", "src/b/run": "#!/bin/sh\n" });
  try {
    const live = `${root}/live`;
    assert.equal(syncMirror(`${root}/src`, live), []);
    assert.ok(existsSync(`${live}/a/run`) && existsSync(`${live}/b/run`));
    mkdirSync(`${live}/a/supervise`);
    const problems = syncMirror(`${root}/gone`, live);
    assert.equal(problems, [`unable to read ${root}/gone: No such file or directory (ENOENT)`]);
    assert.ok(existsSync(`${live}/a/supervise`) && existsSync(`${live}/b/run`), "nothing removed");
    // a readable source still removes what left it
    removeTree(`${root}/src/b`);
    syncMirror(`${root}/src`, live);
    assert.ok(!existsSync(`${live}/b`) && existsSync(`${live}/a/run`));
  } finally {
    removeTree(root);
  }
});

test.run();
