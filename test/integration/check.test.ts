// `tsinit check` against a fixture image with one of each problem, and a
// clean one. Each problem must be reported on its own line naming its file;
// symlinks are followed inside the image, so an interpreter the host has but
// the image lacks is reported.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, writeFileSync } from "node:fs";
import { tsinit } from "./cli-helpers";
import { removeTree, tempTree, type Tree } from "../../lab/tree";

const SH = "#!/bin/sh\nexec sleep 100\n";

/** An image with /bin/sh (a busybox link), /etc/passwd, and TREE under /etc/s6. */
function image(tree: Tree): string {
  const s6: Tree = {};
  for (const [k, v] of Object.entries(tree)) s6[`etc/s6/${k}`] = v;
  return tempTree({
    "bin/busybox": "#!/bin/busybox-is-a-placeholder\n",
    "bin/sh": { symlink: "busybox" },
    // The host has /usr/bin/env; the image's link leads to its own /usr/bin/env, which is not there.
    "usr/bin/env": { symlink: "/usr/bin/env-missing" },
    "usr/bin/python3": { symlink: "/usr/bin/python3" },
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/sh\n",
    "etc/group": "root:x:0:\nwww:x:33:\n",
    // A service kept elsewhere in the image, linked by its absolute image path (not there on the host).
    "srv/tsinit-check-app/run": SH,
    ...s6,
  });
}

const CLEAN: Tree = {
  "service/web/run": SH,
  "service/web/notification-fd": "3\n",
  "service/web/user": "www\n",
  "service/web/log/max-size": "65536\n",
  "service/db/run": SH,
  "service/db/dependencies": "web\n",
  "service/db/rlimits/nofile": "4096:8192\n",
  "service/db/memory.max": "64M\n",
  "task/hello": "#!/bin/sh\necho hello\n",
  "service/app": { symlink: "/srv/tsinit-check-app" },
  "env/PATH": "/bin:/usr/bin\n",
};

// One of each problem, and the file and words each line must carry.
const BAD: Tree = {
  "service/norun/down": "",
  "service/noexec/run": "exec sleep 1\n",
  "service/bash/run": "#!/bin/bash\nexec sleep 1\n",
  "service/envsh/run": "#!/usr/bin/env sh\nexec sleep 1\n",
  "service/loop/run": "#!/usr/bin/python3\n",
  "service/notify/run": SH,
  "service/notify/notification-fd": "x\n",
  "service/notify1/run": SH,
  "service/notify1/notification-fd": "1\n",
  "service/sig/run": SH,
  "service/sig/down-signal": "TERMINATE\n",
  "service/sig/timeout_kill": "100\n",
  "service/times/run": SH,
  "service/times/timeout-kill": "5s\n",
  "service/times/timeout-finish": "-1\n",
  "service/times/timeout-up": "soon\n",
  "service/tally/run": SH,
  "service/tally/max-death-tally": "lots\n",
  "service/backoff/run": SH,
  "service/backoff/restart-delay-max": "30s\n",
  "service/backoff2/run": SH,
  "service/backoff2/restart-delay-max": "500\n",
  "service/limit/run": SH,
  "service/limit/restart-limit": "3\n",
  "service/limit0/run": SH,
  "service/limit0/restart-limit": "0 10\n",
  "service/onfail/run": SH,
  "service/onfail/on-failure": "explode\n",
  "service/onfail2/run": SH,
  "service/onfail2/on-failure": "poweroff\n",
  "service/both/run": SH,
  "service/both/notification-fd": "3\n",
  "service/both/notify-socket": "",
  "service/dog/run": SH,
  "service/dog/watchdog-ms": "30s\n",
  "service/dog2/run": SH,
  "service/dog2/watchdog-ms": "30000\n",
  "service/limits/run": SH,
  "service/limits/rlimits/nofile": "many\n",
  "service/limits/nice": "30\n",
  "service/limits/umask": "999\n",
  "service/limits/memory.max": "64X\n",
  "service/limits/cpu.max": "10\n",
  "service/limits/pids.max": "-1\n",
  "service/who/run": SH,
  "service/who/user": "nobody-here\n",
  "service/deps/run": SH,
  "service/deps/dependencies": "ghost\n",
  "service/cyc-a/run": SH,
  "service/cyc-a/dependencies": "cyc-b\n",
  "service/cyc-b/run": SH,
  "service/cyc-b/dependencies.d/cyc-a": "",
  "service/envs/run": SH,
  "service/envs/env/A=B": "x\n",
  "service/logbad/run": SH,
  "service/logbad/log/s6-log-script": "n10 s1000000\n",
  "service/-dash/run": SH,
  [`service/${"n".repeat(252)}/run`]: SH,
  "service/stray": "not a dir\n",
  "task/t1": "echo no shebang, not executable\n",
  "env/9LIVES": "x\n",
};

const EXPECTED: Array<[string, RegExp]> = [
  ["service/norun/run", /error: missing/],
  ["service/noexec/run", /error: not executable: chmod \+x/],
  ["service/bash/run", /error: its interpreter \/bin\/bash is not in the image/],
  ["service/envsh/run", /error: its interpreter \/usr\/bin\/env is not in the image/],
  ["service/loop/run", /error: its interpreter \/usr\/bin\/python3 is not in the image/],
  ["service/notify/notification-fd", /error: "x" is not a number: write a descriptor number such as 3/],
  ["service/notify1/notification-fd", /warning: 1 is stdout: run's output would go to the readiness pipe instead: write a descriptor number of 3 or more/],
  ["service/sig/down-signal", /error: "TERMINATE" is not a signal/],
  ["service/times/timeout-kill", /error: "5s" is not a number of milliseconds/],
  ["service/times/timeout-finish", /error: "-1" is not a number of milliseconds/],
  ["service/times/timeout-up", /error: "soon" is not a number of milliseconds/],
  ["service/sig/timeout_kill", /warning: not a file tsinit reads \(did you mean timeout-kill\?\): rename it to timeout-kill$/],
  ["service/tally/max-death-tally", /error: "lots" is not a number/],
  ["service/backoff/restart-delay-max", /error: "30s" is not a number of milliseconds \(boot uses no backoff\): write milliseconds such as 30000/],
  ["service/backoff2/restart-delay-max", /warning: 500 ms is below the 1000 ms every restart waits anyway: no backoff/],
  ["service/limit/restart-limit", /error: "3" is not COUNT SECONDS \(boot restarts it for ever\): write a count and seconds such as 3 10/],
  ["service/limit0/restart-limit", /error: COUNT 0 is not from 1 to 1000 \(boot restarts it for ever\)/],
  ["service/onfail/on-failure", /error: "explode" is not one of nothing, reboot, poweroff, halt, exit \(boot does nothing\)/],
  [
    "service/onfail2/on-failure",
    /warning: poweroff never happens: without restart-limit the service is restarted for ever and never fails: add restart-limit, e.g. 3 10/,
  ],
  ["service/both/notify-socket", /warning: beside notification-fd: whichever says ready first flags it ready: keep one of them/],
  ["service/dog/watchdog-ms", /error: "30s" is not a number of milliseconds \(boot uses no watchdog\)/],
  ["service/dog2/watchdog-ms", /warning: without notify-socket no WATCHDOG=1 can arrive: no watchdog: add an empty notify-socket file/],
  ["service/limits/rlimits/nofile", /error: "many" is not SOFT or SOFT:HARD/],
  ["service/limits/nice", /error: "30" is not a nice value/],
  ["service/limits/umask", /error: "999" is not an octal umask/],
  ["service/limits/memory.max", /error: "64X" is not max or bytes/],
  ["service/limits/cpu.max", /error: "10" is not a quota of at least 1000/],
  ["service/limits/pids.max", /error: "-1" is not max or a number of processes/],
  ["service/who/user", /error: user "nobody-here" is not in the image's \/etc\/passwd/],
  ["service/deps/dependencies", /error: deps depends on "ghost", which is neither a service nor a task/],
  ["service/cyc-a/dependencies", /error: dependency cycle cyc-a -> cyc-b -> cyc-a/],
  ["service/envs/env/A=B", /error: "A=B" cannot be a variable name/],
  ["service/logbad/log/s6-log-script", /error: log\/ has no run, so the built-in logger is used/],
  ["service/-dash", /warning: the name "-dash" starts with "-"/],
  [`service/${"n".repeat(252)}`, /warning: the name is 252 bytes long: s6-svscan skips names longer than 251 bytes: give it a shorter name$/],
  ["service/stray", /warning: not a directory: the scan skips it/],
  ["task/t1", /error: not executable/],
  ["env/9LIVES", /warning: "9LIVES" is set, but a shell cannot read it/],
  ["env/B\uFFFD", /warning: the name is not UTF-8: boot skips it and sets the others/],
];

test("check: each problem of the fixture on its own line with its file and fix, exit 1", () => {
  const root = image(BAD);
  chmodSync(`${root}/etc/s6/service/noexec/run`, 0o644);
  writeFileSync(Buffer.from(`${root}/etc/s6/env/B\xff`, "latin1"), "x\n");
  try {
    const r = tsinit("check", "--root", root);
    assert.is(r.status, 1, r.out + r.err);
    const lines = r.out.trim().split("\n");
    if (process.env.SHOW) console.log(r.out);
    for (const [file, re] of EXPECTED) {
      const line = lines.find((l) => l.startsWith(`${file}: `) && re.test(l));
      assert.ok(line, `no line for ${file} matching ${re} in:\n${r.out}`);
      assert.ok(line!.split(": ").length >= 4, `FILE: SEVERITY: WHAT: FIX in ${line}`);
    }
    assert.match(lines[lines.length - 1]!, new RegExp(`^/etc/s6 in ${root}: \\d+ errors, 11 warnings$`));
    // The clean service of the same tree is not mentioned.
    assert.not.ok(
      lines.some((l) => l.startsWith("service/tally/run")),
      r.out,
    );
  } finally {
    removeTree(root);
  }
});

test("check: a clean tree exits 0 and says so", () => {
  const root = image(CLEAN);
  try {
    const r = tsinit("check", "--root", root);
    assert.is(r.status, 0, r.out + r.err);
    assert.is(r.out, `/etc/s6 in ${root}: no problems\n`);
    assert.is(r.err, "");
  } finally {
    removeTree(root);
  }
});

test("check --json: root, counts and one object per finding", () => {
  const root = image({ ...CLEAN, "service/web/notification-fd": "x\n", "env/my-var": "1\n" });
  try {
    const r = tsinit("check", "--json", "--root", root, "/etc/s6");
    assert.is(r.status, 1, r.err);
    const j = JSON.parse(r.out);
    assert.equal(Object.keys(j).sort(), ["errors", "findings", "root", "warnings"]);
    assert.is(j.root, root);
    assert.is(j.errors, 1);
    assert.is(j.warnings, 1);
    assert.equal(j.findings[0], {
      dir: "/etc/s6",
      severity: "error",
      file: "service/web/notification-fd",
      message: '"x" is not a number',
      fix: "write a descriptor number such as 3",
    });
    assert.is(j.findings[1].file, "env/my-var");
    assert.is(j.findings[1].severity, "warning");
  } finally {
    removeTree(root);
  }
});

test("check: a DIR missing from ROOT is a system error (111) in the one-line style", () => {
  const root = image(CLEAN);
  try {
    const r = tsinit("check", "--root", root, "/etc/nothing");
    assert.is(r.status, 111);
    assert.is(r.out, "");
    assert.is(r.err, `tsinit check: unable to read /etc/nothing in ${root}: No such file or directory (ENOENT)\n`);
  } finally {
    removeTree(root);
  }
});

test("check --help and -h: usage, examples, exit codes; a bad option names it and shows the usage (100)", () => {
  for (const flag of ["--help", "-h"]) {
    const r = tsinit("check", flag);
    assert.is(r.status, 0);
    assert.match(r.out, /^usage: tsinit check \[--root ROOT\] \[--json\] \[DIR\.\.\.\]\n/);
    assert.match(r.out, /\nexamples: tsinit check\s/);
    assert.match(r.out, /\nexit codes: 0 .*1 .*100 usage;\n111 /s);
  }
  const bad = tsinit("check", "--bogus");
  assert.is(bad.status, 100);
  assert.is(bad.out, "");
  assert.match(bad.err, /^tsinit check: .*--bogus.*\nusage: tsinit check \[--root ROOT\] \[--json\] \[DIR\.\.\.\]\n$/);
});

test.run();
