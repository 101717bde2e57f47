// tsinit as PID 1 from boot to power-off, with the real binary in a pid +
// mount (+ UTS) namespace. reboot(2) from a namespace's init ends that
// namespace: unshare exits 130 for poweroff/halt (SIGINT), 129 for reboot.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { encodeInputEvent, EV_KEY, KEY_POWER } from "../../src/shutdown/input-event";
import { BIN, eventually, startPid1 } from "../helpers/pid1";
import { removeTree, tempTree, type Tree } from "../../lab/tree";
import { bootInit, endBooted, sh, svStatus } from "../helpers/booted";

const test = suite("init");
const POWEROFF = 130;
const REBOOT = 129;

/** Boots with the image's dirs in a temp tree (no chroot; the host's mounts stay). */
const bootTree = (tree: Tree, extra: string[] = []) => bootInit(tree, { extra, grace: 1000 });
const end = endBooted;
const svstatus = svStatus;

test("refuses to run as anything but PID 1", () => {
  const r = spawnSync(BIN, ["init"], { encoding: "utf8" });
  assert.is(r.status, 100);
  assert.match(r.stderr, /must run as process 1/);
});

test("stage 1 in a prepared root: mounts, hostname, session, order; poweroff by signal", async () => {
  const root = tempTree({}, "tsinit-root-");
  // A read-only tmpfs root with the host's /usr and the binary at /tsinit,
  // and a devtmpfs on /dev as the initrd leaves it (the only writable place,
  // where the addon is unpacked): everything else is mounted by stage 1.
  const script = [
    "set -e",
    `R=${root}`,
    "mount -t tmpfs -o mode=0755 root $R",
    "mkdir -p $R/usr $R/etc/s6/service/hello $R/etc/s6/env $R/etc/s6/task $R/proc $R/sys $R/dev $R/run",
    "mount --bind /usr $R/usr && mount -o remount,bind,ro $R/usr",
    "ln -s usr/bin $R/bin && ln -s usr/lib $R/lib && ln -s usr/lib64 $R/lib64 && ln -s usr/sbin $R/sbin",
    `cp ${BIN} $R/tsinit`,
    "echo tsinit-test > $R/etc/hostname",
    "printf '#!/bin/sh\\necho \"hello up, GREETING=$GREETING\"\\nexec sleep 1000\\n' > $R/etc/s6/service/hello/run",
    "chmod +x $R/etc/s6/service/hello/run",
    "echo hi > $R/etc/s6/env/GREETING",
    'printf \'#!/bin/sh\\necho "task sid=$(cut -d" " -f6 /proc/self/stat) pid=$$"\\n\' > $R/etc/s6/task/t1 && chmod +x $R/etc/s6/task/t1',
    "mount -o remount,ro $R",
    "mount -t devtmpfs devtmpfs $R/dev",
    "exec chroot $R /tsinit",
  ].join("\n");
  const init = startPid1([], { wrap: ["sh", "-c", script] });
  try {
    await init.waitFor(/boot: done in/, 20_000);
    const out = init.output();
    for (const m of ["/proc", "/sys", "/dev/pts", "/dev/shm", "/run"]) assert.match(out, new RegExp(`boot: mounted ${m} \\(`), m);
    assert.match(out, /boot: kept the mounted \/dev \(/);
    const order = [
      "reset stdio",
      "mounted /proc",
      "mounted /run",
      "set the hostname",
      "leave session 0",
      "load the environment",
      "start tasks",
      "start supervision",
    ];
    const at = order.map((s) => out.indexOf(s));
    assert.ok(
      at.every((v, i) => v >= 0 && (i === 0 || v > at[i - 1]!)),
      `stage 1 order: ${JSON.stringify(at)}`,
    );
    await init.waitFor(/hello up, GREETING=hi/);
    await init.waitFor(/task sid=(\d+) pid=(\d+)/);
    const [, sid, pid] = out.match(/task sid=(\d+) pid=(\d+)/) ?? init.output().match(/task sid=(\d+) pid=(\d+)/)!;
    assert.is(sid, pid, "a task leads its own session");
    const host = init.hostPid();
    const mounts = readFileSync(`/proc/${host}/mountinfo`, "utf8");
    assert.match(mounts, / \/run rw[^\n]* - tmpfs /, "/run is a tmpfs");
    assert.match(mounts, / \/dev rw[^\n]* - devtmpfs /, "/dev is a devtmpfs");
    const stat = readFileSync(`/proc/${host}/stat`, "utf8");
    const [pgrp, session] = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .slice(2, 4)
      .map(Number);
    assert.is(session, host, "PID 1 leads its own session");
    assert.is(pgrp, host, "and its own process group");
    assert.is(spawnSync("nsenter", ["-t", String(host), "-u", "hostname"], { encoding: "utf8" }).stdout.trim(), "tsinit-test");
    const live = `/proc/${host}/root/run/tsinit/service/hello`;
    assert.ok(svstatus(live)?.pid, "service state lives on /run");
    process.kill(host, "SIGUSR1");
    assert.is(await init.exited, POWEROFF);
    assert.match(init.output(), /shutdown: poweroff requested[\s\S]*stopped services[\s\S]*sync[\s\S]*remounted \/ read-only[\s\S]*poweroff now/);
  } finally {
    await init.kill();
    spawnSync("umount", ["-l", root]);
    removeTree(root);
  }
});

test("as PID 1, unknown boot arguments are logged, not fatal", async () => {
  const m = await bootTree({ "service/s/run": sh("exec sleep 1000") }, ["single", "--frobnicate"]);
  try {
    assert.match(m.init.output(), /warning: ignoring single --frobnicate on the command line/);
    await eventually(() => svstatus(`${m.root}/run/service/s`)?.pid, 5000, "service up anyway");
  } finally {
    await end(m);
  }
});

test("as PID 1, a bad --grace is logged and the default kept, not fatal", async () => {
  const m = await bootTree({ "service/s/run": sh("exec sleep 1000") }, ["--grace", "soon"]);
  try {
    assert.match(m.init.output(), /warning: option --grace takes milliseconds, not "soon": using 5000/);
    await eventually(() => svstatus(`${m.root}/run/service/s`)?.pid, 5000, "service up anyway");
  } finally {
    await end(m);
  }
});

test("env dir rules reach services; tasks record their exit", async () => {
  const m = await bootTree({
    "env/FOO": "bar\nsecond line\n",
    "env/TRAIL": "value \t\n",
    "env/GONE": "",
    "env/.hidden": "x\n",
    // run's cwd is the live dir ROOT/run/service/e
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${GONE-unset} is the shell's expansion
    "service/e/run": sh('echo "FOO=$FOO TRAIL=[$TRAIL] GONE=${GONE-unset}" > ../../../env.out; exec sleep 1000'),
    "task/fails": sh("exit 7"),
    "task/noexec": "not a script\n",
  });
  try {
    // The shell's `>` makes the file before echo writes the line: wait for a whole line.
    const line = await eventually(
      () => {
        const text = readFileSync(`${m.root}/env.out`, "utf8"); // absent yet: eventually tries again
        return text.includes("\n") ? text : null;
      },
      5000,
      "env.out",
    );
    assert.match(line, /^FOO=bar TRAIL=\[value\] GONE=unset$/m);
    const rec = await eventually(
      () => {
        const r = JSON.parse(readFileSync(`${m.root}/run/task/fails.json`, "utf8"));
        return r.state === "exited" ? r : null;
      },
      5000,
      "task record",
    );
    assert.is(rec.code, 7);
    assert.match(m.init.output(), /unable to run task .*noexec: Permission denied \(EACCES\)/);
  } finally {
    await end(m);
  }
});

test("a task's exec that fails is recorded failed and holds its dependents; a running task's record has its pid", async () => {
  const m = await bootTree({
    "task/badexec": "#!/nonexistent/interpreter\nexit 0\n",
    "task/after/run": sh("exit 0"),
    "task/after/dependencies": "badexec\n",
    "task/sleeper/run": sh("exec sleep 1000"),
  });
  try {
    const read = (name: string) => JSON.parse(readFileSync(`${m.root}/run/task/${name}.json`, "utf8"));
    const bad = await eventually(() => (read("badexec").state === "failed" ? read("badexec") : null), 5000, "badexec failed");
    assert.match(bad.error, /ENOENT/);
    // The console line and the record are two channels: the record can be read before the pipe is.
    await m.init.waitFor(/unable to start task .*badexec: .*ENOENT/, 5000);
    // Spawned on the addon's thread: the pid arrives with its report and is written then.
    const sleeper = await eventually(() => (read("sleeper").pid > 0 ? read("sleeper") : null), 5000, "sleeper's pid");
    assert.is(sleeper.state, "running");
    assert.match(m.init.exec(["cat", `/proc/${sleeper.pid}/cmdline`]).stdout, /sleep/);
    const after = read("after");
    assert.is(after.state, "waiting", "a dependent of a task that could not start is not run");
    assert.is(after.pid, 0);
  } finally {
    await end(m);
  }
});

const SIGNALS: Array<[string, number, string]> = [
  ["SIGUSR1", POWEROFF, "poweroff"],
  ["SIGPWR", POWEROFF, "poweroff"],
  ["SIGTERM", POWEROFF, "poweroff"],
  ["SIGRTMIN+4", POWEROFF, "poweroff"],
  ["SIGUSR2", POWEROFF, "halt"],
  ["SIGRTMIN+3", POWEROFF, "halt"],
  ["SIGINT", REBOOT, "reboot"],
  ["SIGRTMIN+5", REBOOT, "reboot"],
];

test("shutdown by each signal", async () => {
  for (const [signal, code, action] of SIGNALS) {
    const m = await bootTree({ "service/s/run": sh("exec sleep 1000") });
    try {
      await eventually(() => svstatus(`${m.root}/run/service/s`)?.pid, 5000, "service up");
      // kill's own status is not the point (the shutdown may end nsenter's
      // child before it is reaped: status 128); that it said nothing is, and PID 1's end.
      const r = m.init.exec(["kill", `-${signal.replace(/^SIG/, "")}`, "1"]);
      assert.is(r.stderr, "", r.stderr);
      assert.is(await m.init.exited, code, `${signal} → exit ${code}`);
      assert.match(m.init.output(), new RegExp(`shutdown: ${action} requested`), signal);
    } finally {
      await end(m);
    }
  }
});

test("shutdown by command, and by the binary called as reboot", async () => {
  const m = await bootTree({ "service/s/run": sh("exec sleep 1000") });
  try {
    // The namespace ends with its init, possibly before nsenter's child has
    // exited: the command's own status is not the point, PID 1's end is.
    m.init.exec([BIN, "poweroff"]);
    assert.is(await m.init.exited, POWEROFF);
    assert.match(m.init.output(), /shutdown: poweroff requested/);
  } finally {
    await end(m);
  }
  const m2 = await bootTree({ "service/s/run": sh("exec sleep 1000") });
  try {
    const link = `${m2.root}/reboot`;
    symlinkSync(BIN, link);
    m2.init.exec([link]);
    assert.is(await m2.init.exited, REBOOT);
    assert.match(m2.init.output(), /shutdown: reboot requested/);
  } finally {
    await end(m2);
  }
});

test("a service that ignores TERM is killed after the grace time", async () => {
  const m = await bootTree({ "service/stubborn/run": sh("trap '' TERM; exec sleep 1000"), "service/polite/run": sh("exec sleep 1000") });
  try {
    await eventually(() => svstatus(`${m.root}/run/service/stubborn`)?.pid, 5000, "up");
    const t0 = Date.now();
    process.kill(m.init.hostPid(), "SIGUSR1");
    assert.is(await m.init.exited, POWEROFF);
    const took = Date.now() - t0;
    assert.ok(took >= 1000 && took < 6000, `took ${took} ms with a 1000 ms grace`);
    // Named, so the one to fix is known; the polite one stopped on TERM.
    assert.match(m.init.output(), /shutdown: 1 service still up after 1000 ms: sending KILL to stubborn \(pid \d+\)\n/);
  } finally {
    await end(m);
  }
});

test("the power button: KEY_POWER from an input device named Power Button", async () => {
  // A fifo stands in for /dev/input/event3: the kernel device cannot be made here (no uinput).
  const root = tempTree({
    "sys/event0/device/name": "AT Translated Set 2 keyboard\n",
    "sys/event3/device/name": "Power Button\n",
    "dev/": null,
    "service/s/run": sh("exec sleep 1000"),
  });
  spawnSync("mkfifo", [`${root}/dev/event3`]);
  const init = startPid1([
    "--no-mount",
    "--scandir",
    `${root}/service`,
    "--rundir",
    `${root}/run`,
    "--hostname",
    `${root}/none`,
    "--input-sys",
    `${root}/sys`,
    "--input-dev",
    `${root}/dev`,
    "--grace",
    "1000",
  ]);
  try {
    await init.waitFor(/listening to the power button on .*event3/);
    const fd = openSync(`${root}/dev/event3`, "w");
    writeSync(fd, encodeInputEvent({ type: EV_KEY, code: KEY_POWER, value: 0 })); // a release: nothing
    writeSync(fd, encodeInputEvent({ type: EV_KEY, code: KEY_POWER, value: 1 }));
    closeSync(fd);
    await init.waitFor(/power button pressed/);
    assert.is(await init.exited, POWEROFF);
  } finally {
    await init.kill();
    removeTree(root);
  }
});

test("a name in the env dir that is not UTF-8 is skipped and named; the other variables load", async () => {
  const m = await bootInit(
    {
      "env/GOOD": "yes\n",
      "env/ZED": "last\n",
      "service/show/run": sh('echo "show GOOD=$GOOD ZED=$ZED"; exec sleep 1000'),
    },
    {
      grace: 1000,
      prepare: (root) => writeFileSync(Buffer.concat([Buffer.from(`${root}/env/`), Buffer.from([0x42, 0xff])]), "bad\n"),
    },
  );
  try {
    await m.init.waitFor(/show GOOD=yes ZED=last/);
    const out = m.init.output();
    assert.match(out, /warning: unable to set a variable from \S+\/env\/B\\xff: not UTF-8: skipped/);
    assert.match(out, /boot: load the environment: 2 variables from /);
  } finally {
    await end(m);
  }
});

test.run();
