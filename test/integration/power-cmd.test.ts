// `tsinit poweroff|reboot|halt|reexec` signal process 1 only when it is
// tsinit (issue 15): with a shell as PID 1 of a pid namespace each one says
// so, exits 111 and sends nothing (the shell's traps stay silent); with
// tsinit as PID 1 the request is taken and said.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { BIN } from "../helpers/pid1";
import { bootInit, endBooted, sh } from "../helpers/booted";
import { removeTree, tempTree } from "../../lab/tree";

const test = suite("power commands");

const COMMANDS = ["poweroff", "reboot", "halt", "reexec"];

test("a shell as PID 1: each command says it is not tsinit, exits 111, signals nothing", () => {
  const root = tempTree({});
  try {
    // The shell traps every signal the commands would send (USR1 USR2 INT, RTMIN+25 = 59).
    const script = [
      `trap 'echo "$1" >> ${root}/trapped' USR1 USR2 INT 59`,
      ...COMMANDS.map((c) => `${BIN} ${c} 2>>${root}/err; echo ${c} $? >> ${root}/codes`),
      "sleep 0.3",
    ].join("\n");
    const r = spawnSync("unshare", ["-p", "-f", "-m", "--mount-proc", "sh", "-c", script, "sh", "trap"], { encoding: "utf8", timeout: 30_000 });
    assert.is(r.status, 0, r.stderr);
    assert.equal(
      readFileSync(`${root}/codes`, "utf8").trim().split("\n"),
      COMMANDS.map((c) => `${c} 111`),
    );
    const shell = realpathSync("/bin/sh");
    assert.equal(
      readFileSync(`${root}/err`, "utf8").trim().split("\n"),
      COMMANDS.map((c) => `tsinit ${c}: unable to signal process 1: it is not tsinit (/proc/1/exe is ${shell})`),
    );
    let trapped = "";
    try {
      trapped = readFileSync(`${root}/trapped`, "utf8");
    } catch {
      /* none: as it must be */
    }
    assert.is(trapped, "", "no signal reached the shell");
  } finally {
    removeTree(root);
  }
});

test("tsinit as PID 1: reexec and reboot are taken and said", async () => {
  // A service that ignores TERM keeps stage 3 going for the grace time, so the command outlives its report.
  const m = await bootInit({ "service/s/run": sh("trap '' TERM; exec sleep 1000") }, { grace: 3000 });
  try {
    const re = m.init.exec([BIN, "reexec"]);
    assert.equal([re.status, re.stdout, re.stderr], [0, "tsinit reexec: PID 1 is re-executing\n", ""]);
    await m.init.waitFor(/re-exec requested/);
    await m.init.waitFor(/re-executed \(planned\)/);
    await m.init.waitFor(/boot: done in[\s\S]*boot: done in/);
    const r = m.init.exec([BIN, "reboot"]);
    assert.equal([r.status, r.stdout, r.stderr], [0, "tsinit reboot: PID 1 is rebooting\n", ""]);
    await m.init.waitFor(/shutdown: reboot requested/);
  } finally {
    await endBooted(m);
  }
});

test("-f needs no check of process 1 and --help says so", () => {
  const r = spawnSync(BIN, ["poweroff", "--help"], { encoding: "utf8" });
  assert.is(r.status, 0);
  assert.match(r.stdout, /-f, --force +no stage 3 and no check of process 1/);
});

test.run();
