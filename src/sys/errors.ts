// The one shape of a system error: what the addon throws for every failed
// syscall, modelled on Node's ErrnoException so fs errors and ours read alike.

/** A failed syscall: code "ENOENT", errno 2, syscall "open", path when one was involved. */
export interface ErrnoError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path?: string;
}

/** Whether e is a syscall error (from the addon or node:fs), optionally with this code. */
export function isErrnoError(e: unknown, code?: string): e is ErrnoError {
  if (!(e instanceof Error)) return false;
  const x = e as Partial<ErrnoError>;
  if (typeof x.code !== "string" || typeof x.errno !== "number" || typeof x.syscall !== "string") return false;
  return code === undefined || x.code === code;
}

/** The errno code of any thrown value ("ENOENT"), "EIO" when it has none. */
export const codeOf = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "EIO";
};

/** Exit code a shell would give for an exec failure: 127 not found, 126 otherwise (as tini, s6). */
export function execFailureCode(e: ErrnoError): 126 | 127 {
  return e.code === "ENOENT" || e.code === "ENOTDIR" ? 127 : 126;
}
