// The catch-all log: PID 1's own lines and the output of every child without a
// logger. Children write into a pipe (its write end becomes fds 1 and 2 of
// PID 1, inherited by whatever it spawns); PID 1 reads the other end and fans
// each line out to the console (non-blocking, bounded) and to a rotating
// directory once one can be opened (before /run is mounted there is none: the
// last ringSize bytes are kept and written first when it opens).
// PID 1's own lines never go through the pipe: PID 1 writing into a pipe that
// only PID 1 drains would deadlock as soon as the pipe is full.
// A service without a logger gets a pipe of its own (the scanner keeps it, as
// the one between a service and its logger), read here and fanned in with
// "NAME: " before each line, so the catch-all says who wrote what; the shared
// pipe stays for tasks, orphans and anything else without a name.
import * as sys from "../sys";
import { ConsoleWriter, type ConsoleStats } from "./console";
import { LineFramer } from "./lines";
import { readPipe, type PipeReader } from "./pipe-reader";
import { RotatingSink, type SinkStats } from "./rotate";
import { Ring } from "./ring";
import type { TimestampFormat } from "./stamp";

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
  /** One line (or several) from PID 1 itself, straight to both outputs; for setLogSink. */
  writeLine(text: string): void;
  /** Opens the rotating files in dir (once; later calls are ignored). */
  openFiles(dir?: string): void;
  /** Reads a service's own pipe (read end, made O_NONBLOCK here; the caller
   *  keeps and closes it) into the catch-all, each line as "NAME: text". */
  readLabelled(name: string, fd: number): void;
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
  const ownFile = framer(stamp);
  const ownConsole = framer(opts.consoleTimestamp ?? "none");
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
    const text = `tsinit: ${message}\n`;
    consoleOut.write(ownConsole.push(Buffer.from(text)));
  };

  const [readFd, writeFd] = opts.pipe ?? sys.pipe(false);
  // Only our end is non-blocking: O_NONBLOCK is per open file description, so
  // children keep a blocking stdout (many programs mishandle EAGAIN).
  sys.setNonblock(readFd, true);
  const reader: PipeReader = readPipe(readFd, (chunk) => emit(pipeFile.push(chunk), pipeConsole.push(chunk)), {
    onEnd: () => emit(pipeFile.flush(), pipeConsole.flush()),
    onError: (e) => reportToConsole(`unable to read the catch-all pipe: ${(e as Error).message}`),
  });

  // Labelled lines are whole lines: they go the way PID 1's own do, whose
  // framers never hold a partial line between calls. One callback and one
  // small record per pipe (a framer only once it has data): at 1000
  // services a reader object with its closures each (~2 KiB) would show in PSS.
  const labelled = new Map<number, { name: string; lines?: LineFramer }>();
  const writeLabelled = (name: string, framed: Buffer) => {
    if (framed.length === 0) return;
    const prefix = Buffer.from(`${name}: `);
    const parts: Buffer[] = [];
    for (let at = 0; at < framed.length;) {
      const nl = framed.indexOf(0x0a, at);
      const end = nl < 0 ? framed.length : nl + 1;
      parts.push(prefix, framed.subarray(at, end));
      at = end;
    }
    const buf = Buffer.concat(parts);
    emit(ownFile.push(buf), ownConsole.push(buf));
  };
  const endLabelled = (fd: number) => {
    const who = labelled.get(fd);
    if (!who) return;
    labelled.delete(fd);
    try { sys.unwatch(fd); } catch { /* not watched */ }
    if (who.lines) writeLabelled(who.name, who.lines.flush());
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
      who.lines ??= new LineFramer({ timestamp: "none", maxLine: opts.maxLine });
      writeLabelled(who.name, who.lines.push(chunk));
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
      const buf = Buffer.from(text.endsWith("\n") ? text : `${text}\n`);
      emit(ownFile.push(buf), ownConsole.push(buf));
    },
    openFiles,
    readLabelled(name: string, fd: number) {
      sys.setNonblock(fd, true);
      labelled.set(fd, { name });
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
      try { sys.close(readFd); } catch { /* already */ }
      if (sink) await sink.close();
      consoleOut.flush();
      consoleOut.stop();
    },
    stats: () => ({ readBytes: reader.bytes, console: consoleOut.stats(), file: sink?.stats() ?? null, ringBytes: ring.bytes }),
  };
}
