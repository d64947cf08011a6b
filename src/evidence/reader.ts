// Reads what one --vmkernel-log argument holds into log sources: a log file
// (plain, gzip, UTF-16), a directory (vm-support bundles, loose logs,
// downloaded archives), a host bundle .tgz, or vCenter's .zip of them.
// Archives and directories go through one router, member by member in their
// order, so a bundle reads the same extracted or not. Nothing is unpacked to
// disk and no symbolic link is followed.
import { createReadStream, type Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { PassThrough } from 'node:stream';

import { CorruptArchiveError, type ArchiveMember } from './archive.js';
import { bundleOfMember, bundleRoot, isArchiveName, isNetStatsListing, isVcenterOwnBundle, vcenterMemberHost, vmkernelLogName } from './bundle-layout.js';
import { parseNetStats } from './port-clients.js';
import { SourceBuilder } from './source.js';
import { gunzip, InflateLimitError, peek, sniff, type Bytes, type GunzipOutcome, type Kind } from './streams.js';
import { readTar } from './tar.js';
import { readZip } from './zip.js';

/** Read size; Node's 64 KiB default costs throughput on plain files. */
const READ_CHUNK_BYTES = 256 * 1024;
/** An archive inside an archive is read (vCenter's zip of host .tgz files); one more level is not. */
const MAX_ARCHIVE_DEPTH = 2;
/** net-stats listings are a few hundred KB at most. */
const MAX_LISTING_BYTES = 8 << 20;

/** Everything one readLogFiles call gathers, shared by the arguments it reads. */
export class Reading {
  readonly sources: SourceBuilder[] = [];
  readonly #byName = new Map<string, SourceBuilder>();
  /** Something read failed partway: the verdict may miss evidence there. */
  readonly problems: string[] = [];
  readonly notes: string[] = [];
  /** vmkernel log files (or fragments) met so far, read or not. */
  logFiles = 0;
  /** Files not read again: reached twice, through two arguments or a link. */
  alreadyRead = 0;

  constructor(
    readonly now: number,
    readonly onFile?: (name: string) => void,
  ) {}

  source(name: string, make: () => SourceBuilder): SourceBuilder {
    let source = this.#byName.get(name);
    if (!source) {
      source = make();
      this.#byName.set(name, source);
      this.sources.push(source);
    }
    return source;
  }

  get lines(): number {
    return this.sources.reduce((sum, source) => sum + source.lines, 0);
  }
}

/** A failure of the file itself, before or while reading it; the caller names the file. */
export class UnreadableError extends Error {}

/**
 * Reads a log file (not an archive) into `source`: gzip detected by its magic bytes, not its name.
 * Throws UnreadableError for what it cannot read (corrupt gzip, an archive kind it does not read).
 */
export async function readLogStream(source: SourceBuilder, body: Bytes): Promise<{ trailingGarbage: boolean }> {
  const { head, all } = await peek(body);
  let kind = sniff(head);
  const outcome: GunzipOutcome = { trailingGarbage: false };
  let text = all;
  if (kind === 'gzip') {
    const inner = await peek(gunzip(all, outcome)).catch(unreadable);
    kind = sniff(inner.head);
    text = inner.all;
  }
  if (kind !== 'text') {
    await drain(text);
    throw new UnreadableError(`it is a ${kind} file, not a log`);
  }
  await source.feed(text).catch(unreadable);
  return outcome;
}

function unreadable(error: unknown): never {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code.startsWith('Z_')) throw new UnreadableError(`gzip data is corrupt (${(error as Error).message})`, { cause: error });
  if (error instanceof InflateLimitError) throw new UnreadableError(error.message, { cause: error });
  throw error;
}

async function drain(input: Bytes): Promise<void> {
  for await (const _ of input);
}

// ---------------------------------------------------------------------------
// Containers: a directory, a tar stream or a zip file, whose members go
// through route() in order.

interface Container {
  /** How members are named in messages and sources: a path on disk, or "archive!member". */
  readonly label: string;
  /** Members' paths are joined to the label with this ('/' for directories, '!' for archives). */
  readonly joiner: string;
  readonly depth: number;
  /** The host a vCenter download's member name gives, for members outside any esx-… directory. */
  readonly hostHint: string | null;
  /** When the container was made (ms): the year of year-less lines outside a dated bundle. */
  readonly reference: number | undefined;
  /** Bundle roots seen, in order: the first is named by the container alone. */
  readonly roots: string[];
  /** Log files already taken per bundle root, by name: var/log and var/run/log may both hold a copy. */
  readonly taken: Map<string, string>;
  readonly fragments: Map<string, OpenFragments>;
}

interface OpenFragments {
  readonly source: SourceBuilder;
  readonly label: string;
  next: number;
  /** Slices after a missing one: a gzip cannot be read past the gap. */
  broken: boolean;
  channel: PassThrough;
  reading: Promise<void>;
}

function container(label: string, joiner: string, depth: number, hostHint: string | null, reference: number | undefined): Container {
  return { label, joiner, depth, hostHint, reference, roots: [], taken: new Map(), fragments: new Map() };
}

async function route(reading: Reading, c: Container, member: ArchiveMember): Promise<void> {
  if (member.type !== 'file') return; // links are never followed
  const name = c.label + c.joiner + member.path;
  const log = vmkernelLogName(member.path);
  if (log) return routeLog(reading, c, member, name, log.file, log.fragment);
  if (isNetStatsListing(member.path)) return routeListing(reading, c, member, name);
  if (isArchiveName(member.path)) return routeArchive(reading, c, member, name);
}

function sourceFor(reading: Reading, c: Container, memberPath: string, mtime: Date | null): SourceBuilder {
  const bundle = bundleOfMember(memberPath);
  if (bundle) {
    if (!c.roots.includes(bundle.path)) c.roots.push(bundle.path);
    // One bundle per archive is the rule: it is named by the archive; a directory's bundle by its path.
    const name = c.joiner === '!' && c.roots[0] === bundle.path ? c.label : c.label + c.joiner + bundle.path;
    const reference = bundle.root.collected ?? mtime?.getTime() ?? c.reference;
    return reading.source(name, () =>
      new SourceBuilder({ name, hostName: bundle.root.hostName, fixedHost: true, ...capped(reference, reading.now) }),
    );
  }
  // Loose logs: one source per directory (each is one host's, or a collector's share of many).
  const dir = dirname(memberPath);
  const name = dir === '.' ? c.label : c.label + c.joiner + dir;
  const reference = mtime?.getTime() ?? c.reference;
  return reading.source(name, () =>
    new SourceBuilder({ name, hostName: c.hostHint, fixedHost: c.hostHint !== null, ...capped(reference, reading.now) }),
  );
}

/** Never in the future: a clock set wrong must not move year-less lines a year ahead. */
function capped(reference: number | undefined, now: number): { reference?: number } {
  return reference === undefined ? {} : { reference: Math.min(reference, now) };
}

async function routeLog(reading: Reading, c: Container, member: ArchiveMember, name: string, file: string, fragment: number | null): Promise<void> {
  reading.logFiles++;
  const bundle = bundleOfMember(member.path);
  if (bundle) {
    const key = `${bundle.path}\u0000${basename(file)}`;
    const taken = c.taken.get(key);
    if (taken !== undefined && taken !== file) return; // the same log under another directory of the bundle
    c.taken.set(key, file);
  }
  const source = sourceFor(reading, c, member.path, member.mtime);
  if (fragment !== null) return routeFragment(reading, c, source, member, file, fragment);
  reading.onFile?.(name);
  try {
    const outcome = await readLogStream(source, member.body);
    if (outcome.trailingGarbage) reading.problems.push(trailingGarbage(name));
  } catch (error) {
    if (!(error instanceof UnreadableError)) throw error;
    reading.problems.push(`${name}: ${error.message}; the lines before that were read.`);
  }
}

const trailingGarbage = (name: string) =>
  `${name}: the gzip data is followed by data that is not gzip; it was ignored (as zcat does) and the last lines before it may be missing.`;

/** Slices of one file, joined in order as they arrive (vm-support writes them one after another). */
async function routeFragment(reading: Reading, c: Container, source: SourceBuilder, member: ArchiveMember, file: string, index: number): Promise<void> {
  const fileName = c.label + c.joiner + file;
  let open = c.fragments.get(file);
  if (!open) {
    if (index !== 0) {
      reading.problems.push(`${fileName}: its fragments start at FRAG-${pad(index)}, not FRAG-00000; they were not read.`);
      c.fragments.set(file, brokenFragments(source, fileName, index));
      return drain(member.body);
    }
    open = startFragments(reading, source, fileName);
    c.fragments.set(file, open);
  }
  if (open.broken) return drain(member.body);
  if (index !== open.next) {
    reading.problems.push(`${fileName}: FRAG-${pad(open.next)} is missing; what came after it was not read.`);
    open.broken = true;
    open.channel.end();
    return drain(member.body);
  }
  open.next++;
  for await (const chunk of member.body) {
    if (!open.channel.write(chunk)) await new Promise((resolve) => open.channel.once('drain', resolve));
  }
}

function startFragments(reading: Reading, source: SourceBuilder, label: string): OpenFragments {
  reading.onFile?.(label);
  const channel = new PassThrough({ highWaterMark: READ_CHUNK_BYTES });
  const open: OpenFragments = { source, label, next: 0, broken: false, channel, reading: Promise.resolve() };
  open.reading = (async () => {
    try {
      const outcome = await readLogStream(source, channel);
      if (outcome.trailingGarbage) reading.problems.push(trailingGarbage(label));
    } catch (error) {
      if (!(error instanceof UnreadableError)) throw error;
      // After a missing slice the data is cut short: that was said already.
      if (!open.broken) reading.problems.push(`${label} (joined from its fragments): ${error.message}; the lines before that were read.`);
      channel.resume(); // keep taking what is written, so the archive reads on
    }
  })();
  return open;
}

function brokenFragments(source: SourceBuilder, label: string, next: number): OpenFragments {
  const channel = new PassThrough();
  channel.end();
  return { source, label, next, broken: true, channel, reading: Promise.resolve() };
}

const pad = (n: number) => String(n).padStart(5, '0');

/** Ends every file still being joined from fragments, and waits for its reading. */
async function closeFragments(c: Container): Promise<void> {
  for (const open of c.fragments.values()) open.channel.end();
  await Promise.all([...c.fragments.values()].map((open) => open.reading));
}

async function routeListing(reading: Reading, c: Container, member: ArchiveMember, name: string): Promise<void> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of member.body) {
    if ((bytes += chunk.length) <= MAX_LISTING_BYTES) chunks.push(chunk);
  }
  if (bytes > MAX_LISTING_BYTES || !bundleOfMember(member.path)) return;
  sourceFor(reading, c, member.path, member.mtime).addListing(parseNetStats(Buffer.concat(chunks).toString('utf8')), name);
}

async function routeArchive(reading: Reading, c: Container, member: ArchiveMember, name: string): Promise<void> {
  if (isVcenterOwnBundle(member.path)) {
    reading.notes.push(`${name} is vCenter's own support bundle (no host's vmkernel log in it): not read.`);
    return;
  }
  if (c.depth >= MAX_ARCHIVE_DEPTH) {
    reading.notes.push(`${name} is an archive inside an archive inside an archive: not read.`);
    return;
  }
  const host = vcenterMemberHost(member.path);
  try {
    await readArchive(reading, name, member.body, c.depth + 1, host, member.mtime?.getTime() ?? c.reference, () =>
      member.path.toLowerCase().endsWith('.zip') ? 'zip' : undefined,
    );
  } catch (error) {
    if (!(error instanceof UnreadableError || error instanceof CorruptArchiveError)) throw error;
    reading.problems.push(`${name}: ${error.message}; what was read before that counts.`);
  }
}

/**
 * An archive given as a stream: gzip, then tar. A zip member inside another archive cannot be read
 * (zip needs to seek), and says so.
 */
async function readArchive(
  reading: Reading,
  label: string,
  body: Bytes,
  depth: number,
  hostHint: string | null,
  reference: number | undefined,
  claimedKind: () => Kind | undefined,
): Promise<void> {
  const { head, all } = await peek(body);
  let kind = claimedKind() ?? sniff(head);
  let data = all;
  if (kind === 'gzip') {
    const inner = await peek(gunzip(all)).catch(unreadable);
    kind = sniff(inner.head);
    data = inner.all;
  }
  if (kind === 'zip') {
    await drain(data);
    throw new UnreadableError('a zip inside an archive is not read; extract it and give vmfix the zip');
  }
  if (kind !== 'tar') {
    await drain(data);
    throw new UnreadableError(`not a tar archive (it holds ${kind === 'text' ? 'text' : kind} data)`);
  }
  await readTarContainer(reading, container(label, '!', depth, hostHint, reference), data);
}

async function readTarContainer(reading: Reading, c: Container, data: Bytes): Promise<void> {
  try {
    await readTar(data, (member) => route(reading, c, member));
  } catch (error) {
    if (error instanceof CorruptArchiveError) throw error;
    unreadable(error);
  } finally {
    await closeFragments(c);
  }
}

// ---------------------------------------------------------------------------
// Top level: a file on disk, or a directory.

/** A file named on the command line (or found in a directory): a log, or an archive by its magic bytes. */
export async function readFile(reading: Reading, path: string, source: () => SourceBuilder, depth = 1): Promise<{ trailingGarbage: boolean; kind: Kind }> {
  const mtime = (await stat(path)).mtimeMs;
  const input = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer> & { destroy(): void };
  try {
    const { head, all } = await peek(input);
    const kind = sniff(head);
    if (kind === 'zip') {
      await readZipFile(reading, path, depth);
      return { trailingGarbage: false, kind };
    }
    if (kind === 'bzip2' || kind === 'xz' || kind === 'zstd' || kind === '7z' || kind === 'rar') {
      throw new UnreadableError(`it is a ${kind} file, which vmfix does not read; decompress or extract it first`);
    }
    if (kind === 'tar') {
      await readTarContainer(reading, container(path, '!', depth, vcenterMemberHost(path), mtime), all);
      return { trailingGarbage: false, kind };
    }
    if (kind === 'gzip') {
      const outcome: GunzipOutcome = { trailingGarbage: false };
      const inner = await peek(gunzip(all, outcome)).catch(unreadable);
      if (sniff(inner.head) === 'tar') {
        await readTarContainer(reading, container(path, '!', depth, vcenterMemberHost(path), mtime), inner.all);
        return { trailingGarbage: outcome.trailingGarbage, kind: 'tar' };
      }
      reading.onFile?.(path);
      await readLogStream(source(), inner.all);
      return { trailingGarbage: outcome.trailingGarbage, kind };
    }
    reading.onFile?.(path);
    const outcome = await readLogStream(source(), all);
    return { trailingGarbage: outcome.trailingGarbage, kind };
  } finally {
    input.destroy();
  }
}

async function readZipFile(reading: Reading, path: string, depth: number): Promise<void> {
  const mtime = (await stat(path)).mtimeMs;
  const c = container(path, '!', depth, null, mtime);
  try {
    await readZip(path, (member) => route(reading, c, member), (member, reason) => {
      if (vmkernelLogName(member) || isArchiveName(member)) reading.problems.push(`${path}!${member}: not read: ${reason}.`);
    });
  } finally {
    await closeFragments(c);
  }
}

/**
 * A directory: every vmkernel log, net-stats listing and archive in it, recursively, oldest rotation
 * first within each directory. Symbolic links are not followed.
 */
export async function readDirectory(reading: Reading, dir: string, seen: (path: string) => Promise<boolean>): Promise<void> {
  // A bundle given by its own directory: its name, kept in members' paths, says whose it is.
  const top = bundleRoot(basename(dir)) ? dirname(dir) : dir;
  const c = container(top, sep, 0, null, undefined);
  try {
    for (const file of await walk(dir)) {
      const path = relative(top, file.path).split(sep).join('/');
      if (!(await seen(file.path))) {
        reading.alreadyRead++;
        continue;
      }
      if (isArchiveName(path) && !vmkernelLogName(path)) {
        await readNestedFile(reading, file.path, path);
        continue;
      }
      const body = createReadStream(file.path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer> & { destroy(): void };
      try {
        await route(reading, c, { path, type: 'file', mtime: file.mtime, body });
      } finally {
        body.destroy();
      }
    }
  } finally {
    await closeFragments(c);
  }
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
    reading.problems.push(`${path}: ${error.message}.`);
  }
}

interface Found {
  readonly path: string;
  readonly mtime: Date;
}

/** Regular files under dir, in reading order: by directory, then oldest rotation first, fragments in order. */
async function walk(dir: string): Promise<Found[]> {
  const out: Found[] = [];
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile() && (vmkernelLogName(entry.name) || isNetStatsListing(relative(dirname(dirname(path)), path)) || isArchiveName(entry.name))) {
      files.push(path);
    }
  }
  files.sort((a, b) => readingOrder(a) - readingOrder(b) || (a < b ? -1 : a > b ? 1 : 0));
  for (const path of files) out.push({ path, mtime: (await stat(path)).mtime });
  return out;
}

/** Higher rotation numbers are older: vmkernel.7.gz … vmkernel.0.gz, then the live log. */
function readingOrder(path: string): number {
  const log = vmkernelLogName(basename(path));
  return log ? -log.age * 1e6 + (log.fragment ?? 0) : 1e12;
}
