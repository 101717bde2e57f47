// A container's end (shutdown/stage3 containerEnd) with nothing left below
// tsinit: the common case, on the way out of every `tsinit -- CMD`.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { containerEnd } from "../../src/shutdown/stage3";

const test = suite("container end");

test("nothing left: /proc is walked once, nothing is signalled or awaited", async () => {
  let walks = 0;
  const said: string[] = [];
  await containerEnd("true exited 0", {
    graceMs: 5000,
    stopServices: async () => undefined,
    // Never resolves: a wait for a death would hang the test.
    nextDeath: () => new Promise<void>(() => undefined),
    leftovers: () => {
      walks++;
      return [];
    },
    flushLogs: async () => undefined,
    say: (line) => said.push(line),
  });
  assert.is(walks, 1);
  assert.ok(
    said.some((l) => /terminated remaining processes: none/.test(l)),
    said.join("\n"),
  );
});

test.run();
