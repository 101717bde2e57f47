// The kept-fd map on disk is never behind PID 1: each keep and each release
// is in the file when the call returns (a crash right after cannot lose it),
// the log stays small however many changes it sees, and it still reads the
// whole-object map older images wrote.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as sys from "../../src/sys";
import { closeUntakenFds, forgetFd, keepFd, loadInheritedFds, parseKeptFds, setKeptFdsFile, takeFd } from "../../src/sys/kept-fds";

const tmp = mkdtempSync(`${tmpdir()}/tsinit-kept-`);
const onDisk = (file: string) => Object.fromEntries(parseKeptFds(readFileSync(file, "utf8")));

test("parse: a log replays in order, a torn line is skipped, an old whole-object map reads as is", () => {
  assert.equal(Object.fromEntries(parseKeptFds('["a",5]\n["b",6]\n["a",null]\n["b",7]\n["c",')), { b: 7 });
  assert.equal(Object.fromEntries(parseKeptFds('{"catch-all":4,"notify:/run/service/x":9}\n')), { "catch-all": 4, "notify:/run/service/x": 9 });
  assert.equal(parseKeptFds("").size, 0);
});

test("each keep and release is on disk when the call returns; the log is compacted; a new image takes it over", () => {
  const file = `${tmp}/kept-fds.json`;
  setKeptFdsFile(file);
  const [r, w] = sys.pipe(false);
  keepFd("notify:a", r);
  assert.equal(onDisk(file), { "notify:a": r }, "kept, before any await");
  keepFd("log:a", w);
  forgetFd("notify:a");
  assert.equal(onDisk(file), { "log:a": w }, "released, before any await");
  // A thousand restarts of one service: the file does not grow with them.
  for (let i = 0; i < 1000; i++) {
    keepFd("notify:b", r);
    forgetFd("notify:b");
  }
  assert.equal(onDisk(file), { "log:a": w });
  assert.ok(statSync(file).size < 4096, `compacted: ${statSync(file).size} bytes`);
  assert.is(statSync(file).mode & 0o777, 0o600);

  // What the next image does with it (same process here: the fds are open).
  assert.is(loadInheritedFds(file), 1);
  assert.equal(onDisk(file), { "log:a": w }, "an inherited fd stays listed until it is taken or closed");
  assert.is(takeFd("log:a"), w);
  assert.is(takeFd("notify:a"), undefined);
  closeUntakenFds();
  assert.equal(onDisk(file), { "log:a": w });
  forgetFd("log:a");
  assert.equal(onDisk(file), {});
  sys.close(r);
  sys.close(w);
});

test("an old image's whole-object map is taken over, and its closed fds are dropped", () => {
  const file = `${tmp}/old.json`;
  const [r, w] = sys.pipe(false);
  writeFileSync(file, JSON.stringify({ "catch-all": r, gone: 1000 }) + "\n");
  assert.is(loadInheritedFds(file), 1);
  assert.is(takeFd("catch-all"), r);
  closeUntakenFds();
  assert.equal(onDisk(file), { "catch-all": r });
  sys.close(r);
  sys.close(w);
});

test.run();
