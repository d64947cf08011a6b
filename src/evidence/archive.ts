// What the archive readers (tar.ts, zip.ts) hand over, one member at a time.
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
