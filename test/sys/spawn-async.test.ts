// spawnAsync() against the real kernel: the spawner threads' reports (pid,
// or the failed step with the pid of the child that failed), the deaths of
// those children reaped by the one reaper, and settleSpawns before an exec.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import * as sys from "../../src/sys";
import { deaths, listen, waitExit } from "./child";

const report = (opts: sys.SpawnOptions) => new Promise<sys.SpawnReport>((resolve) => sys.spawnAsync(opts, resolve));

test("a spawn on the spawner thread reports the pid of a child that runs, and its death is reaped as ours", async () => {
  listen();
  const r = await report({ file: "/bin/sh", argv: ["sh", "-c", "exit 7"] });
  assert.is(r.error, null);
  assert.ok(r.pid > 0);
  const exit = await waitExit(r.pid);
  assert.is(exit.code, 7);
});

test("the spawner thread is not the JS thread, and has every signal but faults blocked", async () => {
  listen();
  const r = await report({ file: "/bin/sleep", argv: ["sleep", "10"] });
  try {
    const tasks = readFileSync("/proc/self/status", "utf8").match(/^Threads:\s+(\d+)/m);
    assert.ok(Number(tasks?.[1]) > 1);
    // the child's parent is this process (a thread's child belongs to its process)
    const ppid = readFileSync(`/proc/${r.pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1];
    assert.is(Number(ppid), process.pid);
  } finally {
    sys.kill(r.pid, "KILL");
  }
  await waitExit(r.pid);
});

test("a child gets the JS thread's nice back, whatever the spawner thread's own", async () => {
  listen();
  const r = await report({ file: "/bin/sleep", argv: ["sleep", "10"] });
  try {
    const nice = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[16]);
    assert.is(nice(r.pid), nice(process.pid));
  } finally {
    sys.kill(r.pid, "KILL");
  }
  await waitExit(r.pid);
});

test("a failed exec reports the step, the errno and the pid of the child that failed, whose death is still reaped", async () => {
  listen();
  const r = await report({ file: "/nonexistent/run" });
  assert.ok(r.error);
  const e = r.error as sys.ErrnoError;
  assert.is(e.syscall, "execve");
  assert.is(e.code, "ENOENT");
  assert.is(e.path, "/nonexistent/run");
  assert.ok(r.pid > 0, "the child was made: its pid is reported");
  const exit = await waitExit(r.pid);
  assert.is(exit.code, 127);
  assert.is(deaths.get(r.pid)!.length, 1);
});

test("a failed chdir names the cwd", async () => {
  listen();
  const r = await report({ file: "/bin/true", cwd: "/nonexistent/dir" });
  assert.is((r.error as sys.ErrnoError).syscall, "chdir");
  assert.is((r.error as sys.ErrnoError).path, "/nonexistent/dir");
  await waitExit(r.pid);
});

test("a bad request throws at once, on this thread", () => {
  assert.throws(() => sys.spawnAsync({ file: "/bin/true", umask: NaN }, () => assert.unreachable("no report")), TypeError);
});

test("settleSpawns hands every outstanding report out before it returns", async () => {
  listen();
  const got: number[] = [];
  for (let i = 0; i < 20; i++) sys.spawnAsync({ file: "/bin/true" }, (r) => got.push(r.pid));
  sys.settleSpawns();
  assert.is(got.length, 20);
  assert.is(new Set(got).size, 20, "a pid each");
  assert.ok(got.every((pid) => pid > 0));
  await Promise.all(got.map((pid) => waitExit(pid)));
});

test("spawns asked for together run on several spawner threads, and each child gets its own fds, not another thread's", async () => {
  listen();
  // Each child's stdout is its own pipe, moved through its thread's slots: a
  // slot shared between threads would hand one child another's pipe. Each
  // then lives on as a sleep (off the pipe), so the threads that made them
  // can be told apart in /proc: a thread lists the children it made.
  const pipes = Array.from({ length: 40 }, () => sys.pipe(true));
  const done = await Promise.all(
    pipes.map(([, w], i) => report({ file: "/bin/sh", argv: ["sh", "-c", `echo ${i}; exec sleep 30 >/dev/null`], fds: [-1, w, -1] })),
  );
  for (const [, w] of pipes) sys.close(w);
  try {
    for (const r of done) assert.is(r.error, null);
    const makers = readdirSync("/proc/self/task").filter((tid) => {
      const kids = readFileSync(`/proc/self/task/${tid}/children`, "utf8").trim().split(/\s+/).map(Number);
      return done.some((r) => kids.includes(r.pid));
    });
    assert.ok(makers.length > 1, `made by ${makers.length} threads`);
    assert.not.ok(makers.includes(String(process.pid)), "none by the JS thread");
    for (const [i, [r]] of pipes.entries()) {
      // until EOF: a child may still be between its echo and its exec
      let all = "";
      for (let waited = 0; ; ) {
        const chunk = sys.read(r, 4096);
        if (chunk !== null && chunk.length === 0) break;
        if (chunk !== null) all += chunk.toString();
        else if ((waited += 10) > 5000) assert.unreachable(`no EOF on pipe ${i}: a slot still holds its write end`);
        else await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.is(all, `${i}\n`, `pipe ${i} got its own child's line`);
    }
  } finally {
    for (const r of done) if (r.pid > 0) sys.kill(r.pid, "KILL");
    for (const [r] of pipes) sys.close(r);
  }
  await Promise.all(done.map((r) => waitExit(r.pid)));
});

test("a child of the spawner thread has exactly the fds it was given, however many this process holds, and no slot keeps a pipe open", async () => {
  listen();
  // Many fds here, as PID 1 holds a lock and a control fifo per service: the
  // child unshares the table from just above the thread's low slots, so none
  // of these may reach it, and the ones it is given must be the right files.
  const held = Array.from({ length: 300 }, () => sys.open("/dev/null", sys.constants().O_RDONLY! | sys.constants().O_CLOEXEC!, 0));
  const [r, w] = sys.pipe(true);
  const [nr, nw] = sys.pipe(true);
  try {
    const rep = await report({ file: "/bin/sh", argv: ["sh", "-c", "ls /proc/$$/fd; echo ready >&4"], fds: [-1, w, w, -1, nw] });
    assert.is(rep.error, null);
    sys.close(w);
    sys.close(nw);
    await waitExit(rep.pid);
    // EOF on both pipes: the child was the last holder of their write ends, so
    // no slot of the spawner thread still holds one (a slot is reset to /dev/null).
    const read = (fd: number) => {
      let all = "";
      let chunk = sys.read(fd, 65536);
      for (; chunk !== null && chunk.length > 0; chunk = sys.read(fd, 65536)) all += chunk.toString();
      assert.ok(chunk !== null, "EOF, not EAGAIN: no write end is left open anywhere");
      return all;
    };
    const fds = read(r).trim().split(/\s+/).map(Number);
    assert.equal(
      fds.sort((a, b) => a - b),
      [1, 2, 4],
      "fds 1, 2 (the pipe) and 4, nothing else",
    );
    assert.is(read(nr), "ready\n", "fd 4 is the second pipe");
  } finally {
    for (const fd of [...held, r, nr]) sys.close(fd);
  }
});

test.run();
