// Sends one QMP command to a running qemu and prints the answer:
//   node scripts/qmp.mjs SOCKET COMMAND ['{"arg":...}']
// e.g. node scripts/qmp.mjs dist/image/qmp.sock system_powerdown   (the ACPI power button)
import { connect } from "node:net";

const [path, command, args] = process.argv.slice(2);
if (!path || !command) {
  console.error("usage: node scripts/qmp.mjs SOCKET COMMAND ['{\"arg\":...}']");
  process.exit(100);
}
const sock = connect(path);
let buf = "";
let step = 0;
sock.on("data", (d) => {
  buf += d;
  let nl;
  while ((nl = buf.indexOf("\n")) >= 0) {
    const msg = JSON.parse(buf.slice(0, nl));
    buf = buf.slice(nl + 1);
    if (msg.QMP && step === 0) {
      step = 1;
      sock.write(JSON.stringify({ execute: "qmp_capabilities" }) + "\n");
    } else if (step === 1 && "return" in msg) {
      step = 2;
      sock.write(JSON.stringify({ execute: command, ...(args ? { arguments: JSON.parse(args) } : {}) }) + "\n");
    } else if (step === 2 && ("return" in msg || "error" in msg)) {
      console.log(JSON.stringify(msg.return ?? msg.error));
      sock.end();
      process.exitCode = msg.error ? 1 : 0;
    }
  }
});
sock.on("error", (e) => {
  console.error(`qmp: ${e.message}`);
  process.exit(111);
});
