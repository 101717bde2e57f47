// Finds and loads the addon. In the packed executable esbuild's binary loader
// turns the require below into the addon's bytes: they are written to a
// private copy (unpack.ts) in the first safe, writable, exec-allowed directory,
// dlopen'ed, and removed at once (the mapping stays). At real boot only
// devtmpfs /dev exists, so /dev is on the list; /run and /dev/shm come first
// because they are tmpfs once mounted.
// Under tsx (tests, development) the same require loads build/Release directly.
import { withPrivateCopy } from "./unpack";
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
    try {
      const mod = { exports: {} as NativeAddon };
      withPrivateCopy(dir, bytes, (path) => process.dlopen(mod, path));
      loadedFrom = `${dir} (a private copy, then removed)`;
      return mod.exports;
    } catch (e) {
      const { code, message } = e as NodeJS.ErrnoException;
      tried.push(`${dir}: ${code === "ERR_DLOPEN_FAILED" || code === "EUNSAFE" || !code ? message : code}`);
    }
  }
  const err = new Error(`unable to load the addon: no directory is safe, writable and exec-allowed (${tried.join("; ")})`);
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
