// What tests, benchmarks and scripts share lives in lab/, outside test/:
// nothing outside test/ imports from it, and lab/ imports neither the
// benchmarks nor the scripts that use it. Checked on the tree as text, and
// on a planted tree so the check is seen to see its violation.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { specifiersOf } from "../helpers/import-graph";

const REPO = join(__dirname, "../..");
/** Which top-level folders each room may not import from. */
const BARRED: Record<string, string[]> = { src: ["test", "lab", "bench", "scripts"], lab: ["test", "bench", "scripts"], bench: ["test"], scripts: ["test"] };

/** "FILE imports TARGET" for each relative import into a barred folder; paths relative to the repo. */
function barredImports(files: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [path, text] of files) {
    const barred = BARRED[path.split("/")[0]!] ?? [];
    for (const spec of specifiersOf(text)) {
      if (!spec.startsWith(".")) continue;
      const target = normalize(join(dirname(path), spec));
      if (barred.includes(target.split("/")[0]!)) out.push(`${path} imports ${target}`);
    }
  }
  return out;
}

/** Every .ts, .mjs and .mts file under the given top-level folders. */
function readRooms(rooms: string[]): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(ts|mjs|mts)$/.test(name)) files.set(relative(REPO, full), readFileSync(full, "utf8"));
    }
  };
  for (const room of rooms) walk(join(REPO, room));
  return files;
}

test("the check sees a planted import of test/ and one of lab/ into scripts/", () => {
  const planted = new Map(
    Object.entries({
      "bench/a.ts": `import { writeTree } from "../test/helpers/tree";`,
      "scripts/b.mjs": `import { boot } from "../test/e2e/qemu.ts";`,
      "lab/c.ts": `import { qmpCommand } from "../scripts/qmp-client.mjs";\nimport { x } from "./d";`,
      "bench/ok.ts": `import { writeTree } from "../lab/tree";\nimport { sys } from "../src/sys";`,
    }),
  );
  assert.equal(barredImports(planted).sort(), [
    "bench/a.ts imports test/helpers/tree",
    "lab/c.ts imports scripts/qmp-client.mjs",
    "scripts/b.mjs imports test/e2e/qemu.ts",
  ]);
});

test("src/, lab/, bench/ and scripts/ import nothing from test/; lab/ nothing from bench/ or scripts/", () => {
  const files = readRooms(Object.keys(BARRED));
  assert.ok([...files.keys()].some((p) => p.startsWith("lab/")) && files.size > 150, `read ${files.size} files`);
  assert.equal(barredImports(files), []);
});

test.run();
