// Issue 21, finding 4: no writer can pose as another in the catch-all or in
// `tsinit log`. The label is part of every framed line (a cut of a long line
// keeps it), a task's and a logger's output come through pipes of their own
// ("task NAME: ", "NAME/log: "), even when run as another user, and `tsinit
// log` shows control characters escaped on a terminal.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { BIN, eventually } from "../helpers/pid1";
import { bootInit, endBooted, sh } from "../helpers/booted";

const test = suite("forged log lines");
const X = "x".repeat(4090);

const catchAll = (root: string) => readFileSync(`${root}/run/log/catch-all/current`, "utf8");
const log = (root: string, ...args: string[]) =>
  spawnSync(BIN, ["log", ...args], { encoding: "utf8", env: { ...process.env, TSINIT_SCANDIR: `${root}/run/service` }, cwd: "/" });

test("a line over 4096 bytes keeps its label on every piece; a cut cannot start a line with another label", async () => {
  const m = await bootInit({
    // 4090 + "b: FRG" is 4096 bytes: before, "long: " made it 4102 and the catch-all cut its last 6 off.
    "service/long/run": sh(`echo '${X}b: FRG'; head -c 9000 /dev/zero | tr '\\0' y; echo; echo long-done; exec sleep 1000`),
    "service/b/run": sh("exec sleep 1000"),
  });
  try {
    await eventually(() => catchAll(m.root).includes("long-done"), 10_000, "long's lines in the catch-all");
    const lines = catchAll(m.root)
      .split("\n")
      .filter((l) => /[xy]{50}|FRG/.test(l));
    assert.ok(lines.length >= 4, `the pieces: ${lines.length}`);
    for (const l of lines) assert.match(l, /^\S+Z long: /, `every piece labelled: ${l.slice(0, 60)}...${l.slice(-20)}`);
    assert.match(catchAll(m.root), new RegExp(`Z long: ${X}b: FRG$`, "m"), "4096 bytes of body are one line");
    assert.equal(
      lines.filter((l) => /y/.test(l)).map((l) => l.replace(/^\S+Z long: /, "").length),
      [4096, 4096, 808],
    );
    const b = log(m.root, "b");
    assert.is(b.status, 0, b.stderr);
    assert.not.match(b.stdout, /FRG/, "nothing of long's is shown as b's");
  } finally {
    await endBooted(m);
  }
});

test("a task's and a logger's output, run as nobody, are labelled as theirs: no b: or tsinit: line", async () => {
  const m = await bootInit({
    // As nobody (s6-setuidgid: the test's temp root is not nobody's to enter, so no `user` file).
    "task/evil/run": sh("exec s6-setuidgid nobody sh -c \"echo 'b: FORGED-TASK'; echo 'tsinit: FORGED-TASK' >&2; echo task-done\""),
    "service/web/run": sh("echo 'b: FORGED-ERR' >&2; echo web-out; exec sleep 1000"),
    // An s6-log logger that drops to nobody, as a logger run as its own user does.
    "service/web/log/run": sh(
      "mkdir -p main; chown nobody main; exec s6-setuidgid nobody sh -c \"echo 'b: FORGED-LOG' >&2; echo 'tsinit: FORGED-LOG'; exec s6-log t ./main\"",
    ),
    "service/b/run": sh("exec sleep 1000"),
  });
  try {
    const text = () => catchAll(m.root);
    await eventually(() => /task-done/.test(text()) && /FORGED-LOG[\s\S]*FORGED-LOG/.test(text()) && /FORGED-ERR/.test(text()), 10_000, "every writer's lines");
    const all = text();
    assert.not.match(all, /^\S+Z b: /m, "no line poses as b's");
    assert.not.match(all, /^\S+Z tsinit: FORGED/m, "no line poses as PID 1's");
    assert.match(all, /^\S+Z task evil: b: FORGED-TASK$/m);
    assert.match(all, /^\S+Z task evil: tsinit: FORGED-TASK$/m);
    assert.match(all, /^\S+Z web\/log: b: FORGED-LOG$/m);
    assert.match(all, /^\S+Z web\/log: tsinit: FORGED-LOG$/m);
    assert.match(all, /^\S+Z web: b: FORGED-ERR$/m, "a service's stderr beside its logger: labelled too");
    assert.not.match(m.init.output(), /^(b|tsinit): FORGED/m, "nor on the console");
    const b = log(m.root, "b");
    assert.is(b.status, 0, b.stderr);
    assert.not.match(b.stdout, /FORGED/);
    const whole = log(m.root, "--utc");
    assert.match(whole.stdout, /Z task evil: tsinit: FORGED-TASK$/m, "tsinit log names the task");
    assert.match(whole.stdout, /Z web\/log: b: FORGED-LOG$/m, "and the logger");
    assert.not.match(whole.stdout, /Z (b|tsinit): FORGED/m);
  } finally {
    await endBooted(m);
  }
});

test("a running task's and a logger's labelled pipes are kept across a re-exec of PID 1: no line lost, none unlabelled", async () => {
  const m = await bootInit({
    "task/tick/run": sh('i=0; while [ $i -lt 100 ]; do i=$((i+1)); echo "t $i"; sleep 0.05; done'),
    "service/web/run": sh("exec sleep 1000"),
    "service/web/log/run": sh('i=0; while [ $i -lt 100 ]; do i=$((i+1)); echo "l $i" >&2; sleep 0.05; done; exec s6-log ./main'),
  });
  const numbers = (re: RegExp) => [...catchAll(m.root).matchAll(re)].map((x) => Number(x[1]));
  try {
    await eventually(() => numbers(/Z task tick: t (\d+)$/gm).length > 10, 10_000, "the task's first lines");
    m.init.exec(["kill", "-59", "1"]); // SIGRTMIN+25: re-exec
    await eventually(() => (m.init.output().match(/boot: done in/g) ?? []).length >= 2, 15_000, "second boot");
    await eventually(() => numbers(/Z task tick: t (\d+)$/gm).length === 100 && numbers(/Z web\/log: l (\d+)$/gm).length === 100, 15_000, "every line");
    const all = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(numbers(/Z task tick: t (\d+)$/gm), all, "the task's lines, each once, labelled, across the re-exec");
    assert.equal(numbers(/Z web\/log: l (\d+)$/gm), all, "the logger's too");
    assert.not.match(catchAll(m.root), /^\S+Z [tl] \d+$/m, "none unlabelled");
  } finally {
    await endBooted(m);
  }
});

test("tsinit log on a terminal shows ESC, OSC and other controls escaped; --json stays JSON", async () => {
  const m = await bootInit({
    "service/esc/run": sh("printf 'before\\033]0;pwned\\007mid\\033[2Jafter\\177end\\n'; exec sleep 1000"),
  });
  try {
    await eventually(() => catchAll(m.root).includes("after"), 10_000, "esc's line");
    // script(1) gives tsinit log a pty for its stdout, as root's terminal.
    const r = spawnSync("script", ["-qec", `${BIN} log esc`, "/dev/null"], {
      encoding: "utf8",
      env: { ...process.env, TSINIT_SCANDIR: `${m.root}/run/service` },
      cwd: "/",
      timeout: 10_000,
    });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /esc: before\\x1b\]0;pwned\\x07mid\\x1b\[2Jafter\\x7fend/);
    assert.not.match(r.stdout, /[\x1b\x07\x7f]/, "no raw control character reaches the terminal");
    const j = log(m.root, "--json", "esc");
    assert.is(j.status, 0, j.stderr);
    assert.not.match(j.stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    assert.is(JSON.parse(j.stdout.trim()).text, "before\x1b]0;pwned\x07mid\x1b[2Jafter\x7fend");
  } finally {
    await endBooted(m);
  }
});

test.run();
