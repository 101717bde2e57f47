// What every check of one directory shares: the image, where findings go,
// and how a path is shown (relative to the directory checked).
import type { ImageFs } from "../image/image-fs";
import type { Findings } from "./findings";
import { firstLineOf } from "../supervise/config";

export interface CheckContext {
  fs: ImageFs;
  out: Findings;
  /** the path as a finding names it: relative to the checked directory */
  show(path: string): string;
  /** the host directory holding the image's passwd and group, null when they cannot be read safely */
  etc: string | null;
}

/** The first line of an optional file: null when absent; an unreadable one is reported and null. */
export function optionalLine(ctx: CheckContext, path: string): string | null {
  const r = ctx.fs.read(path);
  if (r.ok) return firstLineOf(r.bytes);
  if (r.code !== "ENOENT") ctx.out.error(ctx.show(path), `unable to read it: ${r.code}`, "make it a readable regular file, or remove it");
  return null;
}

/** TEXT with a parser's leading "... FILE: " cut, so the finding does not name the file twice. */
export function afterFile(text: string, file: string): string {
  const at = text.indexOf(`${file}: `);
  return at < 0 ? text : text.slice(at + file.length + 2);
}
