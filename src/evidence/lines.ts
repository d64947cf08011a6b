import { TextDecoder } from 'node:util';
import { MARKER } from './vmkernel-log.js';

// Bytes to lines, whatever the log was saved as: UTF-8 (with or without a
// BOM) as ESXi writes it, or UTF-16 as Windows tools save a log copied off a
// host: with a BOM, or without one (iconv -t UTF-16LE, .NET's
// UnicodeEncoding without its preamble), told by its 0 bytes. Bounded: of a line longer than MAX_LINE_BYTES only its
// last MAX_LINE_BYTES are kept, so at most that much is ever held, and a
// message run onto the end of junk (a crash's NUL bytes) is still read.

/** Longer lines keep only their tail: no vmkernel message is anywhere near this long, and it ends the line. */
export const MAX_LINE_BYTES = 64 * 1024;

/** The head looked at for UTF-16 without a BOM: VS Code looks at as much (ZERO_BYTE_DETECTION_BUFFER_MAX_LEN). */
const UNMARKED_SNIFF_BYTES = 512;

/** What, in the head let go of a long line, would have been evidence: such a line is not merely cut, it is lost. */
const MARKER_BYTES = Buffer.from(MARKER);

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export class LineDecoder {
  readonly #splitter: LineSplitter;
  #encoding: Encoding | undefined;
  #decoder: TextDecoder | undefined;
  /** The first bytes, until there are enough to tell the encoding. */
  #start: Buffer[] = [];
  #startBytes = 0;

  /**
   * @param onLine each line; `cut` where only its last MAX_LINE_BYTES were kept, `unterminated` for a
   *   last line with no newline after it
   */
  constructor(onLine: (line: string, cut: boolean, unterminated: boolean) => void) {
    this.#splitter = new LineSplitter(onLine);
  }

  /** Lines longer than MAX_LINE_BYTES, read by their tail. */
  get cutLines(): number {
    return this.#splitter.cut;
  }

  /** Of those, the lines whose head, let go, held an L2Sec message. */
  get lostMarkers(): number {
    return this.#splitter.lostMarkers;
  }

  push(chunk: Buffer): void {
    if (this.#encoding === undefined) {
      this.#start.push(chunk);
      this.#startBytes += chunk.length;
      if (this.#startBytes < UNMARKED_SNIFF_BYTES) return;
      const start = Buffer.concat(this.#start, this.#startBytes);
      this.#start = [];
      this.#begin(start);
      return;
    }
    this.#feed(chunk);
  }

  end(): void {
    if (this.#encoding === undefined) this.#begin(Buffer.concat(this.#start));
    if (this.#decoder) this.#splitter.push(Buffer.from(this.#decoder.decode(), 'utf8'));
    this.#splitter.end();
  }

  #begin(start: Buffer): void {
    const bom = start[0] === 0xff && start[1] === 0xfe ? 'utf-16le' : start[0] === 0xfe && start[1] === 0xff ? 'utf-16be' : undefined;
    const utf16 = bom ?? unmarkedUtf16(start);
    this.#encoding = utf16 ?? 'utf-8';
    if (utf16) {
      this.#decoder = new TextDecoder(utf16); // drops a BOM itself
    } else if (start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf) {
      start = start.subarray(3);
    }
    this.#feed(start);
  }

  #feed(chunk: Buffer): void {
    this.#splitter.push(this.#decoder ? Buffer.from(this.#decoder.decode(chunk, { stream: true }), 'utf8') : chunk);
  }
}

/**
 * UTF-16 without a BOM, told as VS Code and iconv-lite tell it: a log's text is ASCII, so of each
 * pair of bytes the same one is 0 (the high byte), and UTF-8 text has no 0 byte at all. A crash's
 * run of 0 bytes in a UTF-8 log has them on both sides, and stays UTF-8. Misread, a file gives no
 * log line, which is said (exit 2): never lines made up.
 */
function unmarkedUtf16(start: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  const pairs = Math.min(start.length, UNMARKED_SNIFF_BYTES) >> 1;
  if (pairs < 8) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (start[i] === 0) evenZeros++;
    if (start[i + 1] === 0) oddZeros++;
  }
  if (evenZeros === 0 && oddZeros >= pairs * 0.75) return 'utf-16le';
  if (oddZeros === 0 && evenZeros >= pairs * 0.75) return 'utf-16be';
  return undefined;
}

/** Splits a byte stream into lines at \n (a trailing \r is the parser's business). */
class LineSplitter {
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** The line being held grew past MAX_LINE_BYTES: its head was let go. */
  #cutting = false;
  /** An L2Sec message was in what the line being held let go. */
  #lostMarker = false;
  cut = 0;
  lostMarkers = 0;

  constructor(private readonly onLine: (line: string, cut: boolean, unterminated: boolean) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (this.#heldBytes === 0 && !this.#cutting) {
        // The common case: the whole line is inside this chunk.
        const cut = nl - start > MAX_LINE_BYTES;
        if (cut) {
          this.cut++;
          if (holdsMarker(chunk, start, nl - MAX_LINE_BYTES)) this.lostMarkers++;
        }
        this.onLine(chunk.toString('utf8', Math.max(start, nl - MAX_LINE_BYTES), nl), cut, false);
      } else {
        this.#hold(chunk.subarray(start, nl));
        this.#flush(false);
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.#hold(chunk.subarray(start));
  }

  /** The last line of a file needs no newline. */
  end(): void {
    if (this.#heldBytes > 0 || this.#cutting) this.#flush(true);
  }

  #hold(piece: Buffer): void {
    if (piece.length > MAX_LINE_BYTES && holdsMarker(piece, 0, piece.length - MAX_LINE_BYTES)) this.#lostMarker = true;
    // Copied: a held piece must not pin the whole read buffer it came from.
    this.#held.push(Buffer.from(piece.length > MAX_LINE_BYTES ? piece.subarray(piece.length - MAX_LINE_BYTES) : piece));
    this.#heldBytes += Math.min(piece.length, MAX_LINE_BYTES);
    if (piece.length > MAX_LINE_BYTES) this.#cutting = true;
    while (this.#heldBytes > MAX_LINE_BYTES) {
      const first = this.#held[0]!;
      const excess = this.#heldBytes - MAX_LINE_BYTES;
      this.#cutting = true;
      if (holdsMarker(first, 0, Math.min(first.length, excess))) this.#lostMarker = true;
      if (first.length <= excess) {
        this.#held.shift();
        this.#heldBytes -= first.length;
      } else {
        this.#held[0] = first.subarray(excess);
        this.#heldBytes -= excess;
      }
    }
  }

  #flush(unterminated: boolean): void {
    if (this.#cutting) this.cut++;
    if (this.#lostMarker) this.lostMarkers++;
    this.onLine(Buffer.concat(this.#held, this.#heldBytes).toString('utf8'), this.#cutting, unterminated);
    this.#held = [];
    this.#heldBytes = 0;
    this.#cutting = false;
    this.#lostMarker = false;
  }
}

/**
 * Whether a marker starts in bytes[from, to), the part let go (it may run on
 * into the part kept, of which a piece of it is no message). A marker split
 * between two pieces let go one after the other is not seen.
 */
function holdsMarker(bytes: Buffer, from: number, to: number): boolean {
  const at = bytes.indexOf(MARKER_BYTES, from);
  return at !== -1 && at < to;
}
