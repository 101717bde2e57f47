// What a dynamically linked ELF file asks of the system it runs on, read from
// its bytes (never by running it or ROOT's ldd): the dynamic loader
// (PT_INTERP), the libraries (DT_NEEDED), the symbol versions it needs from
// each (.gnu.version_r: GLIBC_2.28, GLIBCXX_3.4.21, ...) and, for a library,
// the versions it defines (.gnu.version_d). Everything is found through the
// program headers and the dynamic section, which a stripped file keeps.
import { closeSync, openSync, readSync } from "node:fs";

/** The needs and offers of one ELF file. */
export interface ElfInfo {
  /** 32 or 64 */
  bits: number;
  /** e_machine (62 = x86-64) */
  machine: number;
  /** PT_INTERP, null for a static file or a library */
  interp: string | null;
  needed: string[];
  soname: string | null;
  /** per library file name, the version names needed from it (weak ones left out) */
  versionsNeeded: Map<string, string[]>;
  /** the version names this file defines (its own base name left out) */
  versionsDefined: string[];
}

const PT_LOAD = 1,
  PT_DYNAMIC = 2,
  PT_INTERP = 3;
const DT_NEEDED = 1,
  DT_STRTAB = 5,
  DT_STRSZ = 10,
  DT_SONAME = 14;
const DT_VERDEF = 0x6ffffffc,
  DT_VERDEFNUM = 0x6ffffffd,
  DT_VERNEED = 0x6ffffffe,
  DT_VERNEEDNUM = 0x6fffffff;
const VER_FLG_BASE = 1,
  VER_FLG_WEAK = 2;
/** No real dynamic section or version list is this long; a longer one is a corrupt file. */
const MAX_ENTRIES = 65536;

/** Byte ranges of one file or buffer; a short read is a truncated file. */
type Reader = { at(offset: number, length: number): Buffer };

function fileReader(fd: number): Reader {
  return {
    at(offset, length) {
      const buf = Buffer.alloc(length);
      const n = readSync(fd, buf, 0, length, offset);
      if (n < length) throw new Error(`truncated at byte ${offset + n}`);
      return buf;
    },
  };
}

function bufferReader(bytes: Uint8Array): Reader {
  const all = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    at(offset, length) {
      if (offset + length > all.length) throw new Error(`truncated at byte ${all.length}`);
      return all.subarray(offset, offset + length);
    },
  };
}

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

/** Reads FILE's header, program headers and dynamic section. Throws Error
 *  ("not an ELF file", "truncated ...") or an fs error. */
export function readElf(file: string): ElfInfo {
  const fd = openSync(file, "r");
  try {
    return parse(fileReader(fd));
  } finally {
    closeSync(fd);
  }
}

/** readElf for a file already in memory (the addon inside our bundle). */
export const readElfBytes = (bytes: Uint8Array): ElfInfo => parse(bufferReader(bytes));

function parse(r: Reader): ElfInfo {
  let h: Buffer;
  try {
    h = r.at(0, 64);
  } catch {
    h = Buffer.alloc(0); // shorter than any ELF header
  }
  if (h.length < 64 || h.readUInt32BE(0) !== 0x7f454c46) throw new Error("not an ELF file");
  const bits = h[4] === 2 ? 64 : 32;
  const info: ElfInfo = { bits, machine: h.readUInt16LE(18), interp: null, needed: [], soname: null, versionsNeeded: new Map(), versionsDefined: [] };
  // Only little-endian ELF64 is read further: the other kinds cannot load into our process anyway.
  if (bits !== 64 || h[5] !== 1) return info;
  const phoff = Number(h.readBigUInt64LE(32));
  const phentsize = h.readUInt16LE(54);
  const phnum = h.readUInt16LE(56);
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = r.at(phoff + i * phentsize, 56);
    segments.push({
      type: p.readUInt32LE(0),
      offset: Number(p.readBigUInt64LE(8)),
      vaddr: Number(p.readBigUInt64LE(16)),
      filesz: Number(p.readBigUInt64LE(32)),
    });
  }
  const interp = segments.find((s) => s.type === PT_INTERP);
  if (interp) info.interp = r.at(interp.offset, interp.filesz).toString("latin1").replace(/\0.*$/s, "");
  const dynamic = segments.find((s) => s.type === PT_DYNAMIC);
  if (dynamic)
    readDynamic(
      r,
      dynamic,
      segments.filter((s) => s.type === PT_LOAD),
      info,
    );
  return info;
}

function readDynamic(r: Reader, dynamic: Segment, loads: Segment[], info: ElfInfo): void {
  const tags: Array<[number, number]> = [];
  const count = Math.min(Math.floor(dynamic.filesz / 16), MAX_ENTRIES);
  const d = r.at(dynamic.offset, count * 16);
  for (let i = 0; i < count; i++) {
    const tag = Number(d.readBigInt64LE(i * 16));
    if (tag === 0) break;
    tags.push([tag, Number(d.readBigUInt64LE(i * 16 + 8))]);
  }
  const one = (t: number) => tags.find(([tag]) => tag === t)?.[1];
  // Dynamic entries hold addresses; the file offset is where a PT_LOAD maps them from.
  const fileOffset = (vaddr: number): number => {
    const seg = loads.find((s) => vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz);
    if (!seg) throw new Error(`address 0x${vaddr.toString(16)} is in no loaded segment`);
    return seg.offset + (vaddr - seg.vaddr);
  };
  const strtab = one(DT_STRTAB),
    strsz = one(DT_STRSZ);
  if (strtab === undefined || strsz === undefined) return;
  const strings = r.at(fileOffset(strtab), strsz);
  const str = (off: number): string => {
    const end = strings.indexOf(0, off);
    return strings.subarray(off, end < 0 ? strings.length : end).toString("latin1");
  };
  for (const [tag, val] of tags) if (tag === DT_NEEDED) info.needed.push(str(val));
  const soname = one(DT_SONAME);
  if (soname !== undefined) info.soname = str(soname);

  const verneed = one(DT_VERNEED),
    verneedNum = one(DT_VERNEEDNUM) ?? 0;
  if (verneed !== undefined) {
    let at = fileOffset(verneed);
    for (let i = 0; i < Math.min(verneedNum, MAX_ENTRIES); i++) {
      const vn = r.at(at, 16);
      const names: string[] = [];
      let aux = at + vn.readUInt32LE(8);
      for (let j = 0; j < vn.readUInt16LE(2); j++) {
        const a = r.at(aux, 16);
        if ((a.readUInt16LE(4) & VER_FLG_WEAK) === 0) names.push(str(a.readUInt32LE(8)));
        aux += a.readUInt32LE(12);
      }
      info.versionsNeeded.set(str(vn.readUInt32LE(4)), names);
      const next = vn.readUInt32LE(12);
      if (next === 0) break;
      at += next;
    }
  }
  const verdef = one(DT_VERDEF),
    verdefNum = one(DT_VERDEFNUM) ?? 0;
  if (verdef !== undefined) {
    let at = fileOffset(verdef);
    for (let i = 0; i < Math.min(verdefNum, MAX_ENTRIES); i++) {
      const vd = r.at(at, 20);
      if ((vd.readUInt16LE(2) & VER_FLG_BASE) === 0 && vd.readUInt16LE(6) > 0) {
        info.versionsDefined.push(str(r.at(at + vd.readUInt32LE(12), 8).readUInt32LE(0)));
      }
      const next = vd.readUInt32LE(16);
      if (next === 0) break;
      at += next;
    }
  }
}
