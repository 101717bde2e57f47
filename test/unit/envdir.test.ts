// s6-envdir rules on temp dirs: first line, trailing blanks, NUL → newline,
// empty file unsets, dot-files skipped, '=' and non-UTF-8 names skipped and
// named (the rest load), errors as values.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { applyEnvChanges, envValueFromBytes, readEnvDir } from "../../src/resources/envdir";

const made: string[] = [];

/** A temp env dir: file name → content. */
function envDir(files: Record<string, string | Uint8Array>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsinit-env-"));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

const env = suite("envdir");

env("first line, trailing spaces/tabs/CR dropped, leading kept", () => {
  const r = readEnvDir(envDir({ A: "  hello world \t\r\nsecond line\n", B: "x", C: "\n" }));
  assert.equal(r, {
    ok: true,
    changes: [
      { name: "A", value: "  hello world" },
      { name: "B", value: "x" },
      { name: "C", value: "" },
    ],
    skipped: [],
  });
});

env("NUL becomes newline; empty file unsets; dot and '=' names skipped", () => {
  const r = readEnvDir(envDir({ N: Uint8Array.of(0x61, 0, 0x62), GONE: "", ".hidden": "1" }));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.changes, [
    { name: "GONE", value: null },
    { name: "N", value: "a\nb" },
  ]);
  // a name with '=' cannot be created portably on every fs; check the rule directly
  const dir = envDir({});
  fs.writeFileSync(path.join(dir, "X=Y"), "v");
  const eq = readEnvDir(dir);
  assert.equal(eq.ok && eq.changes, []);
  assert.equal(eq.ok && eq.skipped, [`${dir}/X=Y: holds "="`], "named");
});

env("a name that is not UTF-8 is skipped and named, escaped; the others load", () => {
  const dir = envDir({ A: "1", Z: "2" });
  const bad = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0x42, 0xff, 0x0a, 0x5c])]);
  fs.writeFileSync(bad, "x");
  // A UTF-8 name beyond ASCII is a name like any other, opened by its bytes.
  fs.writeFileSync(path.join(dir, "CAF\u00c9"), "3");
  const r = readEnvDir(dir);
  assert.equal(r, {
    ok: true,
    changes: [
      { name: "A", value: "1" },
      { name: "CAF\u00c9", value: "3" },
      { name: "Z", value: "2" },
    ],
    skipped: [`${dir}/B\\xff\\x0a\\x5c: not UTF-8`],
  });
});

env("values are clamped to the first 4095 bytes", () => {
  assert.is(envValueFromBytes(new Uint8Array(5000).fill(0x41))!.length, 4095);
  assert.is(envValueFromBytes(new Uint8Array(0)), null);
});

env("apply: sets, replaces, unsets, and leaves the input alone", () => {
  const base = { KEEP: "1", REPLACE: "old", DROP: "x" };
  const out = applyEnvChanges(base, [
    { name: "REPLACE", value: "new" },
    { name: "DROP", value: null },
    { name: "ADD", value: "" },
  ]);
  assert.equal(out, { KEEP: "1", REPLACE: "new", ADD: "" });
  assert.equal(base, { KEEP: "1", REPLACE: "old", DROP: "x" });
});

env("missing dir or unreadable entry: a problem, no partial result", () => {
  const missing = readEnvDir("/nonexistent/tsinit-env");
  assert.ok(!missing.ok && /^unable to read directory .*: No such file or directory \(ENOENT\)$/.test(missing.problem));
  const dir = envDir({ A: "1" });
  fs.mkdirSync(path.join(dir, "SUB"));
  const sub = readEnvDir(dir);
  assert.ok(!sub.ok && /SUB: Illegal operation on a directory \(EISDIR\)$/.test(sub.problem));
});

env.after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

env.run();
