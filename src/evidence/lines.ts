import { TextDecoder } from 'node:util';

// Bytes to lines, whatever the log was saved as: UTF-8 (with or without a
// BOM) as ESXi writes it, or UTF-16 with a BOM as Windows tools save a log
// copied off a host. Bounded: a line longer than MAX_LINE_BYTES is dropped
// as it streams past, so at most that much is ever held.

/** Longer lines are skipped unread: no vmkernel message is anywhere near this. */
export const MAX_LINE_BYTES = 64 * 1024;

type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export class LineDecoder {
  readonly #splitter: LineSplitter;
  #encoding: Encoding | undefined;
  #decoder: TextDecoder | undefined;
  /** The first bytes, until there are enough to tell the encoding. */
  #start: Buffer[] = [];

  constructor(onLine: (line: string) => void) {
    this.#splitter = new LineSplitter(onLine);
  }

  push(chunk: Buffer): void {
    if (this.#encoding === undefined) {
      this.#start.push(chunk);
      const start = Buffer.concat(this.#start);
      if (start.length < 3) return;
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
    this.#encoding = bom ?? 'utf-8';
    if (bom) {
      this.#decoder = new TextDecoder(bom); // drops the BOM itself
    } else if (start[0] === 0xef && start[1] === 0xbb && start[2] === 0xbf) {
      start = start.subarray(3);
    }
    this.#feed(start);
  }

  #feed(chunk: Buffer): void {
    this.#splitter.push(this.#decoder ? Buffer.from(this.#decoder.decode(chunk, { stream: true }), 'utf8') : chunk);
  }
}

/** Splits a byte stream into lines at \n (a trailing \r is the parser's business). */
class LineSplitter {
  #held: Buffer[] = [];
  #heldBytes = 0;
  #skipping = false;

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (this.#heldBytes === 0 && !this.#skipping) {
        // The common case: the whole line is inside this chunk.
        if (nl - start <= MAX_LINE_BYTES) this.onLine(chunk.toString('utf8', start, nl));
      } else {
        this.#hold(chunk.subarray(start, nl));
        this.#flush();
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.#hold(chunk.subarray(start));
  }

  /** The last line of a file needs no newline. */
  end(): void {
    if (this.#heldBytes > 0) this.#flush();
    this.#skipping = false;
  }

  #hold(piece: Buffer): void {
    if (this.#skipping) return;
    if (this.#heldBytes + piece.length > MAX_LINE_BYTES) {
      this.#skipping = true;
      this.#held = [];
      this.#heldBytes = 0;
      return;
    }
    // Copied: a held piece must not pin the whole read buffer it came from.
    this.#held.push(Buffer.from(piece));
    this.#heldBytes += piece.length;
  }

  #flush(): void {
    if (!this.#skipping) this.onLine(Buffer.concat(this.#held, this.#heldBytes).toString('utf8'));
    this.#held = [];
    this.#heldBytes = 0;
    this.#skipping = false;
  }
}
