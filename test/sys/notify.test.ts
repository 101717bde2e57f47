// native/notify.cc against the kernel: a path-bound datagram socket with
// SO_PASSCRED; each datagram comes with its sender's pid, uid and gid; a long
// one is cut and says so; an empty queue is null; errors have the one shape.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as sys from "../../src/sys";

const test = suite("sys: notify socket");
const SEND = "import socket,sys,os; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(sys.argv[2].encode(), sys.argv[1]); print(os.getpid())";
/** Sends TEXT from a python3 process; returns its pid. */
const send = (path: string, text: string) => Number(spawnSync("python3", ["-c", SEND, path, text], { encoding: "utf8" }).stdout.trim());

test("a datagram arrives with its sender's credentials; a long one is cut; none waiting is null", () => {
  const dir = mkdtempSync(`${tmpdir()}/tsinit-notify-`);
  const fd = sys.notifySocket(`${dir}/socket`);
  try {
    assert.is(sys.notifyRecv(fd, 4096), null, "nothing yet");
    const pid = send(`${dir}/socket`, "READY=1\nSTATUS=hi");
    const m = sys.notifyRecv(fd, 4096)!;
    assert.is(m.data.toString(), "READY=1\nSTATUS=hi");
    assert.equal([m.pid, m.uid, m.gid, m.truncated], [pid, process.getuid!(), process.getgid!(), false]);
    send(`${dir}/socket`, "x".repeat(100));
    const cut = sys.notifyRecv(fd, 10)!;
    assert.equal([cut.data.length, cut.truncated], [10, true]);
    assert.is(sys.notifyRecv(fd, 4096), null, "the rest of a cut datagram is gone");
  } finally {
    sys.close(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bind errors: an existing path, a path too long for sun_path", () => {
  const dir = mkdtempSync(`${tmpdir()}/tsinit-notify-`);
  try {
    writeFileSync(`${dir}/taken`, "");
    for (const [path, code] of [
      [`${dir}/taken`, "EADDRINUSE"],
      [`${dir}/${"n".repeat(120)}`, "ENAMETOOLONG"],
    ] as const) {
      try {
        sys.notifySocket(path);
        assert.unreachable(`${code}: bound`);
      } catch (e) {
        const err = e as sys.ErrnoError;
        assert.equal([err.code, err.syscall, err.path], [code, "bind", path]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
