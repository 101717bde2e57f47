// The ACPI power button, read without acpid: the kernel's "button" driver
// reports it through evdev as KEY_POWER on an input device named
// "Power Button" (/sys/class/input/eventN/device/name). This is what a VM
// host's "shutdown" (qemu system_powerdown, Linode, ...) presses. Devices
// that appear later (a module loaded after boot) are found through inotify
// on /dev/input.
import { readdirSync, readFileSync } from "node:fs";
import * as sys from "../sys";
import { logLine, reason } from "../cli/log";
import { decodeInputEvents, isPowerPress } from "./input-event";

/** Where to look; tests point these at a fake tree. */
export interface PowerButtonPaths {
  sysClassInput: string;
  devInput: string;
}

export const DEFAULT_PATHS: PowerButtonPaths = { sysClassInput: "/sys/class/input", devInput: "/dev/input" };

const BUTTON_NAMES = /power button/i;

/** Event device names (eventN) whose device name says "Power Button". */
export function findPowerButtons(paths: PowerButtonPaths = DEFAULT_PATHS): string[] {
  let names: string[];
  try {
    names = readdirSync(paths.sysClassInput);
  } catch {
    return [];
  }
  return names
    .filter((n) => {
      if (!/^event\d+$/.test(n)) return false;
      try {
        return BUTTON_NAMES.test(readFileSync(`${paths.sysClassInput}/${n}/device/name`, "utf8"));
      } catch {
        return false;
      }
    })
    .sort();
}

/** Watches every power button; calls onPress for each press. Returns a stop function. */
export function watchPowerButtons(onPress: (device: string) => void, paths: PowerButtonPaths = DEFAULT_PATHS): () => void {
  const open = new Map<string, number>();
  const c = sys.constants();
  const attach = (name: string) => {
    if (open.has(name)) return;
    const device = `${paths.devInput}/${name}`;
    let fd: number;
    try {
      fd = sys.open(device, c.O_RDONLY! | c.O_NONBLOCK! | c.O_CLOEXEC!, 0);
    } catch (e) {
      logLine(`unable to open power button ${device}: ${reason(e)}`);
      return;
    }
    open.set(name, fd);
    let rest: Uint8Array = new Uint8Array(0);
    sys.watchReadable(fd, () => {
      for (;;) {
        let chunk: Buffer | null;
        try {
          chunk = sys.read(fd, 4096);
        } catch (e) {
          logLine(`unable to read power button ${device}: ${reason(e)}`);
          chunk = Buffer.alloc(0);
        }
        if (chunk === null) return;
        if (chunk.length === 0) {
          // The device went away (or a fake one closed): stop watching it.
          sys.unwatch(fd);
          sys.close(fd);
          open.delete(name);
          return;
        }
        const decoded = decodeInputEvents(Buffer.concat([rest, chunk]));
        rest = decoded.rest;
        if (decoded.events.some(isPowerPress)) onPress(device);
      }
    });
    logLine(`info: listening to the power button on ${device}`);
  };
  const rescan = () => findPowerButtons(paths).forEach(attach);
  rescan();
  let ifd = -1;
  try {
    ifd = sys.inotifyInit(
      () => rescan(),
      (e) => logLine(`unable to read inotify events for ${paths.devInput}: ${reason(e)}: a new input device is not listened to`),
    );
    sys.inotifyAdd(ifd, paths.devInput, c.IN_CREATE! | c.IN_ATTRIB!);
  } catch {
    // No /dev/input (no evdev): nothing to listen to until one appears.
    if (ifd >= 0) {
      sys.unwatch(ifd);
      sys.close(ifd);
      ifd = -1;
    }
  }
  return () => {
    for (const fd of open.values()) {
      sys.unwatch(fd);
      sys.close(fd);
    }
    open.clear();
    if (ifd >= 0) {
      sys.unwatch(ifd);
      sys.close(ifd);
    }
  };
}
