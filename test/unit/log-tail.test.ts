// Reading a log dir another user owns (issue 21, finding 5): which files are
// refused and why, and the tail read backwards, bounded by n, since and a cap.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { unless } from "../helpers/skip";
import { chownSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { closeLogDir, closeLogFile, openLogDir, openLogFile, readTail, type LogDir } from "../../src/logread/dir";
import { setLogSink } from "../../src/cli/log";
import { readSource } from "../../src/logread/files";

const test = suite("log tail");
const said: string[] = [];

function withDir(fn: (path: string, dir: () => LogDir) => void): void {
  const path = mkdtempSync(`${tmpdir()}/log-tail-`);
  let dir: LogDir | null = null;
  setLogSink((l) => said.push(l));
  said.length = 0;
  try {
    fn(path, () => (dir ??= openLogDir(path)));
  } finally {
    setLogSink(null);
    if (dir) closeLogDir(dir);
    rmSync(path, { recursive: true, force: true });
  }
}

test("a symlink or a fifo is refused and said; a plain file is read", () => {
  withDir((path, dir) => {
    writeFileSync(`${path}/plain`, "a\nb\n");
    symlinkSync("/etc/passwd", `${path}/link`);
    spawnSync("mkfifo", [`${path}/fifo`]);
    const plain = openLogFile(dir(), "plain")!;
    assert.is(readTail(plain, { cap: 1024 }).text, "a\nb\n");
    closeLogFile(plain);
    assert.is(openLogFile(dir(), "link"), null);
    assert.is(openLogFile(dir(), "fifo"), null, "opened without blocking, then refused");
    assert.is(openLogFile(dir(), "gone"), null);
    assert.match(said.join("\n"), /not reading \S+\/link: a symbolic link/);
    assert.match(said.join("\n"), /not reading \S+\/fifo: a fifo, not a regular file/);
    assert.not.match(said.join("\n"), /gone/, "a file rotated away is no warning");
  });
});

unless(test, process.getuid?.() === 0 ? null : "not root: only root can give a file to another user")("another user's file is refused and said", () => {
  withDir((path, dir) => {
    writeFileSync(`${path}/other`, "x\n");
    chownSync(`${path}/other`, 4242, 4242);
    assert.is(openLogFile(dir(), "other"), null);
    assert.match(said.join("\n"), /other: owned by uid 4242, neither root nor the dir's owner/);
  });
});

test("the dir itself is not opened through a symlink", () => {
  withDir((path) => {
    symlinkSync(path, `${path}-link`);
    try {
      assert.throws(() => openLogDir(`${path}-link`), /ELOOP|ENOTDIR/);
    } finally {
      rmSync(`${path}-link`);
    }
  });
});

test("the tail: n lines backwards from the end, since, and a cap on a 1 GB sparse file", () => {
  withDir((path, dir) => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `${new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()} line ${i}`);
    writeFileSync(`${path}/current`, lines.join("\n") + "\n");
    const f = openLogFile(dir(), "current")!;
    const three = readTail(f, { n: 3, cap: 1 << 24 });
    assert.ok(three.bytes <= 64 * 1024, `read ${three.bytes} bytes for 3 lines`);
    assert.is(three.text.split("\n").slice(-4).join("\n"), `${lines.slice(-3).join("\n")}\n`);
    assert.not.ok(three.cut);
    const since = readTail(f, { since: Date.UTC(2026, 0, 1) + 49_000 * 1000, cap: 1 << 24 });
    assert.ok(since.bytes < 200 * 1024, `since: read ${since.bytes}`);
    assert.ok(since.text.includes("line 49000\n") && since.text.startsWith("20"), "from a line start");
    closeLogFile(f);
    writeFileSync(`${path}/big`, "");
    truncateSync(`${path}/big`, 1 << 30);
    const big = openLogFile(dir(), "big")!;
    const t = Date.now();
    const r = readTail(big, { n: 10, cap: 4 << 20 });
    assert.is(r.bytes, 4 << 20);
    assert.ok(r.cut, "the cap stopped it");
    assert.ok(Date.now() - t < 2000);
    closeLogFile(big);
  });
});

test("one service's last lines out of the catch-all: read past other writers' later lines", () => {
  withDir((path) => {
    const others = Array.from({ length: 2000 }, (_, i) => `2026-01-01T00:00:01.000Z b: other ${i}`);
    writeFileSync(`${path}/current`, ["2026-01-01T00:00:00.000Z a: mine", ...others].join("\n") + "\n");
    const got = readSource({ label: "a", dir: path, onlyLabel: "a" }, (n) => n === "a" || n === "b", 1);
    assert.equal(
      got.map((l) => l.text),
      ["mine"],
    );
    assert.equal(
      readSource({ label: "c", dir: path }, null, 2).map((l) => l.text),
      ["b: other 1998", "b: other 1999"],
    );
  });
});

test.run();
