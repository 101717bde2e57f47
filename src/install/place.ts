// Putting files into an image: the executable at /sbin/init, written to a
// fresh name beside it (O_EXCL|O_NOFOLLOW, so no one's file or link is
// written through), synced, and renamed over the old one, so the image has
// the old init or the new one and never half of one; the power links; and
// an /etc/s6 skeleton. What is there and already right is left alone, so a
// second run changes nothing; what a user made (a service, env/PATH) is
// never overwritten.
import * as fs from "node:fs";
import { randomBytes } from "node:crypto";
import { resolveIn } from "../image/root-path";
import { DEFAULT_PATH } from "../resources/envdir";
import { errnoError } from "../sys/errors";

/** One line per thing done (or found already done). */
export type Changes = Array<{ changed: boolean; line: string }>;

const CHUNK = 1 << 20;

/** The host path of image directory DIR, created (0755, each missing component) when absent. */
export function ensureDir(root: string, dir: string, changes?: Changes): string {
  for (let tries = 0; tries < 64; tries++) {
    const r = resolveIn(root, dir);
    if (r.ok) {
      if (!r.stat.isDirectory()) throw errnoError("ENOTDIR", "mkdir", r.host, `${r.host} is not a directory`);
      return r.host;
    }
    if (r.code !== "ENOENT") throw errnoError(r.code, "lstat", r.host, `${r.code}: ${r.host}`);
    fs.mkdirSync(r.host, 0o755);
    changes?.push({ changed: true, line: `${r.host}: created` });
  }
  throw errnoError("ELOOP", "mkdir", dir, `too many levels creating ${dir}`);
}

const tempName = (dir: string, name: string) => `${dir}/.${name}.${randomBytes(6).toString("hex")}`;

function sameContent(a: string, b: string): boolean {
  const sa = fs.lstatSync(a),
    sb = fs.statSync(b);
  if (!sa.isFile() || sa.size !== sb.size) return false;
  const fa = fs.openSync(a, "r"),
    fb = fs.openSync(b, "r");
  try {
    const ba = Buffer.alloc(CHUNK),
      bb = Buffer.alloc(CHUNK);
    for (let pos = 0; pos < sa.size; pos += CHUNK) {
      const n = fs.readSync(fa, ba, 0, CHUNK, pos);
      if (fs.readSync(fb, bb, 0, CHUNK, pos) !== n || !ba.subarray(0, n).equals(bb.subarray(0, n))) return false;
    }
    return true;
  } finally {
    fs.closeSync(fa);
    fs.closeSync(fb);
  }
}

function copyToNew(source: string, dest: string): void {
  const out = fs.openSync(dest, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o755);
  try {
    const input = fs.openSync(source, "r");
    try {
      const buf = Buffer.alloc(CHUNK);
      for (;;) {
        const n = fs.readSync(input, buf, 0, CHUNK, null);
        if (n <= 0) break;
        for (let off = 0; off < n; ) off += fs.writeSync(out, buf, off, n - off);
      }
    } finally {
      fs.closeSync(input);
    }
    fs.fchmodSync(out, 0o755); // whatever the umask
    fs.fsyncSync(out);
  } finally {
    fs.closeSync(out);
  }
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const exists = (path: string): boolean => {
  try {
    fs.lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

/** Installs SOURCE as SBIN/init (SBIN a host directory); KEEPOLD keeps a different previous init as init.old. */
export function placeInit(sbin: string, source: string, keepOld: boolean, changes: Changes): void {
  const target = `${sbin}/init`;
  const had = exists(target);
  if (had && sameContent(target, source)) {
    changes.push({ changed: false, line: `${target}: unchanged (already this executable)` });
    return;
  }
  const temp = tempName(sbin, "init");
  try {
    copyToNew(source, temp);
    if (had && keepOld) {
      // A second link, renamed into place: init.old appears whole, and init is never missing.
      const oldTemp = tempName(sbin, "init.old");
      fs.linkSync(target, oldTemp);
      fs.renameSync(oldTemp, `${sbin}/init.old`);
      changes.push({ changed: true, line: `${sbin}/init.old: the previous init, kept` });
    }
    fs.renameSync(temp, target);
  } catch (e) {
    try {
      fs.unlinkSync(temp);
    } catch {
      /* never made, or renamed */
    }
    throw e;
  }
  syncDir(sbin);
  changes.push({ changed: true, line: `${target}: ${had ? "replaced" : "installed"} (${fs.statSync(target).size} bytes)` });
}

/** SBIN/poweroff, reboot and halt as symlinks to init (the multi-call binary
 *  reads its name), and SBIN/tsinit: the command the README's `tsinit status`,
 *  `tsinit log`, `tsinit svc` are typed as inside the image. */
export function placeLinks(sbin: string, changes: Changes): void {
  let changed = false;
  for (const name of ["poweroff", "reboot", "halt", "tsinit"]) {
    const path = `${sbin}/${name}`;
    let before: string | null = null;
    try {
      const st = fs.lstatSync(path);
      before = st.isSymbolicLink() ? `a symlink to ${fs.readlinkSync(path)}` : "a file";
      if (st.isSymbolicLink() && fs.readlinkSync(path) === "init") {
        changes.push({ changed: false, line: `${path}: unchanged (a symlink to init)` });
        continue;
      }
    } catch {
      /* absent */
    }
    const temp = tempName(sbin, name);
    fs.symlinkSync("init", temp);
    try {
      fs.renameSync(temp, path);
    } catch (e) {
      try {
        fs.unlinkSync(temp);
      } catch {
        /* gone */
      }
      throw e;
    }
    changes.push({ changed: true, line: `${path}: ${before ? `replaced (was ${before})` : "created"}, a symlink to init` });
    changed = true;
  }
  if (changed) syncDir(sbin);
}

/** /etc/s6/{service,task,env} in the image when absent; a new env/ gets PATH. Nothing there is touched. */
export function placeSkeleton(root: string, changes: Changes): string {
  const s6 = ensureDir(root, "/etc/s6", changes);
  for (const sub of ["service", "task", "env"]) {
    if (resolveIn(root, `/etc/s6/${sub}`).ok) {
      changes.push({ changed: false, line: `${s6}/${sub}: unchanged (already there)` });
      continue;
    }
    const dir = ensureDir(root, `/etc/s6/${sub}`, changes);
    if (sub !== "env") continue;
    const fd = fs.openSync(`${dir}/PATH`, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
    try {
      fs.writeSync(fd, `${DEFAULT_PATH}\n`);
    } finally {
      fs.closeSync(fd);
    }
    changes.push({ changed: true, line: `${dir}/PATH: created (${DEFAULT_PATH})` });
  }
  return s6;
}
