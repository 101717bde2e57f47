// Parsers for the bytes read from the two control FIFOs. s6-supervise reads
// one byte at a time and silently ignores unknown bytes; s6-svscan warns for
// each one. Both parsers return what they dropped so the caller can choose.

/** Every command s6-supervise 2.11 knows, in the order of its action table. */
export const SUPERVISE_LETTERS = "abqhkti12pcyroduDUxOQ";

/** One s6-supervise control command. */
export type SuperviseLetter = "a" | "b" | "q" | "h" | "k" | "t" | "i" | "1" | "2" | "p" | "c" | "y" | "r" | "o" | "d" | "u" | "D" | "U" | "x" | "O" | "Q";

/** Every command s6-svscan 2.11 knows on .s6-svscan/control. */
export const SVSCAN_LETTERS = "zabhitqnN";

/** One s6-svscan control command. */
export type SvscanLetter = "z" | "a" | "b" | "h" | "i" | "t" | "q" | "n" | "N";

/** The known letters in arrival order, plus the bytes that were dropped. */
export interface ParsedControl<L extends string> {
  letters: L[];
  /** unknown byte values, in order (s6-svscan logs each one) */
  unknown: number[];
}

/** True for a byte s6-supervise acts on. */
export function isSuperviseLetter(c: string): c is SuperviseLetter {
  return c.length === 1 && SUPERVISE_LETTERS.includes(c);
}

/** True for a byte s6-svscan acts on. */
export function isSvscanLetter(c: string): c is SvscanLetter {
  return c.length === 1 && SVSCAN_LETTERS.includes(c);
}

function parse<L extends string>(bytes: Uint8Array, known: (c: string) => c is L): ParsedControl<L> {
  const out: ParsedControl<L> = { letters: [], unknown: [] };
  for (const b of bytes) {
    // Only ASCII can be a letter; a byte >= 0x80 must not turn into U+0080.. by accident.
    const c = b < 0x80 ? String.fromCharCode(b) : "";
    if (known(c)) out.letters.push(c);
    else out.unknown.push(b);
  }
  return out;
}

/** Bytes from supervise/control → the commands s6-supervise would run. */
export function parseSuperviseControl(bytes: Uint8Array): ParsedControl<SuperviseLetter> {
  return parse(bytes, isSuperviseLetter);
}

/** Bytes from .s6-svscan/control → the commands s6-svscan would run. */
export function parseSvscanControl(bytes: Uint8Array): ParsedControl<SvscanLetter> {
  return parse(bytes, isSvscanLetter);
}

/** A printable form of an unknown byte for the warning line ("X" or "\x05"). */
export function describeByte(b: number): string {
  return b > 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
}
