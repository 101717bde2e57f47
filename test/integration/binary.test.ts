// The packed executable on its own: one ELF file that runs with nothing else
// from the repo present, as PID 1, on a read-only root, with HOME unset.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN } from "../helpers/pid1";
import { removeTree } from "../helpers/tree";

const test = suite("binary");

test("dist/tsinit is one ELF executable", () => {
  const r = spawnSync("file", ["-L", BIN], { encoding: "utf8" });
  assert.match(r.stdout, /ELF 64-bit LSB (pie )?executable, x86-64/);
});

test("--version and --help; unknown commands and options are usage errors (100)", () => {
  const v = spawnSync(BIN, ["--version"], { encoding: "utf8" });
  assert.is(v.status, 0);
  assert.match(v.stdout, /^tsinit \d+\.\d+\.\d+/);
  const h = spawnSync(BIN, ["--help"], { encoding: "utf8" });
  assert.match(h.stdout, /commands:[\s\S]*scan/);
  const bad = spawnSync(BIN, ["frobnicate"], { encoding: "utf8" });
  assert.is(bad.status, 100);
  assert.match(bad.stderr, /unknown command frobnicate/);
  const opt = spawnSync(BIN, ["scan", "--bogus", "/tmp"], { encoding: "utf8" });
  assert.is(opt.status, 100);
  assert.match(opt.stderr, /--bogus/);
});

/** Runs script as PID 1's parent shell in a new pid + mount namespace whose
 *  root, /tmp, /run and /dev/shm are read-only (bind remounts: this namespace
 *  only), so the addon has only /dev, as at a real boot. */
function readOnlyMachine(script: string[]) {
  const setup = [
    "set -e",
    "mount -o remount,bind,ro /",
    "for d in /tmp /run /dev/shm; do if mountpoint -q $d; then mount -o remount,bind,ro $d; fi; done",
    "cd /",
  ];
  return spawnSync("unshare", ["-p", "-f", "-m", "--mount-proc", "--kill-child", "sh", "-c", [...setup, ...script].join("\n")], {
    encoding: "utf8",
    timeout: 30_000,
  });
}

test("a copy runs as PID 1 with the root read-only, HOME unset, cwd /", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsinit-bin-"));
  try {
    const copy = join(dir, "tsinit-copy");
    copyFileSync(BIN, copy);
    const v = readOnlyMachine([`exec env -u HOME ${copy} --version`]);
    assert.is(v.status, 0, v.stderr);
    assert.match(v.stdout, /^tsinit \d/);
    // `scan` loads the addon; its one service asks PID 1 to stop (TERM = s6-svscanctl -t), so it ends by itself.
    const scan = readOnlyMachine([
      "mkdir -p /dev/tsinit-scan/stopper",
      "printf '#!/bin/sh\\necho stopper ran as $$\\nkill -TERM 1\\nexec sleep 100\\n' > /dev/tsinit-scan/stopper/run",
      "chmod +x /dev/tsinit-scan/stopper/run",
      `exec env -u HOME ${copy} scan /dev/tsinit-scan`,
    ]);
    spawnSync("rm", ["-rf", "/dev/tsinit-scan"]);
    assert.is(scan.status, 0, scan.stdout + scan.stderr);
    assert.match(scan.stdout + scan.stderr, /stopper ran as \d+/);
    assert.not.match(scan.stderr, /unable to load the addon/);
  } finally {
    removeTree(dir);
  }
});

test.run();
