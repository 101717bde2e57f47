// Failures: every one an errno Error with code, errno, syscall, path; a
// child that never exec'd is reaped inside spawn and never reported.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as sys from "../../src/sys";
import { execFailureCode } from "../../src/cli/exit-codes";
import { deaths, listen, sleep, unlisten, waitExit } from "./child";

const tmp = mkdtempSync(`${tmpdir()}/tsinit-err-`);

function thrown(fn: () => unknown): sys.ErrnoError {
  try {
    fn();
  } catch (e) {
    assert.ok(sys.isErrnoError(e), `not an errno error: ${String(e)}`);
    return e;
  }
  assert.unreachable("did not throw");
  throw new Error("unreachable");
}

/** Asserts fn throws and that no death but the next real child's is reported. */
async function noDeathReported(fn: () => unknown): Promise<sys.ErrnoError> {
  listen();
  const before = new Set(deaths.keys());
  const err = thrown(fn);
  const pid = sys.spawn({ file: "/bin/true" });
  await waitExit(pid);
  await sleep(50);
  const reported = [...deaths.keys()].filter((p) => !before.has(p));
  assert.equal(reported, [pid], "a failed spawn was reported as a death");
  return err;
}

test("open of a missing path: ENOENT, errno 2, syscall open, path", () => {
  const err = thrown(() => sys.open(`${tmp}/missing`, sys.constants().O_RDONLY!, 0));
  assert.instance(err, Error);
  assert.is(err.code, "ENOENT");
  assert.is(err.errno, 2);
  assert.is(err.syscall, "open");
  assert.is(err.path, `${tmp}/missing`);
  assert.is(err.message, `ENOENT: no such file or directory, open '${tmp}/missing'`);
});

test("no path when none was involved", () => {
  const err = thrown(() => sys.close(99999));
  assert.is(err.code, "EBADF");
  assert.is(err.errno, 9);
  assert.is(err.syscall, "close");
  assert.not.ok("path" in err);
});

test("exec of a missing file: ENOENT from execve, no death reported", async () => {
  const err = await noDeathReported(() => sys.spawn({ file: `${tmp}/nope`, argv: ["nope"] }));
  assert.is(err.code, "ENOENT");
  assert.is(err.errno, 2);
  assert.is(err.syscall, "execve");
  assert.is(err.path, `${tmp}/nope`);
  assert.is(execFailureCode(err), 127);
});

test("exec of a non-executable file: EACCES from execve", async () => {
  writeFileSync(`${tmp}/plain`, "#!/bin/sh\nexit 0\n");
  chmodSync(`${tmp}/plain`, 0o644);
  const err = await noDeathReported(() => sys.spawn({ file: `${tmp}/plain` }));
  assert.is(err.code, "EACCES");
  assert.is(err.errno, 13);
  assert.is(err.syscall, "execve");
  assert.is(err.path, `${tmp}/plain`);
  assert.is(execFailureCode(err), 126);
});

test("chdir after setuid: a root-only directory is EACCES from chdir with the path", async () => {
  mkdirSync(`${tmp}/private`, { mode: 0o700 });
  const err = await noDeathReported(() => sys.spawn({ file: "/bin/true", cwd: `${tmp}/private`, uid: 65534, gid: 65534 }));
  assert.is(err.code, "EACCES");
  assert.is(err.syscall, "chdir");
  assert.is(err.path, `${tmp}/private`);
});

test("a bad fd in the map fails in dup2", async () => {
  const err = await noDeathReported(() => sys.spawn({ file: "/bin/true", fds: [0, 1, 2, 99999] }));
  assert.is(err.code, "EBADF");
  assert.is(err.syscall, "dup2");
});

test("bad arguments are TypeErrors, not errno errors", () => {
  assert.throws(
    () => sys.native().spawn({ file: "/bin/true" } as never),
    (e: unknown) => e instanceof TypeError,
  );
  assert.throws(
    () => sys.open("a\0b", 0, 0),
    (e: unknown) => e instanceof TypeError && /NUL/.test(e.message),
  );
  unlisten();
});

test("a number that is no whole int64 (NaN, Infinity, 2^63, 1.5) is a usage TypeError, never a cast", () => {
  for (const bad of [NaN, Infinity, -Infinity, 2 ** 63, 1.5]) {
    assert.throws(
      () => sys.native().close(bad),
      (e: unknown) => e instanceof TypeError && /must be an integer/.test((e as Error).message),
      `close(${bad})`,
    );
    assert.throws(() => sys.native().setrlimit(sys.native().constants.RLIMIT_CORE!, bad, bad), TypeError, `setrlimit(${bad})`);
  }
  const req = { ...sys.spawnRequest({ file: "/bin/true" }), uid: NaN };
  assert.throws(
    () => sys.native().spawn(req),
    (e: unknown) => e instanceof TypeError && /req\.uid must be an integer in range/.test((e as Error).message),
  );
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
