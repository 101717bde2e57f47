// The built-in logger's config files in log/: defaults, values, bad values as
// warnings; and when a service gets the built-in logger at all.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readServiceLogConfig, wantsBuiltinLogger } from "../../src/log/service-log-config";

const made: string[] = [];
function serviceDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsinit-logcfg-"));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const cfg = suite("service-log-config");

cfg("defaults under the given root", () => {
  const dir = serviceDir({ "log/.keep": "" });
  assert.equal(readServiceLogConfig(`${dir}/log`, "web", "/tmp/root"), {
    config: { maxSize: 1048576, maxFiles: 10, dir: "/tmp/root/web", timestamp: "iso" },
    warnings: [],
  });
});

cfg("values from the first line of each file; a relative dir is relative to log/", () => {
  const dir = serviceDir({ "log/max-size": "65536\nignored\n", "log/max-files": " 3 \n", "log/dir": "./main\n", "log/timestamp": "tai64n" });
  const { config, warnings } = readServiceLogConfig(`${dir}/log`, "web", "/x");
  assert.equal(config, { maxSize: 65536, maxFiles: 3, dir: `${dir}/log/main`, timestamp: "tai64n" });
  assert.equal(warnings, []);
});

cfg("bad values: warnings and defaults", () => {
  const dir = serviceDir({ "log/max-size": "1k", "log/max-files": "0", "log/timestamp": "local" });
  const { config, warnings } = readServiceLogConfig(`${dir}/log`, "web", "/x");
  assert.equal(config, { maxSize: 1048576, maxFiles: 10, dir: "/x/web", timestamp: "iso" });
  assert.is(warnings.length, 3);
  assert.match(warnings[0]!, /max-size: "1k" is not an integer >= 4096: using the default$/);
});

cfg("built-in logger only for log/ without run", () => {
  assert.ok(wantsBuiltinLogger(serviceDir({ run: "", "log/max-size": "5000" })));
  assert.not.ok(wantsBuiltinLogger(serviceDir({ run: "", "log/run": "#!/bin/sh\n" })));
  assert.not.ok(wantsBuiltinLogger(serviceDir({ run: "" })));
  assert.not.ok(wantsBuiltinLogger(serviceDir({ run: "", log: "a file" })));
});

cfg.after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

cfg.run();
