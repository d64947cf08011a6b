// Byte streams as the readers pass them around (async iterables of Buffer):
// telling what a stream holds by its first bytes, and gunzipping it as zcat
// would, with a cap on how much a small input may expand to.
import { createGunzip, type Gunzip } from 'node:zlib';

export type Bytes = AsyncIterable<Buffer>;

export type Kind = 'gzip' | 'zip' | 'tar' | 'bzip2' | 'xz' | 'zstd' | '7z' | 'rar' | 'text';

/** Bytes needed to tell every kind apart (tar's "ustar" sits at 257). */
export const SNIFF_BYTES = 512;

export function sniff(head: Buffer): Kind {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x1f, 0x8b)) return 'gzip';
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) return 'zip';
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  if (starts(0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) return '7z';
  if (starts(0x52, 0x61, 0x72, 0x21)) return 'rar';
  return 'text';
}

/** The first `bytes` bytes (fewer at the end of the stream), and the whole stream again. */
export async function peek(input: Bytes, bytes = SNIFF_BYTES): Promise<{ head: Buffer; all: Bytes }> {
  const iterator = input[Symbol.asyncIterator]();
  const taken: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    taken.push(next.value);
    length += next.value.length;
  }
  async function* all(): AsyncGenerator<Buffer> {
    try {
      yield* taken;
      if (!done) {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return { head: Buffer.concat(taken).subarray(0, bytes), all: all() };
}

/** A stream that would expand past this ratio to its compressed size is refused: a gzip bomb, not a log. */
export const MAX_INFLATE_RATIO = 250;
/** ... once past this much output: small inputs may legitimately expand far more. */
const INFLATE_RATIO_GRACE_BYTES = 64 << 20;

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

/**
 * Gunzips like zcat: concatenated members are one stream, zero padding after the last is ignored, and
 * so is other trailing data, which `outcome` reports. The input is always read to its end, so a
 * container (tar, zip) can move on to its next member. Throws zlib's error for corrupt or truncated
 * data, InflateLimitError past MAX_INFLATE_RATIO.
 */
export async function* gunzip(input: Bytes, outcome: GunzipOutcome = { trailingGarbage: false }): AsyncGenerator<Buffer> {
  const gz = createGunzip();
  let compressed = 0;
  let inflated = 0;
  let stop = false;
  const feeding = feed(input, gz, () => stop, (bytes) => (compressed += bytes));
  try {
    for await (const chunk of gz as AsyncIterable<Buffer>) {
      inflated += chunk.length;
      if (inflated > INFLATE_RATIO_GRACE_BYTES && inflated > MAX_INFLATE_RATIO * compressed) {
        throw new InflateLimitError(inflated, compressed);
      }
      yield chunk;
    }
  } catch (error) {
    // zlib checks a header only at the start of a member: after output, this is data after the last one.
    if (!(inflated > 0 && isHeaderError(error))) throw error;
    outcome.trailingGarbage = true;
  } finally {
    stop = true;
    gz.destroy();
    const failure = await feeding;
    if (failure !== undefined) throw failure; // the input's own error (a read error, an outer gzip) wins
  }
}

/** Writes input into gz with backpressure; returns the input's error, if any. Reads the input to its end regardless. */
async function feed(input: Bytes, gz: Gunzip, stopped: () => boolean, count: (bytes: number) => void): Promise<unknown> {
  try {
    for await (const chunk of input) {
      if (stopped() || gz.destroyed || gz.writableEnded) continue;
      count(chunk.length);
      if (!gz.write(chunk)) await drained(gz);
    }
    if (!gz.destroyed && !gz.writableEnded) gz.end();
    return undefined;
  } catch (error) {
    gz.destroy();
    return error;
  }
}

function drained(gz: Gunzip): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      gz.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    gz.on('drain', done).on('close', done).on('error', done);
  });
}

function isHeaderError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === 'Z_DATA_ERROR' && /incorrect header check|unknown compression method|invalid window size/.test(message ?? '');
}
