// A supervise/ file replaced whole through an exchange with NAME.new
// (swap-file.ts): each write is read back whole, a NAME.new left by anyone
// is emptied before it is used, and the old NAME becomes the spare.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SwapFile } from "../../src/supervise/swap-file";

const test = suite("swap-file");
let dir = "";
test.before.each(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsinit-swap-file-"));
});
test.after.each(() => fs.rmSync(dir, { recursive: true, force: true }));

const bytes = (n: number) => new Uint8Array(35).fill(n);

test("every write is read back whole; from the second on, the previous one is the spare", () => {
  const s = new SwapFile(dir, "status");
  for (let i = 1; i <= 5; i++) {
    s.write(bytes(i));
    assert.equal(new Uint8Array(fs.readFileSync(`${dir}/status`)), bytes(i), `write ${i}`);
    if (i > 1) assert.equal(new Uint8Array(fs.readFileSync(`${dir}/status.new`)), bytes(i - 1), `spare after write ${i}`);
  }
});

test("a status.new and a status left by another supervisor, longer than ours, are never read back in part", () => {
  fs.writeFileSync(`${dir}/status.new`, Buffer.alloc(64, 0xee));
  fs.writeFileSync(`${dir}/status`, Buffer.alloc(43, 0xdd)); // s6 2.13's status is 43 bytes
  const s = new SwapFile(dir, "status");
  s.write(bytes(1));
  assert.equal(new Uint8Array(fs.readFileSync(`${dir}/status`)), bytes(1));
  s.write(bytes(2)); // the spare is the 43-byte one: emptied, not overwritten in place
  assert.equal(new Uint8Array(fs.readFileSync(`${dir}/status`)), bytes(2));
  s.write(bytes(3)); // the spare is ours now
  assert.equal(new Uint8Array(fs.readFileSync(`${dir}/status`)), bytes(3));
  assert.is(fs.statSync(`${dir}/status.new`).size, 35);
});

test("writes of other lengths are read back whole, never with a longer one's tail", () => {
  const s = new SwapFile(dir, "rec");
  for (const n of [10, 300, 5, 300, 300, 1]) {
    const b = new Uint8Array(n).fill(n);
    s.write(b);
    assert.equal(new Uint8Array(fs.readFileSync(`${dir}/rec`)), b, `length ${n}`);
  }
});

test("a file known absent and written in place the first time: no spare made until the second", () => {
  const s = new SwapFile(dir, "rec", true);
  s.markAbsent();
  s.write(new Uint8Array(10).fill(1));
  assert.equal(new Uint8Array(fs.readFileSync(`${dir}/rec`)), new Uint8Array(10).fill(1));
  assert.not.ok(fs.existsSync(`${dir}/rec.new`));
  s.write(new Uint8Array(10).fill(2));
  assert.equal(new Uint8Array(fs.readFileSync(`${dir}/rec`)), new Uint8Array(10).fill(2));
  assert.equal(new Uint8Array(fs.readFileSync(`${dir}/rec.new`)), new Uint8Array(10).fill(1));
});

test.run();
