// A QMP client for one command: connect to qemu's unix socket, do the
// capabilities handshake, send the command, resolve with its "return".
// Plain JavaScript so `node scripts/qmp.mjs` runs without a TypeScript
// loader; the e2e tests and bench/boot import it too (qmp-client.d.mts).
import { connect } from "node:net";

/** A QMP "error" answer (the socket's own errors reject as they are). */
export class QmpError extends Error {
  constructor(execute, error) {
    super(`QMP ${execute}: ${JSON.stringify(error)}`);
    this.error = error;
  }
}

export function qmpCommand(path, execute, args, timeoutMs = 0) {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    let buf = "";
    let step = 0;
    const t =
      timeoutMs > 0
        ? setTimeout(() => {
            sock.destroy();
            reject(new Error(`QMP ${execute}: no answer`));
          }, timeoutMs)
        : undefined;
    const settle = (fn, v) => {
      clearTimeout(t);
      sock.end();
      fn(v);
    };
    sock.on("error", (e) => settle(reject, e));
    sock.on("data", (d) => {
      buf += d;
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (step === 0 && msg.QMP) {
          step = 1;
          sock.write(JSON.stringify({ execute: "qmp_capabilities" }) + "\n");
        } else if (step === 1 && "return" in msg) {
          step = 2;
          sock.write(JSON.stringify({ execute, ...(args ? { arguments: args } : {}) }) + "\n");
        } else if (step === 2 && ("return" in msg || "error" in msg)) {
          if (msg.error) settle(reject, new QmpError(execute, msg.error));
          else settle(resolve, msg.return);
        }
      }
    });
  });
}
