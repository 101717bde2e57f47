// The plain reason of a syscall error, as a user reads it: "No such file or
// directory (ENOENT)", the libc text with the code kept for searching.
import { constants } from "node:os";
import * as util from "node:util";

/** "No such file or directory (ENOENT)" for "ENOENT"; the code alone when libc has no text for it. */
export function plainReason(code: string): string {
  const errno = (constants.errno as Record<string, number>)[code];
  const plain = errno === undefined ? undefined : util.getSystemErrorMap().get(-errno)?.[1];
  if (plain === undefined) return code;
  // libuv's texts are lower case ("no such file or directory"); libc's strerror starts with a capital.
  return `${plain.charAt(0).toUpperCase()}${plain.slice(1)} (${code})`;
}
