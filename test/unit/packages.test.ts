// .ci/packages is the one list of system packages: .ci/run installs its
// `test` lines and names none itself, the README points to it, and no test,
// benchmark or script installs a package on its own.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { installHint, systemPackages } from "../../lab/packages";

const REPO = join(__dirname, "../..");
const read = (path: string) => readFileSync(join(REPO, path), "utf8");

test("each line is NAME, test or bench, and why; no name twice", () => {
  const all = systemPackages();
  assert.ok(all.length > 10, `${all.length} packages`);
  assert.equal(new Set(all.map((p) => p.name)).size, all.length);
  assert.ok(all.some((p) => p.role === "bench") && all.some((p) => p.role === "test"));
  assert.throws(() => systemPackages("s6 always why\n"), /not NAME test\|bench WHY: s6 always why/);
  assert.throws(() => systemPackages("s6 test\n"), /not NAME test\|bench WHY/, "a package without its why");
});

test(".ci/run installs exactly the test packages, read from .ci/packages", () => {
  const run = read(".ci/run");
  const line = run.split("\n").find((l) => l.includes(".ci/packages") && !l.startsWith("#"));
  assert.ok(line, "a line of .ci/run reads .ci/packages");
  const r = spawnSync("bash", ["-c", `set -euo pipefail; ${line}; printf '%s\\n' "\${packages[@]}"`], { cwd: REPO, encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  const tests = systemPackages()
    .filter((p) => p.role === "test")
    .map((p) => p.name);
  assert.equal(r.stdout.trim().split("\n"), tests);
  const install = run.split("\n").find((l) => /apt-get install/.test(l))!;
  assert.match(install, /"\$\{packages\[@\]\}"/, "installs the list it read");
  for (const p of systemPackages()) assert.not.ok(new RegExp(`\\s${p.name}(\\s|$)`).test(install), `${p.name} named in .ci/run itself`);
});

test("the README points to .ci/packages", () => {
  assert.match(read("README.md"), /\.ci\/packages/);
});

test("no test, benchmark or script runs apt-get itself", () => {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(REPO, dir))) {
      const rel = `${dir}/${name}`;
      if (statSync(join(REPO, rel)).isDirectory()) walk(rel);
      else if (/\.(ts|mjs)$/.test(name) && /\bspawn(Sync)?\(\s*["'`]apt-get/.test(read(rel))) found.push(rel);
      else if (/\.sh$/.test(name) && /^\s*apt-get\s/m.test(read(rel))) found.push(rel);
    }
  };
  for (const dir of ["test", "bench", "lab", "scripts"]) walk(dir);
  assert.equal(found, []);
});

test("installHint names packages of the list and refuses others", () => {
  assert.is(installHint(["s6", "execline"]), "apt-get install s6 execline (listed in .ci/packages)");
  assert.throws(() => installHint(["s6", "nosuch"]), /not in \.ci\/packages: nosuch/);
});

test.run();
