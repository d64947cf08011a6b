// Offline evidence: what --vmkernel-log names, read as given. Log files
// (plain, gzip, UTF-16), their rotations, vm-support bundle directories and
// .tgz files of ESXi 5.x-8.x, vCenter's "Export System Logs" .zip of host
// bundles, and syslog collectors' files where many hosts share one file.
// Everything streams (reader.ts); memory grows with distinct events and
// ports, not with lines.
//
// Never silent: an argument from which no log line came is an error (exit 2)
// naming it; a part of an argument that could not be read is a problem the
// verdict must show, and the rest is still read.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';

import { DAY, HOUR, MINUTE } from '../duration.js';
import { UsageError } from '../errors.js';
import { bundleHost, bundleOfExtractedLog, rotationOf, vmkernelLogName } from './bundle-layout.js';
import { CorruptArchiveError } from './archive.js';
import { readDirectory, readFile, unreadLinks } from './disk.js';
import { Fragments } from './fragments.js';
import { cutShort, notVmkernels, READ_CHUNK_BYTES, Reading, trailingGarbage, UnreadableError } from './reading.js';
import { MAX_REMEMBERED_LINES, type SeenLines } from './seen-lines.js';
import type { Since } from './since.js';
import { SourceBuilder, type FinishedSource } from './source.js';
import type { Kind } from './streams.js';
import type { LogSource, PortClient, UnparsedLines } from './types.js';
import { eventKey, hostKeyOf, vmNameOf, type L2SecEvent } from './vmkernel-log.js';

export { MAX_LINE_BYTES } from './lines.js';

export interface ReadOptions {
  /** Keeps events whose last occurrence is inside the window, measured back from each source's newest line. */
  readonly since?: Since;
  /** Called with each file (or archive member) as its reading starts. */
  readonly onFile?: (name: string) => void;
  /** For tests: "now", which year-less times may not pass. */
  readonly now?: Date;
}

export interface LogEvidence {
  readonly events: L2SecEvent[];
  /** Every log read: per file family, bundle, or host share of a collector's file. */
  readonly sources: LogSource[];
  /** What ties port ids to VMs, for the ports the events name. */
  readonly portClients: PortClient[];
  readonly unparsed: UnparsedLines;
  /** Worth saying, changes nothing: a window applied, years inferred, a vCenter bundle skipped. */
  readonly notes: string[];
  /** Something read failed partway (a member, a fragment): the verdict may miss evidence, so it must not pass as clean. */
  readonly problems: string[];
  /** The L2Sec lines counted: a host's live log read after these files counts the ones it shares with them once. */
  readonly seen: SeenLines;
}

const UNPARSED_SAMPLES = 5;

export async function readLogFiles(paths: readonly string[], options: ReadOptions = {}): Promise<LogEvidence> {
  const reading = new Reading((options.now ?? new Date()).getTime(), options.onFile);
  const seen = async (path: string) => {
    const real = await realpath(path).catch((error: unknown) => {
      throw readError(path, error);
    });
    if (reading.realPaths.has(real)) return false;
    reading.realPaths.add(real);
    return true;
  };
  for (const argument of await plan(paths)) {
    if (argument.kind === 'directory') await readDirectoryArgument(reading, argument.path, seen);
    else await readFamily(reading, argument, seen);
  }
  reading.problems.push(...unreadLinks(reading));
  return gather(reading, options.since);
}

type Argument = { kind: 'directory'; path: string } | { kind: 'family'; name: string; files: { path: string; size: number; mtime: number }[] };

/**
 * Directories as they come; files grouped by rotation family (vmkernel.log, vmkernel.0.gz … in one
 * directory are one log, named after the newest, read oldest first).
 */
async function plan(paths: readonly string[]): Promise<Argument[]> {
  const out: Argument[] = [];
  const families = new Map<string, Extract<Argument, { kind: 'family' }>>();
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      throw readError(path, error);
    }
    if (info.isDirectory()) {
      out.push({ kind: 'directory', path });
    } else if (info.isFile()) {
      const key = join(dirname(path), rotationOf(basename(fileOf(path))).family);
      const family = families.get(key) ?? { kind: 'family', name: path, files: [] };
      if (!families.has(key)) {
        families.set(key, family);
        out.push(family);
      }
      family.files.push({ path, size: info.size, mtime: info.mtimeMs });
    } else {
      throw new UsageError(`Cannot read ${path}: not a regular file or directory.`);
    }
  }
  const age = (path: string) => rotationOf(basename(fileOf(path))).age;
  for (const family of families.values()) {
    family.files.sort((a, b) => age(b.path) - age(a.path) || (sliceOf(a.path)?.index ?? 0) - (sliceOf(b.path)?.index ?? 0));
    family.name = fileOf(family.files.at(-1)!.path);
  }
  return out;
}

/** A vm-support slice named by itself (a glob over a bundle's var/run/log): its file, its place. */
function sliceOf(path: string): { file: string; index: number; age: number } | null {
  const log = vmkernelLogName(path);
  return log?.fragment == null ? null : { file: log.file, index: log.fragment, age: log.age };
}

const fileOf = (path: string) => sliceOf(path)?.file ?? path;

async function readFamily(reading: Reading, family: Extract<Argument, { kind: 'family' }>, seen: (path: string) => Promise<boolean>): Promise<void> {
  // A log still in its extracted bundle is that bundle's host's, as it is read through the bundle: whichever of the two is given first.
  const bundle = bundleOfExtractedLog(resolve(family.files[0]!.path).split(sep).join('/'));
  const reference = Math.min(reading.now, bundle?.root.collected ?? Math.max(...family.files.map((f) => f.mtime)));
  if (vmkernelLogName(family.name)?.warnings) reading.warningSources.add(family.name);
  const host = bundle ? { hostName: bundleHost(bundle, null), fixedHost: true } : { hostName: null, fixedHost: false };
  const source = () => reading.source(family.name, () => new SourceBuilder({ name: family.name, ...host, reference, now: reading.now, seen: reading.seen }));
  // Slices are joined, as in a bundle: read one by one, a line cut between two is lost.
  let slices: { fragments: Fragments; lines: number; problems: number } | undefined;
  for (const file of family.files) {
    if (!(await seen(file.path))) continue;
    const slice = sliceOf(file.path);
    if (slice) {
      slices ??= { fragments: new Fragments(reading), lines: reading.lines, problems: reading.problems.length };
      // Given beside the file joined from them (cat vmkernel.log.FRAG-* > vmkernel.log), they are a copy of it, not more of it.
      const joined = family.files.some((f) => f.path === slice.file);
      const into = joined ? reading.copySource(source(), `${slice.file}.FRAG-*`) : source();
      await slices.fragments.add(into, slice.file, slice.age, slice.index, createReadStream(file.path, { highWaterMark: READ_CHUNK_BYTES }));
      continue;
    }
    const lines = reading.lines;
    const vmkernelLines = reading.vmkernelLines;
    const logFiles = reading.logFiles;
    const problems = reading.problems.length;
    let kind: Kind;
    let empty = false;
    try {
      const outcome = await readFile(reading, file.path, source);
      kind = outcome.kind;
      empty = outcome.empty;
      if (outcome.trailingGarbage) {
        reading.notes.push(trailingGarbage(file.path));
      }
    } catch (error) {
      if (!(error instanceof UnreadableError || error instanceof CorruptArchiveError)) throw readError(file.path, error);
      if (reading.lines === lines) throw new UsageError(`${file.path}: ${error.message}.`, { cause: error });
      // Cut short (a download that stopped): the lines that did arrive are evidence, the rest is said missing.
      const at = error instanceof UnreadableError ? error.at : undefined;
      reading.problems.push(cutShort(file.path, error.message, at ?? { member: null, lastTime: source().lastTimeRead }));
      // Only an archive says where it stopped; a log is gzip here, for a plain file cannot break.
      kind = at ? 'tar' : 'gzip';
    }
    if (reading.lines === lines) {
      throw new UsageError(`${file.path}: ${nothingRead(file.path, empty, kind, reading.logFiles > logFiles, reading.problems.slice(problems))}`);
    }
    // An archive's logs are vmkernel logs by name; a file named here is whatever the admin took it for.
    if ((kind === 'text' || kind === 'gzip') && reading.vmkernelLines === vmkernelLines) {
      throw new UsageError(`${notVmkernels(file.path, reading.lines - lines)}; give vmfix vmkernel.log or a vm-support bundle.`);
    }
  }
  if (!slices) return;
  await slices.fragments.close();
  if (reading.lines === slices.lines) {
    const why = reading.problems.slice(slices.problems)[0];
    throw new UsageError(`${family.name}: no log line came from its FRAG slices${why ? ` (${why.replace(/\.$/, '')})` : ''}.`);
  }
}

function nothingRead(path: string, empty: boolean, kind: Kind, hadLogs: boolean, problems: string[]): string {
  if (empty) return 'the file is empty.';
  if (kind === 'text') {
    return /\.gz$/i.test(path)
      ? 'not gzip data despite its name, and no log line in it (binary data?).'
      : 'no log line in it (binary data, or not a vmkernel log).';
  }
  if (kind === 'gzip' && !hadLogs) return 'no log line in its gzip data.';
  if (problems.length) return `nothing could be read from it (${problems[0]!.replace(/\.$/, '')}).`;
  if (!hadLogs) return 'no vmkernel log in this archive (looked for var/run/log/vmkernel.log and its rotations, vmkernel.N.gz).';
  return 'no log line in its vmkernel logs.';
}

async function readDirectoryArgument(reading: Reading, dir: string, seen: (path: string) => Promise<boolean>): Promise<void> {
  const lines = reading.lines;
  const logFiles = reading.logFiles;
  const problems = reading.problems.length;
  const alreadyRead = reading.alreadyRead;
  const notEvidence = reading.byContent.notEvidence.length;
  const links = reading.links.length;
  try {
    await readDirectory(reading, dir, seen);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw readError(dir, error);
  }
  if (reading.lines > lines || reading.alreadyRead > alreadyRead) return;
  if (reading.logFiles === logFiles && reading.problems.length === problems) {
    const others = reading.byContent.notEvidence.length - notEvidence;
    if (others) throw new UsageError(`${dir}: no vmkernel log line in this directory (no vmkernel.log, and none in the ${others} other file(s) read).`);
    // A link it holds (to nothing, or to a file not given) may be where its log is: named, not followed.
    const unread = unreadLinks(reading, reading.links.slice(links));
    if (unread.length) throw new UsageError(`${dir}: no vmkernel logs in this directory; ${unread[0]}${unread.length > 1 ? ` (and ${unread.length - 1} more such link(s))` : ''}`);
    throw new UsageError(`${dir}: no vmkernel logs in this directory (looked for vmkernel.log and its rotations).`);
  }
  const why = reading.problems.slice(problems)[0];
  throw new UsageError(`${dir}: no log line could be read from the vmkernel logs in this directory${why ? ` (${why.replace(/\.$/, '')})` : ''}.`);
}

function gather(reading: Reading, since: Since | undefined): LogEvidence {
  const events: L2SecEvent[] = [];
  const sources: LogSource[] = [];
  const portClients: PortClient[] = [];
  const notes = [...reading.notes];
  const samples: { source: string; line: string }[] = [];
  let unparsed = 0;
  const problems = [...reading.problems];
  const hostOf = warningsHosts(reading);
  const joined = oneHostBundles(reading);
  const rehost = <T extends { readonly hostName?: string | null }>(item: T): T => {
    const name = item.hostName ? joined.names.get(item.hostName.toLowerCase()) : undefined;
    return name === undefined ? item : { ...item, hostName: name };
  };
  for (const note of joined.notes) notes.push(note);
  for (const problem of oneNameTwoHosts(reading)) problems.push(problem);
  const ends = hostEnds(reading, hostOf, joined.names);
  const finished = new Map(reading.sources.map((builder) => [builder.init.name, builder.finish(since, ends, hostOf.get(builder.init.name))]));
  // A bundle's lines are its log's and those of its copies (var/log beside var/run/log).
  const copyLines = new Map<string, number>();
  for (const { init, lines } of reading.sources) if (init.copyOf !== undefined) copyLines.set(init.copyOf, (copyLines.get(init.copyOf) ?? 0) + lines);
  for (const builder of reading.sources) {
    const { name, hostName, copyOf } = builder.init;
    if (reading.byContent.sources.has(name) && builder.vmkernelLines === 0) continue;
    const done = finished.get(name)!;
    if (copyOf !== undefined) {
      if (addsNothing(done, finished.get(copyOf)!)) continue;
      notes.push(`${name} holds a second vmkernel log of ${copyOf}, with lines the other does not have: both were read.`);
    }
    if (builder.lines === 0 && !copyLines.get(name) && !reading.readElsewhere.has(name) && !problems.some((p) => p.startsWith(name))) {
      // A host bundle with a listing but no log: the verdict knows nothing of that host.
      problems.push(`${name}: no vmkernel log line in it${hostName ? `, so nothing is known of ${hostName}` : ''}.`);
    }
    // Loops, not push(...spread): a source may hold tens of thousands of items.
    for (const event of done.events) events.push(rehost(event));
    for (const source of done.sources) sources.push(rehost(source));
    for (const client of done.portClients) portClients.push(rehost(client));
    for (const note of done.notes) notes.push(note);
    for (const problem of done.problems) problems.push(problem);
    if (copyOf === undefined && !reading.warningSources.has(name)) for (const gap of builder.rotationGaps(earliestStart(done.sources))) problems.push(gap);
    unparsed += done.unparsed.count;
    for (const line of done.unparsed.samples) if (samples.length < UNPARSED_SAMPLES) samples.push({ source: builder.init.name, line });
  }
  for (const note of byContentNotes(reading)) notes.push(note);
  for (const note of windowsUncovered(sources.filter((s) => !reading.warningSources.has(s.name)))) notes.push(note);
  for (const name of warningsAlone(reading, hostOf)) {
    problems.push(`${name}: vmkwarning.log holds only what vmkernel logs as warnings, and ESXi writes a blocked port's lines to vmkernel.log whatever their level: with no vmkernel.log of that host read, blocks may be missing; give vmfix its vmkernel.log or a vm-support bundle too.`);
  }
  if (reading.seen.forgotten) {
    notes.push(`More than ${MAX_REMEMBERED_LINES} distinct L2Sec lines were read: ${reading.seen.forgotten} line(s) beyond them were not checked against the other files read, so one given twice among them counts twice.`);
  }
  return { events, sources, portClients: relevant(portClients, events), unparsed: { count: unparsed, samples }, notes, problems, seen: reading.seen };
}

/** Where a source's window starts, the earliest of its hosts' (null: no window, all of it counts). */
function earliestStart(sources: readonly LogSource[]): string | null {
  let start: string | null = null;
  for (const { since } of sources) {
    if (since === null) return null;
    if (start === null || since < start) start = since;
  }
  return start;
}

/** What of a folder was read by its content, and what not: a line each, naming a few. */
function byContentNotes({ byContent }: Reading): string[] {
  const few = (names: readonly string[]) => `${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}`;
  const notes: string[] = [];
  if (byContent.read.length) notes.push(`${byContent.read.length} file(s) not named as vmkernel logs hold vmkernel lines, which were read (${few(byContent.read)}).`);
  if (byContent.notEvidence.length) notes.push(`${byContent.notEvidence.length} other file(s) in the folders given hold no vmkernel line: not evidence (${few(byContent.notEvidence)}).`);
  if (byContent.skipped.length) notes.push(`${byContent.skipped.length} file(s) named as other ESXi programs' logs were not read, vmkernel writing none of its lines there (${few(byContent.skipped)}).`);
  return notes;
}

/**
 * Hosts whose vmkernel logs begin after the start of the window (the online audit says so of a live log):
 * what came before is unknown, which "No findings" must not hide. Per host, or per log where lines name none.
 */
function windowsUncovered(sources: readonly LogSource[]): string[] {
  const hosts = new Map<string, { name: string; first: string; since: string }>();
  for (const source of sources) {
    if (source.since === null || source.firstTime === null) continue;
    const key = source.hostName?.toLowerCase() ?? `\u0000${source.name}`;
    const known = hosts.get(key);
    if (!known) hosts.set(key, { name: source.hostName ?? source.name, first: source.firstTime, since: source.since });
    else {
      if (source.firstTime < known.first) known.first = source.firstTime;
      if (source.since < known.since) known.since = source.since;
    }
  }
  return [...hosts.values()]
    .filter(({ first, since }) => first > since)
    .map(({ name, first, since }) => `The vmkernel logs read of ${name} begin at ${first}, ${spanWords(Date.parse(first) - Date.parse(since))} after the start of the window (${since}): blocks before that are not known (its older rotations, vmkernel.N.gz, or an earlier bundle hold them).`);
}

function spanWords(ms: number): string {
  if (ms < 2 * HOUR) return `${Math.round(ms / MINUTE)} minutes`;
  if (ms < 2 * DAY) return `${Math.round(ms / HOUR)} hours`;
  return `${Math.round((ms / DAY) * 10) / 10} days`;
}

/**
 * vmkwarning.log sources with lines, for whose host no vmkernel.log line was read: where its lines name
 * none, the host of the vmkernel.log beside it.
 */
function warningsAlone(reading: Reading, hostOf: ReadonlyMap<string, string>): string[] {
  const kernel = reading.sources.filter((s) => !reading.warningSources.has(s.init.name) && s.vmkernelLines > 0);
  const hosts = (s: SourceBuilder) => s.ends().map((end) => end.hostName?.toLowerCase() ?? null);
  return reading.sources
    .filter((s) => reading.warningSources.has(s.init.name) && s.vmkernelLines > 0)
    .filter((w) => !kernel.some((k) => hosts(w).every((host) => (host === null ? hostOf.get(w.init.name) === k.init.name : hosts(k).includes(host)))))
    .map((w) => w.init.name);
}

/**
 * A vmkwarning.log whose lines name no host, by the vmkernel.log source in its directory (and only that):
 * copied off one host together, they are one host's, whose port ids and newest line they share.
 */
function warningsHosts(reading: Reading): Map<string, string> {
  const out = new Map<string, string>();
  const folderOf = (name: string) => name.slice(0, Math.max(name.lastIndexOf('/'), name.lastIndexOf('!'), 0));
  const kernel = reading.sources.filter(
    (s) => !reading.warningSources.has(s.init.name) && !reading.byContent.sources.has(s.init.name) && s.init.copyOf === undefined && s.init.hostName === null,
  );
  for (const w of reading.sources) {
    if (!reading.warningSources.has(w.init.name) || w.init.hostName !== null) continue;
    const folder = folderOf(w.init.name);
    // A directory's loose logs are one source named by the directory; a file given alone is its own, named by its path.
    const k = kernel.find((s) => s.init.name === folder || (vmkernelLogName(s.init.name) !== null && folderOf(s.init.name) === folder));
    if (k) out.set(w.init.name, k.init.name);
  }
  return out;
}

/**
 * Where each host's logs end, across every source read (two bundles of one host, a bundle and a collector's
 * file); lines naming no host by `\u0000` and the log standing for their host.
 */
function hostEnds(reading: Reading, hostOf: ReadonlyMap<string, string>, joined: ReadonlyMap<string, string>): Map<string, string> {
  const ends = new Map<string, string>();
  const keyOf = (hostName: string) => (joined.get(hostName.toLowerCase()) ?? hostName).toLowerCase();
  for (const builder of reading.sources) {
    for (const { hostName, time } of builder.ends()) {
      const key = hostName === null ? `\u0000${hostOf.get(builder.init.name) ?? builder.init.name}` : keyOf(hostName);
      const known = ends.get(key);
      if (known === undefined || time > known) ends.set(key, time);
    }
  }
  // Each bundle's source knows its host by the name it was read under.
  for (const [name, host] of joined) {
    const end = ends.get(host.toLowerCase());
    if (end !== undefined) ends.set(name, end);
  }
  return ends;
}

/**
 * Bundles of a host never named (each read as "localhost (its bundle)") whose esx.conf holds one system
 * UUID: one host's, joined under one name, so its newest bundle sets the window of all and its port ids
 * are one host's. Two hosts called localhost keep two UUIDs, and stay two.
 */
function oneHostBundles(reading: Reading): { names: Map<string, string>; notes: string[] } {
  const byUuid = new Map<string, { hostName: string; names: string[]; bundles: string[] }>();
  for (const [name, { bundle, hostName, uuid }] of reading.systemUuids) {
    const host = byUuid.get(uuid) ?? { hostName, names: [], bundles: [] };
    byUuid.set(uuid, host);
    host.names.push(name);
    host.bundles.push(bundle);
  }
  const names = new Map<string, string>();
  const notes: string[] = [];
  for (const [uuid, host] of byUuid) {
    if (host.names.length < 2) continue;
    const joined = `${host.hostName} (system uuid ${uuid})`;
    for (const name of host.names) names.set(name.toLowerCase(), joined);
    const bundles = `${host.bundles.slice(0, -1).join(', ')} and ${host.bundles.at(-1)}`;
    notes.push(`${bundles} are bundles of one host (the same /system/uuid in etc/vmware/esx.conf): read as one, ${joined}, whose newest line sets the window of all.`);
  }
  return { names, notes };
}

/**
 * Bundles named after one host whose esx.conf holds two system UUIDs: two hosts of one name (esx01 at
 * two sites, in two vCenters' downloads). Read as one host's, the newer one's last line sets the other's
 * window and their port ids mix: a warning, so that no verdict rests on it quietly.
 */
function oneNameTwoHosts(reading: Reading): string[] {
  const byName = new Map<string, { hostName: string; uuids: Map<string, string[]> }>();
  for (const [bundle, { hostName, uuid }] of reading.namedHostUuids) {
    const host = byName.get(hostName.toLowerCase()) ?? { hostName, uuids: new Map<string, string[]>() };
    byName.set(hostName.toLowerCase(), host);
    host.uuids.set(uuid, [...(host.uuids.get(uuid) ?? []), bundle]);
  }
  const out: string[] = [];
  for (const { hostName, uuids } of byName.values()) {
    if (uuids.size < 2) continue;
    const which = [...uuids].map(([uuid, bundles]) => `${uuid} in ${bundles.join(', ')}`).join('; ');
    out.push(`${hostName} is the name of ${uuids.size} hosts (/system/uuid in etc/vmware/esx.conf: ${which}): their logs were read as one host's, so the newest line of one set the window of all and their port ids mixed; audit each host's bundles on their own.`);
  }
  return out;
}

/**
 * A copy of a log whose every event and line the original has, seen as late: an identical or older
 * copy. One with more lines is read for them (the first of the two may be a link extracted as a file
 * holding its target's path, where links cannot be made).
 */
function addsNothing(copy: FinishedSource, original: FinishedSource): boolean {
  const latest = new Map(original.events.map((e) => [eventKey(e), e.lastTime ?? '']));
  const lines = (source: FinishedSource) => source.sources.reduce((n, s) => n + s.lines, 0);
  const unread = copy.unparsed.count > original.unparsed.count || lines(copy) > lines(original);
  return !unread && copy.events.every((e) => {
    const seen = latest.get(eventKey(e));
    return seen !== undefined && seen >= (e.lastTime ?? '');
  });
}

/** Only ports some event names, and where their clients went, are worth carrying on: the rest tie nothing. */
function relevant(portClients: PortClient[], events: L2SecEvent[]): PortClient[] {
  const named = new Set(events.filter((e) => e.port).map((e) => `${hostKeyOf(e)}\u0000${e.port}`));
  const macs = new Set<string>();
  const out = portClients.filter((p) => named.has(`${hostKeyOf(p)}\u0000${p.port}`));
  const kept = new Set(out);
  const keep = (p: PortClient) => {
    if (kept.has(p)) return;
    kept.add(p);
    out.push(p);
  };
  // A port seen only with its MAC ties to a VM through another record of that MAC (a listing).
  for (const p of out) if (p.mac && !p.client) macs.add(p.mac);
  for (const p of portClients) if (p.mac && p.client && macs.has(p.mac)) keep(p);
  // A VM's NIC seen on another port since shows it left the port an event names.
  const clients = [...events.map((e) => [hostKeyOf(e), e.vmName] as const), ...out.map((p) => [hostKeyOf(p), p.client] as const)];
  const vms = new Set(clients.filter(([, c]) => c).map(([h, c]) => `${h}\u0000${vmNameOf(c!)}`));
  for (const p of portClients) if (p.client && vms.has(`${hostKeyOf(p)}\u0000${vmNameOf(p.client)}`)) keep(p);
  return out;
}

/** One line naming the path, whatever failed. */
export function readError(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a component of the path is not a directory',
    EISDIR: 'is a directory',
    ELOOP: 'too many symbolic links',
  };
  const reason = reasons[code] ?? (error instanceof Error ? error.message : String(error));
  return new UsageError(`Cannot read ${path}: ${reason}.`, { cause: error });
}
