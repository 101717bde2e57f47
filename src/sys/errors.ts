// The one shape of a system error: what the addon throws for every failed
// syscall, modelled on Node's ErrnoException so fs errors and ours read alike.
// Every error TS builds itself (errnoError), every read of a code (codeOf) and
// every reason in a log line (reason) goes through this file.
import { getSystemErrorMap } from "node:util";

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

/** errno's number for a code (2 for "ENOENT"), 0 for a code libc does not have.
 *  From libuv's table (negative numbers), which log.ts's reason() reads
 *  already: node:os would be one more module to load at every start. */
function errnoNumber(code: string): number {
  for (const [n, [name]] of getSystemErrorMap()) if (name === code) return -n;
  return 0;
}

/** An error in the addon's shape for a failure TS finds itself: code, errno,
 *  syscall, path, and the message Node would give ("ENOENT: no such file or
 *  directory, open '/x'") unless one is given. */
export function errnoError(code: string, syscall: string, path?: string, message?: string): ErrnoError {
  const text = getSystemErrorMap().get(-errnoNumber(code))?.[1] ?? code;
  const err = new Error(message ?? `${code}: ${text}, ${syscall}${path === undefined ? "" : ` '${path}'`}`) as ErrnoError;
  err.code = code;
  err.errno = errnoNumber(code);
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  return err;
}

/** The errno text Node and the addon put in a syscall error's message
 *  ("ENOENT: no such file or directory, open '/x'"), else libuv's for that code. */
function errnoText(code: string, message: string | undefined, syscall: unknown): string | undefined {
  if (message?.startsWith(`${code}: `) && typeof syscall === "string") {
    const rest = message.slice(code.length + 2);
    const cut = rest.lastIndexOf(`, ${syscall}`);
    if (cut > 0) return rest.slice(0, cut);
  }
  for (const [name, text] of getSystemErrorMap().values()) if (name === code) return text;
  return undefined;
}

/** The reason part of a log line from any thrown value: a syscall error as
 *  "No such file or directory (ENOENT)" (the path is already in the line),
 *  anything else by its message. */
export function reason(e: unknown): string {
  if (e && typeof e === "object" && "code" in e && typeof (e as { code: unknown }).code === "string") {
    const err = e as { code: string; message?: string; syscall?: unknown };
    const text = /^E[A-Z0-9]+$/.test(err.code) ? errnoText(err.code, err.message, err.syscall) : undefined;
    if (text) return `${text.charAt(0).toUpperCase()}${text.slice(1)} (${err.code})`;
    return err.message ?? err.code;
  }
  return e instanceof Error ? e.message : String(e);
}

/** "No such file or directory (ENOENT)" for "ENOENT": the reason of a code
 *  alone; the code itself when libc has no text for it. */
export function plainReason(code: string): string {
  const errno = errnoNumber(code);
  const plain = errno === 0 ? undefined : getSystemErrorMap().get(-errno)?.[1];
  if (plain === undefined) return code;
  // libuv's texts are lower case ("no such file or directory"); libc's strerror starts with a capital.
  return `${plain.charAt(0).toUpperCase()}${plain.slice(1)} (${code})`;
}
