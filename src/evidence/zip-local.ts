// A zip whose central directory is gone (the download stopped before the
// end, where zip keeps it), read as `zip -FF` salvages one: member by member
// through the local header before each, in order, up to where the file stops.
// yauzl reads only through the central directory, so this is the one path
// that reads a zip's local headers. A member whose end its header does not
// give (stored data followed by a data descriptor) stops the reading there.
// A symbolic link cannot be told from a file here (the directory says which
// is which); its member holds only its target's path, which is no log line.
// A member's CRC-32 is in its header, or in its data descriptor after it.
import { createReadStream } from 'node:fs';

import { dosDateTimeToDate, getFileNameLowLevel, parseExtraFields } from 'yauzl';

import { badCrc, CorruptArchiveError, summed, whole, type ArchiveMember } from './archive.js';
import { ByteReader, inflateMember } from './gzip.js';

const LOCAL_HEADER = 0x04034b50;
/** What follows the last member: the central directory, or the end record of an empty one. */
const DIRECTORY = new Set([0x02014b50, 0x06054b50]);
const DESCRIPTOR = 0x08074b50;
const ENCRYPTED = 1;
const HAS_DESCRIPTOR = 8;
const ZIP64_EXTRA = 0x0001;

/**
 * Calls onMember for each file member in order. A member vmfix cannot read but can skip (encrypted,
 * another compression method) goes to onUnreadable; one begun is read to its end, and if its bytes fail its CRC-32 it goes to
 * onDamaged. Throws CorruptArchiveError where the file stops or cannot be followed further.
 */
export async function readZipLocalHeaders(
  path: string,
  onMember: (member: ArchiveMember) => Promise<void>,
  onUnreadable: (member: string, reason: string) => void,
  onDamaged: (member: string, reason: string) => void,
): Promise<void> {
  const input = createReadStream(path, { highWaterMark: 256 * 1024 });
  const reader = new ByteReader(input);
  const counts = { compressed: 0, inflated: 0 };
  // Set where a member's data ends short: whoever read it may have said so and read on; the zip cannot.
  const cut = { in: null as string | null };
  try {
    for (;;) {
      const header = await reader.read(30);
      if (header.length >= 4 && DIRECTORY.has(header.readUInt32LE(0))) return;
      if (header.length < 30) throw new CorruptArchiveError(header.length === 0 ? 'it ends after a member' : 'it ends inside a member header');
      if (header.readUInt32LE(0) !== LOCAL_HEADER) throw new CorruptArchiveError('a member header is damaged');
      const flags = header.readUInt16LE(6);
      const method = header.readUInt16LE(8);
      const names = await reader.read(header.readUInt16LE(26));
      const extra = await reader.read(header.readUInt16LE(28));
      if (names.length < header.readUInt16LE(26) || extra.length < header.readUInt16LE(28)) throw new CorruptArchiveError('it ends inside a member header');
      const name = memberName(flags, names, extra);
      const size = compressedSize(header.readUInt32LE(18), extra);
      const descriptor = (flags & HAS_DESCRIPTOR) !== 0;
      const skip = flags & ENCRYPTED ? 'it is encrypted' : method !== 0 && method !== 8 ? `it uses compression method ${method}, which vmfix does not read` : undefined;
      if (skip || name.endsWith('/')) {
        if (descriptor) throw new CorruptArchiveError(`${name} gives no size before its data, so what follows it cannot be found`);
        if ((await reader.read(size)).length < size) throw new CorruptArchiveError(`it ends inside ${name}`);
        if (skip) onUnreadable(name, skip);
        continue;
      }
      if (method === 0 && descriptor) throw new CorruptArchiveError(`${name} gives no size before its data, so what follows it cannot be found`);
      const body = method === 8 ? deflated(reader, counts, name, cut) : stored(reader, size, name, cut);
      let read: number | undefined;
      let started = false;
      // Summed inside whole: a member whose reader stops early is still checked, once drained.
      const member = whole(summed(body, (crc) => (read = crc)));
      const given = (async function* () {
        started = true;
        yield* member;
      })();
      await onMember({ path: name, type: 'file', mtime: dosDateTimeToDate(header.readUInt16LE(12), header.readUInt16LE(10)), body: given });
      for await (const _ of member); // what onMember left unread: the next header comes after it
      if (cut.in !== null) throw new CorruptArchiveError(`it ends inside ${cut.in}`);
      const expected = descriptor ? await descriptorCrc(reader, extra) : header.readUInt32LE(14);
      // A member vmfix never began to read is not judged: nothing of it counted.
      if (started && read !== undefined && read !== expected) onDamaged(name, badCrc(read, expected));
    }
  } finally {
    input.destroy();
  }
}

/** The name as yauzl gives it where the directory is there (CP437 or UTF-8; Windows' backslashes as '/'): a member means the same either way. */
function memberName(flags: number, raw: Buffer, extra: Buffer): string {
  let fields;
  try {
    fields = parseExtraFields(extra);
  } catch (error) {
    throw new CorruptArchiveError(`a member header is damaged (${(error as Error).message})`, { cause: error });
  }
  return getFileNameLowLevel(flags, raw, fields, false).replace(/^(\.\/)+/, '');
}

async function* deflated(reader: ByteReader, counts: { compressed: number; inflated: number }, name: string, cut: { in: string | null }): AsyncGenerator<Buffer> {
  try {
    yield* inflateMember(reader, counts);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'Z_BUF_ERROR') {
      cut.in = name;
      throw new CorruptArchiveError(`it ends inside ${name}`, { cause: error });
    }
    if (code.startsWith('Z_')) throw new CorruptArchiveError(`${name} is damaged (${(error as Error).message})`, { cause: error });
    throw error;
  }
}

async function* stored(reader: ByteReader, size: number, name: string, cut: { in: string | null }): AsyncGenerator<Buffer> {
  for (let left = size; left > 0; ) {
    const chunk = await reader.next(left);
    if (!chunk) {
      cut.in = name;
      throw new CorruptArchiveError(`it ends inside ${name}`);
    }
    left -= chunk.length;
    yield chunk;
  }
}

/** The size in the header, or in the Zip64 extra field where the header says 0xFFFFFFFF. */
function compressedSize(size: number, extra: Buffer): number {
  if (size !== 0xffffffff) return size;
  for (let at = 0; at + 4 <= extra.length; at += 4 + extra.readUInt16LE(at + 2)) {
    if (extra.readUInt16LE(at) === ZIP64_EXTRA && at + 20 <= extra.length) return Number(extra.readBigUInt64LE(at + 12));
  }
  return size;
}

/** The CRC-32 in the descriptor after the data (with or without its signature; 8-byte sizes in a Zip64 member), and the reader past it. */
async function descriptorCrc(reader: ByteReader, extra: Buffer): Promise<number> {
  const first = await reader.read(4);
  const signed = first.length === 4 && first.readUInt32LE(0) === DESCRIPTOR;
  const size = (signed ? 4 : 0) + (hasZip64(extra) ? 16 : 8);
  const rest = await reader.read(size);
  if (first.length < 4 || rest.length < size) throw new CorruptArchiveError('it ends after a member');
  return signed ? rest.readUInt32LE(0) : first.readUInt32LE(0);
}

function hasZip64(extra: Buffer): boolean {
  for (let at = 0; at + 4 <= extra.length; at += 4 + extra.readUInt16LE(at + 2)) if (extra.readUInt16LE(at) === ZIP64_EXTRA) return true;
  return false;
}
