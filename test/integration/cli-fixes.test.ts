// Command-line surprises of issue 15, each run as a new user would: a second
// `tsinit scan` on a supervised dir, tsinit's stderr redirected to a file the
// shell keeps writing, `tsinit analyze` where tsinit did not boot, and the
// reasons in error lines.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync, realpathSync, writeFileSync } from "node:fs";
import { BIN, orLate } from "../helpers/pid1";
import { bootScan, endBooted, sh } from "../helpers/booted";
import { removeTree, tempTree } from "../../lab/tree";
import { tsinitAsync, tsinit } from "./cli-helpers";

const test = suite("cli fixes");

test("a second tsinit scan on a supervised dir exits 100 at once (no wait for the lock), as s6-svscan", async () => {
  const m = await bootScan({ "a/run": sh("exec sleep 1000") });
  try {
    const second = tsinitAsync("scan", m.root);
    const r = await orLate(second, 5000, () => null);
    assert.ok(r, "the second scan exited");
    assert.is(r!.status, 100, r!.err);
    // It must not wait for the lock (the bug this guards against waited for good);
    // a second covers the start of Node on an idle machine, not on a loaded CI one.
    assert.ok(r!.ms < 3000, `took ${r!.ms} ms`);
    assert.is(r!.err, `tsinit scan: unable to supervise ${m.root}: another scanner is already running on it\n`);
  } finally {
    await endBooted(m);
  }
});

test("stderr redirected to a file: tsinit's line goes after the earlier ones and before the later ones", () => {
  const root = tempTree({});
  try {
    const opts = `--rundir ${root}/run --scandir ${root}/none --taskdir ${root}/none --envdir ${root}/none`;
    const r = spawnSync("sh", ["-c", `{ echo before; ${BIN} ${opts} -- nonexistent; echo "tsinit said $?"; echo after; } > ${root}/f 2>&1`], {
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.is(r.status, 0, r.stderr);
    const lines = readFileSync(`${root}/f`, "utf8").split("\n");
    // The order first (the overwrite), then the wording.
    assert.equal(
      [lines[0], lines[1]?.startsWith("tsinit: ") && lines[1].includes(" nonexistent: "), lines[2], lines[3]],
      ["before", true, "tsinit said 127", "after"],
      lines.join("\n"),
    );
    assert.equal(lines, ["before", "tsinit: unable to exec nonexistent: No such file or directory (ENOENT)", "tsinit said 127", "after", ""]);
  } finally {
    removeTree(root);
  }
});

test("analyze where tsinit is not PID 1: not booted by tsinit, exit 1", () => {
  const r = spawnSync("unshare", ["-p", "-f", "-m", "--mount-proc", "sh", "-c", `${BIN} analyze; echo "rc=$?"`], { encoding: "utf8", timeout: 30_000 });
  assert.is(r.stdout, "rc=1\n", r.stderr);
  assert.is(
    r.stderr,
    `tsinit analyze: unable to analyze the boot: not booted by tsinit (/proc/1/exe is ${realpathSync("/bin/sh")}; --rundir DIR reads a run dir anyway)\n`,
  );
});

test("analyze: a missing --rundir is an error; a bad record is a parse error, not a read error", () => {
  const missing = tsinit("analyze", "--rundir", "/nonexistent/run");
  assert.equal([missing.status, missing.out, missing.err], [111, "", "tsinit analyze: unable to read /nonexistent/run: No such file or directory (ENOENT)\n"]);
  const root = tempTree({});
  try {
    const empty = tsinit("analyze", "--rundir", root);
    assert.equal([empty.status, empty.out], [1, ""]);
    assert.match(empty.err, /^tsinit analyze: unable to analyze the boot: not booted by tsinit \(no boot steps in /);
    writeFileSync(`${root}/bad.json`, "{");
    const bad = tsinit("analyze", "--from", `${root}/bad.json`);
    assert.is(bad.status, 111);
    assert.match(bad.err, new RegExp(`^tsinit analyze: unable to parse ${root}/bad\\.json: .*JSON`));
  } finally {
    removeTree(root);
  }
});

test("scan: the real reason for a DIR that is not there, or not a directory", () => {
  const none = tsinit("scan", "/nonexistent");
  assert.equal([none.status, none.err], [111, "tsinit scan: unable to scan /nonexistent: No such file or directory (ENOENT)\n"]);
  const file = tsinit("scan", "/etc/passwd");
  assert.equal([file.status, file.err], [111, "tsinit scan: unable to scan /etc/passwd: Not a directory (ENOTDIR)\n"]);
});

test.run();
