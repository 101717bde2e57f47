// Property tests of the directory readers that take an image's files as
// they are: the env dir (s6-envdir rules), a service dir's config files, the
// dependencies reader, and the built-in logger's log/ config. Random names
// and contents (NULs, newlines, blanks, huge numbers, signal names) are
// written to a temp dir for each input; nothing may throw, and what comes
// out is in range.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { applyEnvChanges, ENVDIR_MAX_BYTES, readEnvDir } from "../../src/resources/envdir";
import { readServiceConfig } from "../../src/supervise/config";
import { MAX_DEATH_TALLY } from "../../src/supervise/machine";
import { MAX_SIGNAL } from "../../src/s6/signal-names";
import { readDependencies } from "../../src/supervise/deps-read";
import { readServiceLogConfig, wantsBuiltinLogger } from "../../src/log/service-log-config";
import { bytes, check } from "./fuzz";

const test = suite("fuzz: files");
/** A file name (not "." or ".."). */
const fileName = (a: fc.Arbitrary<string>) => a.filter((x) => x !== "." && x !== "..");
const INT_MAX = 2 ** 31 - 1;
const base = mkdtempSync(join(tmpdir(), "tsinit-fuzz-"));
let n = 0;
/** A fresh empty directory per input. */
const fresh = () => {
  const d = join(base, String(n++));
  mkdirSync(d);
  return d;
};

/** What a config file may hold: canonical numbers, near misses, names, junk. */
const content = fc.oneof(
  fc.integer({ min: 0, max: INT_MAX }).map((v) => `${v}\n`),
  fc.bigInt({ min: 0n, max: 10n ** 30n }).map((v) => `${v}`),
  fc.constantFrom(
    "",
    "\n",
    "0",
    "-1",
    " 5",
    "5 \t\r\n",
    "1e3",
    "0x10",
    "TERM",
    "SIGKILL",
    "sighup",
    "65",
    "64",
    "0\n1",
    "\0",
    "iso",
    "tai64n",
    "none",
    "ISO",
    "/abs/dir",
    "rel",
    ".",
  ),
  fc.string({ maxLength: 20 }),
  bytes(40).map((b) => Buffer.from(b)),
);

test("env dir: any names and contents, s6-envdir's rules hold", () => {
  const name = fileName(fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.=-]{1,12}$/), fc.constantFrom(".hidden", "A=B", "PATH", "..x", "__proto__", "constructor")));
  const file = fc.oneof(
    bytes(64),
    fc.uint8Array({ minLength: 4090, maxLength: 4200 }).map((b) => b.map((x) => (x === 10 ? 65 : x))),
  );
  check(
    "env dir",
    fc.property(fc.dictionary(name, file, { maxKeys: 6 }), (files) => {
      const dir = fresh();
      for (const [k, v] of Object.entries(files)) writeFileSync(join(dir, k), v);
      const r = readEnvDir(dir);
      assert.ok(r.ok, r.ok ? "" : r.problem);
      if (!r.ok) return;
      const names = r.changes.map((c) => c.name);
      assert.equal(names, [...names].sort(), "sorted");
      assert.equal(
        names,
        Object.keys(files)
          .filter((k) => !k.startsWith(".") && !k.includes("="))
          .sort(),
        "dot-files and = skipped",
      );
      for (const c of r.changes) {
        const b = Buffer.from(files[c.name]!);
        if (b.length === 0) {
          assert.is(c.value, null, `${c.name} empty: unset`);
          continue;
        }
        let line = b.subarray(0, ENVDIR_MAX_BYTES);
        if (line.includes(10)) line = line.subarray(0, line.indexOf(10));
        const text = Buffer.from(line)
          .toString("latin1")
          .replace(/[ \t\r]+$/, "");
        const want = Buffer.from(Buffer.from(text, "latin1").map((x) => (x === 0 ? 10 : x))).toString("utf8");
        assert.is(c.value, want, `${c.name}: first line, blanks trimmed, NUL → newline`);
      }
      const env = applyEnvChanges({ KEEP: "1", PATH: "/bin" }, r.changes);
      for (const c of r.changes) {
        assert.is(Object.hasOwn(env, c.name), c.value !== null, `${c.name} set or unset`);
        if (c.value !== null) assert.is(Object.getOwnPropertyDescriptor(env, c.name)?.value, c.value);
      }
    }),
  );
});

test("service dir config: any file contents, never a throw, values in range", () => {
  const files = fc.record(
    {
      "timeout-kill": fc.option(content),
      "timeout-finish": fc.option(content),
      "down-signal": fc.option(content),
      "notification-fd": fc.option(content),
      "max-death-tally": fc.option(content),
      down: fc.option(content),
      finish: fc.option(content),
    },
    { noNullPrototype: true },
  );
  check(
    "service dir config",
    fc.property(files, (fs) => {
      const dir = fresh();
      writeFileSync(join(dir, "run"), "#!/bin/sh\n", { mode: 0o755 });
      for (const [k, v] of Object.entries(fs)) if (v !== null) writeFileSync(join(dir, k), v);
      const r = readServiceConfig(dir, "svc");
      assert.ok(r.ok, r.ok ? "" : r.problem);
      if (!r.ok) return;
      const c = r.config;
      const uint = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
      assert.ok(uint(c.timeoutKillMs, INT_MAX), `timeout-kill ${c.timeoutKillMs}`);
      assert.ok(uint(c.timeoutFinishMs, INT_MAX), `timeout-finish ${c.timeoutFinishMs}`);
      assert.ok(uint(c.maxDeathTally, MAX_DEATH_TALLY), `max-death-tally ${c.maxDeathTally}`);
      assert.ok(c.notificationFd === null || uint(c.notificationFd, INT_MAX), `notification-fd ${c.notificationFd}`);
      assert.ok(Number.isInteger(c.downSignal) && c.downSignal >= 1 && c.downSignal <= MAX_SIGNAL, `down-signal ${c.downSignal}`);
      assert.is(c.hasFinish, fs.finish !== null);
      assert.is(c.hasDownFile, fs.down !== null);
      // A plain decimal in range is taken as is.
      const exact = (v: string | Uint8Array | null) => (typeof v === "string" && /^\d+\n?$/.test(v) ? Number(v) : null);
      const tk = exact(fs["timeout-kill"]);
      if (tk !== null && tk <= INT_MAX) assert.is(c.timeoutKillMs, tk);
      const tally = exact(fs["max-death-tally"]);
      if (tally !== null && Number.isSafeInteger(tally)) assert.is(c.maxDeathTally, Math.min(tally, MAX_DEATH_TALLY));
      for (const w of r.warnings) assert.type(w, "string");
    }),
  );
});

test("dependencies: any file and dependencies.d, never a throw, clean names", () => {
  const names = fc.array(fileName(fc.oneof(fc.stringMatching(/^[a-z0-9._-]{1,10}$/), fc.constantFrom(".hidden", "x#y"))), { maxLength: 5 });
  const deps = fc.oneof(
    fc.constant(null),
    content,
    fc.array(fc.oneof(fc.stringMatching(/^[ \ta-z#]{0,12}$/), fc.string({ maxLength: 10 })), { maxLength: 6 }).map((l) => l.join("\n")),
  );
  check(
    "dependencies",
    fc.property(deps, fc.option(names), fc.boolean(), (file, d, fileIsDir) => {
      const dir = fresh();
      if (fileIsDir) mkdirSync(join(dir, "dependencies"));
      else if (file !== null) writeFileSync(join(dir, "dependencies"), file);
      if (d) {
        mkdirSync(join(dir, "dependencies.d"));
        for (const x of d) writeFileSync(join(dir, "dependencies.d", x), "");
      }
      const r = readDependencies(dir);
      assert.is(new Set(r.deps).size, r.deps.length, "no duplicates");
      for (const x of r.deps) {
        assert.ok(x.length > 0 && x === x.trim(), `name ${JSON.stringify(x)} trimmed`);
        assert.ok(!x.includes("\n"), "one line");
      }
      for (const x of d ?? []) if (!x.startsWith(".")) assert.ok(r.deps.includes(x), `${x} from dependencies.d`);
      if (fileIsDir) assert.match(r.problems.join("\n"), /EISDIR/);
      else assert.equal(r.problems, []);
    }),
  );
});

test("built-in logger config: any log/ files, never a throw, values in range", () => {
  const files = fc.record(
    {
      "max-size": fc.option(content),
      "max-files": fc.option(content),
      dir: fc.option(content),
      timestamp: fc.option(content),
      run: fc.option(fc.constant("")),
    },
    { noNullPrototype: true },
  );
  check(
    "log/ config",
    fc.property(files, (fs) => {
      const svc = fresh();
      mkdirSync(join(svc, "log"));
      for (const [k, v] of Object.entries(fs)) if (v !== null) writeFileSync(join(svc, "log", k), v);
      assert.is(wantsBuiltinLogger(svc), fs.run === null);
      const { config: c, warnings } = readServiceLogConfig(join(svc, "log"), "svc", "/run/tsinit/log");
      assert.ok(Number.isSafeInteger(c.maxSize) && c.maxSize >= 4096, `max-size ${c.maxSize}`);
      assert.ok(Number.isSafeInteger(c.maxFiles) && c.maxFiles >= 1, `max-files ${c.maxFiles}`);
      assert.ok(["iso", "tai64n", "none"].includes(c.timestamp));
      assert.ok(isAbsolute(c.dir), `dir ${c.dir}`);
      for (const w of warnings) assert.type(w, "string");
    }),
  );
});

test.after(() => rmSync(base, { recursive: true, force: true }));

test.run();
