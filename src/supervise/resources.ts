// A service's own process settings, from files in its directory (user,
// rlimits/, nice, umask, env/), turned into spawn options. Re-read before
// every spawn, like the s6 files in config.ts.
// STUB: filled in by the resources work; returns "inherit everything".
import type { SpawnOptions } from "../sys";

/** The spawn fields a service directory may set. */
export type ResourceOptions = Pick<SpawnOptions, "uid" | "gid" | "groups" | "rlimits" | "nice" | "umask"> & {
  /** the complete environment for run and finish */
  env: string[];
};

/** The options, or why the service must not start (a `user` that does not exist, ...). */
export type ResourcesResult =
  | { ok: true; options: ResourceOptions; warnings: string[] }
  | { ok: false; problem: string; warnings: string[] };

/** Reads DIR's resource files on top of BASEENV (the global environment, "K=V" strings). */
export function readServiceResources(dir: string, baseEnv: string[]): ResourcesResult {
  void dir;
  return { ok: true, options: { env: baseEnv }, warnings: [] };
}
