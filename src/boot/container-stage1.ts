// Stage 1 as a container allows it: the runtime has mounted /proc, /sys and
// /dev already and usually denies mount(2), so each early mount is tried
// only where nothing is mounted, and what fails is one quiet line, not an
// error per mount. /run is left alone when it is writable: a tmpfs over it
// would hide what the runtime put there (podman's /run/.containerenv,
// secrets bind-mounted under /run/secrets).
import { accessSync, constants as fsc, existsSync, mkdirSync } from "node:fs";
import * as sys from "../sys";
import { reason } from "../cli/log";
import { EARLY_MOUNTS, mountIfAbsent } from "./mounts";

function writable(path: string): boolean {
  try {
    accessSync(path, fsc.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Mounts what is missing; returns one line for the log, failures first. */
export function containerMounts(): string {
  const mounted: string[] = [];
  const failed: string[] = [];
  for (const m of EARLY_MOUNTS) {
    if (m.target === "/run" && writable("/run")) continue;
    try {
      if (mountIfAbsent(m)) mounted.push(m.target);
    } catch (e) {
      failed.push(`${m.target} (${sys.isErrnoError(e) ? e.code : reason(e)})`);
    }
  }
  const made = mounted.length ? `mounted ${mounted.join(" ")}` : "nothing to mount";
  return failed.length ? `unable to mount ${failed.join(", ")}: using what the container has; ${made}` : made;
}

/** Whether the run dir can hold state (a read-only container may deny it), or why not. */
export function runDirUsable(rundir: string): true | string {
  try {
    mkdirSync(rundir, { recursive: true, mode: 0o755 });
    accessSync(rundir, fsc.W_OK);
    return true;
  } catch (e) {
    return reason(e);
  }
}

/** The container marker for a bare `tsinit` as process 1: env `container`
 *  (podman, systemd-nspawn, LXC) or /run/.containerenv (podman). Docker's
 *  /.dockerenv is not one: it is in the root of every Docker container,
 *  including those that boot a nested machine with tsinit as its full init
 *  (this project's own test machines); Docker images say `tsinit --`. */
export function containerMarked(env: NodeJS.ProcessEnv = process.env, exists = existsSync): boolean {
  return !!env.container || exists("/run/.containerenv");
}
