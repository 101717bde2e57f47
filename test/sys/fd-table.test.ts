// reserveFdTable against the real kernel: the fd table (FDSize in
// /proc/self/status) is made large in one step, and nothing is left open.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import * as sys from "../../src/sys";

const fdSize = () => Number(/\nFDSize:\s*(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]);
const openFds = () => readdirSync("/proc/self/fd").length;

test("reserveFdTable: the table holds the asked-for fds at once; no fd stays open", () => {
  const [soft] = sys.native().getrlimit(sys.constants().RLIMIT_NOFILE!);
  const upTo = Math.min(soft < 0 ? 20_000 : soft - 1, 20_000);
  const before = fdSize();
  assert.ok(before < upTo, `the table is already ${before} (asked ${upTo}): nothing to see`);
  const fds = openFds();
  const [r, w] = sys.pipe(false);
  try {
    sys.reserveFdTable(r, upTo);
    assert.ok(fdSize() > upTo, `FDSize ${before} -> ${fdSize()}, asked ${upTo}`);
  } finally {
    sys.close(r);
    sys.close(w);
  }
  assert.is(openFds(), fds, "the copy was closed");
});

test("reserveFdTable past the limit or on a closed fd: nothing thrown, nothing grown", () => {
  const before = fdSize();
  const [r, w] = sys.pipe(false);
  sys.close(w);
  sys.reserveFdTable(w, 64);
  sys.reserveFdTable(r, 2 ** 31 - 1);
  sys.close(r);
  assert.is(fdSize(), before);
});

test.run();
