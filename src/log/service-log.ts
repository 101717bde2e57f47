// The built-in logger: for a service whose log/ has no run file, PID 1 reads
// the service's stdout pipe itself and writes timestamped lines into a
// rotating directory, instead of supervising a logger process.
import * as sys from "../sys";
import { LineFramer } from "./lines";
import { readPipe, type PipeReader } from "./pipe-reader";
import { RotatingSink, type SinkStats } from "./rotate";
import { checkedSinkIo } from "./sink-io";
import { DEFAULT_LOG_ROOT, readServiceLogConfig, type ServiceLogConfig } from "./service-log-config";

export interface ServiceLogOptions {
  /** default root for log dirs: <root>/<name> (default /run/tsinit/log) */
  root?: string;
  /** warnings and rate-limited write errors, as logLine messages (no "tsinit: ") */
  onReport?: (message: string) => void;
  /** bytes queued in memory (default 256 KiB) */
  queueLimit?: number;
  /** Bounded backpressure: when the queue is nearly full, stop reading (the
   *  service blocks on its full pipe, as under s6-log) for at most holdMs,
   *  then read and drop. 0 (default) never stops reading: a full queue drops. */
  holdMs?: number;
  /** longest line before it is cut (default 4096) */
  maxLine?: number;
  now?: () => number;
  /** uids besides root trusted to own the log dir (the service's user) */
  owners?: readonly number[];
}

/** Counters of a built-in logger. */
export interface ServiceLogStats extends SinkStats {
  readBytes: number;
}

/** A running built-in logger. */
export interface ServiceLog {
  readonly config: ServiceLogConfig;
  /** Reads what is left in the pipe, writes the partial line, closes the files.
   *  Does not close readFd (the caller holds the pipe). */
  stop(): Promise<void>;
  /** Resolves when what was read so far is on disk (or dropped). */
  idle(): Promise<void>;
  /** Resolves after EOF on the pipe (every writer gone) and the files are closed. */
  readonly ended: Promise<void>;
  stats(): ServiceLogStats;
}

/** Starts logging readFd (the read end of the service's stdout pipe; made
 *  O_NONBLOCK here, which does not touch the service's write end) for service
 *  `name` configured by serviceDir/log/. */
export function startServiceLog(serviceDir: string, name: string, readFd: number, opts: ServiceLogOptions = {}): ServiceLog {
  const say = opts.onReport ?? (() => {});
  const { config, warnings } = readServiceLogConfig(`${serviceDir}/log`, name, opts.root ?? DEFAULT_LOG_ROOT);
  for (const w of warnings) say(w);
  const framer = new LineFramer({ timestamp: config.timestamp, maxLine: opts.maxLine, now: opts.now });
  const sink = new RotatingSink({
    dir: config.dir,
    name,
    maxSize: config.maxSize,
    maxFiles: config.maxFiles,
    queueLimit: opts.queueLimit,
    timestamp: config.timestamp,
    now: opts.now,
    onError: (message) => say(message),
    io: checkedSinkIo(opts.owners ?? []),
  });
  sys.setNonblock(readFd, true);
  let closed: Promise<void> | null = null;
  const close = () => (closed ??= sink.close());
  let onEnded = () => {};
  const ended = new Promise<void>((resolve) => (onEnded = resolve));
  const flushPartial = () => {
    const rest = framer.flush();
    if (rest.length > 0) sink.write(rest);
    void close().then(onEnded);
  };
  const holdMs = opts.holdMs ?? 0;
  let holdTimer: NodeJS.Timeout | undefined;
  // Resume only with room for a couple of reads (as framed), or the first
  // read after resuming would overflow and drop.
  let need = 0;
  const roomy = () => sink.hasRoom(need);
  const release = () => {
    if (!holdTimer) return;
    clearTimeout(holdTimer);
    holdTimer = undefined;
    reader.resume();
  };
  const hold = () => {
    if (holdTimer) return;
    reader.pause();
    holdTimer = setTimeout(release, holdMs);
    const wait = () => (roomy() ? release() : sink.onRoom(wait));
    sink.onRoom(wait);
  };
  const reader: PipeReader = readPipe(
    readFd,
    (chunk) => {
      const lines = framer.push(chunk);
      if (lines.length > 0) sink.write(lines);
      if (holdMs > 0) {
        need = Math.min(Math.max(need, 2 * lines.length), (opts.queueLimit ?? 256 * 1024) / 2);
        if (!roomy()) hold();
      }
    },
    { onEnd: flushPartial, onError: (e) => say(`unable to read the log pipe of ${name}: ${(e as Error).message}`) },
  );
  return {
    config,
    async stop() {
      if (holdTimer) clearTimeout(holdTimer);
      holdTimer = undefined;
      reader.stop();
      await close();
    },
    idle: () => sink.idle(),
    ended,
    stats: () => ({ ...sink.stats(), readBytes: reader.bytes }),
  };
}
