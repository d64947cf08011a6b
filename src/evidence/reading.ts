// What one readLogFiles call gathers while it reads (sources, problems,
// notes), and the reading of one log stream into a source: gzip detected by
// its magic bytes, text in any encoding lines.ts knows.
import { SeenLines } from './seen-lines.js';
import { SourceBuilder } from './source.js';
import { gunzip, InflateLimitError, type GunzipOutcome } from './gzip.js';
import { peek, sniff, type Bytes } from './streams.js';

/** Read size; Node's 64 KiB default costs throughput on plain files. */
export const READ_CHUNK_BYTES = 256 * 1024;

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
  /** Bundle sources (by name) whose vmkernel log was read through another argument: their lines are not missing. */
  readonly readElsewhere = new Set<string>();
  /** The real paths of the files on disk read so far: the same file twice would double every count. */
  readonly realPaths = new Set<string>();
  /** Real paths of the directories walked: a symbolic link to one of them (or below) hides nothing. */
  readonly directoriesRead = new Set<string>();
  /**
   * Symbolic links met in a directory given (to a directory, a file of no vmkernel log's name, or
   * nothing), never followed: a warning unless their target was read anyway. resolvesTo: none when it leads nowhere.
   */
  readonly links: { readonly path: string; readonly target: string; readonly resolvesTo?: string; readonly directory: boolean }[] = [];
  /**
   * Files in a folder given that no name marks as vmkernel's (a collector's syslog.log, esx03.log), read
   * by their content: those holding vmkernel lines, those holding none, and other programs' logs by name,
   * not read. Their sources (by name) count only with vmkernel lines.
   */
  readonly byContent = { read: [] as string[], notEvidence: [] as string[], skipped: [] as string[], sources: new Set<string>() };
  /** Sources (by name) read from vmkwarning.log alone: a warning unless vmkernel.log of the same host was read too. */
  readonly warningSources = new Set<string>();
  /**
   * Bundles of hosts never given a name ("localhost"), by the host name vmfix gave each (after its
   * bundle), with the system UUID their esx.conf holds: bundles of one host are joined by it.
   */
  readonly systemUuids = new Map<string, { readonly bundle: string; readonly hostName: string; readonly uuid: string }>();
  /**
   * Bundles of named hosts, by bundle, with the system UUID their esx.conf holds: one name with two UUIDs
   * is two hosts (esx01 at two sites) that are read as one.
   */
  readonly namedHostUuids = new Map<string, { readonly hostName: string; readonly uuid: string }>();
  /** The L2Sec lines counted so far, by every source: what is given twice counts once. */
  readonly seen = new SeenLines();

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

  /** A second copy of `original`'s log under `name` (var/log beside var/run/log, a file joined from its slices beside them). */
  copySource(original: SourceBuilder, name: string): SourceBuilder {
    return this.source(name, () => new SourceBuilder({ ...original.init, name, copyOf: original.init.name }));
  }

  /** Lines of files named like vmkernel logs that hold none of its lines: read, and no evidence. */
  linesNotEvidence = 0;

  /** Lines read as evidence, so far. */
  get lines(): number {
    return this.sources.reduce((sum, source) => sum + source.lines, 0) - this.linesNotEvidence;
  }

  get vmkernelLines(): number {
    return this.sources.reduce((sum, source) => sum + source.vmkernelLines, 0);
  }
}

/** A failure of the file itself, before or while reading it; the caller names the file. */
export class UnreadableError extends Error {
  /** Where an archive stopped being read, when it failed partway. */
  at?: StoppedAt;
}

/** Where the reading of a file stopped: the archive member it was in, and the time of the last line read (null: none of it). */
export interface StoppedAt {
  readonly member: string | null;
  /** Undefined where it is not known (the member was an archive of its own, which says its own). */
  readonly lastTime?: string | null;
}

/**
 * A file that could be read up to a point (a download or a copy that stopped partway, a damaged
 * block): what came before counts, and this says so, where, and that the rest is missing.
 */
export function cutShort(name: string, reason: string, at: StoppedAt): string {
  const where = at.member ? ` in ${at.member}` : '';
  if (at.lastTime === null) return `${name} is cut off or damaged (${reason}): reading stopped${where} before any line with a time; whatever came after was not read.`;
  const after = at.lastTime === undefined ? '' : `, after a line stamped ${at.lastTime}`;
  return `${name} is cut off or damaged (${reason}): reading stopped${where}${after}; the lines before were read, whatever came after was not.`;
}

/**
 * An archive member read to its end whose bytes are not the ones it was made of (a bit flipped on a
 * disk or in a copy): its lines were read and counted, and any of them may be wrong.
 */
export const damaged = (name: string, reason: string) =>
  `${name} is damaged: ${reason}; its lines were read, but some of its bytes are wrong, so any line of it may be (a VM's name, a MAC, a port) or be missing.`;

export interface LogStreamOutcome {
  readonly trailingGarbage: boolean;
  /** Its last line had no newline. */
  readonly endedMidLine: boolean;
  /** It was gzip, read to the end of its last member: its end says it is whole. */
  readonly gzip: boolean;
  /** Not one byte. */
  readonly empty: boolean;
}

/**
 * Reads a log file (not an archive) into `source`: gzip detected by its magic bytes, not its name.
 * `age` is its rotation age (-1, the live log, by default).
 * Throws UnreadableError for what it cannot read (corrupt gzip, an archive kind it does not read).
 */
export async function readLogStream(source: SourceBuilder, body: Bytes, age = -1): Promise<LogStreamOutcome> {
  source.met(age);
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
  const { endedMidLine } = await source.feed(text, age).catch(unreadable);
  return { ...outcome, endedMidLine, gzip: text !== all, empty: head.length === 0 };
}

/** zlib's errors and a refused expansion as UnreadableError; anything else as it is. */
export function unreadable(error: unknown): never {
  throw asUnreadable(error);
}

export function asUnreadable(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code.startsWith('Z_')) return new UnreadableError(`gzip data is corrupt (${(error as Error).message})`, { cause: error });
  if (error instanceof InflateLimitError) return new UnreadableError(error.message, { cause: error });
  return error;
}

export async function drain(input: Bytes): Promise<void> {
  for await (const _ of input);
}

/** A file taken for a vmkernel log, all of whose lines another program wrote: it says nothing of blocked ports. */
export const notVmkernels = (name: string, lines: number) => `${name}: none of its ${lines} log line(s) is from vmkernel (hostd.log, or another program's?), so it says nothing of blocked ports`;

/** Every line was read (gzip.ts stops at the last member's end): worth saying, not a gap in the evidence. */
export const trailingGarbage = (name: string) => `${name}: the gzip data is followed by data that is not gzip; it was ignored, as zcat does.`;

/**
 * A tar's end followed by bytes that begin no tar (GNU tar -i would skip them block by block): what
 * they held, if they are a damaged archive, is missing, so a warning, never a note.
 */
export const trailingTarData = (name: string, bytes: number) =>
  `${name} is damaged: the zero blocks that end its tar are followed by ${bytes} bytes that are not a tar (no valid tar header); they were not read, so whatever they held (a damaged archive's members) is missing.`;
