// bench/supervise's floors: the least a supervisor in one Node process pays
// to bring up a scan dir, run as PID 1 the way tsinit is, on the same Node
// (the executable's stripped base, with its V8 flags) and the same addon.
//   spawn  Node's start, one listing of the scan dir, then each ./run spawned
//          on the addon's spawner threads: no state, no checks, no restarts.
//   state  the same, plus the files s6-supervise makes for every service before
//          its first start, made as tsinit makes them: supervise/ (0700) with
//          lock (created, write-locked), control (a fifo, opened), status
//          (35 bytes to status.new, renamed); event/ (0700, then 03730).
//   async  state, with the mkdirs, chmod and status made on libuv's threads
//          (fs.promises), each service spawned once its files are: whether
//          taking the file work off the JS thread helps on this machine.
// Nothing is watched, nothing reaped: the bench kills the namespace. Plain
// CommonJS so that no loader (tsx) is timed.
// Usage: node supervise-floor.cjs ADDON spawn|state|async SCANDIR
"use strict";
const fs = require("node:fs");

const [addonPath, mode, scanDir] = process.argv.slice(2);
if (!addonPath || !scanDir || (mode !== "spawn" && mode !== "state" && mode !== "async")) {
  console.error("usage: supervise-floor.cjs ADDON spawn|state|async SCANDIR");
  process.exit(100);
}
const sys = require(addonPath);
const c = sys.constants;
const env = sys.envBlock(Object.entries(process.env).map(([k, v]) => `${k}=${v}`));
const status = Buffer.alloc(35);

/** supervise/ and event/ as s6-supervise leaves them before its first start,
 *  in order: [a node:fs call, its arguments], or the addon's calls as one step. */
const stateSteps = (dir) => [
  ["mkdir", `${dir}/supervise`, { mode: 0o700 }],
  () => {
    sys.lockWrite(sys.open(`${dir}/supervise/lock`, c.O_WRONLY | c.O_CREAT | c.O_CLOEXEC, 0o644));
    sys.mkfifo(`${dir}/supervise/control`, 0o600);
    sys.open(`${dir}/supervise/control`, c.O_RDWR | c.O_NONBLOCK | c.O_CLOEXEC, 0);
  },
  ["mkdir", `${dir}/event`, { mode: 0o700 }],
  ["chmod", `${dir}/event`, 0o3730],
  ["writeFile", `${dir}/supervise/status.new`, status],
  ["rename", `${dir}/supervise/status.new`, `${dir}/supervise/status`],
];

/** The steps on this thread. */
function makeState(dir) {
  for (const step of stateSteps(dir)) {
    if (typeof step === "function") step();
    else fs[`${step[0]}Sync`](...step.slice(1));
  }
}

/** The same, the node:fs calls on libuv's threads. */
async function makeStateAsync(dir) {
  for (const step of stateSteps(dir)) {
    if (typeof step === "function") step();
    else await fs.promises[step[0]](...step.slice(1));
  }
}

sys.onSpawnReport((_ids, _pids, errors) => {
  for (const e of errors) if (e) console.error(`supervise-floor: unable to spawn: ${e.message}`);
});
for (const name of fs.readdirSync(scanDir)) {
  if (name.startsWith(".")) continue;
  const dir = `${scanDir}/${name}`;
  if (mode === "state") makeState(dir);
  if (mode === "async")
    makeStateAsync(dir).then(
      () => start(dir),
      (e) => console.error(`supervise-floor: unable to make the files of ${dir}: ${e.message}`),
    );
  else start(dir);
}
function start(dir) {
  sys.spawnAsync({
    file: `${dir}/run`,
    argv: ["./run"],
    env,
    cwd: dir,
    setsid: true,
    pgid: -1,
    cgroupFd: -1,
    ttyFd: -1,
    fds: [0, 1, 2],
    umask: -1,
    uid: -1,
    gid: -1,
    groups: null,
    rlimits: [],
    nice: null,
    carryPidAs: null,
  });
}
// Stay, as a supervisor does, without a wakeup: an interval this long never fires in a bench.
setInterval(() => {}, 2 ** 31 - 1);
