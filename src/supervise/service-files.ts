// The files s6-supervise keeps for one service: supervise/status and
// supervise/death_tally (each replaced whole), event/ (letters to whoever
// listens) and ./down; and tsinit's own supervise/tsinit-record beside them
// (service-record.ts), written when it changes and read back after a re-exec.
// status and the record are swapped with a spare (swap-file.ts): whole to
// any reader, and no file made per write (a create and a rename on a
// disk-backed dir cost more than anything else a crash-looping service's
// restart did here, bench/crashloop profile).
// A write that fails (a full /run) is said once, until one works again.
import { closeSync, constants as fsc, openSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { logLine, reason } from "../cli/log";
import { codeOf } from "../sys/errors";
import { encodeDeathTally, encodeStatus } from "../s6/status-file";
import type { SuperviseConfig, SuperviseState } from "./machine";
import type { ServiceHistory } from "./machine-history";
import { readHead } from "../sys/read-head";
import { decodeRecord, historyFromRecord, recordFromState, recordText, RECORD_FILE, RECORD_MAX } from "./service-record";
import { broadcastEvent, writeAtomic, type QuietFifodir } from "./s6dir";
import { deathTallyFromState, statusFromState } from "./state-status";
import { SwapFile } from "./swap-file";

/** a death's record added to death_tally */
const APPEND = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_APPEND | fsc.O_NOFOLLOW;

/** the record's length is a multiple of this (trailing spaces), so that it rarely changes */
const RECORD_PAD = 256;

/** the services whose writes wait for the end of a deferWrites(), null outside one */
let deferred: Set<ServiceFiles> | null = null;

/** What a service's deferred writes are, in the order they are made: each
 *  the latest asked for (states are immutable, so holding one is holding
 *  what it said then). */
interface Held {
  deathTally: SuperviseState | null;
  status: SuperviseState | null;
  events: string;
  record: boolean;
}

/** Truncates PATH if it exists; absent is fine (nothing to empty). */
function emptyIfThere(path: string): void {
  try {
    closeSync(openSync(path, fsc.O_WRONLY | fsc.O_TRUNC | fsc.O_NOFOLLOW));
  } catch (e) {
    if (codeOf(e) !== "ENOENT") throw e;
  }
}

export class ServiceFiles {
  /** errno of the last failed state write, "" after a success */
  private writeError = "";
  /** event/ as last seen without listeners (s6dir.ts) */
  private readonly eventQuiet: QuietFifodir = { emptyAt: null };
  /** the supervise/tsinit-record last written, to write it only when it changes */
  private lastRecord = "";
  /** what the last record text was made from */
  private recordOf: { state: SuperviseState | null; config: SuperviseConfig | null; logDir: string | null } = { state: null, config: null, logDir: null };
  /** what waits for the end of a deferWrites() */
  private held: Held | null = null;
  /** supervise/ was made by this supervisor and holds no death_tally yet: emptying it is no work */
  private fresh = false;
  /** supervise/status and supervise/tsinit-record, each replaced whole */
  private readonly status: SwapFile;
  private readonly record: SwapFile;
  /** the deaths death_tally holds as this supervisor last wrote it, null: not known */
  private tallyOnDisk: readonly SuperviseState["deaths"][number][] | null = null;

  /** removed: the directory left the scan dir (it may be gone from disk, so ENOENT is no news) */
  constructor(
    readonly dir: string,
    private readonly removed: () => boolean,
  ) {
    this.status = new SwapFile(`${dir}/supervise`, "status");
    this.record = new SwapFile(`${dir}/supervise`, RECORD_FILE, true);
  }

  /** supervise/ was just made by this supervisor: none of its files is there yet. */
  madeAfresh(): void {
    this.fresh = true;
    this.status.markAbsent();
    this.record.markAbsent();
  }

  /** supervise/status as s6-supervise would write it in this state. */
  writeStatus(state: SuperviseState): void {
    if (deferred) return void (this.hold().status = state);
    this.guard("status", () => this.status.write(encodeStatus(statusFromState(state))));
  }

  /** supervise/death_tally for this state's deaths. */
  writeDeathTally(state: SuperviseState): void {
    // A shutdown's last deaths: read by nobody once the supervisor is gone
    // (as the record below), and a rename per service on the way down.
    if (state.frozen) return;
    if (deferred) return void (this.hold().deathTally = state);
    const deaths = state.deaths;
    const known = this.tallyOnDisk;
    this.tallyOnDisk = null; // unknown until a write below works
    if (deaths.length === 0 && this.fresh) return void (this.tallyOnDisk = deaths);
    this.fresh = false;
    const tally = deathTallyFromState(state);
    // Emptied (every start): truncated in place; a reader sees the old tally
    // or none, never half of one. No rename, and on a fresh supervise/ no
    // file made: an absent death_tally is no deaths (s6-svdt prints none).
    if (tally.length === 0) {
      return this.guard("death_tally", () => {
        emptyIfThere(`${this.dir}/supervise/death_tally`);
        this.tallyOnDisk = deaths;
      });
    }
    // One more death, none dropped (the tally is not full): its 14 bytes are
    // appended, no rename. The kernel makes a write's bytes readable before
    // the size that shows them, so a reader sees the tally with or without
    // it, never a part. Once full, the oldest goes: replaced whole.
    const added =
      known !== null &&
      deaths.length === known.length + 1 &&
      (known.length === 0 || (deaths[0] === known[0] && deaths[known.length - 1] === known[known.length - 1]));
    if (added && this.appendDeath(encodeDeathTally(tally.slice(-1)))) return void (this.tallyOnDisk = deaths);
    this.write("death_tally", encodeDeathTally(tally));
    if (!this.writeError) this.tallyOnDisk = deaths;
  }

  /** Appends one record to death_tally; false when it was not written whole (then it is replaced). */
  private appendDeath(record: Uint8Array): boolean {
    let whole = false;
    this.guard("death_tally", () => {
      const fd = openSync(`${this.dir}/supervise/death_tally`, APPEND, 0o644);
      try {
        whole = writeSync(fd, record) === record.length;
      } finally {
        closeSync(fd);
      }
    });
    return whole;
  }

  /** supervise/tsinit-record for this state and config, when it differs from the last one written. */
  writeRecord(state: SuperviseState, config: SuperviseConfig, logDir: string | null): void {
    if (state.phase.kind === "init" || state.phase.kind === "exited") return;
    // A shutdown (freeze) ends every service and then the system or the scan:
    // the story of those last deaths would be read by nobody, and writing it
    // cost a rename per service on the way down.
    if (state.frozen) return;
    // The same state and config as last time (a step's end, then its batch's):
    // the same text, not made again (its dates cost ~15 us each to format).
    if (state === this.recordOf.state && config === this.recordOf.config && logDir === this.recordOf.logDir) return;
    this.recordOf = { state, config, logDir };
    // Compared as text, before any bytes are made: this runs after every step.
    const text = recordText({ ...recordFromState(state, config), logDir });
    if (text === this.lastRecord) return;
    this.lastRecord = text;
    if (deferred) return void (this.hold().record = true);
    this.writeRecordNow();
  }

  private hold(): Held {
    deferred!.add(this);
    return (this.held ??= { deathTally: null, status: null, events: "", record: false });
  }

  /** Makes the writes a deferWrites() holds for this service now, in their
   *  order (before its supervisor lets go of supervise/, so none lands after).
   *  withRecord false: the state files only, the record stays held. */
  flushHeld(withRecord = true): void {
    const held = this.held;
    if (!held) return;
    this.held = withRecord || !held.record ? null : { deathTally: null, status: null, events: "", record: true };
    if (!this.held) deferred?.delete(this);
    const outer = deferred;
    deferred = null; // written now, not held again
    try {
      if (held.deathTally) this.writeDeathTally(held.deathTally);
      if (held.status) this.writeStatus(held.status);
      if (held.events) this.announce(held.events);
      if (held.record && withRecord) this.writeRecordNow();
    } finally {
      deferred = outer;
    }
  }

  /** Writes the record last made (now, or at the end of a deferWrites()). */
  private writeRecordNow(): void {
    // Padded with spaces (JSON allows them) to a whole RECORD_PAD: the spare
    // is then as long as the next record and is overwritten in place.
    const text = this.lastRecord;
    const bytes = Buffer.alloc(Math.ceil(Buffer.byteLength(text) / RECORD_PAD) * RECORD_PAD, " ");
    bytes.write(text);
    this.guard(RECORD_FILE, () => this.record.write(bytes));
  }

  /** Runs fn with every service's state writes (death_tally, status, event
   *  letters, the record) held back, then makes each service's once, in
   *  order (the latest of each). A scan that starts a thousand services
   *  spawns them all first: the files are what s6-svstat, s6-svwait, `tsinit
   *  status` and a re-exec read, and none of them is part of starting (a
   *  listener told "u" later reads the status that names the pid; a re-exec
   *  stops, never duplicates, a child no status claims). Synchronous, so
   *  nothing (a control letter, a re-exec, an exit) comes between. */
  static deferWrites(fn: () => void): void {
    if (deferred) return fn(); // nested: the outer one flushes
    const held = (deferred = new Set<ServiceFiles>());
    try {
      fn();
    } finally {
      deferred = null;
      // Every service's state files, then the records (a view, no part of starting).
      for (const files of held) files.flushHeld(false);
      for (const files of held) files.flushHeld();
    }
  }

  /** The history the previous image of PID 1 left in supervise/tsinit-record;
   *  null when there is none (a service new since then) or it is not a record. */
  readHistory(): ServiceHistory | null {
    let bytes: Buffer;
    try {
      bytes = readHead(`${this.dir}/supervise/${RECORD_FILE}`, RECORD_MAX);
    } catch {
      return null; // absent or unreadable: counting starts afresh
    }
    const record = decodeRecord(bytes);
    return record ? historyFromRecord(record) : null;
  }

  /** Event letters to every listener in event/. */
  announce(letters: string): void {
    if (deferred) return void (this.hold().events += letters);
    broadcastEvent(`${this.dir}/event`, letters, this.eventQuiet);
  }

  /** Creates (D, Q) or removes (U) ./down, so a later supervisor agrees. */
  setDown(present: boolean): void {
    try {
      if (present) writeFileSync(`${this.dir}/down`, "");
      else unlinkSync(`${this.dir}/down`);
    } catch (e) {
      if (present || codeOf(e) !== "ENOENT") logLine(`unable to ${present ? "create" : "remove"} ${this.dir}/down: ${reason(e)}`);
    }
  }

  private write(name: string, bytes: Uint8Array): void {
    this.guard(name, () => writeAtomic(`${this.dir}/supervise`, name, bytes));
  }

  /** Runs one write of supervise/NAME; a failure is said once until a write works again. */
  private guard(name: string, fn: () => void): void {
    try {
      fn();
      this.writeError = "";
    } catch (e) {
      const code = codeOf(e);
      if (this.removed() && code === "ENOENT") return; // deleted with its directory
      // A full /run fails every state change alike: say it once until a write works again.
      if (code === this.writeError) return;
      this.writeError = code;
      logLine(`unable to write ${this.dir}/supervise/${name}: ${reason(e)}`);
    }
  }
}
