// What the archive readers (tar.ts, zip.ts) hand over, one member at a time.
import { crc32 } from 'node:zlib';

import type { Bytes } from './streams.js';

export interface ArchiveMember {
  /** The path inside the archive, without a leading "./". */
  readonly path: string;
  readonly type: 'file' | 'link' | 'other';
  readonly mtime: Date | null;
  /** A hard link's target: an earlier member of the same archive (tar only). */
  readonly hardLinkTo?: string;
  /** A symbolic link's target, where the archive says it. */
  readonly linkTarget?: string;
  /** A symbolic link on disk: the real path of the file it leads to, where it leads to one. */
  readonly resolvesTo?: string;
  /** What a member of type 'other' is, in words: "a FIFO", "a character device". */
  readonly what?: string;
  /** The member's bytes; read it to its end or leave it: the reader drains what is left. */
  readonly body: Bytes;
}

/** The archive itself cannot be read on (truncated, damaged, not the format it claims). */
export class CorruptArchiveError extends Error {}

/**
 * The member's bytes, and their CRC-32 to onEnd once the last has been read: zip's own check,
 * which yauzl does not make. Only at the end: wrapped in whole(), a member begun is read to it.
 */
export async function* summed(body: Bytes, onEnd: (crc: number) => void): AsyncGenerator<Buffer> {
  let crc = 0;
  for await (const chunk of body) {
    crc = crc32(chunk, crc);
    yield chunk;
  }
  onEnd(crc);
}

/**
 * The member's bytes, read to their end even when whoever reads it stops early: a zip's next header
 * comes after them, and its CRC-32 is checked only at their end. Pulled one by one, for yield* and
 * for-await would close `body` on an early stop.
 */
export async function* whole(body: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  let next: IteratorResult<Buffer> | undefined;
  try {
    while (!(next = await body.next()).done) yield next.value;
  } finally {
    if (!next?.done) while (!(await body.next()).done);
  }
}

/** unzip -t's words for a member whose bytes are not the ones the zip was made of. */
export const badCrc = (crc: number, expected: number) => `its data does not match its CRC-32 (unzip -t: bad CRC ${hex(crc)} (should be ${hex(expected)}))`;

const hex = (n: number) => n.toString(16).padStart(8, '0');
