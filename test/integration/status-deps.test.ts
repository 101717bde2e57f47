// `tsinit status` on the real binary booted as PID 1: a chain,
// a failed task blocking a service (and, through it, a task), a service
// waiting on one that never becomes ready, and a missing name, as a table,
// as --json and as --tree.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { decodeStatus } from "../../src/s6/status-file";
import { eventually } from "../helpers/pid1";
import { bootInit as boot, sh } from "../helpers/booted";
import { removeTree } from "../../lab/tree";
import { tsinit } from "./cli-helpers";

const test = suite("status with dependencies");
const readJson = (path: string) => {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
};

test("table, --json and --tree say who waits for whom, with the tasks beside the services", async () => {
  const { root, init } = await boot({
    // db -> api -> web; db says it is ready on fd 3
    "service/db/run": sh("echo >&3; exec sleep 1000"),
    "service/db/notification-fd": "3\n",
    "service/api/run": sh("exec sleep 1000"),
    "service/api/dependencies": "db\n",
    "service/web/run": sh("exec sleep 1000"),
    "service/web/dependencies.d/api": "",
    // a failed task blocks app, and app blocks the seed task
    "task/migrate/run": sh("exit 2"),
    "service/app/run": sh("exec sleep 1000"),
    "service/app/dependencies": "migrate\ndb\n",
    "task/seed/run": sh("exit 0"),
    "task/seed/dependencies": "app\n",
    "task/hello": sh("exit 0"),
    // slow never says it is ready: late waits, not blocked
    "service/slow/run": sh("exec sleep 1000"),
    "service/slow/notification-fd": "3\n",
    "service/late/run": sh("exec sleep 1000"),
    "service/late/dependencies": "slow\n",
    "service/lost/run": sh("exec sleep 1000"),
    "service/lost/dependencies": "nosuch\n",
  });
  const scan = `${root}/run/service`;
  const pid = (name: string) => {
    try {
      return decodeStatus(readFileSync(`${scan}/${name}/supervise/status`))?.pid ?? 0;
    } catch {
      return 0;
    }
  };
  try {
    await eventually(() => pid("web") && pid("slow"), 10_000, "web and slow up");
    await eventually(() => readJson(`${root}/run/task/hello.json`)?.state === "exited", 5000, "hello ran");
    await eventually(() => readJson(`${scan}/app/supervise/waiting`)?.blockedBy?.includes("migrate"), 5000, "app blocked");
    await eventually(() => readJson(`${root}/run/task/seed.json`)?.blockedBy?.includes("app"), 5000, "seed blocked");
    await eventually(() => existsSync(`${scan}/late/supervise/waiting`), 5000, "late waits");

    const table = tsinit("status", scan);
    console.log(`\n$ tsinit status RUNDIR/service\n${table.out}`);
    assert.is(table.status, 0, table.err);
    const row = (name: string) => table.out.split("\n").find((l) => l.split(/\s+/)[0] === name) ?? "";
    assert.match(row("db"), /^db\s+up\s+\d+\s+\d+s\s+ready since/);
    assert.match(row("web"), /^web\s+up\s+\d+/);
    assert.match(row("app"), /^app\s+waiting\s+-\s+\d+s\s+waits for migrate; blocked by migrate$/);
    assert.match(row("late"), /^late\s+waiting\s+-\s+\d+s\s+waits for slow$/);
    assert.match(row("lost"), /^lost\s+waiting\s+-\s+\d+s\s+waits for nosuch; blocked by nosuch$/);
    assert.match(table.out, /\nTASK\s+STATE\s+PID\s+ENDED\s+NOTES\n/);
    assert.match(row("migrate"), /^migrate\s+exited 2\s+\d+\s+\d+s ago$/);
    assert.match(row("hello"), /^hello\s+exited 0\s+\d+\s+\d+s ago$/);
    assert.match(row("seed"), /^seed\s+waiting\s+-\s+-\s+waits for app; blocked by app$/);

    const json = tsinit("status", "--json", scan);
    assert.is(json.status, 0, json.err);
    const all = JSON.parse(json.out) as Array<Record<string, unknown>>;
    const get = (kind: string, name: string) => all.find((o) => o.kind === kind && o.name === name)!;
    assert.ok(
      all.every((o) => o.kind === "service" || o.kind === "task"),
      "every object has a kind",
    );
    assert.equal(all.map((o) => (o.kind === "task" ? o.name : null)).filter(Boolean), ["hello", "migrate", "seed"]);
    const app = get("service", "app");
    assert.equal([app.state, app.waitsFor, app.blockedBy, app.dependencies], ["waiting", ["migrate"], ["migrate"], ["migrate", "db"]]);
    const web = get("service", "web");
    assert.equal([web.state, web.waitsFor, web.blockedBy, web.dependencies], ["up", [], [], ["api"]]);
    assert.equal(get("service", "late").waitsFor, ["slow"]);
    const migrate = get("task", "migrate");
    assert.equal([migrate.state, migrate.code, migrate.signal], ["exited", 2, null]);
    assert.ok(typeof migrate.endedAt === "string" && typeof migrate.pid === "number");
    const seed = get("task", "seed");
    assert.equal([seed.state, seed.waitsFor, seed.blockedBy, seed.dependencies], ["waiting", ["app"], ["app"], ["app"]]);

    const tree = tsinit("status", "--tree", scan);
    console.log(`$ tsinit status --tree RUNDIR/service\n${tree.out}`);
    assert.is(tree.status, 0, tree.err);
    const shape = tree.out.replace(/ +(up\b|down\b|waiting\b|task\b|\().*$/gm, "");
    assert.is(
      shape,
      ["late", "└─ slow", "lost", "└─ nosuch", "web", "└─ api", "   └─ db", "hello", "seed", "└─ app", "   ├─ db", "   └─ migrate", ""].join("\n"),
    );
    assert.match(tree.out, /\n└─ nosuch +\(missing\)\n/);
    assert.match(tree.out, /\n   └─ db +up \d+s \(ready\)\n/);
    assert.match(tree.out, /\n└─ app +waiting \(blocked\)\n/);
    assert.match(tree.out, /\n   └─ migrate +task exited 2\n/);
    assert.match(tree.out, /\nseed +task waiting \(blocked\)\n/);
  } finally {
    await init.kill();
    removeTree(root);
  }
});

test.run();
