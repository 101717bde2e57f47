// The pure parts of container mode, without a process: the command line
// split, which signal does what, the container marker, exit codes, and the
// readiness wait before CMD.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as sys from "../../src/sys";
import { splitCommand } from "../../src/boot/init-options";
import { containerActionForSignal } from "../../src/shutdown/actions";
import { containerMarked } from "../../src/boot/container-stage1";
import { exitCodeOf } from "../../src/boot/container-cmd";
import { ReadyGate } from "../../src/boot/container-ready";
import type { GateMember } from "../../src/supervise/dep-gate";

const test = suite("container-logic");
const n = (s: string) => sys.signalNumber(s);

test("`--` splits the init's options from CMD; no `--` is no CMD, a bare `--` an empty one", () => {
  assert.equal(splitCommand(["--grace", "1", "--", "sh", "-c", "x -- y"]), { options: ["--grace", "1"], command: ["sh", "-c", "x -- y"] });
  assert.equal(splitCommand(["--grace", "1"]), { options: ["--grace", "1"], command: undefined });
  assert.equal(splitCommand(["--"]), { options: [], command: [] });
});

test("signals: forwarded with CMD, power requests become TERM to CMD; with none, stop / rescan", () => {
  for (const s of ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"]) {
    assert.equal(containerActionForSignal(n(s), true), { kind: "forward", signal: s }, s);
  }
  assert.equal(containerActionForSignal(n("SIGPWR"), true), { kind: "forward", signal: "SIGTERM" });
  assert.equal(containerActionForSignal(n("SIGRTMIN+4"), true), { kind: "forward", signal: "SIGTERM" });
  for (const s of ["SIGTERM", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGPWR"]) assert.equal(containerActionForSignal(n(s), false), { kind: "stop" }, s);
  assert.equal(containerActionForSignal(n("SIGHUP"), false), { kind: "rescan" });
  assert.equal(containerActionForSignal(n("SIGWINCH"), false), { kind: "ignore" });
});

test("the container marker: env container or /run/.containerenv, not /.dockerenv", () => {
  assert.ok(containerMarked({ container: "podman" }, () => false));
  assert.ok(containerMarked({}, (p) => p === "/run/.containerenv"));
  assert.not.ok(containerMarked({}, (p) => p === "/.dockerenv"));
  assert.not.ok(containerMarked({ container: "" }, () => false));
});

test("exit codes: the code, or 128+n when killed by n", () => {
  assert.is(exitCodeOf({ pid: 1, status: 0, code: 3, signal: 0, core: false }), 3);
  assert.is(exitCodeOf({ pid: 1, status: 9, code: -1, signal: 9, core: false }), 137);
});

const member = (name: string, deps: string[] = []): GateMember => ({
  node: { name, kind: "service", deps, source: name },
  release: () => undefined,
  showWaiting: () => undefined,
  timeoutUpMs: 0,
});

test("CMD's wait: settled once every member is ready or failed, bounded otherwise", async () => {
  const gate = new ReadyGate();
  assert.ok(await gate.settled(0), "nothing to wait for");
  gate.add(member("db"));
  gate.add(member("web", ["db"]));
  await Promise.resolve();
  assert.equal(gate.pending(), ["db", "web"]);
  const t0 = Date.now();
  assert.not.ok(await gate.settled(50), "bounded");
  assert.ok(Date.now() - t0 >= 45);
  const all = gate.settled(5000);
  gate.update("db", "ready");
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(gate.pending(), ["web"]);
  gate.update("web", "failed");
  assert.ok(await all, "ready and failed both settle");
});

test.run();
