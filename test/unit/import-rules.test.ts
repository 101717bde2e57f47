// The rules of the house (docs/architecture.md), checked on src/ as text:
// - the pure rooms (s6/ and the state machine) touch no file and no syscall:
//   they import neither sys/ nor node:fs, and only other pure files;
// - nothing in the init imports node:child_process (the addon spawns and reaps);
// - no two rooms import each other, directly or round a loop.
// The checks are also run on small planted trees, so a rule that stopped
// seeing its violation would fail here too.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { graphOf, readTree, roomCycles, roomOf, type ImportGraph } from "../helpers/import-graph";

/** The files that must stay pure: the s6 codecs and the supervision state machine (machine*.ts). */
const isPure = (path: string): boolean => roomOf(path) === "s6" || /^supervise\/machine(-[a-z]+)?\.ts$/.test(path);

const FS_MODULES = new Set(["fs", "node:fs", "fs/promises", "node:fs/promises"]);
const CHILD_PROCESS = new Set(["child_process", "node:child_process"]);

/** "FILE imports X: why" for each import a pure file may not have. */
function impureImports(graph: ImportGraph): string[] {
  const out: string[] = [];
  for (const [path, { local, external }] of graph) {
    if (!isPure(path)) continue;
    for (const x of external) if (FS_MODULES.has(x)) out.push(`${path} imports ${x}: a pure room reads no file`);
    for (const to of local) {
      if (roomOf(to) === "sys") out.push(`${path} imports ${to}: a pure room makes no syscall`);
      else if (!isPure(to)) out.push(`${path} imports ${to}, which is not pure`);
    }
  }
  return out;
}

/** Every file that imports node:child_process. */
function childProcessImports(graph: ImportGraph): string[] {
  return [...graph].filter(([, { external }]) => external.some((x) => CHILD_PROCESS.has(x))).map(([path]) => path);
}

const tree = (files: Record<string, string>) => graphOf(new Map(Object.entries(files)));

const planted = suite("import rules: each sees its violation");

planted("a pure file importing sys/ or node:fs, or an impure file", () => {
  const g = tree({
    "s6/a.ts": `import { native } from "../sys/load";\nimport { readFileSync } from "node:fs";`,
    "s6/b.ts": `import { x } from "../supervise/service";`,
    "supervise/machine.ts": `import type { Letter } from "../s6/letters";\nimport * as fs from "fs";`,
    "s6/letters.ts": `export type Letter = string;`,
    "supervise/service.ts": `import { readFileSync } from "node:fs";`,
    "sys/load.ts": ``,
  });
  assert.equal(impureImports(g).sort(), [
    "s6/a.ts imports node:fs: a pure room reads no file",
    "s6/a.ts imports sys/load.ts: a pure room makes no syscall",
    "s6/b.ts imports supervise/service.ts, which is not pure",
    "supervise/machine.ts imports fs: a pure room reads no file",
  ]);
});

planted("child_process anywhere, however it is imported", () => {
  const g = tree({
    "boot/a.ts": `import { spawn } from "node:child_process";`,
    "log/b.ts": `const cp = require("child_process");`,
    "cli/c.ts": `// a comment naming "node:child_process" is not an import\nexport {};`,
  });
  assert.equal(childProcessImports(g).sort(), ["boot/a.ts", "log/b.ts"]);
});

planted("two rooms importing each other, directly or round a loop", () => {
  assert.equal(roomCycles(tree({ "a/x.ts": `import "../b/y";`, "b/y.ts": `export * from "../a/x";` })), [["a", "b"]]);
  assert.equal(roomCycles(tree({
    "a/x.ts": `import { y } from "../b/y";`,
    "b/y.ts": `import { z } from "../c/z";`,
    "c/z.ts": `const x = await import("../a/x");`,
  })), [["a", "b", "c"]]);
  assert.equal(roomCycles(tree({ "a/x.ts": `import "./y";`, "a/y.ts": `import "./x";`, "b/z.ts": `import "../a/x";` })), [],
    "files of one room may import each other");
});

planted.run();

const src = suite("import rules: src/");
const graph = graphOf(readTree(join(__dirname, "../../src")));

src("the tree was read", () => {
  assert.ok(graph.size > 100, `only ${graph.size} files`);
  assert.ok(graph.has("supervise/machine.ts") && [...graph.keys()].some((p) => roomOf(p) === "s6"));
});

src("s6/ and the state machine are pure", () => {
  assert.equal(impureImports(graph), []);
});

src("nothing imports node:child_process", () => {
  assert.equal(childProcessImports(graph), []);
});

src("no room imports one that imports it back", () => {
  assert.equal(roomCycles(graph), []);
});

src.run();
