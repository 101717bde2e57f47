// Multi-call entry: `tsinit COMMAND ...`, or the binary called by another
// name (`poweroff`, `init`, ...) through a link. Each command lives in its own
// module and is loaded only when called, so `--version` stays at bare Node's
// start-up cost. `tsinit [OPTIONS] -- CMD` (a container's entrypoint) goes to
// init, like every other line that starts with an option.
import { basename } from "node:path";
import { EXIT_OK, EXIT_SYSTEM } from "./cli/exit-codes";
import { sayUsage, UsageError } from "./cli/command-line";
import { logLine, reason, setProgramName, writeText } from "./cli/log";
import { commands, findCommand, type Command } from "./commands";
import { keepAlive } from "./boot/keep-alive";
import { VERSION } from "./version";

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    `tsinit ${VERSION}: an init and s6-compatible supervisor`,
    "",
    "usage: tsinit [--version | --help | version | help [COMMAND]]",
    "       tsinit COMMAND [ARGS...]   (COMMAND --help for its options)",
    "       tsinit [OPTIONS] -- CMD [ARGS...]   (a container's entrypoint: tsinit init --help)",
    "",
    "commands:",
    ...lines,
    "",
    "examples: tsinit status /run/tsinit/service",
    "          tsinit svc -r /run/tsinit/service/sshd",
    "",
    "exit codes: 0 ok, 100 usage, 111 system error, 126/127/128+n from an exec",
  ].join("\n");
}

/** The name we were invoked as: argv0 for links, else "tsinit". */
function invokedName(): string {
  const name = basename(process.argv0 || "tsinit");
  return findCommand(name)?.multiCall ? name : "tsinit";
}

async function run(): Promise<number> {
  const called = invokedName();
  let args = process.argv.slice(2);
  let command: Command | undefined;
  const first = args[0];
  // --version answers under any name: `/sbin/init --version` is how users check what they installed.
  if (first === "--version" || (called === "tsinit" && first === "-V")) {
    writeText(1, `tsinit ${VERSION}\n`);
    return EXIT_OK;
  }
  // `/sbin/init status` in an image that has no tsinit link: outside PID 1 a
  // subcommand is what was meant (the kernel passes init no such word).
  const sub = first === undefined ? undefined : findCommand(first);
  if (called === "init" && process.pid !== 1 && sub && sub.name !== "init") {
    command = sub;
    args = args.slice(1);
  } else if (called !== "tsinit") {
    command = findCommand(called);
  } else {
    if (first === "--help" || first === "-h" || (first === "help" && args.length === 1)) {
      writeText(1, help() + "\n");
      return EXIT_OK;
    }
    if (first === "version" && args.length === 1) {
      writeText(1, `tsinit ${VERSION}\n`);
      return EXIT_OK;
    }
    // `tsinit help COMMAND` is `tsinit COMMAND --help`.
    if (first === "help") {
      const about = findCommand(args[1]!);
      if (!about) throw new UsageError(`unknown command ${args[1]}`, help());
      args = [args[1]!, "--help"];
    }
    if (first === undefined || first.startsWith("-")) {
      command = findCommand("init");
    } else {
      command = findCommand(args[0]!);
      if (!command) throw new UsageError(`unknown command ${first}`, help());
      args = args.slice(1);
    }
  }
  // PID 1 speaks as "tsinit"; a subcommand as "tsinit svc"; a link by its own name.
  const named = command?.name === "init" ? "tsinit" : called === "tsinit" || called === "init" ? `tsinit ${command!.name}` : called;
  setProgramName(named);
  const module = await command!.load();
  return (await module.main(args)) ?? EXIT_OK;
}

/** The machine's init: process 1 running `init` outside container mode (`--`). */
function isMachineInit(): boolean {
  const args = process.argv.slice(2);
  const called = invokedName();
  const init = called === "init" || (called === "tsinit" && (args[0] === undefined || args[0].startsWith("-") || args[0] === "init"));
  return process.pid === 1 && init && !args.includes("--");
}

run().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // As the machine's init an exit is a kernel panic. Its boot steps are
    // each guarded, so this is a bug (or safe mode without its addon): say
    // so, and carry on with whatever runs (the event source, if started,
    // keeps reaping).
    if (isMachineInit()) {
      logLine(`fatal: ${reason(e)}${e instanceof Error && e.stack ? `\n${e.stack}` : ""}: process 1 carries on`);
      return keepAlive();
    }
    // Fatal errors exit at once: a command may hold an event source open.
    if (e instanceof UsageError) process.exit(sayUsage(e));
    logLine(`fatal: ${reason(e)}`);
    process.exit(EXIT_SYSTEM);
  },
);
