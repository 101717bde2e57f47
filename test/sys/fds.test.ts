// File descriptors, inotify and s6's lock protocol against the kernel.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as sys from "../../src/sys";
import { listen, run, sleep, unlisten, waitExit } from "./child";

const tmp = mkdtempSync(`${tmpdir()}/tsinit-fds-`);

test("pipe: read null on EAGAIN, data, empty Buffer at EOF; write -1 when full", () => {
  const [r, w] = sys.pipe(true);
  assert.is(sys.read(r, 10), null);
  assert.is(sys.write(w, "hello"), 5);
  assert.is(sys.read(r, 10)!.toString(), "hello");
  const big = Buffer.alloc(1 << 20);
  let total = 0;
  for (let n = sys.write(w, big); n > 0; n = sys.write(w, big)) total += n;
  assert.ok(total > 0 && total < big.length);
  assert.is(sys.write(w, big), -1);
  sys.close(w);
  while (sys.read(r, 1 << 16)!.length > 0) {
    /* drain */
  }
  assert.is(sys.read(r, 10)!.length, 0);
  sys.close(r);
});

test("cloexec and nonblock flags are set and cleared", () => {
  const [r, w] = sys.pipe(false);
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  const flags = (fd: number) => parseInt(/flags:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))![1]!, 8);
  const { O_CLOEXEC, O_NONBLOCK } = sys.constants();
  assert.ok(flags(r) & O_CLOEXEC!);
  sys.setCloexec(r, false);
  assert.not.ok(flags(r) & O_CLOEXEC!);
  sys.setNonblock(r, true);
  assert.ok(flags(r) & O_NONBLOCK!);
  assert.is(sys.read(r, 1), null);
  sys.close(r);
  sys.close(w);
});

test("isatty: a terminal is one; a pipe, /dev/null and a closed fd are not", () => {
  const { O_RDWR, O_NOCTTY, O_CLOEXEC } = sys.constants();
  const pty = sys.open("/dev/ptmx", O_RDWR! | O_NOCTTY! | O_CLOEXEC!, 0);
  const nul = sys.open("/dev/null", O_RDWR! | O_CLOEXEC!, 0);
  const [r, w] = sys.pipe(false);
  assert.is(sys.isatty(pty), true);
  assert.is(sys.isatty(nul), false);
  assert.is(sys.isatty(r), false);
  for (const fd of [pty, nul, r, w]) sys.close(fd);
  assert.is(sys.isatty(pty), false);
});

test("inotify: a directory created in a watched directory is IN_CREATE|IN_ISDIR with its name", async () => {
  const { IN_CREATE, IN_ISDIR } = sys.constants();
  const got: sys.NativeInotifyEvent[] = [];
  const ifd = sys.inotifyInit(
    (evs) => got.push(...evs),
    (e) => assert.unreachable(String(e)),
  );
  const wd = sys.inotifyAdd(ifd, tmp, IN_CREATE!);
  mkdirSync(`${tmp}/svc`);
  writeFileSync(`${tmp}/file`, "");
  const until = Date.now() + 5000;
  while (got.length < 2 && Date.now() < until) await sleep(10);
  sys.unwatch(ifd);
  sys.close(ifd);
  assert.equal(got, [
    { wd, mask: IN_CREATE! | IN_ISDIR!, cookie: 0, name: "svc" },
    { wd, mask: IN_CREATE!, cookie: 0, name: "file" },
  ]);
});

test("inotify: a read that fails reaches JS as an errno error, and the watch stops", async () => {
  // The loop polls the inotify file; reads go to the fd number. A directory
  // dup2'ed over that number, with the inotify file kept open on another,
  // makes the next wake-up's read fail with EISDIR.
  const c = sys.constants();
  let records = 0;
  let failed: (e: sys.ErrnoError) => void = () => undefined;
  const error = new Promise<sys.ErrnoError>((resolve) => (failed = resolve));
  const ifd = sys.inotifyInit(
    () => records++,
    (e) => failed(e),
  );
  const kept = sys.open("/dev/null", c.O_RDONLY!, 0);
  sys.dup2(ifd, kept);
  mkdirSync(`${tmp}/watched`);
  sys.inotifyAdd(kept, `${tmp}/watched`, c.IN_CREATE!);
  // The loop adds the fd to its epoll set in its next poll phase (a directory there would abort it).
  await new Promise((r) => setImmediate(r));
  const dir = sys.open(`${tmp}/watched`, c.O_RDONLY! | c.O_DIRECTORY!, 0);
  sys.dup2(dir, ifd);
  sys.close(dir);
  writeFileSync(`${tmp}/watched/file`, "");
  const timeout = sleep(5000).then(() => null);
  const e = await Promise.race([error, timeout]);
  try {
    assert.ok(e, "no error reached JS within 5 s");
    assert.ok(sys.isErrnoError(e, "EISDIR"), String(e));
    assert.is(e.errno, 21);
    assert.is(e.syscall, "read");
    assert.is(records, 0);
  } finally {
    sys.unwatch(ifd);
    sys.close(ifd);
    sys.close(kept);
  }
});

test("inotifyAdd of a missing path throws with the path", () => {
  const ifd = sys.inotifyInit(
    () => {},
    () => {},
  );
  try {
    sys.inotifyAdd(ifd, `${tmp}/none`, sys.constants().IN_CREATE!);
    assert.unreachable();
  } catch (e) {
    assert.ok(sys.isErrnoError(e, "ENOENT"));
    assert.is((e as sys.ErrnoError).syscall, "inotify_add_watch");
    assert.is((e as sys.ErrnoError).path, `${tmp}/none`);
  } finally {
    sys.unwatch(ifd);
    sys.close(ifd);
  }
});

test("mkfifo, then EEXIST", () => {
  sys.mkfifo(`${tmp}/fifo`, 0o600);
  assert.throws(
    () => sys.mkfifo(`${tmp}/fifo`, 0o600),
    (e: unknown) => sys.isErrnoError(e, "EEXIST"),
  );
});

test("lockWrite is seen by s6-svok; lockHolder names another process's lock", async () => {
  const dir = `${tmp}/svc-lock`;
  mkdirSync(`${dir}/supervise`, { recursive: true });
  const lockPath = `${dir}/supervise/lock`;
  writeFileSync(lockPath, "");
  const svok = async () => (await run({ file: "s6-svok", argv: ["s6-svok", dir] })).exit.code;
  assert.is(await svok(), 1, "no supervisor yet");
  const { O_RDWR, O_CLOEXEC } = sys.constants();
  const fd = sys.open(lockPath, O_RDWR! | O_CLOEXEC!, 0o644);
  assert.is(sys.lockWrite(fd), true);
  assert.is(sys.lockHolder(fd), 0, "our own lock does not conflict with us");
  assert.is(await svok(), 0, "s6-svok sees our lock");
  sys.close(fd); // closing any fd of the file drops a process's fcntl locks
  assert.is(await svok(), 1);

  // the other way round: a child holds it
  const holder = sys.spawn({ file: "s6-setlock", argv: ["s6-setlock", lockPath, "sleep", "10"] });
  const fd2 = sys.open(lockPath, O_RDWR! | O_CLOEXEC!, 0o644);
  const until = Date.now() + 5000;
  while (sys.lockHolder(fd2) === 0 && Date.now() < until) await sleep(10);
  assert.is(sys.lockHolder(fd2), holder, "s6-setlock execs sleep, keeping its pid");
  assert.is(sys.lockWrite(fd2), false);
  sys.kill(holder, "KILL");
  await waitExit(holder);
  assert.is(sys.lockHolder(fd2), 0);
  assert.is(sys.lockWrite(fd2), true);
  sys.close(fd2);
  unlisten();
});

test("unwatch of an fd never watched is a no-op; watch replaces the callback", async () => {
  sys.unwatch(12345);
  const [r, w] = sys.pipe(true);
  const calls: string[] = [];
  sys.watchReadable(r, () => calls.push("first"));
  let fired = () => {};
  const second = new Promise<void>((res) => {
    fired = res;
  });
  sys.watchReadable(r, () => {
    calls.push("second");
    sys.read(r, 100);
    sys.unwatch(r);
    fired();
  });
  sys.write(w, "x");
  listen();
  await Promise.race([second, sleep(5000)]);
  assert.equal(calls, ["second"]);
  sys.close(r);
  sys.close(w);
  unlisten();
});

test.run();
