// s6-envdir's default rules (skalibs envdir, clamped mode): one file per
// variable; dot-files and names containing '=' are skipped; an empty file
// unsets the variable; otherwise the value is the first line of the first
// 4095 bytes, with trailing spaces, tabs and CRs removed and NULs turned into
// newlines. Names are bytes: one that cannot be a variable ("=", not UTF-8)
// is skipped and named, and the rest still load. Reading is separate from
// applying so the latter stays pure.
import { isUtf8 } from "node:buffer";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { codeOf, reason } from "../sys/errors";
import { readHead } from "../sys/read-head";

/** One variable to set (value) or unset (null). */
export interface EnvChange {
  name: string;
  value: string | null;
}

/** The changes, or why the directory could not be read (s6-envdir then fails as a whole). */
/** skipped: "DIR/NAME: why" for each file name that cannot be a variable (escaped). */
export type EnvDirResult = { ok: true; changes: EnvChange[]; skipped: string[] } | { ok: false; problem: string; code: string };

/** The PATH the kernel does not give init: set before the env dir is read,
 *  and written into a new image's env/PATH by `tsinit install`. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** skalibs reads at most this many bytes per file without -L. */
export const ENVDIR_MAX_BYTES = 4095;

/** The value a file's bytes give, or null for an empty file. */
export function envValueFromBytes(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return null;
  let end = bytes.subarray(0, ENVDIR_MAX_BYTES).indexOf(0x0a);
  if (end < 0) end = Math.min(bytes.length, ENVDIR_MAX_BYTES);
  while (end > 0 && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0x09 || bytes[end - 1] === 0x0d)) end--;
  const line = Uint8Array.from(bytes.subarray(0, end), (b) => (b === 0 ? 0x0a : b));
  return Buffer.from(line).toString("utf8");
}

/** Files s6-envdir passes over: dot-files, and names with "=" (no variable can have one). */
export const envFileSkipped = (name: string): boolean => name.startsWith(".") || name.includes("=");

/** A file name's bytes for a log line: printable ASCII as is, the rest as \xHH. */
export function escapedName(name: Uint8Array): string {
  let out = "";
  for (const b of name) out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  return out;
}

/** Why a file name cannot be a variable (a warning names it), "" when it can,
 *  null for a dot-file (s6-envdir passes over those without a word). A name
 *  is bytes: one that is not UTF-8 would reach the environment as U+FFFD. */
export function envNameProblem(name: Buffer): string | null {
  if (name[0] === 0x2e) return null;
  if (!isUtf8(name)) return "not UTF-8";
  if (name.includes(0x3d)) return 'holds "="';
  return "";
}

/** Reads DIR into a list of changes, sorted by name; a name that cannot be a
 *  variable is skipped and said in skipped, the others still load. */
export function readEnvDir(dir: string): EnvDirResult {
  let names: Buffer[];
  try {
    names = readdirSync(dir, { encoding: "buffer" });
  } catch (e) {
    return { ok: false, problem: `unable to read directory ${dir}: ${reason(e)}`, code: codeOf(e) };
  }
  const changes: EnvChange[] = [];
  const skipped: string[] = [];
  for (const raw of names.sort(Buffer.compare)) {
    const problem = envNameProblem(raw);
    if (problem === null) continue;
    if (problem) {
      skipped.push(`${dir}/${escapedName(raw)}: ${problem}`);
      continue;
    }
    const name = raw.toString("utf8");
    let bytes: Uint8Array;
    try {
      // By its bytes, as listed: the name is opened as it is, never as decoded.
      bytes = readHead(Buffer.concat([Buffer.from(`${dir}/`), raw]), ENVDIR_MAX_BYTES);
    } catch (e) {
      return { ok: false, problem: `unable to read ${join(dir, name)}: ${reason(e)}`, code: codeOf(e) };
    }
    changes.push({ name, value: envValueFromBytes(bytes) });
  }
  return { ok: true, changes, skipped };
}

/** A new environment: ENV with CHANGES applied (ENV is not modified). */
export function applyEnvChanges(env: Readonly<Record<string, string>>, changes: readonly EnvChange[]): Record<string, string> {
  const out: Record<string, string> = { ...env };
  for (const { name, value } of changes) {
    if (value === null) delete out[name];
    // defineProperty: a plain assignment to a variable named __proto__ would set the prototype and drop the variable.
    else Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
