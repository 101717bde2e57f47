// PID 1 that survives itself: a planned re-exec (with the binary replaced),
// SIGSEGV and SIGABRT while services run, a re-exec whose adoption cannot
// read /proc, and a crash loop. After each, the same service pids are
// supervised: adopted, not restarted.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, renameSync } from "node:fs";
import { decodeStatus } from "../../src/s6/status-file";
import { BIN, eventually, sleep, startPid1, type Pid1 } from "../helpers/pid1";
import { removeTree, tempTree, type Tree } from "../../lab/tree";
import { initArgs, sh } from "../helpers/booted";
import { runningIn } from "../helpers/procs";

const test = suite("reexec");
const RTMIN = 34;

interface Booted {
  root: string;
  bin: string;
  init: Pid1;
}

async function boot(tree: Tree): Promise<Booted> {
  const root = tempTree(tree);
  // A copy of the binary, so the test can replace it as an upgrade would.
  const bin = `${root}/tsinit`;
  copyFileSync(BIN, bin);
  const init = startPid1(initArgs(root, 1000), { bin });
  await init.waitFor(/boot: done in/);
  return { root, bin, init };
}

async function end(m: Booted): Promise<void> {
  await m.init.kill();
  removeTree(m.root);
}

function pids(m: Booted, names: string[]): number[] {
  return names.map((n) => {
    try {
      return decodeStatus(readFileSync(`${m.root}/run/service/${n}/supervise/status`))?.pid ?? 0;
    } catch {
      return 0;
    }
  });
}

const services = (): Tree => ({
  "service/a/run": sh("exec sleep 1000"),
  "service/b/run": sh("exec sleep 1000"),
  "service/c/run": sh("exec sleep 1000"),
  "service/c/log/run": sh("exec cat >> ../../../../c.log"),
});
const NAMES = ["a", "b", "c", "c/log"];

/** Resolves with the pids of names once every one is up. */
const allUp = (m: Booted, names: string[]) =>
  eventually(
    () => {
      const p = pids(m, names);
      return p.every((x) => x > 0) ? p : null;
    },
    5000,
    "all up",
  );

/** Waits for the n-th "boot: done" (n = 2 after one re-exec) and returns ms since t0. */
async function nthBoot(m: Booted, n: number, t0: number): Promise<number> {
  await eventually(() => (m.init.output().match(/boot: done in/g) ?? []).length >= n, 15_000, `boot number ${n}`);
  return Date.now() - t0;
}

test("tsinit reexec with the binary replaced: same pids, still supervised", async () => {
  const m = await boot(services());
  try {
    const before = await allUp(m, NAMES);
    // An upgrade in place: a new file at the same path.
    copyFileSync(BIN, `${m.bin}.new`);
    renameSync(`${m.bin}.new`, m.bin);
    const t0 = Date.now();
    const r = m.init.exec([m.bin, "reexec"]);
    assert.is(r.status, 0, r.stderr);
    const ms = await nthBoot(m, 2, t0);
    await m.init.waitFor(/re-executed \(planned\)/);
    assert.equal(pids(m, NAMES), before, "no service restarted");
    // Supervision goes on: a killed service comes back.
    m.init.exec(["kill", "-KILL", String(before[0])]);
    await eventually(() => pids(m, ["a"])[0] !== before[0] && pids(m, ["a"])[0] > 0, 5000, "a restarted after the re-exec");
    assert.is(spawnSync("s6-svok", [`${m.root}/run/service/b`]).status, 0, "the new image holds the lock");
    process.stderr.write(`    re-exec (signal → new image done): ${ms} ms\n`);
  } finally {
    await end(m);
  }
});

for (const signal of ["SEGV", "ABRT"]) {
  test(`kill -${signal} 1 while services run: all adopted, none restarted`, async () => {
    const m = await boot(services());
    try {
      const before = await allUp(m, NAMES);
      const t0 = Date.now();
      m.init.exec(["kill", `-${signal}`, "1"]);
      const ms = await nthBoot(m, 2, t0);
      await m.init.waitFor(new RegExp(`fatal signal ${signal === "SEGV" ? 11 : 6}: re-executing`));
      await m.init.waitFor(/re-executed \(signal, crash 1 in a row\)/);
      await sleep(300);
      assert.equal(pids(m, NAMES), before, "same pids");
      m.init.exec(["kill", "-KILL", String(before[1])]);
      await eventually(() => pids(m, ["b"])[0] !== before[1] && pids(m, ["b"])[0] > 0, 5000, "b restarted");
      process.stderr.write(`    ${signal}: signal → services adopted in ${ms} ms\n`);
    } finally {
      await end(m);
    }
  });
}

test("readiness and log lines carry across a re-exec", async () => {
  const m = await boot({
    "service/slow/run": sh("sleep 1.5; echo >&3; exec sleep 1000"),
    "service/slow/notification-fd": "3\n",
    "service/talk/run": sh('i=0; while :; do i=$((i+1)); echo "n $i"; sleep 0.05; done'),
    "service/talk/log/run": sh("exec cat >> ../../../../talk.log"),
  });
  try {
    await eventually(() => pids(m, ["slow", "talk"]).every((p) => p > 0), 5000, "up");
    const t0 = Date.now();
    m.init.exec(["kill", `-${RTMIN + 25}`, "1"]);
    await nthBoot(m, 2, t0);
    // The newline comes after the re-exec, through the kept pipe.
    await eventually(() => decodeStatus(readFileSync(`${m.root}/run/service/slow/supervise/status`))?.ready, 5000, "ready seen by the new image");
    const talked = () =>
      readFileSync(`${m.root}/talk.log`, "utf8")
        .trim()
        .split("\n")
        .map((l) => Number(l.split(" ")[1]));
    const lines = await eventually(() => (talked().length > 20 ? talked() : null), 5000, "more than 20 lines logged");
    assert.equal(
      lines,
      lines.map((_, i) => i + 1),
      "no line lost or repeated",
    );
  } finally {
    await end(m);
  }
});

test("a re-exec whose adoption cannot read /proc: PID 1 lives on, takes over what the statuses name, still supervises", async () => {
  const m = await boot(services());
  try {
    const before = await allUp(m, NAMES);
    // A real fault, no hook: in PID 1's mount namespace /proc becomes an
    // empty tmpfs, so the new image's adoption fails reading /proc/uptime.
    const mounted = m.init.exec(["mount", "-t", "tmpfs", "-o", "size=64k", "noproc", "/proc"]);
    assert.is(mounted.status, 0, mounted.stderr);
    m.init.exec(["kill", `-${RTMIN + 25}`, "1"]);
    await nthBoot(m, 2, Date.now());
    await m.init.waitFor(/boot: unable to adopt the running services: .*ENOENT/, 5000);
    await sleep(300);
    assert.is(m.init.child.exitCode, null, `PID 1 alive; output:\n${m.init.output()}`);
    assert.equal(pids(m, NAMES), before, "taken over on the statuses' word: none restarted");
    for (const n of NAMES) assert.is(runningIn(`${m.root}/run/service/${n}`).length, 1, `one copy of ${n}`);
    // Still supervising without /proc: a killed service comes back.
    m.init.exec(["kill", "-KILL", String(before[0])]);
    await eventually(() => pids(m, ["a"])[0] !== before[0] && pids(m, ["a"])[0] > 0, 5000, "a restarted");
    assert.is(m.init.child.exitCode, null, "PID 1 alive");
  } finally {
    await end(m);
  }
});

test("a crash loop ends in safe mode: services keep running, poweroff still works", async () => {
  const m = await boot(services());
  try {
    const before = await allUp(m, ["a", "b"]);
    for (let i = 1; i <= 3; i++) {
      m.init.exec(["kill", "-SEGV", "1"]);
      await m.init.waitFor(new RegExp(i < 3 ? `crash ${i} in a row\\)` : "SAFE MODE"), 15_000);
      if (i < 3) await nthBoot(m, i + 1, Date.now());
    }
    assert.equal(pids(m, ["a", "b"]), before, "services still the same");
    for (const p of before) assert.is(m.init.exec(["kill", "-0", String(p)]).status, 0, `pid ${p} alive`);
    m.init.exec(["kill", "-USR1", "1"]);
    assert.is(await m.init.exited, 130);
  } finally {
    await end(m);
  }
});

test("a task whose death the crashed image took with it is recorded as failed (status lost), not left running", async () => {
  // What a crash leaves: a record saying "running" for a pid that is no child of the new image.
  const root = tempTree({
    ...services(),
    "task/gone/run": sh("exit 0"),
    "run/task/gone.json": JSON.stringify({
      name: "gone",
      path: "x",
      state: "running",
      pid: 999_999,
      startedAt: "",
      endedAt: null,
      code: null,
      signal: null,
      error: null,
    }),
  });
  const init = startPid1(initArgs(root, 1000), { env: { ...process.env, TSINIT_REEXEC: "crash", TSINIT_CRASHES: "1" } });
  try {
    await init.waitFor(/task gone ended while process 1 re-executed: exit status lost/);
    const record = JSON.parse(readFileSync(`${root}/run/task/gone.json`, "utf8"));
    assert.is(record.state, "failed");
    assert.match(record.error, /exit status lost/);
  } finally {
    await init.kill();
    removeTree(root);
  }
});

test.run();
