// Finds and loads the addon. In the packed executable esbuild's binary loader
// turns the require below into the addon's bytes: they are written to the
// first writable, exec-allowed directory, dlopen'ed, and unlinked at once (the
// mapping stays). At real boot only devtmpfs /dev exists, so /dev is on the
// list; /run and /dev/shm come first because they are tmpfs once mounted.
// Under tsx (tests, development) the same require loads build/Release directly.
import { writeFileSync, unlinkSync } from "node:fs";
import { reason } from "../cli/log";
import type { NativeAddon } from "./native-types";

const candidateDirs = (): string[] => {
  const dirs = [process.env.TSINIT_ADDON_DIR, "/run", "/dev/shm", "/dev", "/tmp"];
  return dirs.filter((d): d is string => typeof d === "string" && d !== "");
};

let loaded: NativeAddon | undefined;
let loadedFrom = "";

/** Where the addon was loaded from (for the boot log), "" before it is. */
export function addonOrigin(): string {
  return loadedFrom;
}

function dlopenBytes(bytes: Uint8Array): NativeAddon {
  const tried: string[] = [];
  for (const dir of candidateDirs()) {
    const file = `${dir}/.tsinit-${process.pid}-${Date.now().toString(36)}.node`;
    try {
      writeFileSync(file, bytes, { mode: 0o700 });
    } catch (e) {
      tried.push(`${dir}: ${reason(e)}`);
      continue;
    }
    try {
      const mod = { exports: {} as NativeAddon };
      process.dlopen(mod, file);
      loadedFrom = `${dir} (unpacked, then unlinked)`;
      return mod.exports;
    } catch (e) {
      tried.push(`${dir}: ${(e as Error).message}`);
    } finally {
      try { unlinkSync(file); } catch { /* already gone */ }
    }
  }
  const err = new Error(`unable to load the addon: no directory is writable and exec-allowed (${tried.join("; ")})`);
  throw Object.assign(err, { code: "ENOADDON" });
}

/** The addon, loaded on first use (so --version and --help never pay for it). */
export function native(): NativeAddon {
  if (loaded) return loaded;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod: unknown = require("../../build/Release/tsinit.node");
  if (mod instanceof Uint8Array) {
    loaded = dlopenBytes(mod);
  } else {
    loaded = mod as NativeAddon;
    loadedFrom = "build/Release/tsinit.node";
  }
  return loaded;
}
