// The one way PID 1 reads a small file that a user put in a service, task or
// env directory. Non-blocking, so a fifo (or a device) left there by mistake
// reads as what is in it now instead of hanging the only process that
// supervises everything; bounded, so a huge file costs one small read.
import { closeSync, constants, openSync, readSync } from "node:fs";

/** At most MAX bytes from the start of FILE (a Buffer: a name as bytes). Throws as fs does (code ENOENT, ...). */
export function readHead(file: string | Buffer, max = 4096): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(max);
    return buf.subarray(0, readSync(fd, buf, 0, max, null));
  } finally {
    closeSync(fd);
  }
}
