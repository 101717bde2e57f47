// What `tsinit check` found: one entry per problem, with the file it is in
// (relative to the checked directory), what is wrong and how to fix it.
// Errors are what boot would refuse or silently replace by a default;
// warnings are what works but is likely not what was meant.

/** One problem in one file. */
export interface Finding {
  severity: "error" | "warning";
  /** the file, relative to the checked directory ("service/web/notification-fd") */
  file: string;
  /** what is wrong */
  message: string;
  /** what to do about it */
  fix: string;
}

/** The findings of one run, in the order found. */
export class Findings {
  readonly list: Finding[] = [];

  error(file: string, message: string, fix: string): void {
    this.list.push({ severity: "error", file, message, fix });
  }

  warning(file: string, message: string, fix: string): void {
    this.list.push({ severity: "warning", file, message, fix });
  }

  count(severity: Finding["severity"]): number {
    return this.list.filter((f) => f.severity === severity).length;
  }
}

/** The line a finding prints as: `FILE: error: MESSAGE: FIX`. */
export const formatFinding = (f: Finding): string => `${f.file}: ${f.severity}: ${f.message}: ${f.fix}`;
