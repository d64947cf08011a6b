// Files and directories on disk: a file is a log or an archive by its magic
// bytes, not its name; a directory is walked for vmkernel logs, net-stats
// listings and archives (an unzipped vCenter download is a directory of host
// .tgz files), and outside a bundle for any file holding vmkernel lines (a
// collector files hosts under names of its own). Symbolic links inside a
// directory are never followed: a
// bundle's var/log/vmkernel.log points at /var/run/log on the host, which on
// this machine is some other file or none.
import { createReadStream, type Dirent } from 'node:fs';
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

import { fileKind } from '../files.js';
import { CorruptArchiveError, type ArchiveMember } from './archive.js';
import { bundleOfMember, bundleRoot, byContentRule, compressedBeyondReach, isArchiveName, isEsxConf, rotationOf, isNetStatsListing, isVcenterOwnBundle, vcenterMemberHost, vmkernelLogName, vmkernelLogUnderOtherName } from './bundle-layout.js';
import { closeContainer, container, readTarContainer, readThroughAnotherArgument, readZipFile, route, routeByContent } from './containers.js';
import { cutShort, READ_CHUNK_BYTES, readLogStream, unreadable, UnreadableError, type Reading } from './reading.js';
import type { SourceBuilder } from './source.js';
import { gunzip, type GunzipOutcome } from './gzip.js';
import { peek, sniff, type Kind } from './streams.js';

/** A file named on the command line (or found in a directory): a log, or an archive by its magic bytes. */
export async function readFile(reading: Reading, path: string, source: () => SourceBuilder, depth = 1): Promise<{ trailingGarbage: boolean; kind: Kind; empty: boolean }> {
  const mtime = (await stat(path)).mtimeMs;
  const input = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer> & { destroy(): void };
  try {
    const { head, all } = await peek(input);
    // Read, not stat's size: procfs and sysfs files give size 0 and hold text.
    const empty = head.length === 0;
    const kind = sniff(head);
    if (kind === 'zip') {
      await readZipFile(reading, path, depth);
      return { trailingGarbage: false, kind, empty };
    }
    if (kind === 'bzip2' || kind === 'xz' || kind === 'zstd' || kind === '7z' || kind === 'rar') {
      throw new UnreadableError(`it is a ${kind} file, which vmfix does not read; decompress or extract it first`);
    }
    if (kind === 'tar') {
      await readTarContainer(reading, container(reading, path, '!', depth, vcenterMemberHost(path), mtime), all);
      return { trailingGarbage: false, kind, empty };
    }
    if (kind === 'gzip') {
      const outcome: GunzipOutcome = { trailingGarbage: false };
      let inner = await peek(gunzip(all, outcome)).catch(unreadable);
      // A .tgz compressed once more (a browser that saved it without undoing the server's Content-Encoding: gzip).
      if (sniff(inner.head) === 'gzip') inner = await peek(gunzip(inner.all, outcome)).catch(unreadable);
      if (sniff(inner.head) === 'tar') {
        await readTarContainer(reading, container(reading, path, '!', depth, vcenterMemberHost(path), mtime), inner.all);
        return { trailingGarbage: outcome.trailingGarbage, kind: 'tar', empty };
      }
      reading.onFile?.(path);
      await readLogStream(source(), inner.all, rotationOf(basename(path)).age);
      return { trailingGarbage: outcome.trailingGarbage, kind, empty };
    }
    reading.onFile?.(path);
    const outcome = await readLogStream(source(), all, rotationOf(basename(path)).age);
    return { trailingGarbage: outcome.trailingGarbage, kind, empty };
  } finally {
    input.destroy();
  }
}

/**
 * A directory: every vmkernel log, net-stats listing and archive in it, recursively, oldest rotation
 * first within each directory. Symbolic links are not followed.
 */
export async function readDirectory(reading: Reading, dir: string, seen: (path: string) => Promise<boolean>): Promise<void> {
  // A bundle given by its own directory, or by one inside it (its var/run/log): its name, kept in members' paths, says whose it is.
  const top = bundleTop(dir);
  const c = container(reading, top, sep, 0, null, undefined);
  const links: Link[] = [];
  try {
    for (const file of await walk(reading, dir, links)) {
      const path = relative(top, file.path).split(sep).join('/');
      if (file.byContent) {
        const rule = byContentRule(path);
        if (rule === 'other-program') reading.byContent.skipped.push(file.path);
        if (rule !== 'read') continue;
      }
      if (file.special) {
        reading.problems.push(`${file.path} is ${file.special}, not a file: vmfix does not open it, so whatever it stands for was not read.`);
        continue;
      }
      if (file.notFile) {
        await route(reading, c, { path, mtime: file.mtime, body: (async function* () {})(), ...file.notFile });
        continue;
      }
      if (!(await seen(file.path))) {
        reading.alreadyRead++;
        readThroughAnotherArgument(reading, c, path);
        continue;
      }
      if (isArchiveName(path) && !vmkernelLogName(path)) {
        await readNestedFile(reading, file.path, path);
        continue;
      }
      const body = createReadStream(file.path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer> & { destroy(): void };
      try {
        if (file.byContent) await routeByContent(reading, c, { path, type: 'file', mtime: file.mtime, body });
        else await route(reading, c, { path, type: 'file', mtime: file.mtime, body });
      } catch (error) {
        if (!isFsError(error)) throw error;
        reading.problems.push(`${file.path}: cannot be read (${fsReason(error)}).`);
      } finally {
        body.destroy();
      }
    }
  } finally {
    await closeContainer(reading, c);
  }
  // A bundle's links point into the host's own tree (/vmfs/volumes/…), which the bundle holds no log of.
  for (const link of links) if (!bundleOfMember(relative(top, link.path).split(sep).join('/'))) reading.links.push(link);
}

/** The directory above the bundle `dir` is or is inside of (as the user spelled it), else `dir`. */
function bundleTop(dir: string): string {
  const steps = resolve(dir).split(sep);
  for (let up = 0; up < steps.length - 1; up++) {
    if (bundleRoot(steps[steps.length - 1 - up]!)) return join(dir, ...Array<string>(up + 1).fill('..'));
  }
  return dir;
}

type Link = Reading['links'][number];

/** Once every argument is read: the directory or file a link points to may be given too. `links`: some of them. */
export function unreadLinks(reading: Reading, links: readonly Link[] = reading.links): string[] {
  const read = (link: Link) =>
    link.resolvesTo !== undefined &&
    (link.directory ? [...reading.directoriesRead].some((dir) => link.resolvesTo === dir || link.resolvesTo!.startsWith(dir + sep)) : reading.realPaths.has(link.resolvesTo));
  return links.filter((link) => !read(link)).map((link) =>
    link.resolvesTo === undefined
      ? `${link.path} is a symbolic link to ${link.target}, which leads nowhere (vmfix does not follow links): whatever it stood for was not read.`
      : link.directory
        ? `${link.path} is a symbolic link to the directory ${link.target}, which vmfix does not follow: the logs in it were not read (give vmfix that directory too).`
        : `${link.path} is a symbolic link to ${link.target}, which vmfix does not follow: its lines were not read (give vmfix the file it points to).`,
  );
}

async function readNestedFile(reading: Reading, path: string, member: string): Promise<void> {
  if (isVcenterOwnBundle(member)) {
    reading.notes.push(`${path} is vCenter's own support bundle (no host's vmkernel log in it): not read.`);
    return;
  }
  try {
    const lines = reading.lines;
    await readFile(reading, path, () => {
      throw new UnreadableError('it is neither a tar nor a zip archive');
    });
    if (reading.lines === lines) reading.problems.push(`${path}: no vmkernel log line was read from it.`);
  } catch (error) {
    if (!(error instanceof UnreadableError || error instanceof CorruptArchiveError)) throw error;
    reading.problems.push(error instanceof UnreadableError && error.at ? cutShort(path, error.message, error.at) : `${path}: ${error.message}.`);
  }
}

interface Found {
  readonly path: string;
  readonly mtime: Date;
  /** A vmkernel log's name on something else than a file: said, never read. */
  readonly notFile?: Pick<ArchiveMember, 'type' | 'linkTarget' | 'resolvesTo' | 'what'>;
  /** No name marks it as vmkernel's: read by its content, outside a bundle. */
  readonly byContent?: true;
  /** What it is where it is no file, directory or link (a FIFO, a socket, a device): said, never opened. */
  readonly special?: string;
}

/**
 * Regular files under dir, in reading order: by directory, then oldest rotation first, fragments in
 * order. A subdirectory that cannot be listed is a problem; the top one, an error naming it.
 */
async function walk(reading: Reading, dir: string, links: Link[], top = true): Promise<Found[]> {
  const out: Found[] = [];
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (top || !isFsError(error)) throw error;
    reading.problems.push(`${dir}: cannot be read (${fsReason(error)}).`);
    return out;
  }
  reading.directoriesRead.add(await realpath(dir));
  const files: string[] = [];
  const others: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const found of await walk(reading, path, links, false)) out.push(found);
    else if (entry.isSymbolicLink() && (await stat(path).then((s) => s.isDirectory(), () => false))) {
      links.push({ path, target: await readlink(path), resolvesTo: await realpath(path), directory: true });
    } else if (entry.isFile() && (vmkernelLogName(entry.name) || isNetStatsListing(relative(dirname(dirname(path)), path)) || bundleEsxConf(path) || isArchiveName(entry.name) || compressedBeyondReach(entry.name) || vmkernelLogUnderOtherName(entry.name))) {
      files.push(path);
    } else if (entry.isFile()) {
      others.push(path);
    } else if (!entry.isFile() && (vmkernelLogName(entry.name) || vmkernelLogUnderOtherName(entry.name))) {
      out.push({ path, mtime: (await lstat(path)).mtime, notFile: await notAFile(entry, path) });
    } else if (!entry.isFile() && !entry.isSymbolicLink()) {
      // Any name: in a folder read by content, a FIFO or a device may stand for a host's log. Never opened: a FIFO would hang.
      out.push({ path, mtime: (await lstat(path)).mtime, byContent: true, special: fileKind(entry) });
    } else if (entry.isSymbolicLink()) {
      // Any name: in a folder read by content, a link to a file (or to nothing) may stand for a host's log.
      const resolvesTo = await realpath(path).catch(() => undefined);
      links.push({ path, target: await readlink(path), ...(resolvesTo === undefined ? {} : { resolvesTo }), directory: false });
    }
  }
  files.sort((a, b) => readingOrder(a, b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const path of files) out.push({ path, mtime: (await stat(path)).mtime });
  // Oldest rotation first within each family (syslog.log.1.gz before syslog.log), as for vmkernel's.
  const age = (path: string) => rotationOf(basename(path)).age;
  others.sort((a, b) => age(b) - age(a) || (a < b ? -1 : a > b ? 1 : 0));
  for (const path of others) out.push({ path, mtime: (await stat(path)).mtime, byContent: true });
  return out;
}

/** A bundle's etc/vmware/esx.conf: the host's system UUID. */
function bundleEsxConf(path: string): boolean {
  const rel = path.split(sep).join('/');
  return isEsxConf(rel) && bundleOfMember(rel) !== null;
}

async function notAFile(entry: Dirent, path: string): Promise<Found['notFile']> {
  if (entry.isSymbolicLink()) {
    const resolvesTo = await realpath(path).catch(() => undefined);
    return { type: 'link', linkTarget: await readlink(path), ...(resolvesTo === undefined ? {} : { resolvesTo }) };
  }
  return { type: 'other', what: fileKind(entry) };
}

function isFsError(error: unknown): error is NodeJS.ErrnoException {
  return typeof (error as NodeJS.ErrnoException | undefined)?.code === 'string' && /^E[A-Z]+$/.test((error as NodeJS.ErrnoException).code!);
}

function fsReason(error: NodeJS.ErrnoException): string {
  return error.code === 'EACCES' || error.code === 'EPERM' ? 'permission denied' : (error.code ?? error.message);
}

/** Higher rotation numbers are older: vmkernel.7.gz … vmkernel.0.gz, then the live log, then what is not a log. */
function readingOrder(a: string, b: string): number {
  const [x, y] = [vmkernelLogName(basename(a)), vmkernelLogName(basename(b))];
  if (!x || !y) return (x ? 0 : 1) - (y ? 0 : 1);
  return y.age - x.age || (x.fragment ?? 0) - (y.fragment ?? 0);
}
