// Checks trees of one image: the entry point install and the check command share.
import { lstatSync } from "node:fs";
import { Findings, type Finding } from "./findings";
import { ImageFs } from "../image/image-fs";
import { resolveIn } from "../image/root-path";
import { checkTree } from "./tree";

/** The findings for one checked directory (an image path). */
export interface DirReport {
  dir: string;
  findings: Finding[];
}

/** A directory to check that cannot be read: the command's system error. */
export class UnreadableDir extends Error {
  constructor(
    readonly dir: string,
    readonly code: string,
  ) {
    super(`unable to read ${dir}: ${code}`);
  }
}

/** The host directory of the image's passwd and group, or null when either is a symlink (it could lead out of the image). */
function etcDir(root: string): string | null {
  const etc = resolveIn(root, "/etc");
  if (!etc.ok) return null;
  for (const f of ["passwd", "group"]) {
    try {
      if (lstatSync(`${etc.host}/${f}`).isSymbolicLink()) return null;
    } catch {
      /* absent: resolveUser says so */
    }
  }
  return etc.host;
}

/** Checks each DIR (an absolute path inside the image at host directory ROOT). Throws UnreadableDir. */
export function checkImage(root: string, dirs: string[]): DirReport[] {
  const fs = new ImageFs(root);
  const etc = etcDir(root);
  return dirs.map((dir) => {
    const r = resolveIn(root, dir);
    if (!r.ok) throw new UnreadableDir(dir, r.code);
    if (!r.stat.isDirectory()) throw new UnreadableDir(dir, "ENOTDIR");
    const out = new Findings();
    const base = dir.replace(/\/+$/, "");
    const show = (p: string) => (p.startsWith(`${base}/`) ? p.slice(base.length + 1) : p);
    checkTree({ fs, out, show, etc }, base === "" ? "/" : base);
    return { dir, findings: out.list };
  });
}
