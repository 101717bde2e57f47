// Reading an image's files from outside it, as check needs them: every path
// is the image's (absolute, "/etc/s6/service/web/run"), resolved inside ROOT
// (root-path.ts), and read with read-head's bounded non-blocking read, so a
// symlink never leads out of the image and a fifo never hangs the check.
import { readdirSync, type Stats } from "node:fs";
import { readHead } from "../sys/read-head";
import { codeOf } from "../sys/errors";
import { resolveIn } from "./root-path";

/** A file's bytes, or why they could not be read (code "ENOENT" when absent). */
export type Read = { ok: true; bytes: Buffer } | { ok: false; code: string };

/** One image, rooted at a host directory. */
export class ImageFs {
  constructor(readonly root: string) {}

  /** The stat of PATH inside the image (symlinks followed inside it), or null when it cannot be reached. */
  stat(path: string): Stats | null {
    const r = resolveIn(this.root, path);
    return r.ok ? r.stat : null;
  }

  /** The host path PATH resolves to, or null. */
  hostPath(path: string): string | null {
    const r = resolveIn(this.root, path);
    return r.ok ? r.host : null;
  }

  /** At most MAX bytes from the start of PATH. */
  read(path: string, max = 4096): Read {
    const r = resolveIn(this.root, path);
    if (!r.ok) return { ok: false, code: r.code };
    if (r.stat.isDirectory()) return { ok: false, code: "EISDIR" };
    try {
      return { ok: true, bytes: readHead(r.host, max) };
    } catch (e) {
      return { ok: false, code: codeOf(e) };
    }
  }

  /** The names in directory PATH, sorted; null when it is not a readable directory. */
  list(path: string): string[] | null {
    const r = resolveIn(this.root, path);
    if (!r.ok || !r.stat.isDirectory()) return null;
    try {
      return readdirSync(r.host).sort();
    } catch {
      return null;
    }
  }
}
