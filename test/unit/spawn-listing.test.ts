// One read of a service directory per spawn: config.ts and resources.ts take
// the listing read before the spawn, and open only the files it names.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readServiceConfig } from "../../src/supervise/config";
import { listServiceDir, readServiceResources } from "../../src/resources/service-resources";

const test = suite("spawn listing");
const made: string[] = [];

function serviceDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsinit-list-"));
  made.push(dir);
  fs.writeFileSync(path.join(dir, "run"), "#!/bin/sh\n", { mode: 0o755 });
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

test("config: a file missing from the listing is not read", () => {
  const dir = serviceDir({ "notification-fd": "3\n", down: "", "restart-delay-max": "8000\n" });
  const r = readServiceConfig(dir, "svc", ["run"]);
  assert.ok(r.ok);
  if (r.ok) {
    assert.is(r.config.notificationFd, null);
    assert.is(r.config.hasDownFile, false);
    assert.is(r.config.restartDelayMaxMs, 0);
  }
  const all = readServiceConfig(dir, "svc", fs.readdirSync(dir));
  assert.ok(all.ok && all.config.notificationFd === 3 && all.config.hasDownFile && all.config.restartDelayMaxMs === 8000);
});

test("resources: the listing given is used, not a second read", () => {
  const dir = serviceDir({ umask: "027\n" });
  const r = readServiceResources(dir, [], undefined, { ok: true, value: ["run"] });
  assert.ok(r.ok && r.options.umask === undefined);
  const listed = readServiceResources(dir, [], undefined, listServiceDir(dir));
  assert.ok(listed.ok && listed.options.umask === 0o27);
});

test("resources: an unreadable listing stops the start", () => {
  const r = readServiceResources("/nonexistent/x", [], undefined, listServiceDir("/nonexistent/x"));
  assert.is(r.ok, false);
  if (!r.ok) assert.match(r.problem, "unable to read directory /nonexistent/x");
});

test.after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

test.run();
