// Reading a scan directory: which entries are services. s6-svscan's rule:
// every entry whose name does not start with "." and that is a directory, or
// a symlink to one; two names for the same directory (dev+ino) are one
// service. Pure over a list of entries so it is tested without a filesystem.
// The client commands list the same entries, with the X/log loggers beside
// them (scanServices).
import { reason } from "../cli/log";
import { existsSync, lstatSync, readdirSync, statSync } from "node:fs";
import { isDir } from "../sys/file-kind";
import { codeOf } from "../sys/errors";

/** One service found in the scan dir. */
export interface ScanEntry {
  name: string;
  path: string;
  /** "dev:ino" of the directory the name resolves to */
  key: string;
}

/** What a scan found: services, and entries that could not be used (with why). */
export interface ScanResult {
  services: ScanEntry[];
  problems: string[];
  /** false when the list may miss services that are there: the directory (or
   *  an entry) could not be read for a reason other than its absence. A
   *  caller must then not stop what is missing from `services`. */
  complete: boolean;
  /** the errno code when the directory itself could not be read */
  error?: string;
}

/** Errors that say nothing about the entry, only that the system is short of
 *  something now (fds, memory): the entry may well be a service. */
const TRANSIENT = new Set(["EMFILE", "ENFILE", "ENOMEM"]);

/** Lists the services in scanDir now. Never throws for a bad entry; a
 *  missing or unreadable scan dir is reported as a problem. */
export function readScanDir(scanDir: string): ScanResult {
  const services: ScanEntry[] = [];
  const problems: string[] = [];
  let names: string[];
  try {
    names = readdirSync(scanDir).sort();
  } catch (e) {
    const code = codeOf(e);
    return { services, problems: [`unable to read ${scanDir}: ${reason(e)}`], complete: false, error: code };
  }
  let complete = true;
  const seen = new Set<string>();
  for (const name of names) {
    if (name.startsWith(".")) continue;
    const path = `${scanDir}/${name}`;
    let st;
    try {
      st = statSync(path);
    } catch (e) {
      const code = codeOf(e);
      problems.push(`unable to stat ${path}: ${reason(e)}`);
      if (TRANSIENT.has(code)) complete = false;
      continue;
    }
    if (!st.isDirectory()) continue;
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) continue;
    seen.add(key);
    services.push({ name, path, key });
  }
  return { services, problems, complete };
}

/** The difference between what runs and what the scan found. */
export function diffScan(running: Iterable<string>, found: ScanEntry[]): { added: ScanEntry[]; removed: string[] } {
  const now = new Set(found.map((e) => e.key));
  const before = new Set(running);
  return {
    added: found.filter((e) => !before.has(e.key)),
    removed: [...before].filter((k) => !now.has(k)),
  };
}

/** The services of a scan dir as the client commands list them (status, log,
 *  analyze), sorted: every non-dot entry that is (or links to) a directory,
 *  each followed by its X/log when that is a directory with a run. Throws when
 *  the scan dir cannot be read. */
export function scanServices(scandir: string): Array<{ name: string; path: string }> {
  const out: Array<{ name: string; path: string }> = [];
  for (const name of readdirSync(scandir).sort()) {
    const path = `${scandir}/${name}`;
    if (name.startsWith(".") || !isDir(path)) continue;
    out.push({ name, path });
    // A log/ without run is PID 1's built-in logger: no supervised process to show.
    if (isDir(`${path}/log`) && lstatSync(`${path}/log/run`, { throwIfNoEntry: false })) out.push({ name: `${name}/log`, path: `${path}/log` });
  }
  return out;
}

/** True when DIR looks like a scan dir we could supervise. */
export function scanDirExists(dir: string): boolean {
  return existsSync(dir) && isDir(dir);
}
