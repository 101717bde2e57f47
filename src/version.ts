// The version printed by --version; esbuild replaces it from package.json at bundle time.
declare const TSINIT_VERSION: string | undefined;
export const VERSION: string = typeof TSINIT_VERSION === "string" ? TSINIT_VERSION : "0.1.0-dev";
