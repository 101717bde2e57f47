// The root of a dock0 image is read-only, yet s6's layout keeps supervise/
// and event/ inside each service dir. So, as s6-linux-init copies its scan
// dir to /run, stage 1 builds a live scan dir on the /run tmpfs: one real
// directory per service holding a symlink to each file of the image's
// service dir (run, finish, notification-fd, data, ...), and real supervise/
// and event/ beside them. Tools are pointed at the live dir
// (/run/tsinit/service/NAME); run scripts see their own files through the
// links, and the image stays untouched.
import { mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, lstatSync } from "node:fs";
import { reason } from "../cli/log";
import { readScanDir } from "../supervise/scandir";
import { isDir } from "../sys/file-kind";

/** Entries that belong to the supervisor, never mirrored from the image. */
const STATE_NAMES = new Set(["supervise", "event", ".s6-svscan"]);

/** Mirrors one service dir (and its log/) into live; returns problems. */
function mirrorService(src: string, live: string, problems: string[]): void {
  mkdirSync(live, { recursive: true, mode: 0o755 });
  let names: string[];
  try {
    names = readdirSync(src);
  } catch (e) {
    problems.push(`unable to read ${src}: ${reason(e)}`);
    return;
  }
  for (const name of names) {
    if (STATE_NAMES.has(name)) continue;
    const from = `${src}/${name}`;
    const to = `${live}/${name}`;
    if (name === "log" && isDir(from)) {
      mirrorService(from, to, problems);
      continue;
    }
    try {
      const st = lstatSync(to, { throwIfNoEntry: false });
      if (st?.isSymbolicLink() && readlinkSync(to) === from) continue;
      if (st) rmSync(to, { recursive: true, force: true });
      symlinkSync(from, to);
    } catch (e) {
      problems.push(`unable to link ${to} to ${from}: ${reason(e)}`);
    }
  }
}

/** Makes liveScan mirror srcScan: new services added, vanished ones removed
 *  (the scanner watching liveScan then starts or stops them). Idempotent. */
export function syncMirror(srcScan: string, liveScan: string): string[] {
  const problems: string[] = [];
  mkdirSync(liveScan, { recursive: true, mode: 0o755 });
  const found = readScanDir(srcScan);
  problems.push(...found.problems);
  const wanted = new Set(found.services.map((s) => s.name));
  for (const s of found.services) mirrorService(s.path, `${liveScan}/${s.name}`, problems);
  // A source that could not be read (EMFILE, ...) says nothing about what was
  // removed from it: removing the mirrors would stop every service.
  if (!found.complete) return problems;
  let mirrored: string[];
  try {
    mirrored = readdirSync(liveScan);
  } catch (e) {
    problems.push(`unable to read ${liveScan}: ${reason(e)}`);
    return problems;
  }
  for (const name of mirrored) {
    if (name.startsWith(".") || wanted.has(name)) continue;
    try {
      rmSync(`${liveScan}/${name}`, { recursive: true, force: true });
    } catch (e) {
      problems.push(`unable to remove ${liveScan}/${name}: ${reason(e)}`);
    }
  }
  return problems;
}
