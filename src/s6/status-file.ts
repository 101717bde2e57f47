// s6 2.11's supervise/status (35 bytes) and supervise/death_tally (14-byte
// records), both big-endian with TAI64N stamps (s6's s6_svstatus_pack.c):
//   status:  0 stamp (12, last spawn or death) | 12 ready stamp (12) |
//            24 pid (8; run's, finish's while finishing, 0 when down) |
//            32 raw wait status (2) | 34 flags (1: paused 1, finishing 2,
//            want-up 4, ready 8)
//   death_tally record: stamp (12) | exit code (1, 128+n if signalled) | signal (1)
// Pure byte work: the caller writes status.new and renames it.
import { getTai64n, putTai64n, stampFromMs, stampToMs, type Stamp } from "./tai64n";

/** The stamps' codec is s6/tai64n.ts; callers of the status file get them here too. */
export { stampFromMs, stampToMs, type Stamp };

/** The content of supervise/status as a plain record. */
export interface SuperviseStatus {
  /** last spawn or death */
  stamp: Stamp;
  /** last readiness (or, when down, when the service became ready to start) */
  readyStamp: Stamp;
  /** run pid when up, finish pid while finishing, 0 when down */
  pid: number;
  /** raw wait status of the last death of run (truncated to 16 bits, as s6 does) */
  waitStatus: number;
  paused: boolean;
  finishing: boolean;
  wantUp: boolean;
  ready: boolean;
}

/** One death_tally record. */
export interface DeathRecord {
  stamp: Stamp;
  /** exit code, or 128 + signal when killed */
  exitCode: number;
  /** the killing signal, 0 when it exited */
  signal: number;
}

/** Size of supervise/status in s6 2.11 (2.13 added fields). */
export const STATUS_SIZE = 35;
/** Size of one death_tally record. */
export const DEATH_RECORD_SIZE = 14;

const FLAG_PAUSED = 1,
  FLAG_FINISHING = 2,
  FLAG_WANTUP = 4,
  FLAG_READY = 8;

/** The 35 bytes s6-supervise would write for this record. */
export function encodeStatus(s: SuperviseStatus): Uint8Array {
  const bytes = new Uint8Array(STATUS_SIZE);
  const view = new DataView(bytes.buffer);
  putTai64n(view, 0, s.stamp);
  putTai64n(view, 12, s.readyStamp);
  view.setBigUint64(24, BigInt(s.pid));
  view.setUint16(32, s.waitStatus & 0xffff);
  bytes[34] = (s.paused ? FLAG_PAUSED : 0) | (s.finishing ? FLAG_FINISHING : 0) | (s.wantUp ? FLAG_WANTUP : 0) | (s.ready ? FLAG_READY : 0);
  return bytes;
}

/** Reads a status file; null when it is not 35 bytes (e.g. a 2.13 status, or truncated). */
export function decodeStatus(bytes: Uint8Array): SuperviseStatus | null {
  if (bytes.length !== STATUS_SIZE) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = bytes[34]!;
  return {
    stamp: getTai64n(view, 0),
    readyStamp: getTai64n(view, 12),
    pid: Number(view.getBigUint64(24)),
    waitStatus: view.getUint16(32),
    paused: (flags & FLAG_PAUSED) !== 0,
    finishing: (flags & FLAG_FINISHING) !== 0,
    wantUp: (flags & FLAG_WANTUP) !== 0,
    ready: (flags & FLAG_READY) !== 0,
  };
}

/** The death_tally file for these records, oldest first. */
export function encodeDeathTally(records: readonly DeathRecord[]): Uint8Array {
  const bytes = new Uint8Array(records.length * DEATH_RECORD_SIZE);
  const view = new DataView(bytes.buffer);
  records.forEach((r, i) => {
    const at = i * DEATH_RECORD_SIZE;
    putTai64n(view, at, r.stamp);
    bytes[at + 12] = r.exitCode & 0xff;
    bytes[at + 13] = r.signal & 0xff;
  });
  return bytes;
}

/** Reads death_tally; a trailing partial record is ignored. */
export function decodeDeathTally(bytes: Uint8Array): DeathRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: DeathRecord[] = [];
  for (let at = 0; at + DEATH_RECORD_SIZE <= bytes.length; at += DEATH_RECORD_SIZE) {
    out.push({ stamp: getTai64n(view, at), exitCode: bytes[at + 12]!, signal: bytes[at + 13]! });
  }
  return out;
}
