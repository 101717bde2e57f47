// s6-envdir's default rules (skalibs envdir, clamped mode): one file per
// variable; dot-files and names containing '=' are skipped; an empty file
// unsets the variable; otherwise the value is the first line of the first
// 4095 bytes, with trailing spaces, tabs and CRs removed and NULs turned into
// newlines. Reading is separate from applying so the latter stays pure.
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
export type EnvDirResult = { ok: true; changes: EnvChange[] } | { ok: false; problem: string; code: string };

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

/** Reads DIR into a list of changes, sorted by name. */
export function readEnvDir(dir: string): EnvDirResult {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    return { ok: false, problem: `unable to read directory ${dir}: ${reason(e)}`, code: codeOf(e) };
  }
  const changes: EnvChange[] = [];
  for (const name of names.sort()) {
    if (envFileSkipped(name)) continue;
    const file = join(dir, name);
    let bytes: Uint8Array;
    try {
      bytes = readHead(file, ENVDIR_MAX_BYTES);
    } catch (e) {
      return { ok: false, problem: `unable to read ${file}: ${reason(e)}`, code: codeOf(e) };
    }
    changes.push({ name, value: envValueFromBytes(bytes) });
  }
  return { ok: true, changes };
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
