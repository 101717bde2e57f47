// Builds a directory tree for a test or a benchmark from an object map:
// { "svc/run": "#!/bin/sh\n...", "svc/down": "", "svc/log/": null }.
// Files named run, finish or under task/ whose content starts with "#!" are
// made executable; a key ending in "/" is an empty directory.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { tmpdir } from "node:os";

/** A symlink entry in a tree map. */
export interface Link {
  symlink: string;
}

export type Tree = Record<string, string | null | Link>;

/** Writes tree under root (created if needed) and returns root. */
export function writeTree(root: string, tree: Tree): string {
  for (const [rel, content] of Object.entries(tree)) {
    const path = join(root, rel);
    if (rel.endsWith("/")) {
      mkdirSync(path, { recursive: true });
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    if (content && typeof content === "object") {
      symlinkSync(content.symlink, path);
      continue;
    }
    writeFileSync(path, content ?? "");
    if ((content ?? "").startsWith("#!")) chmodSync(path, 0o755);
  }
  return root;
}

/** A fresh temp dir with the tree written into it. */
export function tempTree(tree: Tree = {}, prefix = "tsinit-test-"): string {
  return writeTree(mkdtempSync(join(tmpdir(), prefix)), tree);
}

/** Removes a temp tree, ignoring errors (fifos, busy mounts). */
export function removeTree(root: string): void {
  try {
    rmSync(root, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}
