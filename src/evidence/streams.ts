// Byte streams as the readers pass them around (async iterables of Buffer),
// and telling what a stream holds by its first bytes.

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
