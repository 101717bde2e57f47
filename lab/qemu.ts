// qemu for the e2e tests and bench/boot: boot an image built by
// image/build.sh under software emulation (tcg), console lines collected from
// the first serial port, QMP on a unix socket in the image directory.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { qmpCommand as qmpSend } from "./qmp-client.mjs";
import { join } from "node:path";

export interface Exit {
  code: number | null;
  signal: string | null;
  /** ms from qemu's start */
  ms: number;
}

export interface Vm {
  proc: ChildProcess;
  output(): string;
  waitFor(re: RegExp, ms: number): Promise<RegExpMatchArray>;
  exited: Promise<Exit>;
  /** ms from qemu's start at which the first match of re was seen, or null */
  seenAt(re: RegExp): number | null;
  qmp: string;
  started: number;
}

export function boot(image: string, name: string, append = ""): Vm {
  const qmp = join(image, `${name}.qmp`);
  rmSync(qmp, { force: true });
  // biome-ignore format: one flag and its value a pair, a few pairs a line
  const args = [
    "-accel", "tcg", "-m", "1024", "-smp", "1", "-no-reboot",
    "-display", "none", "-monitor", "none", "-serial", "stdio", "-nic", "none",
    "-kernel", join(image, "vmlinuz"), "-initrd", join(image, "initrd.img"),
    "-append", `${readFileSync(join(image, "cmdline"), "utf8").trim()} ${append}`.trim(),
    "-drive", `file=${join(image, "root.img")},if=virtio,format=raw,readonly=on`,
    "-qmp", `unix:${qmp},server=on,wait=off`,
  ];
  const started = Date.now();
  const proc = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const lines: { at: number; line: string }[] = [];
  let partial = "";
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    const text = d.toString().replace(/\r/g, "");
    out += text;
    const at = Date.now() - started;
    const parts = (partial + text).split("\n");
    partial = parts.pop()!;
    for (const line of parts) lines.push({ at, line });
    if (process.env.TSINIT_TEST_VERBOSE) process.stderr.write(d);
    for (const w of [...waiters]) w();
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  const exited = new Promise<Exit>((res) =>
    proc.on("exit", (code, signal) => {
      for (const w of [...waiters]) w();
      res({ code, signal, ms: Date.now() - started });
    }),
  );
  let done = false;
  void exited.then(() => (done = true));
  const waitFor = (re: RegExp, ms: number) =>
    new Promise<RegExpMatchArray>((res, rej) => {
      const check = () => {
        const m = out.match(re);
        if (m) {
          waiters.delete(check);
          clearTimeout(t);
          res(m);
        } else if (done) {
          waiters.delete(check);
          clearTimeout(t);
          rej(new Error(`qemu exited before ${re} appeared; console:\n${tail(out)}`));
        }
      };
      const t = setTimeout(() => {
        waiters.delete(check);
        rej(new Error(`no ${re} within ${ms} ms; console:\n${tail(out)}`));
      }, ms);
      waiters.add(check);
      check();
    });
  const seenAt = (re: RegExp) => lines.find((l) => re.test(l.line))?.at ?? (re.test(partial) ? Date.now() - started : null);
  return { proc, output: () => out, waitFor, exited, seenAt, qmp, started };
}

/** qemu's exit, or null if it still runs after ms (the timer never holds the run open). */
export function exitWithin(v: Vm, ms: number): Promise<Exit | null> {
  let t: NodeJS.Timeout | undefined;
  const late = new Promise<null>((r) => (t = setTimeout(() => r(null), ms)));
  return Promise.race([v.exited, late]).finally(() => clearTimeout(t));
}

export const tail = (s: string) => s.split("\n").slice(-40).join("\n");

/** One QMP command after the capabilities handshake; resolves with its answer (10 s at most). */
export const qmpCommand = (path: string, execute: string): Promise<unknown> => qmpSend(path, execute, undefined, 10_000);
