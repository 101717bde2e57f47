// The notification-fd pipe of one service (s6's readiness protocol): run
// writes a newline to fd N when it is ready. The read end stays with PID 1 and
// is kept across a re-exec (kept-fds.ts), so a service that becomes ready
// while a new image starts is still heard.
import * as sys from "../sys";
import { forgetFd, keepFd, takeFd } from "../sys/kept-fds";

export class NotifyPipe {
  private fd = -1;

  /** KEY names the read end among the fds kept across a re-exec. */
  constructor(
    private readonly key: string,
    private readonly onReady: () => void,
  ) {}

  /** A fresh pipe for the next run: returns the write end, which the caller
   *  maps into the child and closes after the spawn; then call listen(). */
  open(): number {
    const [r, w] = sys.pipe(true);
    this.close();
    this.fd = r;
    keepFd(this.key, r);
    return w;
  }

  /** Starts reading after a successful spawn. */
  listen(): void {
    const fd = this.fd;
    if (fd < 0) return;
    sys.watchReadable(fd, () => this.onReadable());
    // The report reaches a busy JS thread well after the exec, and a fast
    // run has often said it is ready by then: read now, not a loop turn
    // later (a boot's dependents wait on it). A microtask, so the caller
    // feeds `spawned` first; skipped if the pipe was replaced meanwhile.
    queueMicrotask(() => {
      if (this.fd === fd) this.onReadable();
    });
  }

  /** After a re-exec: the previous image's read end, if it kept one. */
  adopt(): void {
    const fd = takeFd(this.key);
    if (fd === undefined) return;
    this.fd = fd;
    this.listen();
  }

  close(): void {
    if (this.fd < 0) return;
    forgetFd(this.key);
    sys.unwatchAndClose(this.fd);
    this.fd = -1;
  }

  private onReadable(): void {
    for (;;) {
      let chunk: Buffer | null;
      try {
        chunk = sys.read(this.fd, 4096);
      } catch {
        chunk = Buffer.alloc(0);
      }
      if (chunk === null) return;
      if (chunk.length === 0) return this.close();
      if (chunk.includes(0x0a)) {
        // Readiness is said once per run; s6 stops listening after the newline.
        this.close();
        return this.onReady();
      }
    }
  }
}
