// Where a tar stream's archive ends, found by walking its 512-byte blocks as
// node-tar's parser does (its public Header and Pax): the parser stops at the
// two zero blocks that end an archive and keeps what follows to itself, so
// tar.ts feeds it no further and reads on itself (a second archive of a
// `cat a.tgz b.tgz`, as GNU tar -i does, or bytes that are no tar).
import { Header, Pax, type HeaderData } from 'tar';

export const BLOCK = 512;
/** node-tar's own limit: a longer pax or GNU long-name body is skipped, not applied. */
const MAX_META_BYTES = 1024 * 1024;
const META = new Set(['ExtendedHeader', 'OldExtendedHeader', 'GlobalExtendedHeader', 'NextFileHasLongPath', 'OldGnuLongPath', 'NextFileHasLongLinkpath']);

/** One archive's blocks, chunk by chunk: how much of each chunk is still this archive's. */
export class TarBlocks {
  /** Its two zero blocks have come: nothing after them is this archive's. */
  ended = false;
  /** The last block seen was a zero block (a tar ended by one, as some writers end it). */
  lastWasNull = false;
  /** File system entries (not pax or long-name headers) whose headers were seen. */
  entries = 0;
  /** Bytes of this archive seen so far. */
  offset = 0;
  #partial: Buffer[] = [];
  #partialBytes = 0;
  /** Bytes of the current entry's body and padding still to come. */
  #bodyLeft = 0;
  #meta: { type: string; left: number; chunks: Buffer[] } | null = null;
  #ex: HeaderData | undefined;
  #gex: HeaderData | undefined;

  /** How many bytes at the start of `chunk` belong to this archive: all of them unless its end is in it. */
  take(chunk: Buffer): number {
    let at = 0;
    while (at < chunk.length && !this.ended) {
      if (this.#bodyLeft > 0) {
        const n = Math.min(this.#bodyLeft, chunk.length - at);
        if (this.#meta && this.#meta.left > 0) {
          const m = Math.min(this.#meta.left, n);
          this.#meta.chunks.push(Buffer.from(chunk.subarray(at, at + m)));
          this.#meta.left -= m;
        }
        this.#bodyLeft -= n;
        at += n;
        if (this.#bodyLeft === 0 && this.#meta) this.#applyMeta();
        continue;
      }
      const n = Math.min(BLOCK - this.#partialBytes, chunk.length - at);
      if (this.#partialBytes === 0 && n === BLOCK) {
        this.#header(chunk.subarray(at, at + BLOCK));
      } else {
        this.#partial.push(chunk.subarray(at, at + n));
        this.#partialBytes += n;
        if (this.#partialBytes === BLOCK) {
          const block = Buffer.concat(this.#partial);
          this.#partial = [];
          this.#partialBytes = 0;
          this.#header(block);
        }
      }
      at += n;
    }
    this.offset += at;
    return at;
  }

  /** Nothing is owed: the stream may stop here (between blocks, not inside a header or a body). */
  get atBoundary(): boolean {
    return this.#bodyLeft === 0 && this.#partialBytes === 0;
  }

  #header(block: Buffer): void {
    const header = decode(block, this.#ex, this.#gex);
    if (header?.nullBlock) {
      if (this.lastWasNull) this.ended = true;
      this.lastWasNull = true;
      return;
    }
    this.lastWasNull = false;
    // The parser stops reading at a header it refuses (tar.ts fails there); one block, as it steps.
    if (!header?.cksumValid) return;
    const size = header.size ?? 0;
    this.#bodyLeft = BLOCK * Math.ceil(size / BLOCK);
    const type = header.type;
    if (META.has(type)) {
      // An empty one changes nothing; a longer one than the parser applies is skipped, as it skips it.
      this.#meta = size > 0 && size <= MAX_META_BYTES ? { type, left: size, chunks: [] } : null;
      return;
    }
    this.#meta = null;
    this.#ex = undefined;
    this.entries++;
  }

  /** What a pax or GNU long-name header says of the entries after it: their sizes among the rest. */
  #applyMeta(): void {
    const { type, chunks } = this.#meta!;
    this.#meta = null;
    const text = chunks.map((c) => c.toString()).join('');
    if (type === 'ExtendedHeader' || type === 'OldExtendedHeader') this.#ex = Pax.parse(text, this.#ex, false);
    else if (type === 'GlobalExtendedHeader') this.#gex = Pax.parse(text, this.#gex, true);
    else {
      const ex: HeaderData = this.#ex ?? Object.create(null);
      ex[type === 'NextFileHasLongLinkpath' ? 'linkpath' : 'path'] = text.replace(/\0.*/, '');
      this.#ex = ex;
    }
  }
}

/** What a block after an archive's end is: padding, another archive's first header, or neither. */
export function blockAfterEnd(block: Buffer): 'zeros' | 'header' | 'other' {
  if (block.length < BLOCK) return block.every((b) => b === 0) ? 'zeros' : 'other';
  const header = decode(block);
  if (header?.nullBlock || block.every((b) => b === 0)) return 'zeros';
  return header?.cksumValid && header.path ? 'header' : 'other';
}

/** The block as node-tar reads it; null where it throws (a number field of bad base-256), as the parser refuses it. */
function decode(block: Buffer, ex?: HeaderData, gex?: HeaderData): Header | null {
  try {
    return new Header(block, 0, ex, gex);
  } catch {
    return null;
  }
}
