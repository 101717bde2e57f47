// Whether an image can run our executable: its dynamic loader, each library
// it needs (and what those need in turn), and the symbol versions it needs
// from each, all read from ELF files inside ROOT. The image's ld.so, ldd or
// ldconfig are never run: they may not even run on this host.
import { readElf, type ElfInfo } from "../image/elf";
import { ImageFs } from "../image/image-fs";

/** The loader's own directories (Debian multiarch first), searched after ld.so.conf's. */
export const DEFAULT_LIB_DIRS = ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];

/** One ELF whose needs are checked: a name for messages and what it needs. */
export interface Needer {
  name: string;
  elf: ElfInfo;
}

/** ld.so.conf's directories and those of the files it includes (one level of glob: DIR/*.conf). */
function confDirs(fs: ImageFs, file: string, depth = 0): string[] {
  const r = fs.read(file, 65536);
  if (!r.ok || depth > 4) return [];
  const dirs: string[] = [];
  for (const raw of r.bytes.toString("utf8").split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "" || line.startsWith("hwcap")) continue;
    const include = /^include\s+(.+)$/.exec(line);
    if (!include) {
      if (line.startsWith("/")) dirs.push(line.replace(/\/+$/, ""));
      continue;
    }
    for (const pattern of include[1]!.split(/\s+/)) {
      const abs = pattern.startsWith("/") ? pattern : `/etc/${pattern}`;
      const slash = abs.lastIndexOf("/");
      const dir = abs.slice(0, slash),
        glob = abs.slice(slash + 1);
      const re = new RegExp(
        `^${glob
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, ".*")
          .replace(/\?/g, ".")}$`,
      );
      for (const name of fs.list(dir) ?? []) if (re.test(name)) dirs.push(...confDirs(fs, `${dir}/${name}`, depth + 1));
    }
  }
  return dirs;
}

/** Where the image's loader looks for a library, in order, without repeats. */
export function libraryDirs(fs: ImageFs): string[] {
  return [...new Set([...confDirs(fs, "/etc/ld.so.conf"), ...DEFAULT_LIB_DIRS])];
}

/** "GLIBC_2.28" → ["GLIBC", [2, 28]]: the family and its numbers, for "it has up to ...". */
function versionKey(v: string): [string, number[]] {
  const m = /^(.*?)_([0-9.]+)$/.exec(v);
  return m ? [m[1]!, m[2]!.split(".").map(Number)] : [v, []];
}

/** Orders versions by family, then by their numbers (GLIBCXX_3.4.9 before 3.4.10). */
function byVersion(a: string, b: string): number {
  const [f, x] = versionKey(a);
  const [g, y] = versionKey(b);
  if (f !== g) return f < g ? -1 : 1;
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? -1) !== (y[i] ?? -1)) return (x[i] ?? -1) - (y[i] ?? -1);
  return 0;
}

function newest(defined: string[], family: string): string | null {
  let best: string | null = null;
  let bestNums: number[] = [];
  for (const v of defined) {
    const [f, nums] = versionKey(v);
    if (f !== family) continue;
    const n = nums.findIndex((x, i) => x !== (bestNums[i] ?? -1));
    if (best === null || (n >= 0 && nums[n]! > (bestNums[n] ?? -1))) {
      best = v;
      bestNums = nums;
    }
  }
  return best;
}

/** Every reason the image cannot run NEEDERS (empty when it can). MACHINE: e_machine a library must have. */
export function missingInImage(root: string, needers: Needer[], machine: number): string[] {
  const fs = new ImageFs(root);
  const dirs = libraryDirs(fs);
  const problems: string[] = [];
  const interps = new Set(needers.map((n) => n.elf.interp).filter((i): i is string => i !== null));
  for (const interp of interps) {
    const st = fs.stat(interp);
    if (st === null || !st.isFile()) problems.push(`the dynamic loader ${interp} is not in ROOT`);
  }
  const found = new Map<string, ElfInfo | null>();
  const queue: Array<{ lib: string; by: string }> = needers.flatMap((n) => n.elf.needed.map((lib) => ({ lib, by: n.name })));
  const checked: Needer[] = [...needers];
  for (let item = queue.shift(); item; item = queue.shift()) {
    if (found.has(item.lib)) continue;
    const { elf, skipped } = findLibrary(fs, dirs, item.lib, machine);
    found.set(item.lib, elf);
    if (!elf) {
      const why = skipped.length > 0 ? `; skipped ${skipped.join(", ")}: not x86-64` : "";
      problems.push(`${item.lib} not found in ROOT (needed by ${item.by}; looked in ${dirs.join(" ")}${why})`);
      continue;
    }
    checked.push({ name: item.lib, elf });
    for (const lib of elf.needed) queue.push({ lib, by: item.lib });
  }
  // One line per library, versions in order and every needer named: an old
  // libc lacks a dozen versions for each of half a dozen needers, and one
  // line each was a screenful nobody reads.
  const lacks = new Map<string, { versions: Set<string>; by: Set<string> }>();
  for (const n of checked) {
    for (const [lib, versions] of n.elf.versionsNeeded) {
      const target = found.get(lib);
      if (!target) continue; // already reported as not found
      for (const v of versions.filter((x) => !target.versionsDefined.includes(x))) {
        const entry = lacks.get(lib) ?? { versions: new Set<string>(), by: new Set<string>() };
        entry.versions.add(v);
        entry.by.add(n.name);
        lacks.set(lib, entry);
      }
    }
  }
  for (const [lib, { versions, by }] of lacks) {
    const list = [...versions].sort(byVersion);
    const families = [...new Set(list.map((v) => versionKey(v)[0]))];
    const has = families.map((f) => newest(found.get(lib)!.versionsDefined, f)).filter((h): h is string => h !== null);
    problems.push(`ROOT's ${lib} lacks ${list.join(", ")} (needed by ${[...by].join(", ")}${has.length > 0 ? `; it has up to ${has.join(", ")}` : ""})`);
  }
  return [...new Set(problems)];
}

/** The first file named LIB in DIRS that is an ELF for MACHINE (others are skipped, as the loader skips them). */
function findLibrary(fs: ImageFs, dirs: string[], lib: string, machine: number): { elf: ElfInfo | null; skipped: string[] } {
  const skipped: string[] = [];
  for (const dir of dirs) {
    const path = `${dir}/${lib}`;
    const host = fs.hostPath(path);
    if (host === null || !fs.stat(path)?.isFile()) continue;
    try {
      const elf = readElf(host);
      if (elf.bits === 64 && elf.machine === machine) return { elf, skipped };
    } catch {
      /* not an ELF: the loader passes over it too */
    }
    skipped.push(path);
  }
  return { elf: null, skipped };
}
