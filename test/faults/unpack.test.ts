// The addon unpack against a local attacker (user nobody). Root runs the real
// binary's `tsinit status` as PID 1 of a pid + mount namespace where /run is a
// noexec tmpfs and /dev/shm is a world-writable sticky dir the attacker can
// write from outside (a bind of ATTACK), so the unpack falls back to it as on
// a Debian initramfs. Before root starts, the attacker plants a symlink or a
// hard link under every name `.tsinit-1-<ms base 36>.node` of the next 30 s
// (the pid is 1, the time is known). Root must neither write through them nor
// load anything but its own bytes, and must leave nothing behind.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, symlinkSync, readdirSync, readFileSync, watch, writeFileSync } from "node:fs";
import { BIN, eventually, sleep } from "../helpers/pid1";
import { removeTree, tempTree, writeTree } from "../../lab/tree";
import { asNobody, NOBODY, sh } from "./booted";

const test = suite("faults: addon unpack");
const WINDOW_MS = 30_000;
/** the name of a private dir from mkdtemp (the old names were .tsinit-PID-MS.node) */
const PRIVATE = /\.tsinit-[A-Za-z0-9]{6}(\/|\s|$)/;

// The attacker, run by node as nobody: plants links over the window, or
// watches the dir and tries to open for writing whatever appears in it.
const ATTACKER = `
const fs = require("node:fs");
const [mode, dir, target] = process.argv.slice(2);
if (mode === "watch") {
  const seen = [];
  fs.watch(dir, (ev, name) => {
    if (!name) return;
    for (const p of [dir + "/" + name, dir + "/" + name + "/tsinit.node"]) {
      try { fs.closeSync(fs.openSync(p, "r+")); seen.push("OPENED " + p); }
      catch (e) { seen.push(e.code + " " + p); }
    }
  });
  process.on("SIGTERM", () => { process.stdout.write(seen.join("\\n") + "\\n"); process.exit(0); });
  process.stdout.write("ready\\n");
} else {
  const from = Date.now() - 1000;
  for (let ms = from; ms < from + ${WINDOW_MS}; ms++) {
    const name = dir + "/.tsinit-1-" + ms.toString(36) + ".node";
    if (mode === "symlink") fs.symlinkSync(target, name); else fs.linkSync(target, name);
  }
}
`;

interface Stage {
  root: string;
  /** world-writable, sticky, root's: the namespace's /dev/shm */
  attack: string;
  /** the namespace's /run, mounted noexec */
  run: string;
  scan: string;
}

/** A temp root (0755) with attacker.js, a 1777 attack dir, a run dir and a scan dir of one service. */
function stage(): Stage {
  const root = tempTree({ "attacker.js": ATTACKER, "scan/a/run": sh("exec sleep 1"), "run/": null });
  chmodSync(root, 0o755);
  const attack = `${root}/attack`;
  mkdirSync(attack);
  chmodSync(attack, 0o1777);
  return { root, attack, run: `${root}/run`, scan: `${root}/scan` };
}

/** Root's `tsinit status SCAN` as PID 1 of a namespace: /run noexec, /dev/shm the attack dir; optionally no /proc. */
function rootStatus(s: Stage, opts: { noProc?: boolean; addonDir?: string } = {}): { status: number | null; out: string } {
  const script = [
    "set -e",
    opts.noProc ? "mount -t tmpfs none /proc" : ":",
    `mount --bind ${s.run} /run`,
    "mount -o remount,bind,noexec /run",
    `mount --bind ${s.attack} /dev/shm`,
    `exec ${BIN} status ${s.scan}`,
  ].join("\n");
  const env = { ...process.env, TSINIT_ADDON_DIR: opts.addonDir ?? "" };
  const r = spawnSync("unshare", ["-p", "-f", "-m", "--mount-proc", "sh", "-c", script], { encoding: "utf8", timeout: 60_000, env });
  return { status: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

/** status of a scan dir nobody supervises: exit 1 and a table row "a not supervised": the addon worked. */
function assertWorked(r: { status: number | null; out: string }): void {
  assert.is(r.status, 1, `tsinit status: ${r.out}`);
  assert.match(r.out, /^a\s+not supervised/m, r.out);
}

for (const noProc of [false, true]) {
  test(`planted symlinks: root's file is untouched${noProc ? " (no /proc)" : ""}`, () => {
    const s = stage();
    try {
      const victim = `${s.root}/victim`;
      writeFileSync(victim, "precious\n", { mode: 0o644 });
      const plant = asNobody(["node", `${s.root}/attacker.js`, "symlink", s.attack, victim], 60_000);
      assert.is(plant.status, 0, `planting: ${plant.out}`);
      assertWorked(rootStatus(s, { noProc }));
      assert.is(readFileSync(victim, "utf8"), "precious\n", "the symlinks' target was written by root");
    } finally {
      removeTree(s.root);
    }
  });
}

test("planted hard links: the attacker's file is never written, and a watcher gets nothing", async () => {
  const s = stage();
  let watcher: ChildProcess | undefined;
  try {
    const mine = `${s.attack}/mine`;
    assert.is(asNobody(["sh", "-c", `echo attacker > ${mine}`]).status, 0);
    const plant = asNobody(["node", `${s.root}/attacker.js`, "link", s.attack, mine], 60_000);
    assert.is(plant.status, 0, `planting: ${plant.out}`);
    watcher = spawn(NOBODY[0]!, [...NOBODY.slice(1), "node", `${s.root}/attacker.js`, "watch", s.attack], { stdio: ["ignore", "pipe", "inherit"] });
    let seen = "";
    watcher.stdout!.on("data", (d: Buffer) => (seen += d.toString()));
    await eventually(() => seen.startsWith("ready"), 20_000, "the watcher");
    assertWorked(rootStatus(s));
    assert.is(readFileSync(mine, "utf8"), "attacker\n", "root wrote into the attacker's hard link");
    await sleep(300);
    const exited = new Promise((res) => watcher!.on("exit", res));
    watcher.kill("SIGTERM");
    await exited;
    assert.not.match(seen, /OPENED/, `the watcher opened what root made:\n${seen}`);
    assert.match(seen, PRIVATE, `the watcher saw root's private dir:\n${seen}`);
  } finally {
    watcher?.kill("SIGKILL");
    removeTree(s.root);
  }
});

test("$TSINIT_ADDON_DIR that another user owns or can swap is passed over", async () => {
  const s = stage();
  try {
    const theirs = `${s.root}/theirs`;
    const open = `${s.root}/open`;
    mkdirSync(theirs);
    chownSync(theirs, 65534, 65534);
    mkdirSync(open);
    chmodSync(open, 0o777); // not sticky: anyone may rename root's entries away
    symlinkSync(open, `${s.root}/link`);
    for (const dir of [theirs, open, `${s.root}/link`]) {
      const made: string[] = [];
      const w = watch(dir, (_, name) => name && made.push(name));
      try {
        assertWorked(rootStatus(s, { addonDir: dir }));
        await sleep(200);
      } finally {
        w.close();
      }
      assert.equal(made, [], `root wrote in ${dir}`);
    }
  } finally {
    removeTree(s.root);
  }
});

test("no usable directory: status says why for every one tried", () => {
  const s = stage();
  try {
    chownSync(s.attack, 65534, 65534); // /dev/shm is nobody's: unsafe
    writeTree(s.run, { "a/run": sh("exec sleep 1") }); // seen as /run/a, /tmp being hidden
    // The binary is held open (fd 9) and run through /proc: a checkout under /tmp
    // (a CI clone) is hidden once /tmp is covered.
    const script = [
      "set -e",
      `exec 9< ${BIN}`,
      `mount --bind ${s.run} /run`,
      "mount -o remount,bind,noexec /run",
      "mount -t tmpfs -o noexec none /dev",
      "mkdir /dev/shm",
      `mount --bind ${s.attack} /dev/shm`,
      "mount -t tmpfs -o noexec none /tmp",
      "exec /proc/self/fd/9 status /run/a",
    ].join("\n");
    const r = spawnSync("unshare", ["-p", "-f", "-m", "--mount-proc", "sh", "-c", script], { encoding: "utf8", timeout: 60_000 });
    const out = (r.stdout ?? "") + (r.stderr ?? "");
    assert.is(r.status, 111, out);
    assert.match(out, /unable to load the addon: no directory is safe, writable and exec-allowed/, out);
    assert.match(out, /\/dev\/shm: unsafe: \/dev\/shm belongs to uid 65534/, out);
    for (const dir of ["/run", "/dev", "/tmp"]) assert.match(out, new RegExp(`${dir}: [^;]*failed to map segment`), out);
  } finally {
    removeTree(s.root);
  }
});

test("the private dirs and files are gone after the load", async () => {
  const s = stage();
  const made: string[] = [];
  const watches = [s.run, s.attack].map((d) => watch(d, (_, name) => name && made.push(`${d}/${name}`)));
  try {
    assertWorked(rootStatus(s));
    // /run first (written, dlopen refused: noexec), then /dev/shm (loaded); the watch events come after.
    const madeIn = (dir: string) => made.some((p) => p.startsWith(`${dir}/`) && PRIVATE.test(p));
    await eventually(() => madeIn(s.run) && madeIn(s.attack), 5000).catch(() => undefined); // said by the asserts below
    assert.ok(madeIn(s.run), `a private dir in /run: ${made.join(" ")}`);
    assert.ok(madeIn(s.attack), `a private dir in /dev/shm: ${made.join(" ")}`);
    assert.equal(
      readdirSync(s.run).filter((n) => n !== "mount"),
      [],
      "left in /run (mount/ is util-linux's utab)",
    );
    assert.equal(readdirSync(s.attack), [], "left in /dev/shm");
  } finally {
    for (const w of watches) w.close();
    removeTree(s.root);
  }
});

test.run();
