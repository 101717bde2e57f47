// The rules of the house (docs/architecture.md), checked on src/ as text:
// - the pure rooms (s6/ and the state machine) touch no file and no syscall:
//   they import neither sys/ nor node:fs, and only other pure files;
// - nothing in the init imports node:child_process (the addon spawns and reaps);
// - a room imports only rooms on lower floors, as the floors table of
//   docs/architecture.md (read here, the one place it is written) puts them,
//   and stands on the lowest floor its imports allow; every relative import
//   names a file.
// The checks are also run on small planted trees, so a rule that stopped
// seeing its violation would fail here too; and the graph is held against
// the bundler's, so an import the text reading missed would fail too.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { floorsOf, floorsTooHigh, floorViolations, graphOf, readTree, roomOf, specifiersOf, type ImportGraph } from "../helpers/import-graph";

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

planted("imports read past comments, strings and regexes that look like them", () => {
  assert.equal(
    specifiersOf(
      [
        `// RUNDIR/task/*.json is read here`,
        `import type { A } from "./a";`,
        `const glob = "task/*.json"; const re = /["'*]/g; const half = 1 / 2 / 3;`,
        `import { b } from "../b"; /* "../not" */ const t = \`\${"x"} from "../not"\`;`,
        `export * from "./c";`,
        `import "./d";`,
        `const e = await import("./e"); const f = require("./f");`,
      ].join("\n"),
    ),
    ["./a", "../b", "./c", "./d", "./e", "./f"],
  );
});

const FLOORS = `| floor | room | holds |\n|---|---|---|\n| 2 | \`main.ts\`, \`commands.ts\` | top |\n| 1 | \`boot/\`, \`shutdown/\` | start-ups |\n| 0 | \`sys/\` | syscalls |\n`;

planted("an import to the same floor or above, and one that names no file", () => {
  const floors = floorsOf(FLOORS);
  assert.equal(floors.get("shutdown/"), 1);
  const g = tree({
    "main.ts": `import { commands } from "./commands";\nimport "./boot/a";`,
    "commands.ts": `export const commands = [];`,
    "boot/a.ts": `import { b } from "./b";\nimport { stage3 } from "../shutdown/stage3";\nimport { gone } from "../sys/gone";`,
    "boot/b.ts": `import { c } from "../sys/c";\nimport { x } from "../../build/x.node";`,
    "shutdown/stage3.ts": `import { main } from "../main";`,
    "sys/c.ts": `export const c = 1;`,
    "cgroup/d.ts": `export const d = 1;`,
  });
  assert.equal(floorViolations(g, floors).sort(), [
    "boot/a.ts (floor 1) imports shutdown/stage3.ts (floor 1)",
    "boot/a.ts imports ../sys/gone, which is no file",
    "cgroup/d.ts is on no floor",
    "shutdown/stage3.ts (floor 1) imports main.ts (floor 2)",
  ]);
});

planted("a room the table puts higher than its imports need", () => {
  const floors = floorsOf(FLOORS);
  const g = tree({
    "main.ts": `import "./boot/a";`,
    "boot/a.ts": `import { c } from "../sys/c";`,
    "shutdown/b.ts": `export const b = 1;`,
    "sys/c.ts": `export const c = 1;`,
  });
  assert.equal(floorsTooHigh(g, floors), ["shutdown/ stands on floor 1, but what it imports allows floor 0"]);
  assert.equal(floorsTooHigh(tree({ "main.ts": `import "./sys/c";`, "sys/c.ts": `` }), floors), [
    "the top stands on floor 2, but what it imports allows floor 1",
  ]);
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

const floors = floorsOf(readFileSync(join(__dirname, "../../docs/architecture.md"), "utf8"));

src("the floors table was read, and names only rooms that are there", () => {
  assert.ok(floors.size > 10, `only ${floors.size} rooms on floors`);
  const rooms = new Set([...graph.keys()].map((p) => (p.includes("/") ? `${roomOf(p)}/` : p)));
  assert.equal(
    [...floors.keys()].filter((r) => !rooms.has(r)),
    [],
  );
});

src("each room imports only rooms below it, and every relative import names a file", () => {
  assert.equal(floorViolations(graph, floors), []);
});

src("each room stands on the lowest floor its imports allow", () => {
  assert.equal(floorsTooHigh(graph, floors), []);
});

src("the graph holds every import the bundler finds", () => {
  const { metafile } = buildSync({
    absWorkingDir: join(__dirname, "../.."),
    entryPoints: ["src/main.ts"],
    bundle: true,
    platform: "node",
    write: false,
    metafile: true,
    logLevel: "silent",
    loader: { ".node": "copy" },
    outdir: "/nonexistent",
    define: { TSINIT_VERSION: '"test"' },
  });
  const missed: string[] = [];
  for (const [file, { imports }] of Object.entries(metafile.inputs)) {
    if (!file.startsWith("src/")) continue;
    const local = graph.get(file.slice(4))?.local ?? [];
    for (const i of imports) if (i.path.startsWith("src/") && !local.includes(i.path.slice(4))) missed.push(`${file} -> ${i.path}`);
  }
  assert.ok(Object.keys(metafile.inputs).length > 100);
  assert.equal(missed, []);
});

src.run();
