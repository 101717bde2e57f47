// Which services a client command (status, svc, wait, log) means. With no
// path, the running init's scan dir: $TSINIT_SCANDIR, else what PID 1's own
// command line says (`tsinit --rundir R` keeps it in R/service, `tsinit scan
// DIR` in DIR), else /run/tsinit/service. A bare NAME (no slash) is a
// service of that scan dir; anything with a slash is a path, as s6 reads it.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename, resolve } from "node:path";
import { logLine } from "../cli/log";

/** PID 1's run dir when nothing moves it (`tsinit init --rundir`). */
export const DEFAULT_RUNDIR = "/run/tsinit";

/** Where the running init keeps its services, and its run dir when it has one
 *  (`tsinit scan DIR` has none: no catch-all, loggers in the default root). */
export interface InitPlace {
  scanDir: string;
  runDir: string | null;
}

/** One service a command line names: the name it goes by and its directory. */
export interface NamedService {
  name: string;
  dir: string;
}

/** The place PID 1's argv (from /proc/1/cmdline) says, or null when that is
 *  no tsinit boot or scan. argv[0] is not looked at: links call it init. */
export function placeFromArgv(argv: readonly string[], cwd = "/"): InitPlace | null {
  const args = argv.slice(1);
  if (args[0] === "scan") {
    const dir = args.slice(1).find((a) => !a.startsWith("-"));
    return dir === undefined ? null : { scanDir: resolve(cwd, dir), runDir: null };
  }
  if (args[0] !== undefined && args[0] !== "init" && !args[0].startsWith("-")) return null;
  let runDir = DEFAULT_RUNDIR;
  for (let i = args[0] === "init" ? 1 : 0; i < args.length && args[i] !== "--"; i++) {
    const a = args[i]!;
    if (a === "--rundir" && i + 1 < args.length) runDir = args[++i]!;
    else if (a.startsWith("--rundir=")) runDir = a.slice("--rundir=".length);
  }
  runDir = resolve(cwd, runDir);
  return { scanDir: `${runDir}/service`, runDir };
}

/** The running init's place: $TSINIT_SCANDIR, PID 1's command line, or the default. */
export function initPlace(env: NodeJS.ProcessEnv = process.env): InitPlace {
  const fromEnv = env.TSINIT_SCANDIR;
  if (fromEnv) {
    const scanDir = resolve(fromEnv);
    // PID 1's layout (R/service beside R/log) when the name says so.
    return { scanDir, runDir: basename(scanDir) === "service" ? resolve(scanDir, "..") : null };
  }
  try {
    const argv = readFileSync("/proc/1/cmdline", "utf8").split("\0");
    if (argv.at(-1) === "") argv.pop();
    let cwd = "/";
    try {
      cwd = readlinkSync("/proc/1/cwd");
    } catch {
      /* PID 1 works in / (stage 1 chdirs there) */
    }
    const place = placeFromArgv(argv, cwd);
    if (place) return place;
  } catch {
    /* no /proc: the default */
  }
  return { scanDir: `${DEFAULT_RUNDIR}/service`, runDir: DEFAULT_RUNDIR };
}

/** A bare NAME: no slash, not . or .. */
export function isBareName(arg: string): boolean {
  return arg !== "" && arg !== "." && arg !== ".." && !arg.includes("/");
}

const exists = (path: string): boolean => lstatSync(path, { throwIfNoEntry: false }) !== undefined;

/** The services ARGS name: a path stays a path; a bare NAME is SCANDIR/NAME,
 *  or ./NAME when the scan dir has no such entry and the current dir does
 *  (s6 tools read every operand as a path). */
export function resolveServices(args: readonly string[], scanDir = initPlace().scanDir): NamedService[] {
  return args.map((arg) => {
    if (!isBareName(arg)) return { name: basename(arg.replace(/\/+$/, "")) || arg, dir: arg };
    const inScan = `${scanDir}/${arg}`;
    return { name: arg, dir: !exists(inScan) && exists(arg) ? arg : inScan };
  });
}

/** The services of SCANDIR (its non-dot entries), sorted; [] when it cannot be read. */
export function knownNames(scanDir: string): string[] {
  try {
    return readdirSync(scanDir)
      .filter((n) => !n.startsWith("."))
      .sort();
  } catch {
    return [];
  }
}

const MAX_KNOWN = 20;

/** Why a named service cannot be found, for the client's one error line; null
 *  when its dir is there. A bare NAME says which scan dir was searched and
 *  what is in it; a missing scan dir says no init keeps one there. */
export function missingService(arg: string, named: NamedService, scanDir: string): string | null {
  if (!isBareName(arg)) return null; // a path: the command's own error names it
  if (exists(named.dir)) return null;
  if (!exists(scanDir)) return `unable to find service ${arg}: ${noInit(scanDir)}`;
  const known = knownNames(scanDir);
  const list =
    known.length === 0
      ? "it has no services"
      : `known: ${known.slice(0, MAX_KNOWN).join(", ")}${known.length > MAX_KNOWN ? `, … (${known.length} in all)` : ""}`;
  return `unable to find service ${arg} in ${scanDir}: ${list}`;
}

/** What to say when the running init's scan dir is not there. */
export function noInit(scanDir: string): string {
  return `${scanDir} does not exist: no tsinit is running here with that scan dir (name a scan or service dir, or set TSINIT_SCANDIR)`;
}

/** resolveServices, or null after one line per operand that names no service
 *  (which scan dir was searched and what it holds): the caller exits 111. */
export function findServices(args: readonly string[], scanDir = initPlace().scanDir): NamedService[] | null {
  const named = resolveServices(args, scanDir);
  const problems = args.map((a, i) => missingService(a, named[i]!, scanDir)).filter((p): p is string => p !== null);
  for (const p of problems) logLine(p);
  return problems.length > 0 ? null : named;
}
