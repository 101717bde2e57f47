// Stage 1 steps that touch the process itself: working directory, umask,
// stdio, session, hostname, environment. Each is small and never throws;
// init-main.ts runs them in order through timed().
import { closeSync, fstatSync, openSync, readFileSync, constants as fsc } from "node:fs";
import * as sys from "../sys";
import { readEnvDir, applyEnvChanges, DEFAULT_PATH } from "../resources/envdir";
import { codeOf } from "../sys/errors";
import { logLine } from "../cli/log";

function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

/** stdin from /dev/null; stdout/stderr kept if open, else the console (or /dev/null). */
export function resetStdio(): string {
  const nul = openSync("/dev/null", fsc.O_RDWR);
  sys.dup2(nul, 0);
  let out = "kept";
  if (!isOpen(1) || !isOpen(2)) {
    let fd: number;
    try {
      fd = openSync("/dev/console", fsc.O_WRONLY | fsc.O_NOCTTY);
      out = "/dev/console";
    } catch {
      fd = nul;
      out = "/dev/null";
    }
    if (!isOpen(1)) sys.dup2(fd, 1);
    if (!isOpen(2)) sys.dup2(fd, 2);
    if (fd !== nul) closeSync(fd);
  }
  if (nul > 2) closeSync(nul);
  return `stdin /dev/null, stdout/stderr ${out}`;
}

/** Leaves the kernel's session 0 / process group 0 (no-op when we lead a group already). */
export function ownSession(): string {
  try {
    sys.setsid();
  } catch (e) {
    if (codeOf(e) !== "EPERM") throw e;
  }
  return `session ${sys.getsid(0)}, process group ${sys.getpgrp()}`;
}

/** Sets the hostname from the first line of file, if it has one. */
export function hostnameFrom(file: string): string {
  let name: string;
  try {
    name = readFileSync(file, "utf8").split("\n")[0]!.trim();
  } catch (e) {
    if (codeOf(e) === "ENOENT") return `no ${file}`;
    throw e;
  }
  if (!name) return `${file} is empty`;
  sys.sethostname(name);
  return name;
}

/** The environment children get, as "K=V" strings, made once at the first
 *  call after loadEnvDir: process.env does not change after it, and
 *  enumerating it cost ~0.5 ms a spawn as PID 1 here. */
export function envOnceLoaded(): () => string[] {
  let list: string[] | undefined;
  return () => (list ??= sys.envStrings(process.env));
}

/** Applies the env dir (s6-envdir rules) to process.env, which services inherit. */
export function loadEnvDir(dir: string): string {
  if (!process.env.PATH) process.env.PATH = DEFAULT_PATH;
  const r = readEnvDir(dir);
  if (!r.ok) {
    if (r.code === "ENOENT") return `no ${dir}`;
    throw new Error(r.problem);
  }
  for (const s of r.skipped) logLine(`warning: unable to set a variable from ${s}: skipped`);
  const next = applyEnvChanges(process.env as Record<string, string>, r.changes);
  for (const k of Object.keys(process.env)) if (!(k in next)) delete process.env[k];
  Object.assign(process.env, next);
  return `${r.changes.length} variables from ${dir}`;
}
