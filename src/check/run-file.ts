// Whether a run (or finish, or task) file can be executed in the image: a
// regular executable file, and either an ELF whose dynamic loader the image
// has, or a #! script whose interpreter the image has. The file is read,
// never run.
import type { CheckContext } from "./context";
import { readElf } from "../image/elf";

/** How many bytes of a #! line the kernel reads (BINPRM_BUF_SIZE). */
const SHEBANG_MAX = 256;

/** Reports what stops PATH from being executed; REQUIRED: its absence is an error. */
export function checkExecutable(ctx: CheckContext, path: string, required: boolean, what = "run script"): void {
  const file = ctx.show(path);
  const st = ctx.fs.stat(path);
  if (st === null) {
    if (required)
      ctx.out.error(file, "missing (or a symlink to nothing in the image)", `write an executable ${what} there (e.g. #!/bin/sh then exec your program)`);
    return;
  }
  if (!st.isFile()) {
    ctx.out.error(file, "not a regular file", `make it an executable ${what}`);
    return;
  }
  if ((st.mode & 0o111) === 0) {
    ctx.out.error(file, "not executable", `chmod +x ${file}`);
    return;
  }
  const head = ctx.fs.read(path, SHEBANG_MAX);
  if (!head.ok) {
    ctx.out.error(file, `unable to read it: ${head.code}`, "make it readable");
    return;
  }
  const bytes = head.bytes;
  if (bytes.subarray(0, 2).toString("latin1") === "#!") checkInterpreter(ctx, path, bytes);
  else if (bytes.subarray(0, 4).toString("latin1") === "\x7fELF") checkLoader(ctx, path);
  else ctx.out.error(file, "neither a #! script nor an ELF executable: exec fails with ENOEXEC", "start it with a #! line such as #!/bin/sh");
}

function checkInterpreter(ctx: CheckContext, path: string, bytes: Buffer): void {
  const file = ctx.show(path);
  const nl = bytes.indexOf(0x0a);
  const line = bytes
    .subarray(2, nl < 0 ? bytes.length : nl)
    .toString("latin1")
    .trim();
  const interpreter = line.split(/[ \t]/)[0] ?? "";
  if (interpreter === "") {
    ctx.out.error(file, "the #! line names no interpreter", "write e.g. #!/bin/sh");
    return;
  }
  if (!interpreter.startsWith("/")) {
    ctx.out.error(
      file,
      `the #! interpreter ${interpreter} is not an absolute path: the kernel looks for it in the service's directory`,
      `write its full path, e.g. #!/bin/${interpreter.split("/").pop()}`,
    );
    return;
  }
  const st = ctx.fs.stat(interpreter);
  if (st === null) ctx.out.error(file, `its interpreter ${interpreter} is not in the image`, `install ${interpreter} in the image or change the #! line`);
  else if (!st.isFile() || (st.mode & 0o111) === 0)
    ctx.out.error(file, `its interpreter ${interpreter} is not an executable file in the image`, `make ${interpreter} executable or change the #! line`);
}

function checkLoader(ctx: CheckContext, path: string): void {
  const host = ctx.fs.hostPath(path);
  if (host === null) return;
  let interp: string | null;
  try {
    interp = readElf(host).interp;
  } catch (e) {
    ctx.out.error(ctx.show(path), `not a readable ELF file: ${(e as Error).message}`, "rebuild it for x86-64 Linux");
    return;
  }
  if (interp !== null && ctx.fs.stat(interp) === null) {
    ctx.out.error(
      ctx.show(path),
      `its dynamic loader ${interp} is not in the image`,
      "install the loader and libraries it was linked with, or link it statically",
    );
  }
}
