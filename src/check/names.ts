// Names that the scan accepts but that something else cannot use: s6's
// tools take a leading "-" for an option, s6-svscan skips names over 251
// bytes, a dependencies file cannot name what has a "#", a control character
// or blanks at its ends, and a shell cannot read an environment variable
// whose name is not an identifier.
import type { Findings } from "./findings";

/** s6-svscan's default name_max (-L): a longer name is not supervised there. */
const S6_NAME_MAX = 251;

/** Reports what is wrong with service or task NAME (FILE is where it is). */
export function checkServiceName(name: string, file: string, out: Findings): void {
  // control characters, on purpose: a name must hold none
  if (/[\x00-\x1f\x7f]/.test(name)) {
    out.error(
      file,
      `the name ${JSON.stringify(name)} has a control character: s6 tools print it garbled and a dependencies file cannot name it`,
      "rename it to letters, digits, - _ . @",
    );
  } else if (name.startsWith("-")) {
    out.warning(
      file,
      `the name ${JSON.stringify(name)} starts with "-": s6-svc and the other tools take it for an option`,
      "rename it so that it starts with a letter or digit",
    );
  } else if (Buffer.byteLength(name) > S6_NAME_MAX) {
    out.warning(file, `the name is ${Buffer.byteLength(name)} bytes long: s6-svscan skips names longer than ${S6_NAME_MAX} bytes`, "give it a shorter name");
  } else if (name.includes("#") || name !== name.trim()) {
    out.warning(
      file,
      `the name ${JSON.stringify(name)} cannot be written in a dependencies file (# starts a comment, blanks at the ends are dropped)`,
      "rename it to letters, digits, - _ . @",
    );
  }
}

/** A name a shell can read as $NAME. */
export const isShellName = (name: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
