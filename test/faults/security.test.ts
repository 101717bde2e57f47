// Who may drive a supervisor, with the real binary as PID 1 of a namespace
// running `tsinit scan`: supervise/ and .s6-svscan/ are 0700 and root's,
// control fifos 0600, lock files 0644, as s6 makes them; user nobody can
// neither write a control fifo nor read status (s6-svc and tsinit svc fail
// for it, and the service is untouched). Nothing goes through a shell: the
// sources never spawn one, and a service whose name is shell syntax runs as
// a plain name.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BIN, eventually, sleep, startPid1 } from "../helpers/pid1";
import { removeTree, tempTree } from "../../lab/tree";
import { asNobody, findProcs, sh, status } from "./booted";

const test = suite("faults: security");
const WEIRD = "$(touch pwned);`touch pwned2`";

test("modes and owners; nobody can neither command nor read a supervisor", async () => {
  const dir = tempTree({ "a/run": sh("exec sleep 1012"), [`${WEIRD}/run`]: sh("exec sleep 1013") });
  chmodSync(dir, 0o755); // mkdtemp's 0700 would stop nobody before our dirs do
  const init = startPid1(["scan", dir]);
  try {
    const a = `${dir}/a`;
    await eventually(() => existsSync(`${dir}/.s6-svscan/control`) && status(a)?.pid, 10_000, "a up");
    const pid = status(a)!.pid;
    for (const sub of [`${a}/supervise`, `${dir}/.s6-svscan`]) {
      const d = statSync(sub);
      assert.is(d.mode & 0o7777, 0o700, `${sub} mode ${(d.mode & 0o7777).toString(8)}`);
      assert.is(d.uid, 0, `${sub} owned by root`);
      const ctl = statSync(`${sub}/control`);
      assert.ok(ctl.isFIFO(), `${sub}/control is a fifo`);
      assert.is(ctl.mode & 0o7777, 0o600, `${sub}/control mode ${(ctl.mode & 0o7777).toString(8)}`);
      assert.is(ctl.uid, 0);
      const lock = statSync(`${sub}/lock`);
      assert.is(lock.mode & 0o7777, 0o644, `${sub}/lock mode ${(lock.mode & 0o7777).toString(8)}`);
      assert.is(lock.uid, 0);
    }
    assert.is(statSync(`${a}/supervise/status`).uid, 0);

    // Direct access: the 0700 directory stops nobody at the door.
    const write = asNobody(["dd", `of=${a}/supervise/control`, "oflag=nonblock", "status=none"]);
    assert.is.not(write.status, 0, "nobody wrote the control fifo");
    assert.match(write.out, /Permission denied/);
    const read = asNobody(["cat", `${a}/supervise/status`]);
    assert.is.not(read.status, 0, "nobody read status");
    assert.match(read.out, /Permission denied/);
    assert.is.not(asNobody(["dd", `of=${dir}/.s6-svscan/control`, "oflag=nonblock", "status=none"]).status, 0, "nobody wrote .s6-svscan/control");
    // The tools as nobody: refused, exit 111 (a system error), nothing sent.
    const s6 = asNobody(["s6-svc", "-d", a]);
    assert.is(s6.status, 111, `s6-svc as nobody: ${s6.out}`);
    const ours = asNobody([BIN, "svc", "-d", a]);
    assert.is(ours.status, 111, `tsinit svc as nobody: ${ours.out}`);
    assert.match(ours.out, /EACCES/);
    assert.is.not(asNobody(["s6-svscanctl", "-t", dir]).status, 0, "s6-svscanctl as nobody");
    await sleep(300);
    assert.is(status(a)!.pid, pid, "the service is untouched");
    assert.ok(status(a)!.wantUp);
    // And root can.
    assert.is(init.exec(["s6-svc", "-wd", "-T", "5000", "-d", a]).status, 0, "root stops it");

    // A name that is shell syntax is only ever a name: run got it as argv[1], nothing ran it.
    const host = init.hostPid();
    await eventually(() => findProcs(host, "sleep", "1013").length === 1, 5000, "the oddly named service up");
    for (const where of ["/", dir, join(dir, WEIRD)]) {
      assert.ok(!existsSync(join(where, "pwned")) && !existsSync(join(where, "pwned2")), `nothing touched in ${where}`);
    }
  } finally {
    await init.kill();
    removeTree(dir);
  }
});

test("the sources never run a shell nor child_process", () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/\.(ts|cc|h)$/.test(e.name)) files.push(join(d, e.name));
    }
  };
  walk("src");
  walk("native");
  assert.ok(files.length > 20, `${files.length} source files`);
  // "#!/bin/sh" is advice printed by tsinit check, not a shell that runs.
  const bad = /node:child_process|["']child_process["']|(?<!#!)\/bin\/sh|["']sh["']\s*,\s*\[?\s*["']-c|\bsystem\s*\(|\bpopen\s*\(|shell:\s*true/;
  const hits = files
    .flatMap((f) =>
      readFileSync(f, "utf8")
        .split("\n")
        .map((l, i) => [f, i + 1, l] as const),
    )
    .filter(([, , l]) => bad.test(l) && !/^\s*(\/\/|\*)/.test(l));
  assert.equal(
    hits.map(([f, n, l]) => `${f}:${n}: ${l.trim()}`),
    [],
  );
});

test.run();
