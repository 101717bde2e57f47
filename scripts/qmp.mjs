// Sends one QMP command to a running qemu and prints the answer:
//   node scripts/qmp.mjs SOCKET COMMAND ['{"arg":...}']
// e.g. node scripts/qmp.mjs dist/image/qmp.sock system_powerdown   (the ACPI power button)
import { QmpError, qmpCommand } from "../lab/qmp-client.mjs";

const [path, command, args] = process.argv.slice(2);
if (!path || !command) {
  console.error("usage: node scripts/qmp.mjs SOCKET COMMAND ['{\"arg\":...}']");
  process.exit(100);
}
try {
  console.log(JSON.stringify(await qmpCommand(path, command, args ? JSON.parse(args) : undefined)));
} catch (e) {
  if (!(e instanceof QmpError)) {
    console.error(`qmp: ${e.message}`);
    process.exit(111);
  }
  console.log(JSON.stringify(e.error));
  process.exitCode = 1;
}
