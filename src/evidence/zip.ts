// A zip file's members, one at a time, through yauzl: it reads the central
// directory and streams each member, so a vCenter "Export System Logs"
// download of several GB is never unpacked to disk or held in memory.
import yauzl, { type Entry, type ZipFile } from 'yauzl';

import { MAX_INFLATE_RATIO } from './gzip.js';
import { badCrc, CorruptArchiveError, summed, whole, type ArchiveMember } from './archive.js';
import { readZipLocalHeaders } from './zip-local.js';

/** Zip members are opened only when they declare a sane size: the central directory says it before any byte is read. */
const RATIO_GRACE_BYTES = 64 << 20;

/**
 * Calls onMember for each file member in order (directories skipped; symbolic links reported as links,
 * never read). A member that cannot be read is handed to onUnreadable with the reason, and the rest
 * are still read. A member begun is read to its end; one whose bytes fail its CRC-32 is handed to onDamaged.
 * Throws CorruptArchiveError when the zip itself cannot be read.
 */
export async function readZip(
  path: string,
  onMember: (member: ArchiveMember) => Promise<void>,
  onUnreadable: (member: string, reason: string) => void,
  onDamaged: (member: string, reason: string) => void,
): Promise<void> {
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false });
  } catch (error) {
    // The directory is the zip's last record: a file that starts as a zip and lacks it was cut short.
    if (/central directory record signature not found/i.test((error as Error).message)) return readCutShort(path, onMember, onUnreadable, onDamaged);
    throw new CorruptArchiveError(`not a readable zip archive (${(error as Error).message})`, { cause: error });
  }
  try {
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      if (entry.fileName.endsWith('/')) continue;
      const member = { path: entry.fileName.replace(/^(\.\/)+/, ''), mtime: entry.getLastModDate() };
      if (isSymlink(entry)) {
        await onMember({ ...member, type: 'link', body: (async function* () {})() });
        continue;
      }
      const refusal = refuse(entry);
      if (refusal) {
        onUnreadable(member.path, refusal);
        continue;
      }
      let body;
      try {
        body = await zip.openReadStreamPromise(entry);
      } catch (error) {
        onUnreadable(member.path, (error as Error).message);
        continue;
      }
      try {
        const { crc32: expected } = entry;
        // Drained once begun, so a reader that stops early still has the member checked.
        const checked = whole(
          summed(body as AsyncIterable<Buffer>, (crc) => {
            if (crc !== expected) onDamaged(member.path, badCrc(crc, expected));
          }),
        );
        await onMember({ ...member, type: 'file', body: checked });
      } finally {
        body.destroy();
      }
    }
  } finally {
    zip.close();
  }
}

/** What its local headers give, and then, always, that it was cut short: whatever it held after that is missing. */
async function readCutShort(
  path: string,
  onMember: (member: ArchiveMember) => Promise<void>,
  onUnreadable: (member: string, reason: string) => void,
  onDamaged: (member: string, reason: string) => void,
): Promise<never> {
  const missing = "the zip's central directory, at its end, is missing (a download that stopped?)";
  try {
    await readZipLocalHeaders(path, onMember, onUnreadable, onDamaged);
  } catch (error) {
    if (error instanceof CorruptArchiveError) throw new CorruptArchiveError(`${missing}, and ${error.message}`, { cause: error });
    throw error;
  }
  throw new CorruptArchiveError(`${missing}; its members were read by their own headers`);
}

function nextEntry(zip: ZipFile): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
    const onEntry = (entry: Entry) => (cleanup(), resolve(entry));
    const onEnd = () => (cleanup(), resolve(null));
    const onError = (error: Error) => (cleanup(), reject(new CorruptArchiveError(`not a readable zip archive (${error.message})`, { cause: error })));
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}

function refuse(entry: Entry): string | undefined {
  if (entry.isEncrypted()) return 'it is encrypted';
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) return `it uses compression method ${entry.compressionMethod}, which vmfix does not read`;
  if (entry.uncompressedSize > RATIO_GRACE_BYTES && entry.uncompressedSize > MAX_INFLATE_RATIO * Math.max(1, entry.compressedSize)) {
    return `it would expand to ${entry.uncompressedSize} bytes from ${entry.compressedSize} bytes: a zip bomb, not a log`;
  }
  return undefined;
}

/** Unix mode in the high 16 bits of the external attributes, as Info-ZIP writes them. */
function isSymlink(entry: Entry): boolean {
  return ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000;
}
