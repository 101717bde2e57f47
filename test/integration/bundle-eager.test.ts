// The bundle pack.mjs packs: every module body esbuild wraps for import()
// must be a parenthesized function expression, so V8 compiles it with the
// script and the blob's code cache holds it (scripts/eager-wrappers.mjs); a
// lazily compiled body is parsed again at each start of PID 1.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { removeTree } from "../../lab/tree";

const test = suite("bundle-eager");
const REPO = resolve(__dirname, "../..");
const SCRIPT = join(REPO, "scripts/eager-wrappers.mjs");

test("every __esm module body in dist/main.js is compiled with the script", () => {
  const text = readFileSync(join(REPO, "dist/main.js"), "utf8");
  const wrappers = text.match(/^var init_\w+ = __esm\(\{\n.*$/gm) ?? [];
  assert.ok(wrappers.length > 10, `only ${wrappers.length} wrappers: not an esbuild bundle?`);
  const lazy = wrappers.filter((w) => !/\n {2}"[^"]+": \(function\(\) \{$/.test(w));
  assert.equal(
    lazy.map((w) => w.split("\n")[0]),
    [],
  );
});

test("eager-wrappers refuses a wrapper shape it does not know (111), leaving the file as it was", () => {
  const dir = mkdtempSync(join(tmpdir(), "tsinit-eager-"));
  try {
    const file = join(dir, "main.js");
    const known = 'var init_a = __esm({\n  "src/a.ts"() {\n    x = 1;\n  }\n});\n';
    const odd = 'var init_b = __esm({ "src/b.ts": () => { y = 2; } });\n';
    writeFileSync(file, known + odd);
    const r = spawnSync(process.execPath, [SCRIPT, file], { encoding: "utf8" });
    assert.is(r.status, 111, r.stderr);
    assert.match(r.stderr, /rewrote 1 of 2/);
    assert.is(readFileSync(file, "utf8"), known + odd);
    writeFileSync(file, known);
    const ok = spawnSync(process.execPath, [SCRIPT, file], { encoding: "utf8" });
    assert.is(ok.status, 0, ok.stderr);
    assert.is(readFileSync(file, "utf8"), 'var init_a = __esm({\n  "src/a.ts": (function() {\n    x = 1;\n  })\n});\n');
  } finally {
    removeTree(dir);
  }
});

test.run();
