// The table of subcommands. Each entry loads its module on demand.
/** What a command module exports. */
export interface CommandModule {
  main(args: string[]): Promise<number | void> | number | void;
}

/** One subcommand: name, one-line summary, loader; multiCall = also runs when the binary is called by that name. */
export interface Command {
  name: string;
  summary: string;
  multiCall?: boolean;
  load(): Promise<CommandModule>;
}

export const commands: Command[] = [
  { name: "init", summary: "boot as process 1: stage 1, supervision, shutdown (the default)", multiCall: true, load: () => import("./boot/init-main") },
  {
    name: "poweroff",
    summary: "ask process 1 to stop everything and power off",
    multiCall: true,
    load: async () => (await import("./shutdown/power-main")).poweroff,
  },
  { name: "reboot", summary: "ask process 1 to stop everything and reboot", multiCall: true, load: async () => (await import("./shutdown/power-main")).reboot },
  { name: "halt", summary: "ask process 1 to stop everything and halt", multiCall: true, load: async () => (await import("./shutdown/power-main")).halt },
  { name: "reexec", summary: "ask process 1 to re-execute itself and adopt the running services", load: () => import("./boot/reexec-main") },
  { name: "svc", summary: "send commands to a service's supervisor, optionally wait (like s6-svc)", load: () => import("./control/svc") },
  { name: "status", summary: "show services of service or scan directories (table or --json)", load: () => import("./control/status-main") },
  { name: "analyze", summary: "where the boot's time went: blame list, SVG chart, saved record", load: () => import("./analyze/main") },
  { name: "log", summary: "show services' logs merged by time, -f to follow (built-in, s6-log, catch-all)", load: () => import("./control/log-main") },
  { name: "wait", summary: "wait until services are up, ready, down or restarted (like s6-svwait)", load: () => import("./control/wait") },
  { name: "scan-ctl", summary: "send commands to a scan directory's scanner (like s6-svscanctl)", load: () => import("./control/scan-ctl") },
  { name: "check", summary: "check an /etc/s6 tree (services, tasks, env) before it boots", load: () => import("./check/main") },
  { name: "install", summary: "install this executable as ROOT/sbin/init, with links and an /etc/s6 skeleton", load: () => import("./install/main") },
  { name: "scan", summary: "supervise every service in a scan directory (like s6-svscan)", load: () => import("./boot/scan-main") },
];

/** The command with this name, if any. */
export function findCommand(name: string): Command | undefined {
  return commands.find((c) => c.name === name);
}
