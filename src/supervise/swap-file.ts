// A small supervise/ file replaced whole, as s6 does with status (readers see
// the old bytes or the new), with no file made or freed per write: the new
// bytes go into NAME.new, which is then swapped with NAME (renameat2
// RENAME_EXCHANGE); the old NAME, now NAME.new, is overwritten in place the
// next time when it is as long as the new bytes (status always is; the record
// is padded to keep its length). An ext4 create + rename cost 3-5x an
// overwrite + exchange (a C loop here, 4000 writes of 35 bytes: 70-140 us of
// CPU against 375-1100). A filesystem without the exchange gets create + rename.
import { closeSync, constants as fsc, openSync, renameSync, writeSync } from "node:fs";
import * as sys from "../sys";
import { codeOf } from "../sys/errors";

/** NAME.new emptied first: it may be anyone's, of any length */
const REPLACE = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | fsc.O_NOFOLLOW; // (libuv adds O_CLOEXEC)
/** NAME.new rewritten in place: it holds bytes of ours, as long as the new ones */
const OVERWRITE = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_NOFOLLOW;

/** One file of one supervise/ dir. */
export class SwapFile {
  /** the length of what NAME holds, when this wrote it; -1: not known */
  private mainLength = -1;
  /** the same for NAME.new */
  private spareLength = -1;
  /** renameat2(RENAME_EXCHANGE) refused here: plain renames */
  private noExchange = false;
  /** NAME is known not to exist (a supervise/ just made): the first write is renamed into place */
  private absent = false;

  /** firstInPlace: when NAME is known absent, it is written where it stands
   *  (one file made, no rename): for a file whose readers take a part of it
   *  for none (the record), not for status. */
  constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly firstInPlace = false,
  ) {}

  /** The dir was just made: NAME is not there, nothing to exchange with. */
  markAbsent(): void {
    this.absent = true;
  }

  /** Replaces NAME (throws as open, write or rename would). Only a reader
   *  that opened NAME two writes ago and reads just as the next is made
   *  could see a mix: a swapped-out file is written once its name is NAME.new. */
  write(bytes: Uint8Array): void {
    const file = `${this.dir}/${this.name}`;
    const fd = openSync(this.absent && this.firstInPlace ? file : `${file}.new`, this.spareLength === bytes.length ? OVERWRITE : REPLACE, 0o644);
    try {
      writeSync(fd, bytes);
    } finally {
      closeSync(fd);
    }
    if (this.absent && this.firstInPlace) {
      this.mainLength = bytes.length;
      this.absent = false;
      return;
    }
    const before = this.mainLength;
    this.mainLength = this.spareLength = -1;
    if (!this.noExchange && !this.absent) {
      const c = sys.constants();
      try {
        sys.renameat(c.AT_FDCWD!, `${file}.new`, c.AT_FDCWD!, file, c.RENAME_EXCHANGE!);
        this.spareLength = before; // NAME.new now holds what NAME held
        this.mainLength = bytes.length;
        return;
      } catch (e) {
        const code = codeOf(e);
        if (code === "EINVAL" || code === "ENOSYS" || code === "EOPNOTSUPP") this.noExchange = true;
        else if (code !== "ENOENT") throw e; // ENOENT: no NAME yet (a first start): renamed into place
      }
    }
    renameSync(`${file}.new`, file);
    this.mainLength = bytes.length;
    this.absent = false;
  }
}
