// Shared by the fault suite: boots the real binary as PID 1 (startPid1) on a
// temp image whose paths the tree may name (ROOT is replaced by the temp
// dir), and reads what the host sees of that namespace: PID 1's CPU ticks and
// RSS, and the processes of the namespace from /proc/HOSTPID/task/*/children.
// asNobody runs a command as the local attacker of the security faults.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPid1, type Pid1 } from "../helpers/pid1";
import { initArgs } from "../helpers/booted";
import { writeTree, type Tree } from "../../lab/tree";

export interface Booted {
  root: string;
  init: Pid1;
  /** the live dir of a service: ROOT/run/service/NAME (or RUNDIR/service/NAME) */
  svc(name: string): string;
}

export const sh = (body: string) => `#!/bin/sh\n${body}\n`;

/** The argv prefix that runs what follows as user and group nobody (65534), no other groups. */
export const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"];

/** Runs argv as nobody: exit status, stdout, and stdout + stderr. */
export function asNobody(argv: string[], timeoutMs = 20_000): { status: number | null; stdout: string; out: string } {
  const r = spawnSync(NOBODY[0]!, [...NOBODY.slice(1), ...argv], { encoding: "utf8", timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout ?? "", out: (r.stdout ?? "") + (r.stderr ?? "") };
}

/** A temp root with tree written in it, every "ROOT" in contents replaced. */
export function makeRoot(tree: Tree): string {
  const root = mkdtempSync(join(tmpdir(), "tsinit-fault-"));
  const fixed: Tree = {};
  for (const [k, v] of Object.entries(tree)) fixed[k] = typeof v === "string" ? v.replaceAll("ROOT", root) : v;
  return writeTree(root, fixed);
}

/** Boots PID 1 on ROOT/service with its state in rundir (default ROOT/run). */
export async function boot(tree: Tree, opts: { root?: string; rundir?: string; extra?: string[] } = {}): Promise<Booted> {
  const root = opts.root ?? makeRoot(tree);
  const rundir = opts.rundir ?? `${root}/run`;
  const init = startPid1([...initArgs(root, 1000, rundir), ...(opts.extra ?? [])]);
  await init.waitFor(/boot: done in/, 20_000);
  return { root, init, svc: (name) => `${rundir}/service/${name}` };
}

/** Kills the namespace and removes the temp root; a service dir's supervise/status. */
export { endBooted as end, svStatus as status } from "../helpers/booted";

/** utime + stime of a host pid, in clock ticks (USER_HZ, 100 on Linux). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

/** VmRSS of a host pid in KiB. */
export function rssKiB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) : 0;
}

export interface Proc {
  pid: number;
  ppid: number;
  state: string;
  comm: string;
}

function readProc(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pid, ppid: Number(f[1]), state: f[0]!, comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) };
  } catch {
    return null; // gone meanwhile
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim().split(/\s+/)) if (c) out.push(Number(c));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Every descendant of host pid (host pids), walked breadth first. */
export function descendants(pid: number): Proc[] {
  const out: Proc[] = [];
  const queue = childrenOf(pid);
  while (queue.length > 0) {
    const p = readProc(queue.shift()!);
    if (!p) continue;
    out.push(p);
    queue.push(...childrenOf(p.pid));
  }
  return out;
}

/** Host pids of the namespace's processes whose cmdline contains every word, excluding zombies. */
export function findProcs(hostPid: number, ...words: string[]): number[] {
  return descendants(hostPid)
    .filter((p) => {
      if (p.state === "Z") return false;
      try {
        const argv = readFileSync(`/proc/${p.pid}/cmdline`, "utf8").split("\0");
        return words.every((w) => argv.includes(w));
      } catch {
        return false;
      }
    })
    .map((p) => p.pid);
}

/** True while a host pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  const p = readProc(pid);
  return p !== null && p.state !== "Z";
}

/** Reports a figure for the note, as init-log.test.ts does. */
export function figure(line: string): void {
  process.stderr.write(`    ${line}\n`);
}
