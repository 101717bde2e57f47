// The system packages the project uses, read from .ci/packages (the one
// list: .ci/run installs its `test` lines, the README points to it), so a
// test or benchmark that lacks one names the package and where it is listed.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export type Role = "test" | "bench";

export interface SystemPackage {
  name: string;
  role: Role;
  why: string;
}

export const PACKAGES_FILE = join(__dirname, "../.ci/packages");

/** Every package line of .ci/packages (text given for a test), in order. */
export function systemPackages(text = readFileSync(PACKAGES_FILE, "utf8")): SystemPackage[] {
  const out: SystemPackage[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const m = /^(\S+)\s+(\S+)\s+(\S.*)$/.exec(line);
    if (!m || (m[2] !== "test" && m[2] !== "bench")) throw new Error(`.ci/packages: not NAME test|bench WHY: ${line}`);
    out.push({ name: m[1]!, role: m[2], why: m[3]! });
  }
  return out;
}

/** "apt-get install A B (listed in .ci/packages)", for a message saying what is missing. */
export function installHint(names: string[]): string {
  const known = new Set(systemPackages().map((p) => p.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) throw new Error(`not in .ci/packages: ${unknown.join(", ")}`);
  return `apt-get install ${names.join(" ")} (listed in .ci/packages)`;
}
