// Paths of an image seen from outside it: /mnt/img/lib is a symlink to
// usr/lib, /mnt/img/bin/sh to /bin/busybox, and each must be followed as the
// booted system would follow it, inside the image, never into the host's own
// /bin. resolveIn walks one component at a time with lstat and readlink,
// re-rooting absolute link targets at ROOT and stopping ".." at ROOT, as a
// chroot does. Nothing here executes or opens a file for writing.
import { lstatSync, readlinkSync, type Stats } from "node:fs";
import { codeOf } from "../sys/errors";

/** Linux's MAXSYMLINKS: more links than this in one walk is ELOOP. */
const MAX_LINKS = 40;

/** Where PATH (as the image sees it) is on the host, or why it cannot be reached. */
export type Resolved = { ok: true; host: string; stat: Stats } | { ok: false; code: string; host: string };

const join = (root: string, parts: readonly string[]): string => (root === "/" ? "" : root) + "/" + parts.join("/");

/** Resolves PATH inside ROOT (an absolute host directory, "/" for the host
 *  itself). PATH is absolute in the image's terms; every symlink on the way,
 *  the last one included, is followed inside ROOT. `host` is the host path
 *  reached (with no symlink in it), also when the answer is ENOENT: it names
 *  the first component that is missing. */
export function resolveIn(root: string, path: string): Resolved {
  const done: string[] = [];
  const todo = path.split("/").filter((p) => p !== "" && p !== ".");
  let links = 0;
  for (;;) {
    const part = todo.shift();
    if (part === undefined) break;
    if (part === "..") {
      done.pop(); // ".." of ROOT is ROOT
      continue;
    }
    const host = join(root, [...done, part]);
    let st: Stats;
    try {
      st = lstatSync(host);
    } catch (e) {
      return { ok: false, code: codeOf(e), host };
    }
    if (!st.isSymbolicLink()) {
      if (todo.length > 0 && !st.isDirectory()) return { ok: false, code: "ENOTDIR", host };
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) return { ok: false, code: "ELOOP", host };
    const target = readlinkSync(host);
    if (target.startsWith("/")) done.length = 0;
    todo.unshift(...target.split("/").filter((p) => p !== "" && p !== "."));
  }
  const host = join(root, done);
  try {
    return { ok: true, host, stat: lstatSync(host) };
  } catch (e) {
    return { ok: false, code: codeOf(e), host };
  }
}

/** The image path of a host path under ROOT ("/mnt/img/etc/s6" → "/etc/s6"), or null when outside. */
export function imagePath(root: string, host: string): string | null {
  if (root === "/") return host;
  if (host === root) return "/";
  return host.startsWith(`${root}/`) ? host.slice(root.length) : null;
}
