// What another user may learn, with the real PID 1: logs (built-in logger and
// catch-all) are 0640 in 0750 dirs and kept-fds.json is 0600, so user nobody
// reads none of them; and nobody's `tsinit status` says it cannot read root's
// supervise/ rather than calling a running service "not supervised".
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, existsSync, readFileSync, statSync } from "node:fs";
import { BIN, eventually, startPid1 } from "../helpers/pid1";
import { removeTree, tempTree } from "../../lab/tree";
import { asNobody, boot, end, sh, status } from "./booted";

const test = suite("faults: privacy");
const modeOf = (path: string) => (statSync(path).mode & 0o7777).toString(8);

test("log files 0640 in 0750 dirs, kept-fds.json 0600; nobody reads none of them", async () => {
  const m = await boot({ "service/talk/run": sh("echo secret-token; exec sleep 1030"), "service/talk/log/": null });
  try {
    chmodSync(m.root, 0o755); // mkdtemp's 0700 would stop nobody before our modes do
    const log = `${m.root}/run/log`;
    await eventually(
      () => existsSync(`${log}/talk/current`) && readFileSync(`${log}/talk/current`, "utf8").includes("secret-token"),
      10_000,
      "the line logged",
    );
    await eventually(() => existsSync(`${log}/catch-all/current`), 10_000, "the catch-all file");
    const want: Array<[string, string]> = [
      [`${log}/talk/current`, "640"],
      [`${log}/catch-all/current`, "640"],
      [`${log}/talk`, "750"],
      [`${log}/catch-all`, "750"],
      [log, "750"],
      [`${m.root}/run/kept-fds.json`, "600"],
    ];
    assert.equal(
      want.map(([p]) => [p, modeOf(p)]),
      want,
    );
    for (const file of [`${log}/talk/current`, `${log}/catch-all/current`, `${m.root}/run/kept-fds.json`]) {
      const r = asNobody(["cat", file]);
      assert.is.not(r.status, 0, `nobody read ${file}`);
      assert.not.match(r.out, /secret-token/);
    }
  } finally {
    await end(m);
  }
});

test('nobody\'s tsinit status: a running service is unreadable (EACCES), not "not supervised"', async () => {
  const dir = tempTree({ "a/run": sh("exec sleep 1031") });
  chmodSync(dir, 0o755);
  const init = startPid1(["scan", dir]);
  try {
    await eventually(() => status(`${dir}/a`)?.pid, 10_000, "a up");
    const table = asNobody([BIN, "status", dir]);
    assert.match(table.stdout, /^a\s+unreadable\s+-\s+-\s+supervise\/lock: Permission denied \(EACCES\)/m, table.out);
    assert.not.match(table.stdout, /not supervised/);
    assert.is(table.status, 111, "a system error, as for any status it cannot read");
    const json = JSON.parse(asNobody([BIN, "status", "--json", dir]).stdout) as Array<{ supervised: boolean | null; state: string; error: string }>;
    assert.equal([json[0]!.supervised, json[0]!.state, json[0]!.error], [null, "unreadable", "supervise/lock: Permission denied (EACCES)"]);
    // root still sees it up
    assert.match(init.exec([BIN, "status", dir]).stdout, /^a\s+up/m);
  } finally {
    await init.kill();
    removeTree(dir);
  }
});

test.run();
