// Containers: a directory, a tar stream or a zip file, whose members go
// through route() one at a time, in their order. A member is a vmkernel log
// (or a FRAG slice of one), a net-stats listing, or an archive (vCenter's
// zip of host .tgz files); anything else is left unread. So a bundle reads
// the same extracted or not, and nothing is unpacked to disk.
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

import { CorruptArchiveError, type ArchiveMember } from './archive.js';
import { bundleHost, bundleOfMember, byContentRule, compressedBeyondReach, isArchiveName, isEsxConf, isHostBundleName, isMacMetadata, isNetStatsListing, isVcenterOwnBundle, namesItsOwnLog, rotationOf, systemUuid, UNKNOWN_AGE, unnamedHost, vcenterMemberHost, vmkernelLogName, vmkernelLogUnderOtherName, type LogFileName } from './bundle-layout.js';
import { Fragments } from './fragments.js';
import { parseNetStats } from './port-clients.js';
import { asUnreadable, cutShort, damaged, drain, notVmkernels, readLogStream, trailingGarbage, trailingTarData, unreadable, UnreadableError, type Reading } from './reading.js';
import { SourceBuilder } from './source.js';
import { gunzip } from './gzip.js';
import { peek, sniff, type Bytes, type Kind } from './streams.js';
import { readTar } from './tar.js';
import { readZip } from './zip.js';

/** An archive inside an archive is read (vCenter's zip of host .tgz files); one more level is not. */
const MAX_ARCHIVE_DEPTH = 2;
/** net-stats listings are a few hundred KB at most. */
const MAX_LISTING_BYTES = 8 << 20;

export interface Container {
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
  /** Members read as vmkernel logs: what a hard link may point at. */
  readonly logsRead: Set<string>;
  /**
   * Members named as vmkernel logs (by ESXi's names or another) that are not files (links, FIFOs): a
   * warning at the end, unless a file of that name was read.
   */
  readonly notFiles: { readonly name: string; readonly member: ArchiveMember }[];
  readonly fragments: Fragments;
  /** The member being read (or read last), and the log source its lines went to: where a cut archive stopped. */
  current: { readonly name: string; source: SourceBuilder | null } | null;
}

export function container(reading: Reading, label: string, joiner: string, depth: number, hostHint: string | null, reference: number | undefined): Container {
  return { label, joiner, depth, hostHint, reference, roots: [], taken: new Map(), logsRead: new Set(), notFiles: [], fragments: new Fragments(reading), current: null };
}

/**
 * Ends the container's reading: fragments still being joined, and the vmkernel logs it held only as
 * links or special files. `stopped`: the archive broke off, and its own problem says where.
 */
export async function closeContainer(reading: Reading, c: Container, stopped = false): Promise<void> {
  await c.fragments.close(stopped);
  const read = new Set([...c.logsRead].map(logKey));
  for (const { name, member } of c.notFiles) {
    // A link on disk to a file read anyway (a collector's vmkernel.log -> vmkernel-2024-05-14.log) hides nothing.
    if (member.resolvesTo !== undefined && reading.realPaths.has(member.resolvesTo)) continue;
    if (!read.has(logKey(member.path))) reading.problems.push(`${name} is ${notAFile(member)}: its lines were not read.`);
    else if (!vmkernelLogName(member.path)) reading.notes.push(`${name}: named like a vmkernel log, and ${member.type === 'link' ? `a symbolic link${member.linkTarget ? ` to ${member.linkTarget}` : ''}, which vmfix does not follow` : (member.what ?? 'not a regular file')}: not read.`);
  }
}

/** A log by its name in its bundle (or its container, outside any): var/log/vmkernel.log and var/run/log/vmkernel.log are one. */
function logKey(path: string): string {
  return `${bundleOfMember(path)?.path ?? ''}\u0000${basename(vmkernelLogName(path)?.file ?? path)}`;
}

export async function route(reading: Reading, c: Container, member: ArchiveMember): Promise<void> {
  if (isMacMetadata(member.path)) return;
  const name = c.label + c.joiner + member.path;
  // The last log read stays where a member of no log is: in reading order, its last line is the last read.
  c.current = { name, source: c.current?.source ?? null };
  if (member.type !== 'file') {
    if (member.hardLinkTo !== undefined) return hardLink(reading, c, name, member.path, member.hardLinkTo);
    if (vmkernelLogName(member.path) || vmkernelLogUnderOtherName(member.path)) c.notFiles.push({ name, member });
    return;
  }
  const log = vmkernelLogName(member.path);
  if (log) return routeLog(reading, c, member, name, log);
  if (isNetStatsListing(member.path)) return routeListing(reading, c, member, name);
  if (isEsxConf(member.path)) return routeEsxConf(reading, c, member);
  const packed = compressedBeyondReach(member.path);
  if (packed) {
    reading.problems.push(`${name}: ${packed} compressed in a form vmfix does not read; decompress it and give vmfix what it holds.`);
    return;
  }
  if (isArchiveName(member.path)) return routeArchive(reading, c, member, name);
  if (vmkernelLogUnderOtherName(member.path)) return routeOtherName(reading, c, member, name);
  // Outside a bundle, an archive is a folder packed (a collector's /var/log/remote sent as a .tgz): its files are
  // read as the folder's are, by their content whatever their name.
  const rule = byContentRule(member.path);
  if (rule === 'other-program') reading.byContent.skipped.push(name);
  if (rule === 'read') return routeByContent(reading, c, member);
}

/**
 * Links are never followed. A symbolic one points outside the bundle (/var/run/log on the host); a
 * hard one names an earlier member, read only if it was read as a log. A vmkernel log kept under
 * another name (or under a link, or not kept at all) went past unread, and the stream cannot go
 * back: say so.
 */
function hardLink(reading: Reading, c: Container, name: string, path: string, target: string): void {
  if (!(vmkernelLogName(path) || vmkernelLogUnderOtherName(path)) || c.logsRead.has(target)) return;
  reading.problems.push(`${name} is a hard link to ${target} in the archive, which vmfix does not read back: extract the archive and give vmfix the directory.`);
}

function notAFile(member: ArchiveMember): string {
  if (member.type === 'other') return `${member.what ?? 'not a regular file'}, not a file`;
  const other = basename(vmkernelLogName(member.path)?.file ?? member.path);
  const next = bundleOfMember(member.path) ? `, and the bundle holds no other ${other}` : ' (give vmfix the file it points to)';
  return `a symbolic link${member.linkTarget ? ` to ${member.linkTarget}` : ''}, which vmfix does not follow${next}`;
}

/** The source a bundle's logs go to. One bundle per archive is the rule: it is named by the archive; a directory's bundle by its path. */
function bundleSourceName(c: Container, bundlePath: string): string {
  if (!c.roots.includes(bundlePath)) c.roots.push(bundlePath);
  return c.joiner === '!' && c.roots[0] === bundlePath ? c.label : c.label + c.joiner + bundlePath;
}

/** A bundle's log on disk read already through another argument (the file named by itself too): the bundle's lines are not missing. */
export function readThroughAnotherArgument(reading: Reading, c: Container, memberPath: string): void {
  const bundle = bundleOfMember(memberPath);
  if (bundle && vmkernelLogName(memberPath)) reading.readElsewhere.add(bundleSourceName(c, bundle.path));
}

function sourceFor(reading: Reading, c: Container, memberPath: string, mtime: Date | null): SourceBuilder {
  const bundle = bundleOfMember(memberPath);
  if (bundle) {
    const name = bundleSourceName(c, bundle.path);
    const reference = bundle.root.collected ?? mtime?.getTime() ?? c.reference;
    return reading.source(name, () =>
      new SourceBuilder({
        name,
        hostName: bundleHost(bundle, c.hostHint),
        fixedHost: true,
        seen: reading.seen,
        ...(unnamedHost(bundle.root) && c.hostHint === null ? { seenAs: bundle.root.hostName } : {}),
        ...clock(reference, reading.now),
      }),
    );
  }
  // Loose logs: one source per directory (each is one host's, or a collector's share of many).
  const dir = dirname(memberPath);
  const name = dir === '.' ? c.label : c.label + c.joiner + dir;
  const reference = mtime?.getTime() ?? c.reference;
  return reading.source(name, () =>
    new SourceBuilder({ name, hostName: c.hostHint, fixedHost: c.hostHint !== null, seen: reading.seen, ...clock(reference, reading.now) }),
  );
}

function warningsSource(reading: Reading, kernel: SourceBuilder, name: string): SourceBuilder {
  reading.warningSources.add(name);
  return reading.source(name, () => new SourceBuilder({ ...kernel.init, name }));
}

/**
 * esx.conf of a bundle: its system UUID. Of a bundle named after no host, kept to join the bundles of
 * one host (files.ts), whose newest line then sets the window of all, and whose port ids are one host's;
 * of a named one, to tell when one name is two hosts' (files.ts warns).
 */
async function routeEsxConf(reading: Reading, c: Container, member: ArchiveMember): Promise<void> {
  const bundle = bundleOfMember(member.path);
  if (!bundle) return;
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of member.body) {
    if ((bytes += chunk.length) <= MAX_LISTING_BYTES) chunks.push(chunk);
  }
  const uuid = systemUuid(Buffer.concat(chunks).toString('utf8'));
  if (uuid === null) return;
  if (!unnamedHost(bundle.root)) reading.namedHostUuids.set(bundleSourceName(c, bundle.path), { hostName: bundle.root.hostName, uuid });
  else if (c.hostHint === null) reading.systemUuids.set(bundleHost(bundle, null), { bundle: bundleSourceName(c, bundle.path), hostName: bundle.root.hostName, uuid });
}

/** This machine's clock for the source, and a reference never after it: a clock set wrong must not move year-less lines a year ahead. */
function clock(reference: number | undefined, now: number): { reference?: number; now: number } {
  return reference === undefined ? { now } : { reference: Math.min(reference, now), now };
}

async function routeLog(reading: Reading, c: Container, member: ArchiveMember, name: string, { file, fragment, warnings }: LogFileName): Promise<void> {
  reading.logFiles++;
  c.logsRead.add(member.path);
  const bundle = bundleOfMember(member.path);
  let source = sourceFor(reading, c, member.path, member.mtime);
  // A log of its own beside vmkernel.log: its times, window end and clock are its own; its lines that vmkernel.log also has count once.
  if (warnings) source = warningsSource(reading, source, c.label + c.joiner + file);
  c.current = { name, source };
  // One log per bundle (whichever of its directories holds it), or per folder outside any bundle.
  const key = `${bundle ? bundle.path : `\u0001${dirname(member.path)}`}\u0000${basename(file)}`;
  // Its slices and the file joined from them beside them (cat vmkernel.log.FRAG-* > vmkernel.log) are two copies too.
  const copy = fragment === null ? file : `${file}.FRAG`;
  const taken = c.taken.get(key);
  if (taken === undefined) c.taken.set(key, copy);
  // The same log under another directory of the bundle (var/log beside var/run/log): usually a copy,
  // but it may be older or newer. Read on its own; the evidence keeps it only if it adds something.
  else if (taken !== copy) source = c.current.source = reading.copySource(source, c.label + c.joiner + (warnings || taken.startsWith(`${dirname(member.path)}/`) ? file : dirname(member.path)));
  if (fragment !== null) return c.fragments.add(source, c.label + c.joiner + file, vmkernelLogName(file)!.age, fragment, member.body);
  reading.onFile?.(name);
  const lines = source.lines;
  const vmkernelLines = source.vmkernelLines;
  try {
    const outcome = await readLogStream(source, member.body, vmkernelLogName(file)!.age);
    if (outcome.trailingGarbage) reading.notes.push(trailingGarbage(name));
    // A live log may be empty (just rotated); a gzip of nothing is 20 bytes, so an empty .gz is a rotation lost.
    if (outcome.empty && /\.gz$/i.test(file)) reading.problems.push(`${name} is empty, where a rotated log is gzip data (zcat: unexpected end of file): the lines of that rotation are missing.`);
    // Named as vmkernel's by whoever made the folder (a collector's rule that routes another program here): no evidence, and said.
    if (source.lines > lines && source.vmkernelLines === vmkernelLines) {
      reading.linesNotEvidence += source.lines - lines;
      reading.problems.push(`${notVmkernels(name, source.lines - lines)}.`);
    }
  } catch (error) {
    if (!(error instanceof UnreadableError)) throw error;
    reading.problems.push(cutShort(name, error.message, { member: null, lastTime: source.lines > lines ? source.lastTimeRead : null }));
  }
}

/**
 * A file in a folder given that no name marks as a vmkernel log: a collector may file a host's lines under
 * any name (syslog.log, esx03.log, messages). Read for vmkernel's lines; one source per file family.
 */
export async function routeByContent(reading: Reading, c: Container, member: ArchiveMember): Promise<void> {
  const name = c.label + c.joiner + member.path;
  const { age } = rotationOf(basename(member.path));
  const source = familySource(reading, c, member);
  reading.byContent.sources.add(source.init.name);
  c.current = { name, source };
  const lines = source.lines;
  const vmkernelLines = source.vmkernelLines;
  reading.onFile?.(name);
  try {
    await readLogStream(source, member.body, age);
  } catch (error) {
    if (!(error instanceof UnreadableError)) throw error;
    reading.byContent.notEvidence.push(name);
    return;
  }
  if (source.vmkernelLines > vmkernelLines) {
    reading.byContent.read.push(name);
    return;
  }
  reading.linesNotEvidence += source.lines - lines;
  reading.byContent.notEvidence.push(name);
}

/** A file of a folder (outside any bundle) that stands for one host's log, or a share of many: a source of its own per file family. */
function familySource(reading: Reading, c: Container, member: ArchiveMember): SourceBuilder {
  const { family } = rotationOf(basename(member.path));
  const dir = dirname(member.path);
  const name = c.label + c.joiner + (dir === '.' ? family : `${dir}/${family}`);
  return reading.source(name, () =>
    new SourceBuilder({ name, hostName: c.hostHint, fixedHost: c.hostHint !== null, seen: reading.seen, ...clock(member.mtime?.getTime() ?? c.reference, reading.now) }),
  );
}

/** A copy kept under a name of its own: read if its lines are vmkernel's, and named either way. */
async function routeOtherName(reading: Reading, c: Container, member: ArchiveMember, name: string): Promise<void> {
  c.logsRead.add(member.path);
  // Outside a bundle, esx01-vmkernel.log and esx02-vmkernel.log are two hosts' logs, whose port ids must not mix.
  const source = !bundleOfMember(member.path) && namesItsOwnLog(member.path) ? familySource(reading, c, member) : sourceFor(reading, c, member.path, member.mtime);
  c.current = { name, source };
  const said = `${name}: named like a vmkernel log but by no name ESXi or logrotate gives one`;
  const vmkernelLines = source.vmkernelLines;
  const lines = source.lines;
  reading.onFile?.(name);
  try {
    await readLogStream(source, member.body, UNKNOWN_AGE);
  } catch (error) {
    if (!(error instanceof UnreadableError)) throw error;
    reading.notes.push(`${said}, and not read: ${error.message}.`);
    return;
  }
  if (source.vmkernelLines > vmkernelLines) {
    reading.notes.push(`${said} (an admin's copy?); it holds vmkernel's lines, so they were read (a line another file also has counts once).`);
    return;
  }
  reading.linesNotEvidence += source.lines - lines;
  reading.notes.push(`${said}, and no line in it is vmkernel's: not evidence.`);
}

async function routeListing(reading: Reading, c: Container, member: ArchiveMember, name: string): Promise<void> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of member.body) {
    if ((bytes += chunk.length) <= MAX_LISTING_BYTES) chunks.push(chunk);
  }
  const bundle = bundleOfMember(member.path);
  if (bytes > MAX_LISTING_BYTES || !bundle) return;
  sourceFor(reading, c, member.path, member.mtime).addListing(parseNetStats(Buffer.concat(chunks).toString('utf8')), name, bundle.root.collected);
}

async function routeArchive(reading: Reading, c: Container, member: ArchiveMember, name: string): Promise<void> {
  c.current = { name, source: null }; // its own reading says where it stopped inside it
  if (isVcenterOwnBundle(member.path)) {
    reading.notes.push(`${name} is vCenter's own support bundle (no host's vmkernel log in it): not read.`);
    return;
  }
  if (c.depth >= MAX_ARCHIVE_DEPTH) {
    const said = `${name} is an archive inside an archive inside an archive: not read`;
    // A host bundle that deep holds vmkernel logs that went unread; another archive there (in a bundle) is no log.
    if (isHostBundleName(member.path)) reading.problems.push(`${said}; extract the outer archives and give vmfix what they hold.`);
    else reading.notes.push(`${said}.`);
    return;
  }
  const host = vcenterMemberHost(member.path);
  try {
    await readArchive(reading, name, member.body, c.depth + 1, host, member.mtime?.getTime() ?? c.reference, () =>
      member.path.toLowerCase().endsWith('.zip') ? 'zip' : undefined,
    );
  } catch (error) {
    if (!(error instanceof UnreadableError || error instanceof CorruptArchiveError)) throw error;
    reading.problems.push(error instanceof UnreadableError && error.at ? cutShort(name, error.message, error.at) : `${name}: ${error.message}; what was read before that counts.`);
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
  if (head.length === 0) throw new UnreadableError('it is empty');
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
  await readTarContainer(reading, container(reading, label, '!', depth, hostHint, reference), data);
}

export async function readTarContainer(reading: Reading, c: Container, data: Bytes): Promise<void> {
  let broke = false;
  try {
    const { trailingBytes } = await readTar(data, (member) => route(reading, c, member));
    if (trailingBytes > 0) reading.problems.push(trailingTarData(c.label, trailingBytes));
  } catch (error) {
    broke = true;
    throw stopped(c, error);
  } finally {
    await closeContainer(reading, c, broke);
  }
}

/** The archive's failure as UnreadableError, saying where it stopped once a member was reached. */
function stopped(c: Container, error: unknown): unknown {
  const out = error instanceof CorruptArchiveError ? new UnreadableError(error.message, { cause: error }) : asUnreadable(error);
  if (out instanceof UnreadableError && c.current) out.at = { member: c.current.name, ...(c.current.source ? { lastTime: c.current.source.lastTimeRead } : {}) };
  return out;
}

export async function readZipFile(reading: Reading, path: string, depth: number): Promise<void> {
  const mtime = (await stat(path)).mtimeMs;
  const c = container(reading, path, '!', depth, null, mtime);
  let broke = false;
  try {
    await readZip(path, (member) => route(reading, c, member), (member, reason) => {
      const log = vmkernelLogName(member) || isArchiveName(member) || compressedBeyondReach(member) || vmkernelLogUnderOtherName(member);
      // A file outside a bundle would have been read by its content, as route() reads it.
      if (!log && byContentRule(member) !== 'read') return; // not read anyway
      if (log) reading.logFiles++;
      reading.problems.push(`${path}!${member}: not read: ${reason}.`);
    }, (member, reason) => {
      // A member read and damaged is said, whatever it was found to hold: a file read by its content may hold no
      // vmkernel line only because the damage took them (zeroed, a name changed). Members not read are never checked.
      reading.problems.push(damaged(`${path}!${member}`, reason));
    });
  } catch (error) {
    broke = true;
    throw stopped(c, error);
  } finally {
    await closeContainer(reading, c, broke);
  }
}
