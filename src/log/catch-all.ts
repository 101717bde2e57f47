// The catch-all log: PID 1's own lines and the output of every child without a
// logger. Children write into a pipe (its write end becomes fds 1 and 2 of
// PID 1, inherited by whatever it spawns); PID 1 reads the other end and fans
// each line out to the console (non-blocking, bounded) and to a rotating
// directory once one can be opened (before /run is mounted there is none: the
// last ringSize bytes are kept and written first when it opens).
// PID 1's own lines never go through the pipe: PID 1 writing into a pipe that
// only PID 1 drains would deadlock as soon as the pipe is full.
// Every writer PID 1 starts gets a pipe of its own, read here and fanned in
// with its label on each line (a cut of a long line too), so the catch-all
// says who wrote what and no writer can pose as another or as tsinit: a
// service without a logger ("NAME: ", its stdout and stderr), the stderr of
// one with a logger ("NAME: "), a logger's output ("NAME/log: "), a task's
// ("task NAME: "). The scanner and the task runner keep those pipes across a
// re-exec. The shared pipe stays for PID 1's own fds 1 and 2 and for
// children of an older image that had none.
import * as sys from "../sys";
import { ConsoleWriter, type ConsoleStats } from "./console";
import { LineFramer, stampLines } from "./lines";
import { readPipe, type PipeReader } from "./pipe-reader";
import { RotatingSink, type SinkStats } from "./rotate";
import { Ring } from "./ring";
import type { TimestampFormat } from "./stamp";

/** TEXT as one line: what follows a newline in it is indented, so no part
 *  of it starts a line of the catch-all ("tsinit: ", "NAME: ") by itself. */
export const oneLine = (text: string): string => text.replace(/\n/g, "\n  ");

/** The catch-all directory once /run is up. */
export const DEFAULT_CATCH_ALL_DIR = "/run/tsinit/log/catch-all";

export interface CatchAllOptions {
  /** where lines are shown: /dev/console, or the original stderr (made O_NONBLOCK here) */
  consoleFd: number;
  /** open the files at once in this directory (else later with openFiles) */
  dir?: string;
  /** default 1 MiB */
  maxSize?: number;
  /** default 10 */
  maxFiles?: number;
  /** file queue bytes (default 256 KiB) */
  queueLimit?: number;
  /** console queue bytes (default 64 KiB) */
  consoleQueueLimit?: number;
  /** bytes kept until the files open (default 64 KiB) */
  ringSize?: number;
  /** stamp in the files (default "iso") */
  timestamp?: TimestampFormat;
  /** stamp on the console (default "none": the console shows plain lines) */
  consoleTimestamp?: TimestampFormat;
  maxLine?: number;
  now?: () => number;
  /** an existing pipe [read, write] to take over (after a re-exec of PID 1, whose children still write into it) */
  pipe?: [number, number];
}

/** Counters of the catch-all. */
export interface CatchAllStats {
  readBytes: number;
  console: ConsoleStats;
  /** null until the files are open */
  file: SinkStats | null;
  ringBytes: number;
}

/** A running catch-all log. */
export interface CatchAll {
  /** the pipe's write end (blocking, close-on-exec): dup2 it onto 1 and 2 */
  readonly writeFd: number;
  /** the pipe's read end, PID 1's */
  readonly readFd: number;
  /** One line from PID 1 itself, straight to both outputs; for setLogSink.
   *  A newline inside it starts an indented line: text it quotes cannot pose as a line of its own. */
  writeLine(text: string): void;
  /** A line PID 1 said on the console before the catch-all existed, into the file only, stamped MS. */
  writeEarlyLine(text: string, ms: number): void;
  /** Opens the rotating files in dir (once; later calls are ignored). */
  openFiles(dir?: string): void;
  /** Reads a service's own pipe (read end, made O_NONBLOCK here; the caller
   *  keeps and closes it) into the catch-all, each line as "NAME: text"
   *  (a task's as "task NAME: ", a logger's as "NAME/log: "); onEnd at its EOF. */
  readLabelled(name: string, fd: number, onEnd?: () => void): void;
  /** Reads what is in it now, writes its partial line, stops watching fd (not closed). */
  stopLabelled(fd: number): void;
  /** Resolves once everything queued so far is on disk (before a re-exec, which keeps the pipe). */
  idle(): Promise<void>;
  /** Reads what is left in the pipe, writes partial lines, closes the files. Closes no fd. */
  stop(): Promise<void>;
  stats(): CatchAllStats;
}

/** Creates the pipe and starts reading it. */
export function startCatchAll(opts: CatchAllOptions): CatchAll {
  const stamp = opts.timestamp ?? "iso";
  const framer = (timestamp: TimestampFormat) => new LineFramer({ timestamp, maxLine: opts.maxLine, now: opts.now });
  const pipeFile = framer(stamp);
  const pipeConsole = framer(opts.consoleTimestamp ?? "none");
  const now = opts.now ?? Date.now;
  sys.setNonblock(opts.consoleFd, true);
  const consoleOut = new ConsoleWriter({ fd: opts.consoleFd, queueLimit: opts.consoleQueueLimit });
  const ring = new Ring(opts.ringSize ?? 64 * 1024);
  let sink: RotatingSink | null = null;

  const emit = (fileLines: Buffer, consoleLines: Buffer) => {
    if (consoleLines.length > 0) consoleOut.write(consoleLines);
    if (fileLines.length === 0) return;
    if (sink) sink.write(fileLines);
    else ring.push(fileLines);
  };
  // File errors go to the console only: the file is what is failing.
  const reportToConsole = (message: string) => {
    consoleOut.write(stampLines(opts.consoleTimestamp ?? "none", now(), Buffer.from(`tsinit: ${oneLine(message)}\n`)));
  };
  // Whole lines, PID 1's own or framed (and labelled) from a service's pipe:
  // stamped, never cut again (a cut here would leave a piece without its label).
  const emitWhole = (lines: Buffer) => {
    if (lines.length === 0) return;
    const ms = now();
    emit(stampLines(stamp, ms, lines), stampLines(opts.consoleTimestamp ?? "none", ms, lines));
  };

  const [readFd, writeFd] = opts.pipe ?? sys.pipe(false);
  // Only our end is non-blocking: O_NONBLOCK is per open file description, so
  // children keep a blocking stdout (many programs mishandle EAGAIN).
  sys.setNonblock(readFd, true);
  const reader: PipeReader = readPipe(readFd, (chunk) => emit(pipeFile.push(chunk), pipeConsole.push(chunk)), {
    onEnd: () => emit(pipeFile.flush(), pipeConsole.flush()),
    onError: (e) => reportToConsole(`unable to read the catch-all pipe: ${(e as Error).message}`),
  });

  // One callback and one small record per pipe (a framer only once it has
  // data): at 1000 services a reader object with its closures each (~2 KiB)
  // would show in PSS. The framer puts "NAME: " on every line it makes.
  const labelled = new Map<number, { name: string; lines?: LineFramer; onEnd?: () => void }>();
  const endLabelled = (fd: number) => {
    const who = labelled.get(fd);
    if (!who) return;
    labelled.delete(fd);
    try {
      sys.unwatch(fd);
    } catch {
      /* not watched */
    }
    if (who.lines) emitWhole(who.lines.flush());
    who.onEnd?.();
  };
  // Bounded reads per wake-up, as pipe-reader's: the watch is level-triggered.
  const readLabelledFd = (fd: number, reads = 16) => {
    const who = labelled.get(fd);
    for (let i = 0; who && i < reads; i++) {
      let chunk: Buffer | null;
      try {
        chunk = sys.read(fd, 65536);
      } catch (e) {
        reportToConsole(`unable to read the output pipe of ${who.name}: ${(e as Error).message}`);
        return endLabelled(fd);
      }
      if (chunk === null) return;
      if (chunk.length === 0) return endLabelled(fd);
      who.lines ??= new LineFramer({ timestamp: "none", maxLine: opts.maxLine, label: `${who.name}: ` });
      emitWhole(who.lines.push(chunk));
    }
  };

  const openFiles = (dir = DEFAULT_CATCH_ALL_DIR) => {
    if (sink) return;
    sink = new RotatingSink({
      dir,
      name: "catch-all",
      maxSize: opts.maxSize,
      maxFiles: opts.maxFiles,
      queueLimit: opts.queueLimit,
      timestamp: stamp,
      now: opts.now,
      onError: reportToConsole,
    });
    const early = ring.take();
    if (early.length > 0) sink.write(early);
  };
  if (opts.dir !== undefined) openFiles(opts.dir);

  return {
    writeFd,
    readFd,
    writeLine(text: string) {
      emitWhole(Buffer.from(`${oneLine(text.endsWith("\n") ? text.slice(0, -1) : text)}\n`));
    },
    writeEarlyLine(text: string, ms: number) {
      // The console showed it when it was said; the file gets it with that time.
      const file = stampLines(stamp, ms, Buffer.from(`${oneLine(text)}\n`));
      if (sink) sink.write(file);
      else ring.push(file);
    },
    openFiles,
    readLabelled(name: string, fd: number, onEnd?: () => void) {
      sys.setNonblock(fd, true);
      labelled.set(fd, { name, onEnd });
      sys.watchReadable(fd, readLabelledFd);
    },
    stopLabelled(fd: number) {
      readLabelledFd(fd, 64);
      endLabelled(fd);
    },
    idle: async () => {
      if (sink) await sink.idle();
    },
    async stop() {
      reader.stop();
      for (const fd of [...labelled.keys()]) endLabelled(fd);
      try {
        sys.close(readFd);
      } catch {
        /* already */
      }
      if (sink) await sink.close();
      consoleOut.flush();
      consoleOut.stop();
    },
    stats: () => ({ readBytes: reader.bytes, console: consoleOut.stats(), file: sink?.stats() ?? null, ringBytes: ring.bytes }),
  };
}
