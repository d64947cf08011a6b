// What the bytes of an XML answer mean as characters, for the scanner in
// xml.ts: the characters XML 1.0 excludes or allows in names, references
// resolved, line ends normalised, and text made into strings straight from
// the UTF-8 bytes. By hand, with the scanner, for the reasons its header gives.
import { ProtocolError } from './faults.js';

export const TAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
const SPACE = 0x20;
export const BANG = 0x21;
export const QUOTE = 0x22;
const HASH = 0x23;
export const AMP = 0x26;
export const APOSTROPHE = 0x27;
export const DASH = 0x2d;
export const SLASH = 0x2f;
export const COLON = 0x3a;
const SEMICOLON = 0x3b;
export const LT = 0x3c;
export const EQUALS = 0x3d;
export const GT = 0x3e;
export const QUESTION = 0x3f;
export const BRACKET = 0x5d;
const LOWER_X = 0x78;

/**
 * Refuses the characters XML 1.0 excludes: C0 controls other than tab,
 * line feed and carriage return (single bytes in UTF-8), and U+FFFE and
 * U+FFFF (EF BF BE, EF BF BF). Four bytes at a time: a word with no byte
 * below 0x20 passes one test.
 */
export function checkCharacters(buf: Buffer, from: number): void {
  const length = buf.length;
  let i = from;
  const aligned = Math.min(length, i + ((4 - ((buf.byteOffset + i) & 3)) & 3));
  for (; i < aligned; i++) if (buf[i]! < SPACE) checkControl(buf[i]!);
  const words = (length - i) >> 2;
  if (words > 0) {
    const view = new Uint32Array(buf.buffer, buf.byteOffset + i, words);
    for (let w = 0; w < words; w++) {
      const x = view[w]!;
      if (((x - 0x20202020) & ~x & 0x80808080) !== 0) {
        for (let k = i + 4 * w; k < i + 4 * w + 4; k++) if (buf[k]! < SPACE) checkControl(buf[k]!);
      }
    }
    i += 4 * words;
  }
  for (; i < length; i++) if (buf[i]! < SPACE) checkControl(buf[i]!);
  for (let at = buf.indexOf(0xef, from); at >= 0 && at + 2 < length; at = buf.indexOf(0xef, at + 1)) {
    if (buf[at + 1] === 0xbf && (buf[at + 2] === 0xbe || buf[at + 2] === 0xbf)) {
      throw notWellFormed(`it contains the character U+${buf[at + 2] === 0xbe ? 'FFFE' : 'FFFF'}, which XML does not allow`);
    }
  }
}

function checkControl(c: number): void {
  if (c !== TAB && c !== LF && c !== CR) {
    throw notWellFormed(`it contains the character U+${c.toString(16).toUpperCase().padStart(4, '0')}, which XML does not allow`);
  }
}



export function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB || c === CR;
}

/** An attribute value that is not a plain run of ASCII. */
export function attributeText(buf: Buffer, start: number, end: number): string {
  return decodeText(buf, start, end, true, true);
}

/** The code point of the UTF-8 sequence at buf[i] (U+FFFD for a malformed one, as a decoder would make it). */
export function codePoint(buf: Buffer, i: number): number {
  const lead = buf[i]!;
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  if (length === 1) return 0xfffd;
  let code = lead & (0x7f >> length);
  for (let k = 1; k < length; k++) {
    const next = buf[i + k];
    if (next === undefined || (next & 0xc0) !== 0x80) return 0xfffd;
    code = (code << 6) | (next & 0x3f);
  }
  return code;
}

/** XML 1.0 (5th edition) NameStartChar beyond ASCII. */
export function isNameStartChar(c: number): boolean {
  return (
    (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x2ff) || (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) || c === 0x200c || c === 0x200d || (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xd7ff) || (c >= 0xf900 && c <= 0xfdcf) || (c >= 0xfdf0 && c <= 0xfffd) || (c >= 0x10000 && c <= 0xeffff)
  );
}

export function isNameChar(c: number): boolean {
  return isNameStartChar(c) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040;
}

/** XML 1.0 Char: what a character reference may stand for. */
function isXmlChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

export function normaliseLineEnds(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** Where decoded text is put together; never longer than its source, as a reference is longer than its character. */
let scratch = Buffer.allocUnsafe(1 << 16);

/**
 * The bytes [start, end) as a string, references (the five predefined
 * entities and character references) resolved and line ends normalised
 * (XML 1.0 2.11): "\r\n" and "\r" become "\n" in text, and like tab and
 * line feed a space in an attribute value (3.3.3). What a reference stands
 * for is never normalised. Built as bytes, decoded once. `whiteSpace`:
 * whether [start, end) may hold white space to normalise.
 */
export function decodeText(buf: Buffer, start: number, end: number, attribute: boolean, whiteSpace: boolean): string {
  if (scratch.length < end - start) scratch = Buffer.allocUnsafe(Math.max(end - start, 2 * scratch.length));
  const out = scratch;
  let k = 0;
  let i = start;
  if (!whiteSpace) {
    // The usual case (a log line with quotes in it): copy the runs between references whole.
    // (By hand: Buffer.copy makes a view per call, which costs more than these short runs.)
    for (let amp = buf.indexOf(AMP, i); amp >= 0 && amp < end; amp = buf.indexOf(AMP, i)) {
      while (i < amp) out[k++] = buf[i++]!;
      i = referenceEnd(buf, amp, end);
      k = writeUtf8(out, k, reference(buf, amp + 1, i - 1));
    }
    while (i < end) out[k++] = buf[i++]!;
    return utf8(out, 0, k);
  }
  while (i < end) {
    const c = buf[i]!;
    if (c === AMP) {
      const next = referenceEnd(buf, i, end);
      k = writeUtf8(out, k, reference(buf, i + 1, next - 1));
      i = next;
    } else if (c === CR) {
      out[k++] = attribute ? SPACE : LF;
      i += i + 1 < end && buf[i + 1] === LF ? 2 : 1;
    } else {
      out[k++] = attribute && (c === TAB || c === LF) ? SPACE : c;
      i++;
    }
  }
  return utf8(out, 0, k);
}

/** Just past the ";" that ends the reference at buf[amp] ("&"), which must come before `end`. */
export function referenceEnd(buf: Buffer, amp: number, end: number): number {
  const limit = Math.min(end, amp + 12);
  for (let i = amp + 1; i < limit; i++) if (buf[i] === SEMICOLON) return i + 1;
  throw notWellFormed('a "&" starts no reference');
}

/** The character the reference between "&" and ";" (buf[start, end)) stands for. */
export function reference(buf: Buffer, start: number, end: number): number {
  if (buf[start] === HASH) {
    const hex = buf[start + 1] === LOWER_X;
    let code = 0;
    let i = hex ? start + 2 : start + 1;
    if (i === end) throw notWellFormed(`"&${utf8(buf, start, end)};" is not a character reference`);
    for (; i < end; i++) {
      const c = buf[i]!;
      const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : hex && c >= 0x61 && c <= 0x66 ? c - 0x57 : hex && c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (digit < 0) throw notWellFormed(`"&${utf8(buf, start, end)};" is not a character reference`);
      code = code * (hex ? 16 : 10) + digit;
    }
    if (!isXmlChar(code)) throw notWellFormed(`"&${utf8(buf, start, end)};" refers to a character XML does not allow`);
    return code;
  }
  switch (utf8(buf, start, end)) {
    case 'amp':
      return AMP;
    case 'lt':
      return LT;
    case 'gt':
      return GT;
    case 'quot':
      return QUOTE;
    case 'apos':
      return APOSTROPHE;
  }
  // A name here would need a DOCTYPE to declare it, and DOCTYPEs are refused.
  throw notWellFormed(`the entity "&${utf8(buf, start, end)};" was never declared`);
}

function writeUtf8(out: Buffer, k: number, code: number): number {
  if (code < 0x80) {
    out[k] = code;
    return k + 1;
  }
  if (code < 0x800) {
    out[k] = 0xc0 | (code >> 6);
    out[k + 1] = 0x80 | (code & 0x3f);
    return k + 2;
  }
  if (code < 0x10000) {
    out[k] = 0xe0 | (code >> 12);
    out[k + 1] = 0x80 | ((code >> 6) & 0x3f);
    out[k + 2] = 0x80 | (code & 0x3f);
    return k + 3;
  }
  out[k] = 0xf0 | (code >> 18);
  out[k + 1] = 0x80 | ((code >> 12) & 0x3f);
  out[k + 2] = 0x80 | ((code >> 6) & 0x3f);
  out[k + 3] = 0x80 | (code & 0x3f);
  return k + 4;
}

/**
 * The UTF-8 bytes [start, end) as a string of their own (no view of the
 * answer's bytes), malformed sequences as U+FFFD. Buffer's utf8Slice is what
 * toString('utf8', start, end) calls once it has looked up the encoding.
 */
export function utf8(buf: Buffer, start: number, end: number): string {
  return (buf as Buffer & { utf8Slice(start: number, end: number): string }).utf8Slice(start, end);
}

export function sameBytes(buf: Buffer, start: number, end: number, bytes: Uint8Array): boolean {
  if (end - start !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[start + i] !== bytes[i]) return false;
  return true;
}

export function notWellFormed(why: string): ProtocolError {
  return new ProtocolError(`the response is not well-formed XML (${why})`);
}
