// The one error shape TS builds (errnoError) reads like the addon's and
// node:fs's: code, errno, syscall, path, a Node-style message, the same reason.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { statSync } from "node:fs";
import { codeOf, errnoError, isErrnoError, plainReason, reason } from "../../src/sys/errors";

test("errnoError has the shape and message of a node:fs error", () => {
  let real: unknown;
  try {
    statSync("/nonexistent-tsinit-errors");
  } catch (e) {
    real = e;
  }
  const ours = errnoError("ENOENT", "stat", "/nonexistent-tsinit-errors");
  assert.ok(isErrnoError(ours, "ENOENT"));
  const r = real as Record<string, unknown>;
  assert.is(ours.errno, Math.abs(r.errno as number));
  assert.is(ours.message, (real as Error).message);
  assert.is(ours.path, "/nonexistent-tsinit-errors");
  assert.is(reason(ours), reason(real));
  assert.is(reason(ours), "No such file or directory (ENOENT)");
});

test("a code libc does not know keeps its message as the reason", () => {
  const e = errnoError("ELOCKED", "fcntl", "/run/x/lock", "/run/x/lock is held by another supervisor");
  assert.is(codeOf(e), "ELOCKED");
  assert.is(e.syscall, "fcntl");
  assert.is(e.errno, 0);
  assert.is(reason(e), "/run/x/lock is held by another supervisor");
});

test("codeOf and plainReason", () => {
  assert.is(codeOf(new Error("x")), "EIO");
  assert.is(codeOf(null), "EIO");
  assert.is(plainReason("EACCES"), "Permission denied (EACCES)");
  assert.is(plainReason("ENOPE"), "ENOPE");
});

test.run();
