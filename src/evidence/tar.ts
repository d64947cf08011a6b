// A tar stream's members, one at a time, through node-tar's parser: nothing
// is written to disk and only the member being read is held, in chunks.
import { Parser, type ReadEntry } from 'tar';

import { CorruptArchiveError, type ArchiveMember } from './archive.js';
import type { Bytes } from './streams.js';
import { BLOCK, blockAfterEnd, TarBlocks } from './tar-blocks.js';

/** What came after the members, besides the zero blocks that pad a tar. */
export interface TarOutcome {
  /** Archives read one after another (`cat esx01.tgz esx02.tgz`: two tars in one stream, read on as GNU tar -i reads). */
  readonly archives: number;
  /** Bytes after the last archive's end that are neither zero padding nor another archive: not read. */
  readonly trailingBytes: number;
}

/**
 * Calls onMember for each member in order, waiting for it. Links (symbolic or hard) are reported as
 * links and never read: a vm-support bundle's var/log/vmkernel.log points at /var/run/log, which on the
 * machine reading the bundle is some other file or none. FIFOs, devices and directories come as 'other'. Throws CorruptArchiveError for a truncated or
 * damaged tar (one cut between two members too), and whatever the input throws.
 *
 * A tar's end (two zero blocks) is not the stream's: tars concatenated (`cat a.tgz b.tgz`, whose gzip
 * members gzip.ts reads on through) are read one after another, as GNU tar -i reads them; bytes after
 * an end that begin no tar are counted and left unread, for the caller to say.
 */
export async function readTar(input: Bytes, onMember: (member: ArchiveMember) => Promise<void>): Promise<TarOutcome> {
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
  };
  // node-tar's parser stops at an archive's end and keeps what follows to itself: it is fed each archive up to its end, no further.
  let archive: OneArchive | null = oneArchive(onMember, fail);
  let archives = 1;
  // After an end: the block being gathered, then (once a block begins no tar) the bytes not read.
  let gap: Buffer[] = [];
  let gapBytes = 0;
  let trailingBytes = 0;
  try {
    reading: for await (const chunk of input) {
      let rest: Buffer = chunk;
      while (rest.length > 0) {
        if (failure !== undefined) break reading;
        if (trailingBytes > 0) {
          trailingBytes += rest.length;
          break;
        }
        if (archive) {
          const n = archive.blocks.take(rest);
          if (n > 0) await archive.write(n === rest.length ? rest : rest.subarray(0, n));
          rest = rest.subarray(n);
          if (archive.blocks.ended) {
            await archive.close();
            archive = null;
          }
          continue;
        }
        let block: Buffer;
        if (gapBytes === 0 && rest.length >= BLOCK) {
          block = rest.subarray(0, BLOCK);
          rest = rest.subarray(BLOCK);
        } else {
          const n = Math.min(BLOCK - gapBytes, rest.length);
          gap.push(rest.subarray(0, n));
          gapBytes += n;
          rest = rest.subarray(n);
          if (gapBytes < BLOCK) continue;
          block = Buffer.concat(gap);
          gap = [];
          gapBytes = 0;
        }
        const what = blockAfterEnd(block);
        if (what === 'other') trailingBytes = BLOCK;
        else if (what === 'header') {
          archive = oneArchive(onMember, fail);
          archives++;
          archive.blocks.take(block);
          await archive.write(block);
        }
      }
    }
  } catch (error) {
    fail(error);
  }
  if (archive) {
    // Ended even after a failure: a member cut short then ends too, and whoever reads it stops waiting.
    await archive.close();
    // A tar ends with zero blocks; without them it was cut short where a member's header would have come,
    // which neither node-tar nor GNU tar says (a plain .tar whose download stopped on a 512-byte edge).
    const { blocks } = archive;
    if (!blocks.ended && !(blocks.lastWasNull && blocks.atBoundary)) fail(new CorruptArchiveError('it ends after a member, without the zero blocks that end a tar'));
  } else if (gapBytes > 0 && blockAfterEnd(Buffer.concat(gap)) === 'other') {
    trailingBytes += gapBytes;
  }
  if (failure !== undefined) throw failure;
  return { archives, trailingBytes };
}

interface OneArchive {
  /** Where it ends, block by block. */
  readonly blocks: TarBlocks;
  write(bytes: Buffer): Promise<void>;
  /** Ends the parser's input and waits for its members to be read. */
  close(): Promise<void>;
}

/** One archive of the stream, through a parser of its own. */
function oneArchive(onMember: (member: ArchiveMember) => Promise<void>, fail: (error: unknown) => void): OneArchive {
  const parser = new Parser({ strict: false });
  const blocks = new TarBlocks();
  parser.on('warn', (code: string, message: string) => {
    // Anything else it warns of (odd headers it can still read) does not stop the reading.
    if (code === 'TAR_BAD_ARCHIVE' || code === 'TAR_ENTRY_INVALID') fail(new CorruptArchiveError(`not a valid tar archive (${message})`));
  });
  parser.on('error', fail);
  // What the parser saw, to check that it and the block walker agree on where the archive ends.
  let eof = false;
  let entries = 0;
  parser.on('eof', () => (eof = true));
  parser.on('ignoredEntry', (entry: ReadEntry) => {
    if (!entry.meta) entries++;
  });

  // Members come one at a time: the parser emits the next only after this one's end.
  let work: Promise<void> = Promise.resolve();
  parser.on('entry', (entry: ReadEntry) => {
    entries++;
    work = work.then(() => visit(entry, onMember)).catch((error: unknown) => {
      fail(error);
      entry.resume();
    });
  });
  const finished = new Promise<void>((resolve) => parser.on('close', resolve));
  return {
    blocks,
    async write(bytes) {
      if (!parser.write(bytes)) await drained(parser);
    },
    async close() {
      parser.end();
      await finished;
      await work;
      // Never met, but never silent: members the parser passed over unread while the walker read on.
      if (blocks.ended && !(eof && entries === blocks.entries)) {
        fail(new CorruptArchiveError(`vmfix lost its place in it (${blocks.entries} members by its blocks, ${entries} read, ${eof ? '' : 'no '}end seen)`));
      }
    },
  };
}

async function visit(entry: ReadEntry, onMember: (member: ArchiveMember) => Promise<void>): Promise<void> {
  const type = entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile' ? 'file' : /Link$/.test(entry.type) ? 'link' : 'other';
  if (type !== 'file') entry.resume();
  const body: Bytes = type === 'file' ? (entry as AsyncIterable<Buffer>) : (async function* () {})();
  try {
    const link =
      entry.type === 'Link' && entry.linkpath ? { hardLinkTo: memberPath(entry.linkpath) }
      : entry.type === 'SymbolicLink' && entry.linkpath ? { linkTarget: entry.linkpath }
      : {};
    const what = type === 'other' ? { what: SPECIAL[entry.type] ?? `a ${entry.type} entry` } : {};
    await onMember({ path: memberPath(entry.path), type, mtime: entry.mtime ?? null, body, ...link, ...what });
  } finally {
    // What onMember left unread, so the parser reaches the next member.
    entry.resume();
  }
}

const SPECIAL: Record<string, string> = {
  FIFO: 'a FIFO',
  CharacterDevice: 'a character device',
  BlockDevice: 'a block device',
  Directory: 'a directory',
};

function memberPath(path: string): string {
  return path.replace(/^(\.\/)+/, '');
}

function drained(parser: Parser): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      parser.off('drain', done).off('close', done);
      resolve();
    };
    parser.on('drain', done).on('close', done);
  });
}
