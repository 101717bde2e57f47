// A service's own user, limits, nice, umask and env/, with the real binary as
// PID 1: each service writes what it sees (from run, then from finish) into
// ROOT/out, and the test compares that with its files. A user that does not
// exist keeps the service down and says why.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { eventually } from "../helpers/pid1";
import { bootInit, endBooted, sh, svPid, svStatus, type Booted } from "../helpers/booted";
import { tsinit } from "./cli-helpers";

const test = suite("resources");
const live = (m: Booted, name: string) => `${m.root}/run/service/${name}`;

// What a script records about itself, as KEY=VALUE lines; written to a temp
// name and renamed so the test never reads half a file. Scripts run in the
// live dir ROOT/run/service/NAME, so ROOT is ../../..
const record = (file: string) =>
  sh(`
o=../../../out
if { echo x >> ../../../rootfile; } 2>/dev/null; then w=written; else w=denied; fi
{
  echo "write=$w"
  echo "uid=$(id -u)"
  echo "groups=$(id -G)"
  echo "nofile=$(ulimit -Sn):$(ulimit -Hn)"
  echo "nice=$(nice)"
  echo "umask=$(umask)"
  echo "user=\${USER-unset} home=\${HOME-unset}"
  echo "foo=\${FOO-unset} global=\${GLOBAL-unset} keep=\${KEEP-unset}"
} > $o/${file}.tmp && mv $o/${file}.tmp $o/${file}
${file.endsWith(".run") ? "exec sleep 1000" : "exit 0"}`);

/** ROOT/out/FILE as an object, once it exists. */
async function seen(m: Booted, file: string, what: string): Promise<Record<string, string>> {
  const path = `${m.root}/out/${file}`;
  await eventually(() => existsSync(path), 15_000, what);
  const text = readFileSync(path, "utf8");
  return Object.fromEntries(
    text
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

const up = (dir: string) => eventually(() => svPid(dir), 10_000, `${dir} up`);

test("user nobody: the write to a root-owned file fails, uid 65534; finish runs as nobody too", async () => {
  const m = await bootInit({
    rootfile: "root's\n",
    "out/": null,
    // down: the temp root is 0700 until the test opens it to nobody.
    "service/who/down": "",
    "service/who/user": "nobody\n",
    "service/who/run": record("who.run"),
    "service/who/finish": record("who.finish"),
  });
  try {
    chmodSync(m.root, 0o755);
    chmodSync(`${m.root}/out`, 0o777);
    chmodSync(`${m.root}/rootfile`, 0o644);
    assert.is(tsinit("svc", "-u", live(m, "who")).status, 0);
    const run = await seen(m, "who.run", "who's run recorded");
    assert.is(run.write, "denied");
    assert.is(run.uid, "65534");
    const groups = run.groups.split(" ");
    assert.ok(groups.includes("65534") && !groups.includes("0"), `groups ${run.groups}`);
    const home = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((l) => l.startsWith("nobody:"))
      ?.split(":")[5];
    assert.is(run.user, `nobody home=${home}`, "USER and HOME from passwd");
    assert.is(readFileSync(`${m.root}/rootfile`, "utf8"), "root's\n", "the file is untouched");
    assert.is(statSync(`${m.root}/out/who.run`).uid, 65534, "the record was written by nobody");

    assert.is(tsinit("svc", "-d", live(m, "who")).status, 0);
    const fin = await seen(m, "who.finish", "who's finish recorded");
    assert.equal([fin.write, fin.uid, fin.groups], ["denied", "65534", run.groups]);
  } finally {
    await endBooted(m);
  }
});

test("rlimits/nofile 123:456, nice 5, umask 027, env/FOO and an env/ file unsetting a global; the same in finish", async () => {
  const m = await bootInit({
    "out/": null,
    "env/GLOBAL": "from-global\n",
    "env/KEEP": "kept\n",
    "service/lim/rlimits/nofile": "123:456\n",
    "service/lim/nice": "5\n",
    "service/lim/umask": "027\n",
    "service/lim/env/FOO": "bar\n",
    "service/lim/env/GLOBAL": "",
    "service/lim/run": record("lim.run"),
    "service/lim/finish": record("lim.finish"),
    // A neighbour with none of the files gets PID 1's own settings and the global env.
    "service/plain/run": record("plain.run"),
  });
  try {
    const run = await seen(m, "lim.run", "lim's run recorded");
    assert.equal([run.uid, run.nofile, run.nice, run.umask, run.foo], ["0", "123:456", "5", "0027", "bar global=unset keep=kept"]);
    const plain = await seen(m, "plain.run", "plain's run recorded");
    assert.is.not(plain.nofile, "123:456");
    assert.equal([plain.nice, plain.umask, plain.foo], ["0", "0022", "unset global=from-global keep=kept"]);

    await up(live(m, "lim"));
    assert.is(tsinit("svc", "-d", live(m, "lim")).status, 0);
    const fin = await seen(m, "lim.finish", "lim's finish recorded");
    assert.equal([fin.nofile, fin.nice, fin.umask, fin.foo], [run.nofile, run.nice, run.umask, run.foo]);
  } finally {
    await endBooted(m);
  }
});

test("a task that is a directory takes the same files; a bad one is recorded as failed", async () => {
  const m = await bootInit({
    "out/": null,
    "task/t/nice": "7\n",
    "task/t/rlimits/nofile": "77:88\n",
    "task/t/env/FOO": "task-foo\n",
    // tasks run in their own directory: ROOT/task/NAME
    "task/t/run": sh('echo "nice=$(nice) nofile=$(ulimit -Sn):$(ulimit -Hn) foo=$FOO" > ../../out/t.tmp && mv ../../out/t.tmp ../../out/t'),
    "task/bad/umask": "999\n",
    "task/bad/run": sh("echo ran > ../../out/bad"),
  });
  try {
    await eventually(() => existsSync(`${m.root}/out/t`), 10_000, "task t ran");
    assert.is(readFileSync(`${m.root}/out/t`, "utf8"), "nice=7 nofile=77:88 foo=task-foo\n");
    const record = `${m.root}/run/task/bad.json`;
    await eventually(() => existsSync(record) && JSON.parse(readFileSync(record, "utf8")).state === "failed", 10_000, "bad recorded as failed");
    assert.match(JSON.parse(readFileSync(record, "utf8")).error, /umask/);
    assert.not.ok(existsSync(`${m.root}/out/bad`), "bad's run never ran");
  } finally {
    await endBooted(m);
  }
});

test("a user that does not exist: not started, the reason logged; starts once the file is fixed", async () => {
  const m = await bootInit({
    "out/": null,
    "service/ghost/user": "nosuch\n",
    "service/ghost/run": sh("echo ran > ../../../out/ghost; exec sleep 1000"),
    "service/other/run": sh("exec sleep 1000"),
  });
  try {
    await m.init.waitFor(/unable to find user nosuch in \/etc\/passwd \(\S*\/ghost\/user\)/, 10_000);
    await up(live(m, "other"));
    assert.is(svPid(live(m, "ghost")), 0, "ghost is not running");
    assert.not.ok(existsSync(`${m.root}/out/ghost`), "ghost's run never ran");
    assert.is(svStatus(live(m, "ghost"))?.pid ?? 0, 0);
    const log = `${m.root}/run/log/catch-all/current`;
    await eventually(() => readFileSync(log, "utf8").includes("unable to find user nosuch"), 10_000, "the reason in the catch-all log");

    // Retried (every 10 s): a fixed file is picked up without a restart of anything.
    writeFileSync(`${m.root}/service/ghost/user`, "0:0\n");
    await eventually(() => existsSync(`${m.root}/out/ghost`), 25_000, "ghost ran after the fix");
    await up(live(m, "ghost"));
  } finally {
    await endBooted(m);
  }
});

test.run();
