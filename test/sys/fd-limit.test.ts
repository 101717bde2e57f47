// The supervisor's raised nofile never reaches its children (issue 13,
// finding 2): what raiseNofile records as the original — here handed over as
// after a re-exec, TSINIT_NOFILE — is what every spawn gives its child,
// unless the caller sets nofile itself.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as sys from "../../src/sys";
import { run } from "./child";

const limits = (extra: Partial<sys.SpawnOptions> = {}) => run({ file: "/bin/sh", argv: ["sh", "-c", "echo $(ulimit -Sn):$(ulimit -Hn)"], ...extra });

test("after a re-exec: the original limits come from TSINIT_NOFILE, which services never see", async () => {
  const own = sys.getrlimit("NOFILE");
  assert.is((await limits()).out.trim(), `${own[0]}:${own[1]}`, "before: children inherit ours");
  const env: NodeJS.ProcessEnv = { TSINIT_NOFILE: "100:200", KEEP: "1" };
  const said = sys.raiseNofile(env);
  assert.equal(env, { KEEP: "1" }, "the variable is taken out");
  assert.match(said, /services get 100:200$/);
  assert.ok(sys.getrlimit("NOFILE")[0] >= own[0], "ours is never lowered");
  assert.equal(sys.inheritedNofile(), [100, 200]);
  assert.equal(sys.nofileEnv(), ["TSINIT_NOFILE=100:200"], "handed on to the next image");
  assert.is((await limits()).out.trim(), "100:200", "a child gets the original");
  assert.is((await limits({ rlimits: [["NOFILE", 50, 60]] })).out.trim(), "50:60", "a service's rlimits/nofile wins");
  assert.is((await limits({ rlimits: [["CORE", 0, 0]] })).out.trim(), "100:200", "another limit keeps the original nofile");
});

test.run();
