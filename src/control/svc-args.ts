// s6-svc's command line (s6 2.11.3.2) → the letters it writes to
// supervise/control, and its wait request kept apart. Options follow
// skalibs' subgetopt: clustered flags ("-du"), "-T 5000" or "-T5000",
// "-wU" or "-w U", "--" ends the options. Letters are written verbatim and
// in order (-o stays "o"; the supervisor gives it its meaning).
import { SUPERVISE_LETTERS, type SuperviseLetter } from "../s6/letters";

/** What s6-svc -w waits for: d down, D down+finished, u up, U up+ready, r restarted, R restarted+ready. */
export type SvcWait = "d" | "D" | "u" | "U" | "r" | "R";

/** A parsed s6-svc command line. */
export interface SvcRequest {
  /** the letters for one write() to supervise/control, possibly "" */
  letters: string;
  /** the -w condition, or null when s6-svc does not wait */
  wait: SvcWait | null;
  /** -T in milliseconds; 0 = wait forever */
  timeoutMs: number;
  servicedir: string;
  /** arguments after the servicedir: s6-svc warns "ignoring extra arguments" */
  extra: string[];
}

/** Success, or a usage problem for exit code 100. */
export type SvcParse = { ok: true; request: SvcRequest } | { ok: false; problem: string };

/** The usage line, as s6-svc prints it. */
export const SVC_USAGE = "s6-svc [ -wu | -wU | -wd | -wD | -wr | -wR ] [ -T timeout ] [ -abqhkti12pcyroduDUxOQ ] servicedir";

/** s6-svc keeps its letters in a 63-byte buffer with a leading '-'. */
export const SVC_MAX_LETTERS = 62;

const usage = (why: string): SvcParse => ({ ok: false, problem: `${why}\nusage: ${SVC_USAGE}` });

/** Parses s6-svc's arguments (without the program name). Note for the caller:
 *  s6-svc turns -wU into -wu and -wR into -wr (with a warning) when the
 *  service dir has no notification-fd file; that check needs the filesystem. */
export function parseSvcArgs(args: readonly string[]): SvcParse {
  let letters = "";
  let wait: SvcWait | null = null;
  let timeoutMs = 0;
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    for (let j = 1; j < arg.length; j++) {
      const opt = arg[j]!;
      if (opt === "T" || opt === "w") {
        // The option's argument is the rest of this word, or the next word.
        let value = arg.slice(j + 1);
        if (value === "") {
          if (i + 1 >= args.length) return usage(`option -${opt} needs a value`);
          value = args[++i]!;
        }
        if (opt === "T") {
          if (!/^[0-9]+$/.test(value)) return usage(`invalid timeout: ${value}`);
          timeoutMs = Number(value);
        } else {
          // Like s6-svc, only the first character of the argument counts.
          const w = value[0]!;
          if (!"dDuUrR".includes(w)) return usage(`invalid wait state: ${value}`);
          wait = w as SvcWait;
        }
        break;
      }
      if (!SUPERVISE_LETTERS.includes(opt)) return usage(`unknown option -${opt}`);
      if (letters.length >= SVC_MAX_LETTERS) return { ok: false, problem: "too many commands" };
      letters += opt as SuperviseLetter;
    }
  }
  const servicedir = args[i];
  if (servicedir === undefined) return usage("missing SERVICEDIR");
  if (servicedir === "") return { ok: false, problem: "invalid service path" };
  return { ok: true, request: { letters, wait, timeoutMs, servicedir, extra: args.slice(i + 1) } };
}
