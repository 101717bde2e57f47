// Files PID 1 reads from service, task and env dirs: a fifo put there by
// mistake must not hang the reader (a hang here is a hung init; the test run's
// watchdog would report it as a stuck run).
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readHead } from "../../src/sys/read-head";
import { readEnvDir } from "../../src/resources/envdir";
import { readServiceConfig } from "../../src/supervise/config";
import { readDependencies } from "../../src/supervise/deps-read";
import { readServiceResources } from "../../src/resources/service-resources";

const test = suite("read-head: fifos in user dirs");
let dir = "";
test.before.each(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsinit-fifo-"));
});
test.after.each(() => fs.rmSync(dir, { recursive: true, force: true }));
const fifo = (p: string) => assert.is(spawnSync("mkfifo", [p]).status, 0);

test("readHead: bounded, and a fifo without a writer reads as empty", () => {
  fs.writeFileSync(`${dir}/big`, "x".repeat(10_000));
  assert.is(readHead(`${dir}/big`, 100).length, 100);
  fifo(`${dir}/f`);
  assert.is(readHead(`${dir}/f`).length, 0);
  assert.throws(
    () => readHead(`${dir}/missing`),
    (e: NodeJS.ErrnoException) => e.code === "ENOENT",
  );
});

test("env dir, service config files, dependencies, resource files: a fifo does not block", () => {
  fs.mkdirSync(`${dir}/env`);
  fifo(`${dir}/env/FOO`);
  const env = readEnvDir(`${dir}/env`);
  assert.ok(env.ok);
  if (env.ok) assert.equal(env.changes, [{ name: "FOO", value: null }]);

  fs.writeFileSync(`${dir}/run`, "#!/bin/sh\n", { mode: 0o755 });
  for (const f of ["down-signal", "notification-fd", "timeout-kill", "dependencies", "nice"]) fifo(`${dir}/${f}`);
  const cfg = readServiceConfig(dir, "svc");
  assert.ok(cfg.ok);
  assert.equal(readDependencies(dir).deps, []);
  // An empty nice is refused (not hung on).
  assert.is(readServiceResources(dir, []).ok, false);
});

test.run();
