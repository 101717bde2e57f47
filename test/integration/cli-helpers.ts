// Shared by the cli-* integration tests: run our client commands (the real
// binary) and Debian's s6 tools on the host against service dirs in a temp tree.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { BIN } from "../helpers/pid1";
import { decodeStatus } from "../../src/s6/status-file";

/** What a finished command gave. */
export interface Ran {
  out: string;
  err: string;
  status: number;
}

/** Runs `tsinit ARGS` synchronously. */
export function tsinit(...args: string[]): Ran {
  return run(BIN, ...args);
}

/** Runs any host command synchronously. */
export function run(cmd: string, ...args: string[]): Ran {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  return { out: r.stdout ?? "", err: r.stderr ?? "", status: r.status ?? 128 };
}

/** Starts `tsinit ARGS` in the background (for waits); resolves when it exits. */
export function tsinitAsync(...args: string[]): Promise<Ran & { ms: number }> {
  const t0 = Date.now();
  const child = spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "",
    err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  return new Promise((res) => child.on("exit", (code, sig) => res({ out, err, status: code ?? (sig ? 128 : 0), ms: Date.now() - t0 })));
}

/** The decoded supervise/status of a service dir. */
export function status(svc: string) {
  const s = decodeStatus(readFileSync(`${svc}/supervise/status`));
  if (!s) throw new Error(`bad status in ${svc}`);
  return s;
}

/** The ftrig1 fifos left in a service's event/ (listeners must remove theirs). */
export function listeners(svc: string): string[] {
  return readdirSync(`${svc}/event`).filter((n) => n.includes("ftrig1"));
}

/** A run script. */
export const sh = (body: string) => `#!/bin/sh\n${body}\n`;
