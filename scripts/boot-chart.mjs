// Reproduces docs/boot-chart.svg, docs/boot-blame.txt and docs/boot-record.json
// from a real boot: the example image (image/example-s6) plus one task,
// `chart`, that waits for every service to be ready, runs `tsinit analyze`
// inside the guest and prints the blame list, the SVG and the record to the
// console between marker lines; the host cuts them out, then presses the
// power button. The image is built in a temp dir (image/example-s6 stays as
// it is), from dist/tsinit (npm run build first).
//
// usage: npx tsx scripts/boot-chart.mjs [--out DIR]   (default docs/)
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { boot, exitWithin, qmpCommand, tail } from "../lab/qemu.ts";

const repo = resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const out = resolve(args[0] === "--out" && args[1] ? args[1] : join(repo, "docs"));
const bin = resolve(process.env.TSINIT_BIN ?? join(repo, "dist/tsinit"));

// Straight to /dev/console: the catch-all would also copy 30 kB of SVG into its file.
const CHART_TASK = `#!/bin/sh
# After every service is ready (./dependencies): where did the boot's time go?
exec > /dev/console 2>&1
tsinit analyze --save /run/boot-record.json --svg /run/boot-chart.svg > /run/boot-blame.txt
for f in blame.txt chart.svg record.json; do
  echo "=== boot-chart: $f begin ==="
  cat "/run/boot-$f"
  echo "=== boot-chart: $f end ==="
done
`;

const work = mkdtempSync(join(tmpdir(), "tsinit-chart-"));
let vm;
try {
  const tree = join(work, "s6");
  cpSync(join(repo, "image/example-s6"), tree, { recursive: true });
  // report's dependencies are every service: the chart task is its twin.
  cpSync(join(tree, "task/report"), join(tree, "task/chart"), { recursive: true });
  writeFileSync(join(tree, "task/chart/run"), CHART_TASK);
  chmodSync(join(tree, "task/chart/run"), 0o755);
  const image = join(work, "image");
  const built = spawnSync("sh", [join(repo, "image/build.sh"), "--services", tree, "--out", image, "--tsinit", bin], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (built.status !== 0) throw new Error(`image/build.sh failed (${built.status})`);
  vm = boot(image, "chart");
  const section = async (name) => {
    const m = await vm.waitFor(
      new RegExp(`=== boot-chart: ${name.replace(".", "\\.")} begin ===\\n([\\s\\S]*?)\\n=== boot-chart: ${name.replace(".", "\\.")} end ===`),
      240_000,
    );
    return m[1] + "\n";
  };
  mkdirSync(out, { recursive: true });
  for (const name of ["blame.txt", "chart.svg", "record.json"]) {
    const text = await section(name);
    writeFileSync(join(out, `boot-${name}`), text);
    console.log(`boot-chart: wrote ${join(out, `boot-${name}`)} (${text.length} bytes)`);
  }
  console.log(await section("blame.txt"));
  await qmpCommand(vm.qmp, "system_powerdown");
  if (!(await exitWithin(vm, 60_000))) throw new Error(`qemu still runs after the power button:\n${tail(vm.output())}`);
} catch (e) {
  console.error(`boot-chart: ${e.message}`);
  if (vm) console.error(tail(vm.output()));
  process.exitCode = 1;
} finally {
  if (vm && vm.proc.exitCode === null && vm.proc.signalCode === null) vm.proc.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
}
