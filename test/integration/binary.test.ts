// The packed executable on its own: one ELF file that runs with nothing else
// from the repo present, as PID 1, on a read-only root, with HOME unset.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN } from "../helpers/pid1";
import { removeTree } from "../../lab/tree";

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

// scripts/pack.mjs puts --max-semi-space-size=1, --expose-gc and --no-lazy in the blob's
// execArgv and makes the blob's code cache under those same flags (with
// --no-lazy, the cache holds every function's bytecode); nothing prints either, so
// a preload (NODE_OPTIONS=--require, which the executable honours) reports
// what V8 runs with, after enough garbage to grow an uncapped young heap.
test("the blob's V8 flag is in force and its code cache is accepted", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsinit-bin-"));
  try {
    const probe = join(dir, "probe.js");
    writeFileSync(
      probe,
      [
        "let keep = [];",
        "for (let i = 0; i < 300000; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 50000) keep = []; }",
        "const young = require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');",
        "process._rawDebug('probe ' + JSON.stringify({ execArgv: process.execArgv, young: young.space_size, gc: typeof gc }));",
      ].join("\n"),
    );
    const r = spawnSync(BIN, ["--version"], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: `--require ${probe}` } });
    assert.is(r.status, 0, r.stderr);
    const seen = JSON.parse(/^probe (.*)$/m.exec(r.stderr)?.[1] ?? "null") as { execArgv: string[]; young: number; gc: string } | null;
    assert.ok(seen, r.stderr);
    assert.ok(seen.execArgv.includes("--max-semi-space-size=1"), JSON.stringify(seen));
    assert.ok(seen.execArgv.includes("--no-lazy"), JSON.stringify(seen));
    // The after-boot trim's gc() (src/sys/gc.ts): V8's own, not the addon's.
    assert.is(seen.gc, "function", JSON.stringify(seen));
    assert.ok(seen.young <= 2 * 1024 * 1024, `young generation ${seen.young} bytes: the semi-space cap is not in force`);
    // A code cache V8 rejects (made under other flags) costs its compile anyway and warns on every start.
    const plain = spawnSync(BIN, ["--version"], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
    assert.is(plain.stderr, "");
  } finally {
    removeTree(dir);
  }
});

// Node's stream, net and tty modules are not in its start-up snapshot and,
// under the blob's V8 flag, not in a usable code cache either: each costs a
// compile from source at start. --version, and a container up to CMD and back
// out, need none of them (log lines and --version go out with write(2), the
// terminal check is the addon's isatty).
test("--version and a container's `-- true` load none of Node's stream, net or tty modules", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsinit-bin-"));
  try {
    const probe = join(dir, "probe.js");
    writeFileSync(
      probe,
      "process.on('exit', () => process._rawDebug('loaded ' + process.moduleLoadList.filter((m) => /^NativeModule (stream|net|tty)$/.test(m)).join(',')));\n",
    );
    const env = { ...process.env, NODE_OPTIONS: `--require ${probe}` };
    const runs = {
      version: spawnSync(BIN, ["--version"], { encoding: "utf8", env }),
      container: spawnSync(BIN, ["--scandir", `${dir}/service`, "--envdir", `${dir}/env`, "--taskdir", `${dir}/task`, "--rundir", `${dir}/run`, "--", "true"], {
        encoding: "utf8",
        env,
      }),
    };
    for (const [name, r] of Object.entries(runs)) {
      assert.is(r.status, 0, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /^loaded $/m, `${name}: ${r.stderr}`);
    }
  } finally {
    removeTree(dir);
  }
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
