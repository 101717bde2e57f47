// tsinit's files beside s6's in a service or task directory: user, rlimits/,
// nice, umask, env/, and the cgroup limits memory.max, cpu.max, pids.max,
// checked by the parsers the supervisor applies them with (resources/service-resources.ts,
// service-user.ts, envdir.ts, cgroup/parse.ts). A value that service-resources.ts
// rejects keeps the service down at boot: an error here.
import { LIMIT_NAMES, parseLimit, parseNice, parseUmask, type ResourceHost } from "../resources/service-resources";
import { resolveUser } from "../resources/service-user";
import { checkLimit, LIMIT_FILES } from "../cgroup/parse";
import { envFileSkipped } from "../resources/envdir";
import { firstLineOf } from "../supervise/config";
import { afterFile, optionalLine, type CheckContext } from "./context";
import { isShellName } from "./names";

const LIMIT_FIX: Record<(typeof LIMIT_FILES)[number], string> = {
  "memory.max": "write bytes such as 64M, or max",
  "cpu.max": "write QUOTA PERIOD in µs such as 50000 100000 (half a CPU), or max",
  "pids.max": "write a number of processes such as 100, or max",
};

// Only whether a value parses matters here, not the limits of this host.
const NO_HOST: ResourceHost = { etc: "/etc", getrlimit: () => [Infinity, Infinity] };

/** Checks user, rlimits/, nice, umask, env/ and the cgroup limit files of DIR. */
export function checkResourceFiles(ctx: CheckContext, dir: string): void {
  const user = optionalLine(ctx, `${dir}/user`);
  if (user !== null) checkUser(ctx, `${dir}/user`, user);
  const limits = ctx.fs.stat(`${dir}/rlimits`);
  if (limits !== null) checkLimits(ctx, `${dir}/rlimits`);
  for (const [name, parse, fix] of [
    ["nice", parseNice, "write a number from -20 to 19"],
    ["umask", parseUmask, "write an octal mask such as 022"],
  ] as const) {
    const line = optionalLine(ctx, `${dir}/${name}`);
    if (line === null) continue;
    const file = ctx.show(`${dir}/${name}`);
    const r = parse(line, file);
    if (!r.ok) ctx.out.error(file, afterFile(r.problem, file), fix);
  }
  if (ctx.fs.stat(`${dir}/env`) !== null) checkEnvDir(ctx, `${dir}/env`);
  for (const name of LIMIT_FILES) {
    const r = ctx.fs.read(`${dir}/${name}`);
    if (!r.ok) {
      if (r.code !== "ENOENT") ctx.out.error(ctx.show(`${dir}/${name}`), `unable to read it: ${r.code}`, "make it a readable file, or remove it");
      continue;
    }
    const checked = checkLimit(name, r.bytes.toString("utf8"));
    if (!checked.ok) ctx.out.error(ctx.show(`${dir}/${name}`), `${afterFile(checked.problem, name)} (boot uses max)`, LIMIT_FIX[name]);
  }
}

function checkUser(ctx: CheckContext, path: string, value: string): void {
  const file = ctx.show(path);
  if (ctx.etc === null) {
    ctx.out.warning(file, "not checked: the image's /etc/passwd or /etc/group is a symlink or cannot be read", "make them regular files in the image");
    return;
  }
  const r = resolveUser(value, ctx.etc, file);
  if (r.ok) return;
  if (r.problem.startsWith("unable to find user")) {
    ctx.out.error(
      file,
      `user ${JSON.stringify(value)} is not in the image's /etc/passwd (the service would not start)`,
      "add the user to the image's /etc/passwd, or write a UID or UID:GID",
    );
  } else {
    ctx.out.error(file, `${afterFile(r.problem, file)} (the service would not start)`, "write a user NAME, a UID or UID:GID");
  }
}

function checkLimits(ctx: CheckContext, dir: string): void {
  const names = ctx.fs.list(dir);
  if (names === null) {
    ctx.out.error(
      ctx.show(dir),
      "not a readable directory (the service would not start)",
      "make rlimits a directory with one file per limit, e.g. rlimits/nofile holding 4096",
    );
    return;
  }
  for (const name of names) {
    if (name.startsWith(".")) continue;
    const file = ctx.show(`${dir}/${name}`);
    if (!LIMIT_NAMES.includes(name)) {
      ctx.out.warning(file, "not a limit name (boot ignores it)", `name it one of ${LIMIT_NAMES.join(" ")}`);
      continue;
    }
    const line = optionalLine(ctx, `${dir}/${name}`);
    if (line === null) continue;
    const r = parseLimit(name, line, file, NO_HOST);
    if (!r.ok) ctx.out.error(file, `${afterFile(r.problem, file)} (the service would not start)`, "write SOFT or SOFT:HARD, e.g. 4096 or 4096:8192");
  }
}

/** An env directory (the tree's env/ or a service's): what s6-envdir would skip or fail on. */
export function checkEnvDir(ctx: CheckContext, dir: string): void {
  const names = ctx.fs.list(dir);
  if (names === null) {
    ctx.out.error(ctx.show(dir), "not a readable directory (its variables would not be set)", "make it a directory with one file per variable, e.g. env/PATH");
    return;
  }
  for (const name of names) {
    const file = ctx.show(`${dir}/${name}`);
    // A name that is not UTF-8 was listed decoded (U+FFFD): boot skips it by its bytes.
    if (name.includes("\uFFFD")) {
      ctx.out.warning(file, "the name is not UTF-8: boot skips it and sets the others", "rename the file to the variable's name in ASCII");
      continue;
    }
    if (name.includes("=")) {
      ctx.out.error(file, `${JSON.stringify(name)} cannot be a variable name ("=" ends a name): boot skips it`, "rename the file to the variable's name");
      continue;
    }
    if (envFileSkipped(name)) continue;
    const r = ctx.fs.read(`${dir}/${name}`);
    if (!r.ok) {
      ctx.out.error(file, `unable to read it: ${r.code} (the whole env dir would fail)`, "make it a regular readable file");
      continue;
    }
    if (!isShellName(name))
      ctx.out.warning(file, `${JSON.stringify(name)} is set, but a shell cannot read it as $${name}`, "use letters, digits and _ , not starting with a digit");
    else if (r.bytes.length > 0 && firstLineOf(r.bytes) === "" && r.bytes[0] === 0x0a) {
      ctx.out.warning(
        file,
        'its first line is empty, so the variable is set to ""',
        "write the value on the first line, or make the file empty to unset the variable",
      );
    }
  }
}
