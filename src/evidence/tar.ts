// A tar stream's members, one at a time, through node-tar's parser: nothing
// is written to disk and only the member being read is held, in chunks.
import { Parser, type ReadEntry } from 'tar';

import { CorruptArchiveError, type ArchiveMember } from './archive.js';
import type { Bytes } from './streams.js';

/**
 * Calls onMember for each member in order, waiting for it. Links (symbolic or hard) are reported as
 * links and never read: a vm-support bundle's var/log/vmkernel.log points at /var/run/log, which on the
 * machine reading the bundle is some other file or none. FIFOs, devices and directories come as 'other'. Throws CorruptArchiveError for a truncated or
 * damaged tar (one cut between two members too), and whatever the input throws.
 */
export async function readTar(input: Bytes, onMember: (member: ArchiveMember) => Promise<void>): Promise<void> {
  const parser = new Parser({ strict: false });
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
  };
  parser.on('warn', (code: string, message: string) => {
    // Anything else it warns of (odd headers it can still read) does not stop the reading.
    if (code === 'TAR_BAD_ARCHIVE' || code === 'TAR_ENTRY_INVALID') fail(new CorruptArchiveError(`not a valid tar archive (${message})`));
  });
  parser.on('error', fail);
  // A tar ends with zero blocks; without them it was cut short where a member's header would have come,
  // which neither node-tar nor GNU tar says (a plain .tar whose download stopped on a 512-byte edge).
  let ended = false;
  parser.on('nullBlock', () => (ended = true));

  // Members come one at a time: the parser emits the next only after this one's end.
  let work: Promise<void> = Promise.resolve();
  parser.on('entry', (entry: ReadEntry) => {
    work = work.then(() => visit(entry, onMember)).catch((error: unknown) => {
      fail(error);
      entry.resume();
    });
  });
  const finished = new Promise<void>((resolve) => parser.on('close', resolve));

  try {
    for await (const chunk of input) {
      if (failure !== undefined) break;
      if (!parser.write(chunk)) await drained(parser);
    }
  } catch (error) {
    fail(error);
  }
  // Ended even after a failure: a member cut short then ends too, and whoever reads it stops waiting.
  parser.end();
  await finished;
  await work;
  if (failure !== undefined) throw failure;
  if (!ended) throw new CorruptArchiveError('it ends after a member, without the zero blocks that end a tar');
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
