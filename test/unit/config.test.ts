// Service-directory configuration files and the signal-name parser, on
// temporary directories built from an object map.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readServiceConfig } from "../../src/supervise/config";
import { parseSignal, signalName } from "../../src/s6/signal-names";

const made: string[] = [];

/** A temp service dir: name → content; run is created executable unless given. */
function serviceDir(files: Record<string, string>, runMode = 0o755): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsinit-cfg-"));
  made.push(dir);
  if (!("run" in files)) fs.writeFileSync(path.join(dir, "run"), "#!/bin/sh\n", { mode: runMode });
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content, { mode: 0o755 });
  return dir;
}

const config = suite("service config");

config("defaults for a dir with only run", () => {
  const r = readServiceConfig(serviceDir({}), "svc");
  assert.equal(r, {
    ok: true,
    warnings: [],
    config: {
      name: "svc",
      hasFinish: false,
      hasDownFile: false,
      downSignal: 15,
      timeoutKillMs: 0,
      timeoutFinishMs: 5000,
      maxDeathTally: 100,
      notificationFd: null,
      restartDelayMaxMs: 0,
      restartLimit: null,
      notifySocket: false,
      watchdogMs: 0,
    },
  });
});

config("every file read", () => {
  const r = readServiceConfig(
    serviceDir({
      finish: "#!/bin/sh\n",
      down: "",
      "notification-fd": "3\n",
      "timeout-kill": "2500\n",
      "timeout-finish": "0",
      "max-death-tally": "99999\n",
      "down-signal": "SIGHUP\n",
      "restart-delay-max": "30000\n",
      "restart-limit": "3 10\n",
      "notify-socket": "",
      "watchdog-ms": "2500\n",
    }),
    "x/log",
  );
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.config, {
    name: "x/log",
    hasFinish: true,
    hasDownFile: true,
    downSignal: 1,
    timeoutKillMs: 2500,
    timeoutFinishMs: 0,
    maxDeathTally: 4096,
    notificationFd: 3,
    restartDelayMaxMs: 30000,
    restartLimit: { count: 3, windowMs: 10_000 },
    notifySocket: true,
    watchdogMs: 2500,
  });
  assert.equal(r.warnings, []);
});

config("invalid numbers and signals: warning and default", () => {
  const r = readServiceConfig(serviceDir({ "timeout-kill": "soon\n", "notification-fd": "-1", "down-signal": "SIGNOPE", "restart-limit": "3\n" }), "svc");
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.is(r.config.timeoutKillMs, 0);
  assert.is(r.config.notificationFd, null);
  assert.is(r.config.downSignal, 15);
  assert.is(r.config.restartLimit, null);
  assert.is(r.warnings.length, 4);
  assert.ok(r.warnings.some((w) => /^warning: invalid .*restart-limit: "3" is not COUNT SECONDS \(restarting for ever\)$/.test(w)));
  assert.match(r.warnings[0]!, /^warning: invalid .*down-signal/);
});

config("run missing, or not executable: a problem value", () => {
  const dir = serviceDir({});
  fs.unlinkSync(path.join(dir, "run"));
  const r = readServiceConfig(dir, "svc");
  assert.ok(!r.ok && /^unable to find .*\/run: No such file or directory \(ENOENT\)$/.test(r.problem));
  const noexec = serviceDir({}, 0o644);
  const n = readServiceConfig(noexec, "svc");
  // root may execute nothing without an x bit either: access(X_OK) fails for 0644
  assert.ok(!n.ok && /^unable to execute .*\/run: Permission denied \(EACCES\)$/.test(n.problem));
  fs.mkdirSync(path.join(dir, "run"));
  const d = readServiceConfig(dir, "svc");
  assert.ok(!d.ok && /not a regular file/.test(d.problem));
});

config.after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

config.run();

const sig = suite("signal names");

sig("names with or without SIG, any case, and numbers", () => {
  assert.is(parseSignal("TERM"), 15);
  assert.is(parseSignal("SIGTERM"), 15);
  assert.is(parseSignal("sigusr1"), 10);
  assert.is(parseSignal("9"), 9);
  assert.is(parseSignal("SIG9"), 9);
  assert.is(parseSignal("RTMIN"), 34);
  assert.is(parseSignal("0"), null);
  assert.is(parseSignal("65"), null);
  assert.is(parseSignal("TERMINATE"), null);
  assert.is(signalName(28), "SIGWINCH");
  assert.is(signalName(40), "signal 40");
});

sig.run();
