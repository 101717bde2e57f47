// A container's tsinit (`tsinit -- CMD`) survives its own crash: SIGSEGV
// re-executes it; CMD keeps running (started once), its exit code is still
// tsinit's, and the services are adopted with the same pids. In both modes:
// PID 1 of a namespace and a plain child (subreaper). A status forged to name
// CMD's pid is not adopted: CMD is tsinit's own, never a service's.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { eventually, sleep } from "../helpers/pid1";
import { spawnSync } from "node:child_process";
import { encodeStatus, stampFromMs } from "../../src/s6/status-file";
import { sh, svPid, svStatus } from "../helpers/booted";
import { exitWithin, MODES, startContainer } from "../helpers/container";
import { runningIn } from "../helpers/procs";

const test = suite("adopt-container");
const NAMES = ["a", "b/log", "b"];

for (const mode of MODES) {
  test(`${mode}: SEGV to tsinit: CMD keeps running, its exit code comes through, services keep their pids`, async () => {
    const c = startContainer(
      mode,
      {
        "service/a/run": sh("exec sleep 1000"),
        "service/b/run": sh('i=0; while :; do i=$((i+1)); echo "n $i"; sleep 0.05; done'),
        "service/b/log/run": sh('exec cat >> "$D/b.log"'),
        // CMD records each start, then waits for the test's go before exiting 7.
        "cmd.sh": sh('echo start >> "$D/cmd.starts"\nwhile [ ! -e "$D/go" ]; do sleep 0.1; done\nexit 7'),
      },
      { cmd: ["sh", "-c", 'exec "$D/cmd.sh"'] },
    );
    const dirs = NAMES.map((n) => `${c.root}/run/service/${n}`);
    try {
      await eventually(() => existsSync(`${c.root}/cmd.starts`) && dirs.every((d) => svPid(d) > 0), 15_000, "CMD and services up");
      const before = dirs.map(svPid);
      process.kill(c.pid(), "SIGSEGV");
      await eventually(() => /re-executed \(signal, crash 1 in a row\)/.test(c.output()), 15_000, `re-exec; output:\n${c.output()}`);
      await sleep(500);
      assert.equal(dirs.map(svPid), before, "same service pids");
      assert.equal(
        dirs.map((d) => runningIn(d).length),
        [1, 1, 1],
        "one copy of each service",
      );
      writeFileSync(`${c.root}/go`, "");
      assert.is(await exitWithin(c), 7, c.output());
      assert.is(readFileSync(`${c.root}/cmd.starts`, "utf8"), "start\n", `CMD started once; output:\n${c.output()}`);
      const n = readFileSync(`${c.root}/b.log`, "utf8")
        .trim()
        .split("\n")
        .map((l) => Number(l.split(" ")[1]));
      assert.equal(
        n,
        n.map((_, i) => i + 1),
        "no log line lost or repeated",
      );
    } finally {
      await c.end();
    }
  });

  test(`${mode}: a status forged to name CMD's pid, then SEGV: svc -d leaves CMD running, svc -u starts one copy`, async () => {
    const c = startContainer(
      mode,
      {
        "service/a/run": sh("exec sleep 1000"),
        "cmd.sh": sh('echo $$ > "$D/cmd.pid"\nwhile [ ! -e "$D/go" ]; do sleep 0.1; done\nexit 7'),
      },
      { cmd: ["sh", "-c", 'exec "$D/cmd.sh"'] },
    );
    const a = `${c.root}/run/service/a`;
    let ended = false;
    void c.exited.then(() => (ended = true));
    try {
      // CMD's pid as tsinit sees it (in pid1 mode, the namespace's).
      const cmd = await eventually(() => (svPid(a) > 0 ? Number(readFileSync(`${c.root}/cmd.pid`, "utf8")) : 0), 15_000, "CMD and a up");
      writeFileSync(`${a}/supervise/status`, encodeStatus({ ...svStatus(a)!, pid: cmd, stamp: stampFromMs(Date.now()) }));
      process.kill(c.pid(), "SIGSEGV");
      await eventually(() => /re-executed \(signal, crash 1 in a row\)/.test(c.output()), 15_000, "re-exec");
      const aPid = await eventually(
        () => {
          const p = svPid(a);
          return p > 0 && p !== cmd ? p : 0;
        },
        5000,
        `a up with a process of its own; output:\n${c.output()}`,
      );
      // The line goes through the catch-all's queue: it may come after the status is rewritten.
      await eventually(() => new RegExp(`status names pid ${cmd}, not taken over: it is the container's command`).test(c.output()), 5000, "the warning");
      assert.is(spawnSync("s6-svc", ["-d", a]).status, 0);
      await eventually(() => svStatus(a)?.pid === 0, 5000, "a down");
      await sleep(500);
      assert.not.ok(ended, `CMD still runs, the container with it; output:\n${c.output()}`);
      assert.is(spawnSync("s6-svc", ["-u", a]).status, 0);
      await eventually(
        () => {
          const p = svPid(a);
          return p > 0 && p !== aPid;
        },
        5000,
        "a up again",
      );
      await sleep(300);
      assert.is(runningIn(a).length, 1, "one copy of a");
      writeFileSync(`${c.root}/go`, "");
      assert.is(await exitWithin(c), 7, `CMD's own code; output:\n${c.output()}`);
    } finally {
      await c.end();
    }
  });

  test(`${mode}: SEGV to tsinit before CMD starts (services not ready): CMD still gets tsinit's stdout`, async () => {
    const c = startContainer(
      mode,
      {
        "service/slow/notification-fd": "3\n",
        "service/slow/run": sh('while [ ! -e "$D/ready" ]; do sleep 0.1; done\necho >&3\nexec sleep 1000'),
      },
      { cmd: ["sh", "-c", "echo CMD-SAYS-HELLO; exit 3"], extra: ["--wait", "60000"] },
    );
    try {
      await eventually(() => svPid(`${c.root}/run/service/slow`) > 0, 15_000, "slow up");
      const before = svPid(`${c.root}/run/service/slow`);
      process.kill(c.pid(), "SIGSEGV");
      await eventually(() => /re-executed \(signal/.test(c.output()), 15_000, `re-exec; output:\n${c.output()}`);
      await sleep(300);
      assert.is(svPid(`${c.root}/run/service/slow`), before, "slow adopted");
      writeFileSync(`${c.root}/ready`, "");
      assert.is(await exitWithin(c), 3, c.output());
      assert.match(c.output(), /CMD-SAYS-HELLO/);
    } finally {
      await c.end();
    }
  });

  test(`${mode}: SEGV while the container ends: the new image ends it too, with CMD's code`, async () => {
    const c = startContainer(
      mode,
      {
        // Slow to stop: the crash lands while tsinit waits for it.
        "service/slow/run": sh("trap 'touch \"$D/term\"; sleep 1.5; exit 0' TERM\nsleep 1000 &\nwait"),
        "cmd.sh": sh('while [ ! -e "$D/go" ]; do sleep 0.1; done\nexit 5'),
      },
      { cmd: ["sh", "-c", 'exec "$D/cmd.sh"'], extra: ["--grace", "5000"] },
    );
    try {
      await eventually(() => svPid(`${c.root}/run/service/slow`) > 0, 15_000, "slow up");
      await sleep(300);
      writeFileSync(`${c.root}/go`, "");
      await eventually(() => existsSync(`${c.root}/term`), 15_000, "the end under way");
      process.kill(c.pid(), "SIGSEGV");
      assert.is(await exitWithin(c), 5, c.output());
      assert.match(c.output(), /re-executed \(signal/);
    } finally {
      await c.end();
    }
  });

  test(`${mode}: no CMD, SEGV while a TERM stops the container: the new image finishes the stop, exit 0`, async () => {
    const c = startContainer(
      mode,
      {
        "service/slow/run": sh("trap 'touch \"$D/term\"; sleep 1.5; exit 0' TERM\nsleep 1000 &\nwait"),
      },
      { cmd: [], extra: ["--grace", "5000"] },
    );
    try {
      await eventually(() => svPid(`${c.root}/run/service/slow`) > 0, 15_000, "slow up");
      await sleep(300);
      process.kill(c.pid(), "SIGTERM");
      await eventually(() => existsSync(`${c.root}/term`), 15_000, "the stop under way");
      process.kill(c.pid(), "SIGSEGV");
      assert.is(await exitWithin(c), 0, c.output());
      assert.match(c.output(), /re-executed \(signal/);
    } finally {
      await c.end();
    }
  });
}

test.run();
