// Makes the bundle's module bodies part of the executable's code cache.
// esbuild wraps every module reached through import() (each command, hence
// init's whole graph) in `var init_x = __esm({ "path"() { BODY } })`. V8
// compiles such a method lazily, at its first call, so BODY is parsed at run
// time although the blob carries a code cache: under qemu's software
// emulation (bench/boot) that parse is part of PID 1's start. A function
// expression in parentheses is compiled with the script instead (V8's
// "parenthesized function" hint), so its bytecode lands in the code cache that
// pack.mjs makes. Nothing runs earlier: __esm still calls BODY on first use.
// usage: node scripts/eager-wrappers.mjs dist/main.js   (rewrites it in place)
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2];
const text = readFileSync(file, "utf8");
const open = /^(var init_\w+ = __esm\(\{\n {2}"[^"\n]+")\(\) \{\n/gm;
const close = "\n  }\n});";
const parts = [];
let at = 0;
let count = 0;
for (const m of text.matchAll(open)) {
  if (m.index < at) continue;
  const end = text.indexOf(close, m.index + m[0].length);
  if (end < 0) throw new Error(`eager-wrappers: no end for ${m[1]}`);
  parts.push(text.slice(at, m.index), `${m[1]}: (function() {\n`, text.slice(m.index + m[0].length, end), "\n  })\n});");
  at = end + close.length;
  count++;
}
parts.push(text.slice(at));
// Every wrapper esbuild wrote must have matched: a new esbuild output shape fails the build here.
const wrappers = text.match(/= __esm\(\{/g)?.length ?? 0;
if (count !== wrappers) {
  console.error(`eager-wrappers: rewrote ${count} of ${wrappers} __esm wrappers in ${file}: esbuild's output shape changed`);
  process.exit(111);
}
writeFileSync(file, parts.join(""));
console.log(`eager-wrappers: ${count} module bodies compiled with the script`);
