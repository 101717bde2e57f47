// The small pieces that exist once (issue 14): the death router, the fifodir
// creator, the TAI64N codec, isDir. Each replaced two or three copies.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, statSync, mkdirSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { DeathRouter } from "../../src/sys/deaths";
import { isDir, isFifo } from "../../src/sys/file-kind";
import { ensureFifodir } from "../../src/supervise/s6dir";
import { getTai64n, nanosFromTai64n, putTai64n, tai64n } from "../../src/s6/tai64n";

const exit = (pid: number) => ({ pid, status: 0, code: 0, signal: 0 }) as unknown as Parameters<DeathRouter["route"]>[0];

test("a death goes once to its owner; an orphan is just reaped", () => {
  const r = new DeathRouter();
  const got: number[] = [];
  r.watchPid(10, (e) => got.push(e.pid));
  assert.ok(r.has(10));
  assert.is(r.route(exit(11)), false);
  assert.is(r.route(exit(10)), true);
  assert.is(r.route(exit(10)), false);
  assert.equal(got, [10]);
  assert.not.ok(r.has(10));
});

test("the fifodir is 03730 whoever makes it, and an existing one is left alone", () => {
  const tmp = mkdtempSync(`${tmpdir()}/tsinit-fifodir-`);
  ensureFifodir(`${tmp}/event`);
  assert.is(statSync(`${tmp}/event`).mode & 0o7777, 0o3730);
  mkdirSync(`${tmp}/mine`);
  chmodSync(`${tmp}/mine`, 0o755);
  ensureFifodir(`${tmp}/mine`);
  assert.is(statSync(`${tmp}/mine`).mode & 0o7777, 0o755);
  assert.ok(isDir(tmp));
  assert.not.ok(isDir(`${tmp}/none`));
  assert.not.ok(isFifo(tmp));
});

test("TAI64N: labels and the 12 status bytes agree", () => {
  const label = tai64n(1500);
  assert.is(label, "@40000000000000261dcd6500");
  assert.is(nanosFromTai64n(label), 1_500_000_000n);
  const view = new DataView(new ArrayBuffer(12));
  putTai64n(view, 0, { unixSec: 1, nsec: 500_000_000 });
  assert.is(Buffer.from(view.buffer).toString("hex"), label.slice(1));
  assert.equal(getTai64n(view, 0), { unixSec: 1, nsec: 500_000_000 });
});

test.run();
