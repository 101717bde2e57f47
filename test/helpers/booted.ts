// The two ways integration tests boot the real binary as PID 1, built from a
// tree map in a temp dir: `tsinit scan DIR` (stage 2 alone), and the whole
// init with every path under one temp root (ROOT/service, env, task; state
// in ROOT/run). One place, so every test boots alike.
import { existsSync, readFileSync } from "node:fs";
import { decodeStatus, type SuperviseStatus } from "../../src/s6/status-file";
import { eventually, startPid1, type Pid1 } from "./pid1";
import { removeTree, tempTree, type Tree } from "../../lab/tree";

/** A booted init: its temp root and its PID 1. */
export interface Booted {
  root: string;
  init: Pid1;
}

/** `#!/bin/sh` + body, for run, finish and task files. */
export const sh = (body: string) => `#!/bin/sh\n${body}\n`;

/** `tsinit scan ROOT` as PID 1; resolves once .s6-svscan/control exists. */
export async function bootScan(tree: Tree): Promise<Booted> {
  const root = tempTree(tree);
  const init = startPid1(["scan", root]);
  await eventually(() => existsSync(`${root}/.s6-svscan/control`), 10_000, ".s6-svscan/control");
  return { root, init };
}

/** The options of the whole init with every path under ROOT: service, env,
 *  task, hostname there, state in RUNDIR (ROOT/run), no mounts of its own. */
export function initArgs(root: string, graceMs: number, rundir = `${root}/run`): string[] {
  return [
    "--no-mount",
    "--scandir",
    `${root}/service`,
    "--envdir",
    `${root}/env`,
    "--taskdir",
    `${root}/task`,
    "--rundir",
    rundir,
    "--hostname",
    `${root}/hostname`,
    "--grace",
    String(graceMs),
  ];
}

/** The whole init as PID 1 on ROOT/{service,env,task}, state in ROOT/run; resolves at "boot: done". */
export async function bootInit(tree: Tree, opts: { extra?: string[]; grace?: number; bin?: string; prepare?: (root: string) => void } = {}): Promise<Booted> {
  const root = tempTree(tree);
  // What a tree map cannot hold (a name that is not UTF-8), made before the boot.
  opts.prepare?.(root);
  const init = startPid1([...initArgs(root, opts.grace ?? 2000), ...(opts.extra ?? [])], { bin: opts.bin });
  await init.waitFor(/boot: done in/);
  return { root, init };
}

/** Kills the booted init (its namespace with it) and removes its root. */
export async function endBooted(m: Booted): Promise<void> {
  await m.init.kill();
  removeTree(m.root);
}

/** supervise/status of a service dir, or null when absent or unreadable. */
export function svStatus(dir: string): SuperviseStatus | null {
  try {
    return decodeStatus(readFileSync(`${dir}/supervise/status`));
  } catch {
    return null;
  }
}

/** The pid in a service dir's status (0 when down or unknown). */
export const svPid = (dir: string): number => svStatus(dir)?.pid ?? 0;
