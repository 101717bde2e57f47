// What a container's tsinit hands its next image through the environment.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { takeCarriedCommand } from "../../src/boot/container-reexec";
import { takeCarried } from "../../src/boot/reexec";

const test = suite("container-reexec");

test("CMD's pid and the ending code are read once and removed from the environment", () => {
  process.env.TSINIT_CMD_PID = "42";
  process.env.TSINIT_EXIT_CODE = "7";
  assert.equal(takeCarriedCommand(), { pid: 42, exitCode: 7 });
  assert.is(process.env.TSINIT_CMD_PID, undefined, "CMD and services must not see it");
  assert.is(process.env.TSINIT_EXIT_CODE, undefined);
  assert.equal(takeCarriedCommand(), { pid: 0, exitCode: null }, "a first start");
});

test("garbage carried is ignored, never a pid to wait for", () => {
  for (const bad of ["-1", "0", "1.5", "x", ""]) {
    process.env.TSINIT_CMD_PID = bad;
    process.env.TSINIT_EXIT_CODE = bad;
    const c = takeCarriedCommand();
    assert.is(c.pid, 0, bad);
    assert.ok(c.exitCode === null || c.exitCode === 0, bad);
  }
});

test("takeCarried reads and deletes one variable", () => {
  const env: NodeJS.ProcessEnv = { A: "1", PATH: "/bin" };
  assert.is(takeCarried("A", env), "1");
  assert.equal(env, { PATH: "/bin" });
});

test.run();
