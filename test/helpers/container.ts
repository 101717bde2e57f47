// Runs the real binary as a container's entrypoint (`tsinit ... -- CMD`), in
// one of two ways: as PID 1 of a new pid + mount namespace (unshare, as a
// container runtime would), or as a plain child of the test (subreaper mode,
// as under `docker --init` or a systemd unit). State and services live in a
// temp root. Tests may use child_process.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { BIN, orLate, startPid1 } from "./pid1";
import { removeTree, tempTree, type Tree } from "../../lab/tree";

export type Mode = "pid1" | "subreaper";
export const MODES: Mode[] = ["pid1", "subreaper"];

/** A running container entrypoint. */
export interface Container {
  root: string;
  mode: Mode;
  /** tsinit's pid as the test sees it */
  pid(): number;
  output(): string;
  /** tsinit's exit code (128+n if it was killed by n) */
  exited: Promise<number>;
  /** SIGKILL to whatever is left, then removes the root */
  end(): Promise<void>;
}

export interface ContainerOptions {
  /** init options before `--` (default: the temp root's dirs and --grace 2000) */
  extra?: string[];
  /** CMD after `--` (or made from the root); null for no `--` at all (a marked container's bare tsinit) */
  cmd?: string[] | null | ((root: string) => string[]);
  env?: NodeJS.ProcessEnv;
}

/** The temp root's dirs as init options. */
export function rootOptions(root: string, grace = 2000): string[] {
  return ["--scandir", `${root}/service`, "--envdir", `${root}/env`, "--taskdir", `${root}/task`, "--rundir", `${root}/run`, "--grace", String(grace)];
}

/** Starts tsinit on a temp root built from tree; $D in scripts is the root. */
export function startContainer(mode: Mode, tree: Tree, opts: ContainerOptions = {}): Container {
  const root = tempTree({ "service/": null, ...tree });
  const env = { ...process.env, D: root, ...(opts.env ?? {}) };
  const cmd = typeof opts.cmd === "function" ? opts.cmd(root) : opts.cmd;
  const args = [...rootOptions(root), ...(opts.extra ?? []), ...(cmd === null ? [] : ["--", ...(cmd ?? [])])];
  if (mode === "pid1") {
    const init = startPid1(args, { env });
    return {
      root,
      mode,
      pid: () => init.hostPid(),
      output: init.output,
      exited: init.exited,
      end: async () => {
        await init.kill();
        removeTree(root);
      },
    };
  }
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
  const child: ChildProcess = spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"], env });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((res) => child.on("exit", (code, sig) => res(code ?? 128 + (sig ? require("node:os").constants.signals[sig] : 0))));
  return {
    root,
    mode,
    pid: () => child.pid!,
    output: () => out,
    exited,
    end: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await orLate(exited, 5000, () => undefined);
      removeTree(root);
    },
  };
}

/** Resolves with the exit code, or rejects after ms with the output. */
export async function exitWithin(c: Container, ms = 20_000): Promise<number> {
  return orLate(c.exited, ms, () => {
    throw new Error(`tsinit (${c.mode}) still running after ${ms} ms; output:\n${c.output()}`);
  });
}
