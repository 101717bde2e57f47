// Reading and writing cgroupfs files. Interface files are opened without
// O_CREAT or O_TRUNC (cgroupfs refuses to create a file, and cgroup.kill is
// write-only), and every failure keeps node:fs's code/errno/syscall/path.
import { closeSync, constants as fsc, openSync, writeSync } from "node:fs";

/** Writes value to an existing cgroup file in one write(2), as the kernel wants it. */
export function writeCgroupFile(path: string, value: string): void {
  // node:fs opens with O_CLOEXEC always: no spawn in between inherits it.
  const fd = openSync(path, fsc.O_WRONLY);
  try {
    writeSync(fd, value);
  } finally {
    closeSync(fd);
  }
}
