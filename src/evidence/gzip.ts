// Gunzip as zcat reads it, member by member (RFC 1952): concatenated members
// are one stream, zero padding after the last is ignored, and so is other
// trailing data, which is reported. Node's own Gunzip fails on trailing data
// and drops the output of the call that met it; here each member's deflate
// data goes to an InflateRaw, which stops at the member's end, and the
// trailer after it is checked (CRC-32 and length) before the next member.
import { crc32, createInflateRaw, type InflateRaw } from 'node:zlib';

import type { Bytes } from './streams.js';

/** A stream that would expand past this ratio to its compressed size is refused: a gzip bomb, not a log. */
export const MAX_INFLATE_RATIO = 250;
/** ... once past this much output: small inputs may legitimately expand far more. */
const INFLATE_RATIO_GRACE_BYTES = 64 << 20;
/** Input is handed to the inflater in slices this big, so one slice's output stays small (at most ~1000×). */
const SLICE_BYTES = 16 << 10;

export class InflateLimitError extends Error {
  constructor(readonly inflated: number, readonly compressed: number) {
    super(`it expands to more than ${MAX_INFLATE_RATIO} times its compressed size (${mib(inflated)} from ${mib(compressed)} so far): a gzip bomb, not a log`);
  }
}

const mib = (bytes: number) => `${(bytes / (1 << 20)).toFixed(1)} MiB`;

export interface GunzipOutcome {
  /** Set when the data ended in something that is neither gzip nor zero padding (zcat: "trailing garbage ignored"). */
  trailingGarbage: boolean;
}

/** zlib's own codes and words, so a corrupt stream reads the same whichever layer found it. */
function zlibError(code: 'Z_DATA_ERROR' | 'Z_BUF_ERROR', message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The decompressed bytes of a gzip stream. The input is always read to its end, so a container (tar,
 * zip) can move on to its next member. Throws zlib-coded errors for corrupt or truncated data,
 * InflateLimitError past MAX_INFLATE_RATIO.
 */
export async function* gunzip(input: Bytes, outcome: GunzipOutcome = { trailingGarbage: false }): AsyncGenerator<Buffer> {
  const reader = new ByteReader(input);
  const counts = { compressed: 0, inflated: 0 };
  try {
    for (let members = 0; ; members++) {
      const magic = await reader.read(2);
      if (magic.length === 0 && members > 0) return;
      if (magic.length < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) {
        if (members === 0) throw magic.length < 2 ? zlibError('Z_BUF_ERROR', 'unexpected end of file') : zlibError('Z_DATA_ERROR', 'incorrect header check');
        // After the last member: zero padding is fine, anything else is trailing garbage.
        if (!isZeros(magic) || !(await reader.restIsZeros())) outcome.trailingGarbage = true;
        return;
      }
      await skipHeader(reader);
      let crc = 0;
      let size = 0;
      for await (const chunk of inflateMember(reader, counts)) {
        crc = crc32(chunk, crc);
        size = (size + chunk.length) % 2 ** 32;
        yield chunk;
      }
      const trailer = await reader.read(8);
      if (trailer.length < 8) throw zlibError('Z_BUF_ERROR', 'unexpected end of file');
      if (trailer.readUInt32LE(0) !== crc) throw zlibError('Z_DATA_ERROR', 'incorrect data check');
      if (trailer.readUInt32LE(4) !== size) throw zlibError('Z_DATA_ERROR', 'incorrect length check');
    }
  } finally {
    await reader.drain();
  }
}

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** The rest of the member header after its magic: method, flags, and the optional fields they announce. */
async function skipHeader(reader: ByteReader): Promise<void> {
  const fixed = await reader.read(8);
  if (fixed.length < 8) throw zlibError('Z_BUF_ERROR', 'unexpected end of file');
  if (fixed[0] !== 8) throw zlibError('Z_DATA_ERROR', 'unknown compression method');
  const flags = fixed[1]!;
  if (flags & 0xe0) throw zlibError('Z_DATA_ERROR', 'unknown header flags set');
  if (flags & FEXTRA) {
    const length = await reader.read(2);
    if (length.length < 2 || (await reader.read(length.readUInt16LE(0))).length < length.readUInt16LE(0)) {
      throw zlibError('Z_BUF_ERROR', 'unexpected end of file');
    }
  }
  if (flags & FNAME) await reader.skipPast(0);
  if (flags & FCOMMENT) await reader.skipPast(0);
  if (flags & FHCRC && (await reader.read(2)).length < 2) throw zlibError('Z_BUF_ERROR', 'unexpected end of file');
}

/** One member's deflate data (a gzip member's, or a zip member's): InflateRaw stops at its end, and what it did not take goes back to the reader. */
export async function* inflateMember(reader: ByteReader, counts: { compressed: number; inflated: number }): AsyncGenerator<Buffer> {
  const inflater = createInflateRaw();
  const out: Buffer[] = [];
  let failure: Error | undefined;
  let ended = false;
  inflater.on('data', (chunk: Buffer) => out.push(chunk));
  inflater.on('error', (error: Error) => (failure ??= error));
  inflater.on('end', () => (ended = true));
  let fed = 0;
  try {
    for (;;) {
      const slice = await reader.next(SLICE_BYTES);
      if (!slice) {
        // The input ended inside the deflate data.
        await finish(inflater, ended);
        for (const chunk of out.splice(0)) yield chunk;
        if (failure) throw failure;
        if (!ended) throw zlibError('Z_BUF_ERROR', 'unexpected end of file');
        return;
      }
      await write(inflater, slice);
      if (failure) throw failure;
      fed += slice.length;
      const taken = inflater.bytesWritten - (fed - slice.length);
      counts.compressed += taken;
      for (const chunk of out.splice(0)) {
        counts.inflated += chunk.length;
        if (counts.inflated > INFLATE_RATIO_GRACE_BYTES && counts.inflated > MAX_INFLATE_RATIO * counts.compressed) {
          throw new InflateLimitError(counts.inflated, counts.compressed);
        }
        yield chunk;
      }
      if (taken < slice.length) {
        // The member's deflate data ended inside this slice: the rest is its trailer, and what follows.
        reader.unread(slice.subarray(taken));
        return;
      }
    }
  } finally {
    inflater.destroy();
  }
}

/** Resolves once the slice is inflated (its output delivered), or the inflater failed. */
function write(inflater: InflateRaw, slice: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      inflater.off('error', done).off('close', done);
      resolve();
    };
    inflater.once('error', done).once('close', done);
    inflater.write(slice, done);
  });
}

function finish(inflater: InflateRaw, ended: boolean): Promise<void> {
  if (ended || inflater.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    inflater.once('end', resolve).once('error', () => resolve()).once('close', resolve);
    inflater.end();
  });
}

function isZeros(bytes: Buffer): boolean {
  return bytes.every((b) => b === 0);
}

/** Pull-based reading of a byte stream, with bytes handed back for the next reader. */
export class ByteReader {
  readonly #iterator: AsyncIterator<Buffer>;
  #held: Buffer[] = [];
  #done = false;

  constructor(input: Bytes) {
    this.#iterator = input[Symbol.asyncIterator]();
  }

  /** The next bytes, at most `max` of them; null at the end of the stream. */
  async next(max: number): Promise<Buffer | null> {
    let chunk = this.#held.shift();
    if (!chunk) {
      if (this.#done) return null;
      const next = await this.#iterator.next();
      if (next.done) {
        this.#done = true;
        return null;
      }
      chunk = next.value;
    }
    if (chunk.length > max) {
      this.#held.unshift(chunk.subarray(max));
      chunk = chunk.subarray(0, max);
    }
    return chunk;
  }

  unread(bytes: Buffer): void {
    if (bytes.length) this.#held.unshift(bytes);
  }

  /** Exactly n bytes, or fewer at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let length = 0;
    while (length < n) {
      const chunk = await this.next(n - length);
      if (!chunk) break;
      parts.push(chunk);
      length += chunk.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
  }

  /** Skips up to and including the next `byte` (a zero-terminated header field). */
  async skipPast(byte: number): Promise<void> {
    for (let chunk = await this.next(SLICE_BYTES); chunk; chunk = await this.next(SLICE_BYTES)) {
      const at = chunk.indexOf(byte);
      if (at !== -1) {
        this.unread(chunk.subarray(at + 1));
        return;
      }
    }
    throw zlibError('Z_BUF_ERROR', 'unexpected end of file');
  }

  async restIsZeros(): Promise<boolean> {
    let zeros = true;
    for (let chunk = await this.next(Infinity); chunk; chunk = await this.next(Infinity)) zeros &&= isZeros(chunk);
    return zeros;
  }

  /** Reads what is left, so whoever feeds the stream is never left waiting. */
  async drain(): Promise<void> {
    this.#held = [];
    while (!this.#done) {
      const next = await this.#iterator.next();
      if (next.done) this.#done = true;
    }
  }
}
