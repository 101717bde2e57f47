/** A QMP "error" answer (the socket's own errors reject as they are). */
export declare class QmpError extends Error {
  readonly error: unknown;
  constructor(execute: string, error: unknown);
}
/** One QMP command after the capabilities handshake; resolves with its "return".
 *  timeoutMs > 0: reject if no answer by then (default: wait). */
export declare function qmpCommand(path: string, execute: string, args?: unknown, timeoutMs?: number): Promise<unknown>;
