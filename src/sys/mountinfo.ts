// /proc/self/mountinfo, parsed once for everyone who reads it (stage 3's
// unmounts, the cgroup2 lookups of stage 1, cgroups and status). Pure: the
// caller reads the file.

/** One mount, in mountinfo's order (parents before their children). */
export interface MountInfo {
  /** the ROOT field: the part of the filesystem seen here ("/" unless a bind mount or namespace shows a subtree) */
  root: string;
  /** the mount point */
  target: string;
  fstype: string;
  /** the superblock's options, as the kernel lists them (rw or ro first) */
  superOptions: string[];
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
const unescapeOctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Every well-formed line of mountinfo TEXT; anything else is skipped. */
export function parseMountinfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split("\n")) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
    const [left, right] = line.split(" - ");
    if (right === undefined) continue;
    const f = left!.split(" ");
    if (f.length < 5) continue;
    const [fstype, , superOptions] = right.split(" ");
    out.push({ root: unescapeOctal(f[3]!), target: unescapeOctal(f[4]!), fstype: fstype!, superOptions: (superOptions ?? "").split(",").filter(Boolean) });
  }
  return out;
}
