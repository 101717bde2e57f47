// Reads a non-blocking pipe read end on the event loop and hands each chunk on.
// It never stops reading because the consumer is behind: the consumer drops
// instead, since a blocked writer (PID 1's children, orphans) could hang boot.
// Each wake-up reads a bounded amount, so a flooding writer cannot starve the
// loop (and with it the disk writes that drain the queue); the watch is
// level-triggered, so the rest is read on the next turn.
import * as sys from "../sys";

export interface PipeReaderOptions {
  /** bytes per read(2) (default 64 KiB) */
  readSize?: number;
  /** reads per wake-up before yielding to the loop (default 16) */
  readsPerWake?: number;
  /** at EOF, after unwatching (the fd is left open: it is the caller's) */
  onEnd?: () => void;
  /** a read failed (EBADF, EIO): the reader has stopped as at EOF */
  onError?: (e: unknown) => void;
}

/** A running reader. */
export interface PipeReader {
  readonly fd: number;
  /** bytes read so far */
  readonly bytes: number;
  readonly ended: boolean;
  /** Reads what is available now (bounded), then stops watching. Does not close fd. */
  stop(): void;
  /** Stops reading until resume() (the writer blocks once the pipe is full):
   *  for bounded backpressure only; the catch-all never pauses. */
  pause(): void;
  resume(): void;
}

/** Starts reading fd (it must be O_NONBLOCK) into onData. */
export function readPipe(fd: number, onData: (chunk: Buffer) => void, opts: PipeReaderOptions = {}): PipeReader {
  const readSize = opts.readSize ?? 65536;
  const perWake = opts.readsPerWake ?? 16;
  let bytes = 0;
  let ended = false;
  let paused = false;

  const end = (e?: unknown) => {
    if (ended) return;
    ended = true;
    try {
      sys.unwatch(fd);
    } catch {
      /* not watched */
    }
    if (e !== undefined) opts.onError?.(e);
    opts.onEnd?.();
  };

  const drain = (reads: number) => {
    for (let i = 0; i < reads && !ended && !paused; i++) {
      let chunk: Buffer | null;
      try {
        chunk = sys.read(fd, readSize);
      } catch (e) {
        return end(e);
      }
      if (chunk === null) return;
      if (chunk.length === 0) return end();
      bytes += chunk.length;
      onData(chunk);
    }
  };

  const watch = () => sys.watchReadable(fd, () => drain(perWake));
  watch();
  return {
    fd,
    get bytes() {
      return bytes;
    },
    get ended() {
      return ended;
    },
    stop() {
      paused = false;
      drain(perWake * 4);
      end();
    },
    pause() {
      if (paused || ended) return;
      paused = true;
      sys.unwatch(fd);
    },
    resume() {
      if (!paused || ended) return;
      paused = false;
      watch();
    },
  };
}
