// The three ways to end, and which signal asks PID 1 for which. We follow
// s6-linux-init (USR1 poweroff, USR2 halt, INT = Ctrl-Alt-Del reboot, PWR
// poweroff) and systemd (RTMIN+3 halt, RTMIN+4 poweroff, RTMIN+5 reboot; the
// kernel's tiny power-button driver also sends RTMIN+4), and take TERM as
// poweroff because dock0's images stop their init with `kill 1`.
import * as sys from "../sys";

export type PowerAction = "poweroff" | "reboot" | "halt";

/** signal name → action, for PID 1 */
export const SIGNAL_ACTIONS: Record<string, PowerAction> = {
  SIGUSR1: "poweroff",
  SIGPWR: "poweroff",
  SIGTERM: "poweroff",
  "SIGRTMIN+4": "poweroff",
  SIGUSR2: "halt",
  "SIGRTMIN+3": "halt",
  SIGINT: "reboot",
  "SIGRTMIN+5": "reboot",
};

/** The signal `tsinit poweroff|reboot|halt` sends to PID 1. */
export const ACTION_SIGNAL: Record<PowerAction, string> = { poweroff: "SIGUSR1", halt: "SIGUSR2", reboot: "SIGINT" };

/** reboot(2)'s command for an action. */
export function rebootCommand(action: PowerAction): number {
  const c = sys.constants();
  const name = action === "poweroff" ? "LINUX_REBOOT_CMD_POWER_OFF" : action === "reboot" ? "LINUX_REBOOT_CMD_RESTART" : "LINUX_REBOOT_CMD_HALT";
  return c[name]!;
}

/** The action a signal number asks for, if any. */
export function actionForSignal(signo: number): PowerAction | undefined {
  for (const [name, action] of Object.entries(SIGNAL_ACTIONS)) if (sys.signalNumber(name) === signo) return action;
  return undefined;
}

// ---- container mode (tsinit -- CMD): no power actions, an exit ----

/** Signals a container's tsinit passes on to CMD, as tini does (WINCH so a
 *  terminal program sees its window resized). */
export const FORWARDED_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"];

/** With no CMD these end the container (exit 0): the stop signals of
 *  docker/podman (TERM), a terminal (INT, QUIT) and the power requests. */
export const CONTAINER_STOP_SIGNALS = ["SIGQUIT", ...Object.keys(SIGNAL_ACTIONS)];

/** What a signal asks of a container's tsinit: pass it to CMD, stop everything
 *  (a power request with CMD becomes TERM to CMD, whose exit then ends us),
 *  rescan (HUP with no CMD), or nothing. */
export type ContainerSignalAction = { kind: "forward"; signal: string } | { kind: "stop" } | { kind: "rescan" } | { kind: "ignore" };

export function containerActionForSignal(signo: number, hasCommand: boolean): ContainerSignalAction {
  const among = (names: string[]) => names.some((n) => sys.signalNumber(n) === signo);
  if (hasCommand) {
    if (among(FORWARDED_SIGNALS)) return { kind: "forward", signal: sys.signalName(signo) };
    return among(CONTAINER_STOP_SIGNALS) ? { kind: "forward", signal: "SIGTERM" } : { kind: "ignore" };
  }
  if (signo === sys.signalNumber("SIGHUP")) return { kind: "rescan" };
  return among(CONTAINER_STOP_SIGNALS) ? { kind: "stop" } : { kind: "ignore" };
}
