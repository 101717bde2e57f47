// spawn() against the real kernel: each setup step observed from the child.
import { test } from "uvu";
import { unless } from "../helpers/skip";
import { CGROUP2, noCgroup2 } from "../helpers/cgroup2";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, realpathSync, rmdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as sys from "../../src/sys";
import { listen, procStat, readAll, run, unlisten, waitExit } from "./child";

const sh = (script: string, extra: Partial<sys.SpawnOptions> = {}) => run({ file: "/bin/sh", argv: ["sh", "-c", script], ...extra });

test("setsid: the child leads a new session and group", async () => {
  listen();
  const pid = sys.spawn({ file: "/bin/sleep", argv: ["sleep", "10"], setsid: true });
  try {
    const [, , pgrp, session] = procStat(pid);
    assert.is(Number(session), pid);
    assert.is(Number(pgrp), pid);
    assert.is(sys.getsid(pid), pid);
  } finally {
    sys.kill(pid, "KILL");
  }
  assert.is((await waitExit(pid)).signal, 9);
});

test("pgid 0: own group, our session", async () => {
  listen();
  const pid = sys.spawn({ file: "/bin/sleep", argv: ["sleep", "10"], pgid: 0 });
  try {
    const [, , pgrp, session] = procStat(pid);
    assert.is(Number(pgrp), pid);
    assert.is(Number(session), sys.getsid(0));
  } finally {
    sys.kill(pid, "KILL");
  }
  await waitExit(pid);
});

test("fd map: dup2 targets, swapped sources, fds[i] == i kept, everything else closed", async () => {
  const { O_RDONLY } = sys.constants();
  const stray = sys.open("/dev/null", O_RDONLY, 0); // no O_CLOEXEC: only our close_range hides it
  const [r5, w5] = sys.pipe(true);
  const [ra, wa] = sys.pipe(true);
  const [rb, wb] = sys.pipe(true);
  const [rk, wk] = sys.pipe(true); // CLOEXEC, mapped onto itself: the child must still have it
  const n = Math.max(wa, wb, wk, stray) + 1;
  const fds: number[] = new Array(n).fill(-1);
  fds[0] = 0;
  fds[1] = -2;
  fds[2] = 2;
  fds[5] = w5;
  fds[wa] = wb; // swapped: a naive dup2 loop overwrites one source with the other
  fds[wb] = wa;
  fds[wk] = wk;
  const script = `echo out; echo five >&5; echo A >&${wa}; echo B >&${wb}; echo K >&${wk}; for f in /proc/$$/fd/*; do [ -e "$f" ] && echo "\${f##*/}"; done`;
  const outs = [readAll(r5), readAll(ra), readAll(rb), readAll(rk)];
  const res = run({ file: "/bin/bash", argv: ["bash", "-c", script], fds });
  for (const w of [w5, wa, wb, wk]) sys.close(w);
  const { out, exit } = await res;
  sys.close(stray);
  assert.is(exit.code, 0);
  const [five, a, b, k] = await Promise.all(outs);
  assert.is(five, "five\n");
  assert.is(a, "B\n", "child fd wa is our wb");
  assert.is(b, "A\n", "child fd wb is our wa");
  assert.is(k, "K\n");
  const [first, ...rest] = out.trim().split("\n");
  assert.is(first, "out");
  const open = rest.map(Number).sort((x, y) => x - y);
  assert.ok(!open.includes(stray), `fd ${stray} leaked: ${open}`);
  assert.equal(
    open,
    [0, 1, 2, 5, wa, wb, wk].sort((x, y) => x - y),
  );
});

test("uid, gid, groups", async () => {
  const { out } = await sh("id -u; id -g; id -G", { uid: 65534, gid: 65534, groups: [65534, 100] });
  assert.is(out, "65534\n65534\n65534 100\n");
});

test("cwd, umask, env, nice", async () => {
  const dir = realpathSync(mkdtempSync(`${tmpdir()}/tsinit-cwd-`));
  try {
    const { out } = await sh('pwd; umask; echo "$FOO"; nice', { cwd: dir, umask: 0o027, env: ["FOO=bar baz"], nice: 5 });
    assert.is(out, `${dir}\n0027\nbar baz\n5\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("rlimits by name and number, unlimited as Infinity", async () => {
  const { RLIMIT_CORE } = sys.constants();
  const { out } = await sh("ulimit -Sn; ulimit -Hn; ulimit -c", {
    rlimits: [
      ["NOFILE", 123, 456],
      [RLIMIT_CORE!, Infinity, Infinity],
    ],
  });
  assert.is(out, "123\n456\nunlimited\n");
});

test("getrlimit reads what setrlimit set; unlimited is Infinity", () => {
  const [soft, hard] = sys.getrlimit("NOFILE");
  assert.ok(soft > 0 && soft <= hard);
  assert.is(sys.getrlimit("RLIMIT_CPU")[1], Infinity);
  assert.throws(() => sys.getrlimit("NOSUCH"), /unknown rlimit/);
});

unless(test, noCgroup2)("cgroupFd: the child is in the cgroup before it runs; a failed write is reported as write", async () => {
  const dir = `${CGROUP2}/tsinit-spawn-test-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  const { O_WRONLY, O_CLOEXEC } = sys.constants();
  const fd = sys.open(`${dir}/cgroup.procs`, O_WRONLY! | O_CLOEXEC!, 0);
  try {
    const { out } = await sh("grep '^0::' /proc/$$/cgroup", { cgroupFd: fd });
    assert.is(out, `0::/tsinit-spawn-test-${process.pid}\n`);
  } finally {
    sys.close(fd);
  }
  const rd = sys.open("/dev/null", sys.constants().O_RDONLY! | O_CLOEXEC!, 0);
  try {
    assert.throws(
      () => sys.spawn({ file: "/bin/true", cgroupFd: rd }),
      (e: sys.ErrnoError) => e.syscall === "write" && e.code === "EBADF",
    );
  } finally {
    sys.close(rd);
  }
  rmdirSync(dir);
});

test("ttyFd that is no terminal: tcsetpgrp fails with ENOTTY, no child left", () => {
  const rd = sys.open("/dev/null", sys.constants().O_RDONLY! | sys.constants().O_CLOEXEC!, 0);
  try {
    assert.throws(
      () => sys.spawn({ file: "/bin/true", pgid: 0, ttyFd: rd }),
      (e: sys.ErrnoError) => e.syscall === "tcsetpgrp" && e.code === "ENOTTY",
    );
  } finally {
    sys.close(rd);
  }
});

test("signals: none ignored (Node ignores SIGPIPE), none blocked, none caught", async () => {
  // grep reads its own status, as spawned: a shell reading its own would show
  // what the shell itself blocks while it waits for grep (flaky here once).
  const { out } = await run({ file: "grep", argv: ["grep", "-E", "^Sig(Ign|Blk|Cgt)", "/proc/self/status"] });
  assert.match(out, /SigBlk:\s+0000000000000000/);
  assert.match(out, /SigIgn:\s+0000000000000000/);
});

test("an env array given again is passed as the addon made it the first time, to the synchronous and the spawner-thread spawn alike", async () => {
  const env = ["A=1", "B=two words", `LONG=${"x".repeat(5000)}`];
  const first = sys.spawnRequest({ file: "/bin/true", env });
  assert.is(sys.spawnRequest({ file: "/bin/true", env }).env, first.env, "one block for one array");
  assert.is.not(sys.spawnRequest({ file: "/bin/true", env: [...env] }).env, first.env, "a new array is converted anew");
  const script = 'echo "$A|$B|$(printf %s "$LONG" | wc -c)"; env | grep -vc ^PWD=';
  for (let i = 0; i < 2; i++) assert.is((await sh(script, { env })).out, "1|two words|5000\n3\n");
  listen();
  const [r, w] = sys.pipe(true);
  const pid = await new Promise<number>((resolve, reject) =>
    sys.spawnAsync({ file: "/bin/sh", argv: ["sh", "-c", script], env, fds: [-1, w, 2] }, ({ pid, error }) => (error ? reject(error) : resolve(pid))),
  );
  sys.close(w);
  const [out] = await Promise.all([readAll(r), waitExit(pid)]);
  assert.is(out, "1|two words|5000\n3\n");
  unlisten();
});

test("a request's env that is neither strings nor an envBlock: TypeError, no child", () => {
  const req = { ...sys.spawnRequest({ file: "/bin/true" }), env: { not: "a block" } } as unknown as sys.NativeSpawnRequest;
  assert.throws(
    () => sys.native().spawn(req),
    (e: Error) => e instanceof TypeError && /req\.env must be/.test(e.message),
  );
});

test("env defaults to process.env, argv to [file], file searched in PATH", async () => {
  process.env.TSINIT_TEST_VAR = "inherited";
  const { out } = await run({ file: "printenv", argv: ["printenv", "TSINIT_TEST_VAR"] });
  assert.is(out, "inherited\n");
  assert.is(sys.spawnRequest({ file: "/bin/true" }).argv.join(), "/bin/true");
  unlisten();
});

test.run();
