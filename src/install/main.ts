// `tsinit install [--keep-old] ROOT`: makes ROOT (an image's root directory)
// boot with this executable. First it checks, from the ELF files alone, that
// ROOT has the loader, libraries and symbol versions that this executable
// and its addon need, and refuses (changing nothing) when it does not: an
// init that cannot start is a kernel panic. Then /sbin/init, the power
// links, an /etc/s6 skeleton, and `tsinit check` on ROOT's /etc/s6.
import { resolve } from "node:path";
import { statSync } from "node:fs";
import { EXIT_SYSTEM } from "../cli/exit-codes";
import { logLine } from "../cli/log";
import { parseCommandLine, showHelp, UsageError } from "../cli/command-line";
import { checkImage, UnreadableDir } from "../check/check-image";
import { codeOf, errnoError, plainReason } from "../sys/errors";
import { printReports } from "../check/main";
import { readElf, readElfBytes } from "../image/elf";
import { missingInImage, type Needer } from "./needs";
import { ensureDir, placeInit, placeLinks, placeSkeleton, type Changes } from "./place";

export const USAGE = `usage: tsinit install [--keep-old] ROOT

Installs this executable into the image whose root directory is ROOT:
ROOT/sbin/init (written beside it, synced, renamed over the old one), the
links poweroff, reboot and halt to it, and ROOT/etc/s6/service, task and env
when absent (a new env/ gets PATH). Nothing that is there is overwritten but
sbin/init and those links. First it checks, by reading ELF files and never
running ROOT's programs, that ROOT has the dynamic loader, the libraries and
the glibc and libstdc++ versions the executable needs; when something is
missing it says what and changes nothing. Last it runs tsinit check on
ROOT's /etc/s6. Run again, it changes nothing and says so.
  --keep-old   keep a previous, different sbin/init as sbin/init.old
  -h, --help   this text

examples: tsinit install /mnt/image
          tsinit install --keep-old /            # this machine; the old init stays as /sbin/init.old

exit codes: 0 installed, tree clean; 1 installed, but check found errors in
ROOT/etc/s6; 100 usage; 111 ROOT lacks something the executable needs
(nothing was changed), or a file could not be read or written`;

const OPTIONS = {
  "keep-old": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** True when we run as the packed executable (a Node SEA), whose file is what gets installed. */
function packed(): boolean {
  try {
    // required when called, not imported: only this path needs it, at no start-up cost
    return (require("node:sea") as { isSea(): boolean }).isSea();
  } catch {
    return false; // a Node without node:sea is not our executable either
  }
}

/** The addon's ELF bytes from the executable: a blob asset, or bytes in the
 *  bundle (builds before the asset); null when neither holds them. */
function addonBytes(): Uint8Array | null {
  try {
    // required when called, not imported: only this path needs it, at no start-up cost
    return new Uint8Array((require("node:sea") as { getRawAsset(name: string): ArrayBuffer }).getRawAsset("tsinit.node"));
  } catch {
    /* no such asset in this build */
  }
  try {
    // required when called, not imported: only this path needs it, at no start-up cost
    const mod: unknown = require("../../build/Release/tsinit.node");
    return mod instanceof Uint8Array ? mod : null;
  } catch {
    return null;
  }
}

/** Runs `tsinit install ARGS`. */
export function main(args: string[]): number {
  const { values, positionals } = parseCommandLine(USAGE, args, OPTIONS);
  if (values.help) return showHelp(USAGE);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "missing ROOT" : `one ROOT only, not ${positionals.length}`, USAGE);
  const root = resolve(positionals[0]!);
  const target = `${root === "/" ? "" : root}/sbin/init`;
  if (!packed()) {
    logLine(`unable to install ${target}: this is not the packed tsinit executable but ${process.execPath} running a script (run dist/tsinit install)`);
    return EXIT_SYSTEM;
  }
  try {
    if (!statSync(root).isDirectory()) throw errnoError("ENOTDIR", "stat", root);
  } catch (e) {
    logLine(`unable to open ${root}: ${plainReason(codeOf(e))}`);
    return EXIT_SYSTEM;
  }

  const me = readElf(process.execPath);
  const needers: Needer[] = [{ name: "tsinit", elf: me }];
  const addon = addonBytes();
  if (addon) needers.push({ name: "tsinit's addon", elf: readElfBytes(addon) });
  const missing = missingInImage(root, needers, me.machine);
  if (missing.length > 0) {
    for (const m of missing) logLine(`unable to install ${target}: ${m}`);
    logLine(`nothing was changed in ${root}: add what is missing to the image, then run tsinit install again`);
    return EXIT_SYSTEM;
  }

  const changes: Changes = [];
  let step = `${root}/sbin`;
  try {
    const sbin = ensureDir(root, "/sbin", changes);
    step = `${sbin}/init`;
    placeInit(sbin, process.execPath, values["keep-old"] === true, changes);
    step = `the power links in ${sbin}`;
    placeLinks(sbin, changes);
    step = `${root}/etc/s6`;
    placeSkeleton(root, changes);
  } catch (e) {
    for (const c of changes) if (c.changed) process.stdout.write(`${c.line}\n`);
    logLine(`unable to install ${step}: ${plainReason(codeOf(e))}`);
    return EXIT_SYSTEM;
  }
  for (const c of changes) process.stdout.write(`${c.line}\n`);
  if (!changes.some((c) => c.changed)) process.stdout.write(`${root}: nothing to change, this tsinit is installed\n`);
  try {
    return printReports(root, checkImage(root, ["/etc/s6"]), false);
  } catch (e) {
    if (!(e instanceof UnreadableDir)) throw e;
    logLine(`unable to check ${e.dir} in ${root}: ${plainReason(e.code)}`);
    return EXIT_SYSTEM;
  }
}
