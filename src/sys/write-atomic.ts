// Replacing a small file whole: readers (status, wait, a re-exec'ed PID 1)
// see the old bytes or the new, never half of them.
import { renameSync, writeFileSync } from "node:fs";

/** Replaces dir/name atomically (write name.new, rename), as s6 does. */
export function writeAtomic(dir: string, name: string, data: Uint8Array, mode = 0o644): void {
  const tmp = `${dir}/${name}.new`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, `${dir}/${name}`);
}
