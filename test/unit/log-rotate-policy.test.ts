// Rotation policy as a pure function of sizes and names.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { archiveName, archivesOf, isArchiveName, planWrite, toPrune } from "../../src/log/rotate-policy";

const policy = suite("rotate-policy");

policy("append while it fits, up to maxSize", () => {
  assert.equal(planWrite(0, 1000, 10, 300), { rotate: false, take: 300 });
  assert.equal(planWrite(900, 1000, 10, 300), { rotate: false, take: 100 });
  assert.equal(planWrite(990, 1000, 10, 300), { rotate: false, take: 10 }, "the line exactly fills current");
});

policy("rotate when the next line would pass maxSize, then fill the new current", () => {
  assert.equal(planWrite(995, 1000, 10, 3000), { rotate: true, take: 1000 });
  assert.equal(planWrite(1000, 1000, 1, 5), { rotate: true, take: 5 });
});

policy("an empty current is never rotated; a line longer than maxSize goes alone", () => {
  assert.equal(planWrite(0, 1000, 1500, 2000), { rotate: false, take: 1500 });
  assert.equal(planWrite(10, 1000, 1500, 2000), { rotate: true, take: 1500 });
});

policy("prune keeps the newest maxFiles archives", () => {
  const names = ["@400000006a0000000000000a.s", "@400000006a00000000000001.s", "@400000006a00000000000005.s"];
  assert.equal(toPrune(names, 3), []);
  assert.equal(toPrune(names, 2), ["@400000006a00000000000001.s"]);
  assert.equal(toPrune(names, 1), ["@400000006a00000000000001.s", "@400000006a00000000000005.s"]);
});

policy("archive names: s6-log's form, strictly increasing, other files ignored", () => {
  const a = archiveName(1_700_000_000_000);
  assert.ok(isArchiveName(a), a);
  assert.ok(a.endsWith(".s"));
  const same = archiveName(1_700_000_000_000, a);
  assert.ok(same > a, "same millisecond: one nanosecond later");
  assert.ok(archiveName(1_600_000_000_000, same) > same, "clock stepped back");
  assert.equal(archivesOf(["current", "lock", same, "state", a, "@x.s", "@400000006000000000000001.u"]), ["@400000006000000000000001.u", a, same]);
});

policy.run();
