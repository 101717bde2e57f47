// The command line of `tsinit init`: its options, its help, and a parse that
// never makes PID 1 exit over an argument it does not know.
import { parseArgs } from "node:util";
import { logLine } from "../cli/log";
import { millis, parseCommandLine, UsageError } from "../cli/command-line";
import { DEFAULT_PATHS } from "../shutdown/power-button";
import { CRASH_WINDOW_MS } from "./reexec";

/** Shutdown: time for services and processes to stop before KILL. */
export const DEFAULT_GRACE_MS = 5000;

export const USAGE = `usage: tsinit [init] [options]                (as process 1)
       tsinit [options] -- [CMD ARGS...]      (a container's entrypoint, see below)

Boots the machine: mounts /proc /sys /dev /dev/pts /dev/shm /run where absent,
sets the hostname, leaves session 0, loads the env dir, starts the one-shot
tasks in the background, then supervises the services. The image's scan dir
is mirrored to RUNDIR/service (on the /run tmpfs): give that path to
tsinit svc / status / wait and to Debian's s6 tools.

options:
  --scandir DIR   services (default /etc/s6/service)
  --envdir DIR    environment, one file per variable (default /etc/s6/env)
  --taskdir DIR   one-shot tasks (default /etc/s6/task)
  --rundir DIR    state on tmpfs (default /run/tsinit; outside PID 1
                  /run/tsinit.PID, removed when tsinit ends)
  --hostname FILE (default /etc/hostname)
  --grace MS      shutdown: time for services and processes to stop before KILL (default 5000)
  --crash-window MS
                  three crashes of tsinit itself, each within MS of the start
                  before it, are a crash loop: safe mode (default 60000)
  --no-mount      skip the early mounts
  --input-sys DIR, --input-dev DIR
                  where to find power buttons (default /sys/class/input, /dev/input)

container mode (\`--\`, or process 1 with env \`container\` or /run/.containerenv):
stage 1 trimmed to what a container allows, the services supervised, then CMD
run in its own process group (with the terminal, if any); when CMD exits the
services are stopped and tsinit exits with its code (128+n if killed by n).
Not process 1: tsinit becomes a child subreaper and works the same.
  --signal-group  forward signals to CMD's whole process group
  --wait MS       start CMD once the services are ready, or after MS (default 5000; 0: at once)
  --verbose       log each stage 1 step (quiet by default in a container)
  TERM INT HUP QUIT USR1 USR2 WINCH are forwarded to CMD; with no CMD,
  TERM INT QUIT USR1 USR2 PWR stop everything and exit 0, HUP rescans.

signals to process 1:
  USR1, PWR, TERM, RTMIN+4   poweroff     (also the ACPI power button)
  USR2, RTMIN+3              halt
  INT (Ctrl-Alt-Del), RTMIN+5 reboot
  HUP                        rescan the services
  RTMIN+25                   re-execute and adopt the services (tsinit reexec)

examples: tsinit                      (as /sbin/init: boot this machine)
          tsinit -- nginx -g 'daemon off;'   (a container's entrypoint)

exit codes: as process 1 none (it never exits); in container mode CMD's code
(128+n if killed by signal n, 126 not executable, 127 not found); 100 usage;
111 system error`;

export const OPTIONS = {
  help: { type: "boolean", short: "h" },
  scandir: { type: "string", default: "/etc/s6/service" },
  envdir: { type: "string", default: "/etc/s6/env" },
  taskdir: { type: "string", default: "/etc/s6/task" },
  rundir: { type: "string", default: "/run/tsinit" },
  hostname: { type: "string", default: "/etc/hostname" },
  grace: { type: "string", default: String(DEFAULT_GRACE_MS) },
  "crash-window": { type: "string", default: String(CRASH_WINDOW_MS) },
  "no-mount": { type: "boolean" },
  "signal-group": { type: "boolean" },
  wait: { type: "string", default: "5000" },
  verbose: { type: "boolean" },
  "input-sys": { type: "string", default: DEFAULT_PATHS.sysClassInput },
  "input-dev": { type: "string", default: DEFAULT_PATHS.devInput },
} as const;

/** The parsed options of `tsinit init`. */
export type InitValues = ReturnType<typeof parseCommandLine<typeof OPTIONS>>["values"];

/** The init's options and, after `--`, the container's command ([] for none;
 *  undefined without `--`). Split by hand: an option value may not be `--`. */
export function splitCommand(args: string[]): { options: string[]; command: string[] | undefined } {
  const at = args.indexOf("--");
  return at < 0 ? { options: args, command: undefined } : { options: args.slice(0, at), command: args.slice(at + 1) };
}

/** The options; as PID 1 a bad command line (the kernel passes unknown boot
 *  parameters such as "single" to init) is logged and the defaults used:
 *  exiting with a usage error would panic the kernel. */
export function parseInitArgs(args: string[]): { values: InitValues } {
  try {
    return parseCommandLine(USAGE, args, OPTIONS, false);
  } catch (e) {
    if (process.pid !== 1 || !(e instanceof UsageError)) throw e;
    // Keep what is understood, drop the rest, say so.
    const loose = parseArgs({ args, options: OPTIONS, strict: false, allowPositionals: true });
    const known = Object.keys(OPTIONS);
    const dropped = [
      ...loose.positionals,
      ...Object.keys(loose.values)
        .filter((k) => !known.includes(k))
        .map((k) => `--${k}`),
    ];
    logLine(`warning: ignoring ${dropped.join(" ")} on the command line: ${e.message}`);
    const kept = Object.fromEntries(
      Object.entries(loose.values).filter(
        ([k, v]) => known.includes(k) && typeof v === (OPTIONS[k as keyof typeof OPTIONS].type === "string" ? "string" : "boolean"),
      ),
    );
    return { values: { ...parseCommandLine(USAGE, [], OPTIONS, false).values, ...kept } as InitValues };
  }
}

/** An option in whole milliseconds. As process 1 a bad value is said and
 *  FALLBACK used (a usage exit would panic the kernel); elsewhere a usage error. */
export function msOption(name: string, value: string, fallback: number, usage = USAGE): number {
  const ms = millis(value);
  if (ms !== null) return ms;
  const problem = `option --${name} takes milliseconds, not ${JSON.stringify(value)}`;
  if (process.pid !== 1) throw new UsageError(problem, usage);
  logLine(`warning: ${problem}: using ${fallback}`);
  return fallback;
}
