// `tsinit check [--root ROOT] [--json] [DIR...]`: lints service, task and env
// trees before they boot, with the parsers the supervisor uses, so that what
// check accepts is what boot accepts. It reads files only, inside ROOT.
import { resolve } from "node:path";
import { statSync } from "node:fs";
import { EXIT_FAILED, EXIT_OK, EXIT_SYSTEM } from "../cli/exit-codes";
import { logLine } from "../cli/log";
import { parseCommandLine, showHelp, UsageError } from "../cli/command-line";
import { checkImage, UnreadableDir, type DirReport } from "./check-image";
import { formatFinding } from "./findings";
import { codeOf, errnoError, plainReason } from "../sys/errors";
import { imagePath } from "../image/root-path";

export const USAGE = `usage: tsinit check [--root ROOT] [--json] [DIR...]

Checks an /etc/s6 tree before it boots: its service/ (the scan dir), task/
and env/; a DIR without those is checked as a scan dir, or as one service
dir when it holds run. Default DIR: /etc/s6. With --root, DIRs are paths in
the image at ROOT, and every symlink is followed inside ROOT, as at boot.
Nothing is executed. One line per problem, "FILE: error|warning: WHAT: FIX";
errors are what boot would refuse or replace by a default.
  --root ROOT  the image's root directory (default /)
  --json       {"root", "errors", "warnings", "findings": [{"dir", "file",
               "severity", "message", "fix"}]} instead of lines
  -h, --help   this text

examples: tsinit check                     # /etc/s6 of this machine
          tsinit check --root /mnt/image    # the tree an image will boot with

exit codes: 0 no error (warnings allowed); 1 some error; 100 usage;
111 ROOT or a DIR cannot be read`;

const OPTIONS = {
  root: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The image path of DIR: absolute DIRs are the image's, relative ones are from here and must be in ROOT. */
function imageDir(root: string, dir: string): string {
  if (dir.startsWith("/")) return dir;
  const inside = imagePath(root, resolve(dir));
  if (inside === null) throw new UsageError(`${dir} is not inside ${root}`, USAGE);
  return inside;
}

/** Prints the reports as lines or JSON; returns 1 when any error was found. */
export function printReports(root: string, reports: DirReport[], json: boolean): number {
  const all = reports.flatMap((r) => r.findings.map((f) => ({ dir: r.dir, ...f })));
  const errors = all.filter((f) => f.severity === "error").length;
  const warnings = all.length - errors;
  if (json) {
    process.stdout.write(JSON.stringify({ root, errors, warnings, findings: all }, null, 2) + "\n");
  } else {
    for (const r of reports) {
      for (const f of r.findings) process.stdout.write(`${formatFinding(f)}\n`);
      const e = r.findings.filter((f) => f.severity === "error").length;
      const w = r.findings.length - e;
      const where = root === "/" ? r.dir : `${r.dir} in ${root}`;
      process.stdout.write(
        r.findings.length === 0 ? `${where}: no problems\n` : `${where}: ${e} error${e === 1 ? "" : "s"}, ${w} warning${w === 1 ? "" : "s"}\n`,
      );
    }
  }
  return errors > 0 ? EXIT_FAILED : EXIT_OK;
}

/** Runs `tsinit check ARGS`. */
export function main(args: string[]): number {
  const { values, positionals } = parseCommandLine(USAGE, args, OPTIONS);
  if (values.help) return showHelp(USAGE);
  const root = resolve(values.root ?? "/");
  const dirs = (positionals.length > 0 ? positionals : ["/etc/s6"]).map((d) => imageDir(root, d));
  try {
    if (!statSync(root).isDirectory()) throw errnoError("ENOTDIR", "stat", root);
  } catch (e) {
    logLine(`unable to open ${root}: ${plainReason(codeOf(e))}`);
    return EXIT_SYSTEM;
  }
  let reports: DirReport[];
  try {
    reports = checkImage(root, dirs);
  } catch (e) {
    if (!(e instanceof UnreadableDir)) throw e;
    logLine(`unable to read ${root === "/" ? e.dir : `${e.dir} in ${root}`}: ${plainReason(e.code)}`);
    return EXIT_SYSTEM;
  }
  return printReports(root, reports, values.json === true);
}
