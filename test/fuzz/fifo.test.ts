// A running supervisor (the real binary as PID 1 of a namespace, `tsinit
// scan`) fed random bytes on supervise/control and .s6-svscan/control: it
// survives, and the service still answers s6-svc. Letters that legitimately
// end things are left out of the random bytes (x on supervise/control; t, i,
// q, b on .s6-svscan/control); every other byte, known or not, goes in.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { closeSync, constants, existsSync, openSync, writeSync } from "node:fs";
import { BIN, eventually, sleep, startPid1 } from "../helpers/pid1";
import { removeTree, tempTree } from "../../lab/tree";
import { alive, sh, status } from "../faults/booted";
import { RUNS, bytes, check } from "./fuzz";

const test = suite("fuzz: control fifos of a running PID 1");
const WRITES = process.env.FUZZ_RUNS ? RUNS : 300;

/** One non-blocking write of all of b (retried while the pipe is full). */
async function put(fifo: string, b: Uint8Array): Promise<void> {
  const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    for (let off = 0; off < b.length; ) {
      try {
        off += writeSync(fd, b, off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
        await sleep(5);
      }
    }
  } finally {
    closeSync(fd);
  }
}

const without = (bad: string) => bytes(64).map((b) => b.filter((x) => !bad.includes(String.fromCharCode(x))));

test("random bytes on both control fifos: PID 1 survives, the service still answers s6-svc -wu / -wd", async () => {
  const dir = tempTree({ "a/run": sh("exec sleep 1014"), "b/run": sh("exec sleep 1015") });
  const init = startPid1(["scan", dir]);
  try {
    await eventually(() => existsSync(`${dir}/.s6-svscan/control`) && status(`${dir}/a`)?.pid, 10_000, "a up");
    const host = init.hostPid();
    let i = 0;
    for (const [name, fifo, bad] of [
      ["running supervise/control", `${dir}/a/supervise/control`, "x"],
      ["running .s6-svscan/control", `${dir}/.s6-svscan/control`, "tiqb"],
    ] as const) {
      await check(
        name,
        fc.asyncProperty(without(bad), async (b) => {
          await put(fifo, b);
          if (++i % 25 === 0) {
            await sleep(10);
            assert.ok(alive(host), `PID 1 alive after ${i} writes`);
          }
        }),
        WRITES,
      );
    }
    await sleep(300);
    assert.ok(alive(host), "PID 1 alive");
    assert.is(init.child.exitCode, null, "the namespace still runs");
    for (const svc of [`${dir}/a`, `${dir}/b`]) {
      const up = spawnSync("s6-svc", ["-wu", "-T", "10000", "-u", svc], { encoding: "utf8" });
      assert.is(up.status, 0, `s6-svc -wu ${svc}: ${up.stderr}`);
      // -p may have stopped it: continue it so that TERM can do its work.
      const down = spawnSync("s6-svc", ["-wd", "-T", "10000", "-c", "-d", svc], { encoding: "utf8" });
      assert.is(down.status, 0, `s6-svc -wd ${svc}: ${down.stderr}`);
      await eventually(() => status(svc)!.pid === 0, 2000, `${svc} down in its status: ${JSON.stringify(status(svc))}`);
    }
    assert.match(init.output(), /ignoring unknown command/, "the junk was seen and ignored");
    assert.not.match(init.output(), /uncaught|unhandled|re-exec/i);
  } finally {
    await init.kill();
    removeTree(dir);
  }
});

test("a wait timeout past 2^31-1 ms waits: svc -T and wait -t do not time out at once", async () => {
  const dir = tempTree({ "a/run": sh("exec sleep 1016") });
  const init = startPid1(["scan", dir]);
  try {
    await eventually(() => status(`${dir}/a`)?.pid, 10_000, "a up");
    for (const argv of [
      ["svc", "-wd", "-T", "4294967296", `${dir}/a`],
      ["wait", "-d", "-t", "3000000000", `${dir}/a`],
    ]) {
      const r = spawnSync(BIN, argv, { encoding: "utf8", timeout: 1500 });
      // spawnSync's timeout sends TERM: the command ends on it (143), not on its own timeout (99).
      assert.ok(r.signal === "SIGTERM" || r.status === 143, `tsinit ${argv.join(" ")} still waiting after 1.5 s (exit ${r.status}: ${r.stderr})`);
      assert.not.match(r.stderr, /timed out|TimeoutOverflow/);
    }
  } finally {
    await init.kill();
    removeTree(dir);
  }
});

test.run();
