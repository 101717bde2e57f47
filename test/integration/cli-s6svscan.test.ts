// Our client commands against the reference: Debian's s6-svscan and
// s6-supervise (s6 2.11). svc, wait, status and scan-ctl must behave as they
// do against `tsinit scan`.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { eventually } from "../helpers/pid1";
import { removeTree, tempTree } from "../../lab/tree";
import { listeners, run, sh, status, tsinit, tsinitAsync } from "./cli-helpers";

const test = suite("cli against s6-svscan");

const exited = (child: ChildProcess) => new Promise<number>((res) => child.on("exit", (code, sig) => res(code ?? (sig ? 128 : 0))));

test("svc -wU/-wR/-wD, wait -r, status and scan-ctl -t work on real s6", async () => {
  const dir = tempTree({
    "r/run": sh("sleep 0.3; echo >&3; exec sleep 1000"),
    "r/notification-fd": "3\n",
    "a/run": sh("exec sleep 1000"),
    "a/log/run": sh("exec cat >/dev/null"),
  });
  const scanner = spawn("s6-svscan", [dir], { stdio: "ignore" });
  const done = exited(scanner);
  try {
    const r = `${dir}/r`,
      a = `${dir}/a`;
    for (const svc of [r, a, `${a}/log`]) {
      await eventually(() => existsSync(`${svc}/supervise/status`) && status(svc).pid, 10_000, `${svc} up`);
    }
    assert.is(tsinit("wait", "-U", "-t", "5000", r).status, 0);
    const before = status(r).pid;
    const restart = tsinit("svc", "-wR", "-T", "5000", "-r", r);
    assert.is(restart.status, 0, restart.err);
    const after = status(r);
    assert.ok(after.pid !== before && after.ready, "restarted and ready again");
    // -wU without notification-fd degrades to -wu with s6-svc's warning.
    const warned = tsinit("svc", "-wU", "-T", "5000", "-u", a);
    assert.is(warned.status, 0);
    assert.match(warned.err, /notification-fd not present - ignoring request for readiness notification/);
    // wait -r sees a restart made by the s6 tool.
    const restarted = tsinitAsync("wait", "-r", "-t", "5000", a);
    await eventually(() => listeners(a).length === 1, 5000, "the listener's fifo");
    assert.is(run("s6-svc", "-r", a).status, 0);
    assert.is((await restarted).status, 0);
    assert.is(tsinit("svc", "-wD", "-T", "5000", "-d", a).status, 0);
    assert.match(run("s6-svstat", a).out, /^down/);

    const json = JSON.parse(tsinit("status", "--json", dir).out) as Array<Record<string, unknown>>;
    assert.equal(
      json.map((j) => [j.name, j.supervised, j.up, j.wantUp]),
      [
        ["a", true, false, false],
        ["a/log", true, true, true],
        ["r", true, true, true],
      ],
    );
    assert.equal(json[2]!.ready, true);
    assert.equal(json[0]!.lastExit, { code: null, signal: "TERM" });
    assert.equal([...listeners(a), ...listeners(r)], []);

    assert.is(tsinit("scan-ctl", "--term", dir).status, 0);
    assert.is(await done, 0);
    assert.is(tsinit("status", dir).status, 1, "nothing supervised any more");
  } finally {
    scanner.kill("SIGKILL");
    await done;
    removeTree(dir);
  }
});

test.run();
