// Issue 21, finding 5: `tsinit log` and `tsinit status NAME` read an s6-log
// dir its logger's user (here nobody) owns: a current that is a symlink to a
// root-only file is not printed; a fifo current hangs neither log, status
// nor log -f; a 1 GB sparse current is read quickly in bounded memory.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { chownSync, existsSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { BIN, eventually } from "../helpers/pid1";
import { bootInit, endBooted, sh, type Booted } from "../helpers/booted";

const test = suite("untrusted log dirs");
const NOBODY = 65534;

/** A booted init whose service web logs with s6-log as nobody into web/log/main (nobody's). */
async function boot(): Promise<{
  m: Booted;
  main: string;
  run: (args: string[], ms?: number) => { out: string; err: string; status: number | null; ms: number };
}> {
  const m = await bootInit({
    "service/web/run": sh("echo web-line; exec sleep 1000"),
    "service/web/log/run": sh("mkdir -p main; chown nobody main; exec s6-setuidgid nobody s6-log t ./main"),
  });
  const main = `${m.root}/run/service/web/log/main`;
  await eventually(() => existsSync(`${main}/current`) && readFileSync(`${main}/current`, "utf8").includes("web-line"), 10_000, "web's line in main/current");
  const run = (args: string[], ms = 10_000) => {
    const t = Date.now();
    const r = spawnSync(BIN, args, { encoding: "utf8", env: { ...process.env, TSINIT_SCANDIR: `${m.root}/run/service` }, cwd: "/", timeout: ms });
    return { out: r.stdout, err: r.stderr, status: r.status, ms: Date.now() - t };
  };
  return { m, main, run };
}

/** What nobody can do in its own dir: put NAME in place of current. */
function replaceCurrent(main: string, make: (path: string) => void): void {
  make(`${main}/planted`);
  renameSync(`${main}/planted`, `${main}/current`);
}

test("a current symlinked to a root-only file is not printed by log or status: a warning names it", async () => {
  const { m, main, run } = await boot();
  try {
    const secret = `${m.root}/shadow`;
    writeFileSync(secret, "SECRET-ROOT-LINE\n", { mode: 0o600 });
    replaceCurrent(main, (p) => symlinkSync(secret, p));
    const log = run(["log", "web"]);
    assert.is(log.status, 0, log.err);
    assert.not.match(log.out, /SECRET/);
    assert.match(log.err, /warning: not reading \S*\/main\/current: a symbolic link/);
    const st = run(["status", `${m.root}/run/service/web`]);
    assert.not.match(st.out + st.err, /SECRET/, "status's story does not show it either");
    // A file of another user's (not root's, not the dir owner's): refused too.
    const other = `${main}/../other-file`;
    writeFileSync(other, "@400000000000000000000000 OTHER-LINE\n");
    chownSync(other, 1, 1);
    replaceCurrent(main, (p) => writeFileSync(p, readFileSync(other)) as void);
    chownSync(`${main}/current`, 1, 1);
    const log2 = run(["log", "web"]);
    assert.not.match(log2.out, /OTHER-LINE/);
    assert.match(log2.err, /current: owned by uid 1, neither root nor the dir's owner \(uid 65534\)/);
  } finally {
    await endBooted(m);
  }
});

test("a fifo current hangs neither log, status nor log -f", async () => {
  const { m, main, run } = await boot();
  try {
    replaceCurrent(main, (p) => {
      spawnSync("mkfifo", [p]);
    });
    const log = run(["log", "web"], 5000);
    assert.is(log.status, 0, `log: ${log.status} after ${log.ms} ms ${log.err}`);
    assert.match(log.err, /current: a fifo/);
    const st = run(["status", `${m.root}/run/service/web`], 5000);
    assert.ok(st.status !== null, `status hung: ${st.ms} ms`);
    const f = spawn(BIN, ["log", "-f", "web"], { env: { ...process.env, TSINIT_SCANDIR: `${m.root}/run/service` }, cwd: "/" });
    let out = "";
    f.stdout.on("data", (d) => (out += d));
    f.stderr.on("data", (d) => (out += d));
    try {
      await eventually(() => /current: a fifo/.test(out), 5000, "log -f says the fifo and goes on");
      // A regular current again (nobody's, as s6-log would make it): followed.
      replaceCurrent(main, (p) => {
        writeFileSync(p, "@400000000000000000000000 back-again\n");
        chownSync(p, NOBODY, NOBODY);
      });
      await eventually(() => out.includes("back-again"), 5000, "the new current followed");
    } finally {
      f.kill("SIGKILL");
      f.stdout.destroy();
      f.stderr.destroy();
      f.unref();
    }
    // log/run itself a fifo (it is read for s6-log's dirs): no hang either.
    renameSync(`${main}/../run`, `${main}/../run.real`);
    spawnSync("mkfifo", [`${main}/../run`]);
    const viaRun = run(["log", "web"], 5000);
    assert.is(viaRun.status, 0, `log with a fifo log/run: ${viaRun.status} after ${viaRun.ms} ms`);
  } finally {
    await endBooted(m);
  }
});

test("a 1 GB sparse current is read quickly in bounded memory", async () => {
  const { m, main } = await boot();
  try {
    replaceCurrent(main, (p) => {
      writeFileSync(p, "");
      spawnSync("truncate", ["-s", "1G", p]);
      chownSync(p, NOBODY, NOBODY);
    });
    for (const args of [
      ["log", "-n", "5", "web"],
      ["log", "web"],
      ["status", `${m.root}/run/service/web`],
    ]) {
      const t = Date.now();
      // GNU time's %M: the peak resident set in KiB.
      const r = spawnSync("/usr/bin/time", ["-f", "maxrss=%M", BIN, ...args], {
        encoding: "utf8",
        env: { ...process.env, TSINIT_SCANDIR: `${m.root}/run/service` },
        cwd: "/",
        timeout: 20_000,
        maxBuffer: 256 * 1024 * 1024,
      });
      const ms = Date.now() - t;
      const rss = Number(/maxrss=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
      assert.ok(r.status !== null && /maxrss=/.test(r.stderr), `${args.join(" ")}: no exit after ${ms} ms`);
      assert.ok(ms < 5000, `${args.join(" ")}: ${ms} ms`);
      assert.ok(rss < 250 * 1024, `${args.join(" ")}: peak RSS ${rss} KiB`);
    }
  } finally {
    await endBooted(m);
  }
});

test.run();
