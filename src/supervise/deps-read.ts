// Reads what a service or task directory depends on: `dependencies` (one name
// per line, # comments and blank lines skipped) or `dependencies.d/` (one
// empty file per name, as s6-rc spells it). Both may exist; names are merged.
import { readdirSync } from "node:fs";
import { reason } from "../cli/log";
import { readHead } from "../sys/read-head";
import { codeOf } from "../sys/errors";

/** How much of a dependencies file is read. */
export const DEPENDENCIES_MAX = 65536;

/** The names a dependencies file's text lists: one per line, # comments and blank lines skipped. */
export function dependencyNames(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split("\n")) {
    const name = line.replace(/#.*$/, "").trim();
    if (name) names.push(name);
  }
  return names;
}

/** The names and the path they came from (for messages); problems as strings. */
export function readDependencies(dir: string): { deps: string[]; source: string; problems: string[] } {
  const deps = new Set<string>();
  const problems: string[] = [];
  let source = `${dir}/dependencies`;
  try {
    for (const name of dependencyNames(readHead(`${dir}/dependencies`, DEPENDENCIES_MAX).toString("utf8"))) deps.add(name);
  } catch (e) {
    if (codeOf(e) !== "ENOENT") problems.push(`unable to read ${dir}/dependencies: ${reason(e)}`);
  }
  try {
    const names = readdirSync(`${dir}/dependencies.d`).filter((n) => !n.startsWith("."));
    if (names.length > 0 && deps.size === 0) source = `${dir}/dependencies.d`;
    for (const n of names) deps.add(n);
  } catch (e) {
    if (codeOf(e) !== "ENOENT" && codeOf(e) !== "ENOTDIR") {
      problems.push(`unable to read ${dir}/dependencies.d: ${reason(e)}`);
    }
  }
  return { deps: [...deps], source, problems };
}
