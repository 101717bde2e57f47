// The dependency gate (src/supervise/dep-gate.ts) without processes: members
// are released once what they depend on is ready, and readiness news of a
// member nothing depends on does not replan the graph; a waiting member is
// told why only when that changed.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DepGate } from "../../src/supervise/dep-gate";

const test = suite("dep gate");
const tick = () => new Promise((r) => setImmediate(r));

function member(name: string, deps: string[], log: string[]) {
  return {
    node: { name, kind: "service" as const, deps, source: `${name}/dependencies` },
    release: () => void log.push(`release ${name}`),
    showWaiting: (w: unknown) => void log.push(`waiting ${name} ${w ? "yes" : "no"}`),
    timeoutUpMs: 0,
  };
}

test("a dependent is released once what it depends on is ready, and only then", async () => {
  const log: string[] = [];
  const gate = new DepGate();
  gate.add(member("db", [], log));
  gate.add(member("web", ["db"], log));
  await tick();
  assert.ok(log.includes("release db") && !log.includes("release web"), log.join(", "));
  gate.update("db", "ready");
  await tick();
  assert.ok(log.includes("release web"), log.join(", "));
});

test("news of a member nothing depends on plans nothing (a crash loop replanned the whole graph each time)", async () => {
  const log: string[] = [];
  const gate = new DepGate();
  gate.add(member("lone", [], log));
  gate.add(member("held", ["absent"], log)); // waits: every replan tells it why again
  await tick();
  const before = log.filter((l) => l.startsWith("waiting held")).length;
  for (let i = 0; i < 10; i++) {
    gate.update("lone", i % 2 ? "ready" : "started");
    await tick();
  }
  assert.is(log.filter((l) => l.startsWith("waiting held")).length, before, log.join(", "));
});

test("a waiting member is told why again only when the reason changed, not at every replan", async () => {
  const log: string[] = [];
  const gate = new DepGate();
  gate.add(member("a", [], log));
  gate.add(member("b", [], log));
  gate.add(member("app", ["a", "b"], log));
  await tick();
  const told = () => log.filter((l) => l === "waiting app yes").length;
  assert.is(told(), 1, log.join(", "));
  // a is ready: app now waits for b alone, a new reason
  gate.update("a", "ready");
  await tick();
  assert.is(told(), 2, log.join(", "));
  // replans that leave app's reason as it was tell it nothing: new members,
  // one released by a's readiness, then its own readiness (something depends on it)
  gate.add(member("other", [], log));
  gate.add(member("more", ["a"], log));
  gate.add(member("last", ["more"], log));
  await tick();
  gate.update("more", "ready");
  await tick();
  assert.ok(log.includes("release last"), log.join(", "));
  assert.is(told(), 2, log.join(", "));
  gate.update("b", "ready");
  await tick();
  assert.ok(log.includes("release app") && log.includes("waiting app no"), log.join(", "));
});

test.run();
