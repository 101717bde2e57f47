// Finds and loads the addon. In the packed executable its bytes are an asset
// of the blob (scripts/pack.mjs), mapped with the executable: they are written
// to a private copy (unpack.ts) in the first safe, writable, exec-allowed
// directory, dlopen'ed, and removed at once (the mapping stays). At real boot
// only devtmpfs /dev exists, so /dev is on the list; /run and /dev/shm come
// first because they are tmpfs once mounted. Outside the executable (tsx in
// tests and development, node dist/main.js) the require below loads the built file.
import { withPrivateCopy } from "./unpack";
import { errnoError, reason } from "./errors";
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
      // reason() gives the message itself for dlopen's ERR_DLOPEN_FAILED and unpack's EUNSAFE.
      tried.push(`${dir}: ${reason(e)}`);
    }
  }
  throw errnoError("ENOADDON", "dlopen", undefined, `unable to load the addon: no directory is safe, writable and exec-allowed (${tried.join("; ")})`);
}

/** The addon's bytes when we run as the packed executable. An asset rather
 *  than base64 in the bundle: the bundle was half that string, which V8 had
 *  to scan and Node to decode at every start. */
function packedBytes(): Uint8Array | undefined {
  // required when called, not imported: only this path needs it, at no start-up cost
  const sea = require("node:sea") as typeof import("node:sea");
  return sea.isSea() ? new Uint8Array(sea.getRawAsset("tsinit.node")) : undefined;
}

/** The addon, loaded on first use (so --version and --help never pay for it). */
export function native(): NativeAddon {
  if (loaded) return loaded;
  // required when called, not imported: only this path needs it, at no start-up cost
  const mod: unknown = packedBytes() ?? require("../../build/Release/tsinit.node");
  if (mod instanceof Uint8Array) {
    loaded = dlopenBytes(mod);
  } else {
    loaded = mod as NativeAddon;
    loadedFrom = "build/Release/tsinit.node";
  }
  return loaded;
}
