import { suite } from "uvu";
import * as assert from "uvu/assert";
import { checkGraph, plan, stopOrder, type DepNode, type DepState } from "../../src/s6/deps";

const test = suite("deps");
const node = (name: string, deps: string[] = [], kind: DepNode["kind"] = "service"): DepNode => ({ name, kind, deps, source: `/s/${name}/dependencies` });
const states = (o: Record<string, DepState>) => new Map(Object.entries(o));

test("without dependencies everything starts at once", () => {
  const nodes = [node("a"), node("b"), node("c")];
  assert.equal(plan(nodes, states({})).start, ["a", "b", "c"]);
});

test("a chain starts one link at a time, as each becomes ready", () => {
  const nodes = [node("c", ["b"]), node("b", ["a"]), node("a")];
  let p = plan(nodes, states({}));
  assert.equal(p.start, ["a"]);
  assert.equal(p.waiting.get("b"), { waitsFor: ["a"], blockedBy: [] });
  p = plan(nodes, states({ a: "started" }));
  assert.equal(p.start, [], "up is not ready");
  p = plan(nodes, states({ a: "ready" }));
  assert.equal(p.start, ["b"]);
  p = plan(nodes, states({ a: "ready", b: "ready" }));
  assert.equal(p.start, ["c"]);
});

test("a diamond: the top waits for both sides", () => {
  const nodes = [node("top", ["l", "r"]), node("l", ["base"]), node("r", ["base"]), node("base")];
  assert.equal(plan(nodes, states({ base: "ready" })).start.sort(), ["l", "r"]);
  assert.equal(plan(nodes, states({ base: "ready", l: "ready", r: "started" })).waiting.get("top")!.waitsFor, ["r"]);
  assert.equal(plan(nodes, states({ base: "ready", l: "ready", r: "ready" })).start, ["top"]);
});

test("a cycle is reported with its path; the rest of the graph starts", () => {
  const nodes = [node("a", ["b"]), node("b", ["c"]), node("c", ["a"]), node("x"), node("y", ["a"])];
  const check = checkGraph(nodes);
  assert.equal([...check.cyclic].sort(), ["a", "b", "c"]);
  assert.is(check.problems.length, 1);
  assert.match(check.problems[0]!, /^\/s\/a\/dependencies: dependency cycle: a -> b -> c -> a$/);
  const p = plan(nodes, states({}), check);
  assert.equal(p.start, ["x"]);
  assert.ok(p.waiting.get("a")!.blockedBy.includes("a dependency cycle"));
  assert.equal(p.waiting.get("y")!.blockedBy, ["a"]);
});

test("a self-dependency is a cycle", () => {
  const check = checkGraph([node("me", ["me"])]);
  assert.ok(check.cyclic.has("me"));
});

test("a missing name is reported with its file; the dependent waits for it", () => {
  const nodes = [node("app", ["db"]), node("other")];
  const check = checkGraph(nodes);
  assert.equal([...check.missing], ["db"]);
  assert.equal(check.problems, ["/s/app/dependencies: app depends on db, which does not exist"]);
  const p = plan(nodes, states({}), check);
  assert.equal(p.start, ["other"]);
  assert.equal(p.waiting.get("app"), { waitsFor: ["db"], blockedBy: ["db"] });
});

test("a failed task blocks its dependents and theirs", () => {
  const nodes = [node("init-db", [], "task"), node("db", ["init-db"]), node("app", ["db"])];
  const p = plan(nodes, states({ "init-db": "failed" }));
  assert.equal(p.start, []);
  assert.equal(p.waiting.get("db")!.blockedBy, ["init-db"]);
  assert.equal(p.waiting.get("app")!.blockedBy, ["db"], "blocked through db");
});

test("stop order is the reverse: dependents first", () => {
  const nodes = [node("top", ["l", "r"]), node("l", ["base"]), node("r", ["base"]), node("base"), node("lone")];
  assert.equal(stopOrder(nodes), [["lone", "top"], ["l", "r"], ["base"]]);
  const cyc = stopOrder([node("a", ["b"]), node("b", ["a"])]);
  assert.equal(cyc, [["a", "b"]]);
});

test("a 1000-node chain needs no deep recursion", () => {
  const nodes = Array.from({ length: 1000 }, (_, i) => node(`n${i}`, i ? [`n${i - 1}`] : []));
  assert.is(checkGraph(nodes).problems.length, 0);
  assert.is(stopOrder(nodes).length, 1000);
});

test.run();
