// What a path is, asked without throwing: a missing or unreachable path is
// simply not a directory (or fifo); callers that must tell why stat themselves.
import { statSync } from "node:fs";

/** True when path is (or links to) a directory. */
export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** True when path is (or links to) a fifo. */
export function isFifo(path: string): boolean {
  try {
    return statSync(path).isFIFO();
  } catch {
    return false;
  }
}
