// supervise/notify-pipe.ts over a real pipe: a newline written before
// listen() (run was ready before its spawn report reached the JS thread) is
// heard in the same turn of the loop, after the caller's own code; a pipe
// replaced before then is not read for the old one; an empty pipe waits.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as sys from "../../src/sys";
import { NotifyPipe } from "../../src/supervise/notify-pipe";
import { microtasks, nextTurn } from "./child";

const test = suite("sys: notification-fd pipe");

test("ready written before listen(): heard after the caller's code, before the loop polls", async () => {
  const order: string[] = [];
  const pipe = new NotifyPipe("test:ready-early", () => order.push("ready"));
  const w = pipe.open();
  sys.write(w, Buffer.from("\n"));
  sys.close(w);
  pipe.listen();
  order.push("caller");
  await microtasks();
  assert.equal(order, ["caller", "ready"]);
  await nextTurn();
  assert.equal(order, ["caller", "ready"], "said once");
});

test("a pipe replaced before the read is not read for the old listen()", async () => {
  let ready = 0;
  const pipe = new NotifyPipe("test:replaced", () => ready++);
  const w1 = pipe.open();
  sys.write(w1, Buffer.from("\n"));
  pipe.listen();
  const w2 = pipe.open(); // a restart before the microtask: the first pipe is closed
  await microtasks();
  assert.is(ready, 0);
  sys.close(w1);
  sys.close(w2);
  pipe.close();
});

test("nothing written yet: waits, then hears the newline from the loop", async () => {
  let ready = 0;
  const pipe = new NotifyPipe("test:later", () => ready++);
  const w = pipe.open();
  pipe.listen();
  await microtasks();
  assert.is(ready, 0);
  sys.write(w, Buffer.from("\n"));
  for (let i = 0; i < 50 && ready === 0; i++) await nextTurn();
  assert.is(ready, 1);
  sys.close(w);
});

test.run();
