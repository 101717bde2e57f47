// PID 1 must never end, even when nothing works: here the addon cannot be
// loaded (a real fault, no hook: every dir it may unpack to is a noexec
// tmpfs, so each dlopen fails), so there is no event source, no exec, no
// reboot. A first boot must not end with an empty event loop (exit 0), and
// safe mode, which fails to start without the addon, must not turn into
// main.ts's exit 111: process 1 says why and carries on.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { sleep, startPid1, type Pid1 } from "../helpers/pid1";
import { removeTree, tempTree } from "../../lab/tree";

const test = suite("faults: no addon");

// Inside the namespace: /run, /dev/shm, /tmp and /dev noexec (with a /dev/null).
// The binary is held open first and run through that fd: it may itself live
// under /tmp (a clone in a temp dir), which the mounts hide.
const NOEXEC = [
  "set -e",
  'exec 9<"$0"',
  "for d in /run /dev/shm /tmp /dev; do mount -t tmpfs -o noexec,mode=755 noexec $d; done",
  "mknod -m 666 /dev/null c 1 3",
  'exec /proc/self/fd/9 "$@"',
].join("\n");
// A temp root: PID 1 makes its run dir, and the namespace shares the host's
// filesystem (a /nonexistent/run made here was seen by every later test).
const ROOT = tempTree({});
const ARGS = ["--no-mount", "--scandir", `${ROOT}/service`, "--rundir", `${ROOT}/run`, "--envdir", `${ROOT}/env`, "--taskdir", `${ROOT}/task`];
test.after(() => removeTree(ROOT));

async function stillAlive(init: Pid1, ms: number): Promise<void> {
  await sleep(ms);
  assert.is(init.child.exitCode, null, `PID 1 (and so the namespace) still there; output:\n${init.output()}`);
}

test("a first boot without the addon: every step fails, PID 1 does not end", async () => {
  const init = startPid1(ARGS, { wrap: ["sh", "-c", NOEXEC] });
  try {
    await init.waitFor(/boot: unable to load the addon: .*no directory is safe/);
    await init.waitFor(/boot: done in/);
    await stillAlive(init, 1500);
  } finally {
    await init.kill();
  }
});

test("safe mode without the addon: main() rejects, process 1 says so and carries on", async () => {
  // What the previous image of a crash loop leaves in the environment (reexec.ts).
  const init = startPid1(ARGS, { wrap: ["sh", "-c", NOEXEC], env: { ...process.env, TSINIT_REEXEC: "signal", TSINIT_CRASHES: "3" } });
  try {
    await init.waitFor(/SAFE MODE/);
    await init.waitFor(/fatal: unable to load the addon[\s\S]*: process 1 carries on/);
    await stillAlive(init, 1500);
  } finally {
    await init.kill();
  }
});

test.run();
