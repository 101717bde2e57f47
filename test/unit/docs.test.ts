// The docs stay reference: one command table (the README's) naming every
// command the binary has, and docs/README.md an index of every page in docs/.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { commands } from "../../src/commands";

const REPO = join(__dirname, "../..");
const read = (path: string) => readFileSync(join(REPO, path), "utf8");
const TABLE_HEAD = /^\| command \| what it does \|$/gm;

/** The first cells of the README's command table. */
function commandCells(readme: string): string[] {
  const at = readme.search(TABLE_HEAD);
  const rows = readme.slice(at).split("\n").slice(2);
  return rows
    .slice(
      0,
      rows.findIndex((l) => !l.startsWith("|")),
    )
    .map((l) => l.split(" | ")[0]!);
}

test("the README holds the one command table; no page in docs/ repeats it", () => {
  assert.is(read("README.md").match(TABLE_HEAD)?.length, 1);
  for (const page of readdirSync(join(REPO, "docs")).filter((n) => n.endsWith(".md"))) {
    assert.not.match(read(`docs/${page}`), TABLE_HEAD, `docs/${page} has a command table`);
  }
});

test("the README's table names every command", () => {
  const cells = commandCells(read("README.md")).join("\n");
  assert.ok(cells.includes("`tsinit [OPTIONS] -- [CMD ARGS…]`"), "the container entrypoint");
  for (const { name } of commands) {
    assert.match(cells, new RegExp(`\`(tsinit )?${name}\\b`), `tsinit ${name} is not in the README's command table`);
  }
});

test("the README's Layout names every room of src/ and every top-level folder", () => {
  const readme = read("README.md");
  const layout = readme.slice(readme.indexOf("## Layout"), readme.indexOf("\n## ", readme.indexOf("## Layout") + 1));
  const dirs = (path: string) =>
    readdirSync(join(REPO, path), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  for (const room of dirs("src")) assert.ok(layout.includes(`\`src/${room}/\``), `src/${room}/ is not in the README's Layout`);
  const untracked = new Set(["node_modules", "build", "dist", ".git"]);
  for (const top of dirs(".").filter((d) => !untracked.has(d))) assert.ok(layout.includes(`\`${top}/`), `${top}/ is not in the README's Layout`);
});

test("docs/README.md links every page of docs/", () => {
  const index = read("docs/README.md");
  for (const page of readdirSync(join(REPO, "docs")).filter((n) => n !== "README.md")) {
    assert.ok(index.includes(`](${page})`), `docs/README.md does not link ${page}`);
  }
});

test.run();
