// The built-in logger: for a service whose log/ has no run file, PID 1 reads
// the service's stdout pipe itself and writes timestamped lines into a
// rotating directory, instead of supervising a logger process.
import * as sys from "../sys";
import { LineFramer } from "./lines";
import { readPipe, type PipeReader } from "./pipe-reader";
import { RotatingSink, type SinkStats } from "./rotate";
import { DEFAULT_LOG_ROOT, readServiceLogConfig, type ServiceLogConfig } from "./service-log-config";

export interface ServiceLogOptions {
  /** default root for log dirs: <root>/<name> (default /run/tsinit/log) */
  root?: string;
  /** warnings and rate-limited write errors, as logLine messages (no "tsinit: ") */
  onReport?: (message: string) => void;
  /** bytes queued in memory (default 256 KiB) */
  queueLimit?: number;
  /** longest line before it is cut (default 4096) */
  maxLine?: number;
  now?: () => number;
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
  });
  sys.setNonblock(readFd, true);
  const flushPartial = () => {
    const rest = framer.flush();
    if (rest.length > 0) sink.write(rest);
  };
  const reader: PipeReader = readPipe(
    readFd,
    (chunk) => {
      const lines = framer.push(chunk);
      if (lines.length > 0) sink.write(lines);
    },
    { onEnd: flushPartial, onError: (e) => say(`unable to read the log pipe of ${name}: ${(e as Error).message}`) },
  );
  return {
    config,
    async stop() {
      reader.stop();
      await sink.close();
    },
    stats: () => ({ ...sink.stats(), readBytes: reader.bytes }),
  };
}
