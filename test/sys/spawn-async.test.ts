// spawnAsync() against the real kernel: the spawner thread's reports (pid,
// or the failed step with the pid of the child that failed), the deaths of
// those children reaped by the one reaper, and settleSpawns before an exec.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
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

test("settleSpawns hands every outstanding report out before it returns, in the order asked", async () => {
  listen();
  const got: number[] = [];
  for (let i = 0; i < 20; i++) sys.spawnAsync({ file: "/bin/true" }, (r) => got.push(r.pid));
  sys.settleSpawns();
  assert.is(got.length, 20);
  assert.equal(
    [...got].sort((a, b) => a - b),
    got,
    "reported in the order asked (pids rise)",
  );
  await Promise.all(got.map((pid) => waitExit(pid)));
});

test.run();
