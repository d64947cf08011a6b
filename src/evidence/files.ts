// Offline evidence: vmkernel logs given as files (plain or gzip) or as an
// extracted vm-support bundle directory. Everything streams through a
// bounded line splitter into L2SecCollector, so file size never matters.

import { createReadStream } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

import { UsageError } from '../errors.js';
import { L2SecCollector, type L2SecEvent } from './vmkernel-log.js';

/** Longer lines are skipped unread: no vmkernel message is anywhere near this. */
export const MAX_LINE_BYTES = 64 * 1024;
/** Read size; Node's 64 KiB default costs throughput on plain files. */
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * Expands PATH arguments: files (plain or .gz, detected by magic bytes not name), and directories
 * (a vm-support bundle: every vmkernel log inside, recursively, e.g. var/run/log/vmkernel.log,
 * var/run/log/vmkernel.0.gz). Streams; never loads a whole file into memory.
 *
 * Events collapse per source, so the same event in rotated files counts once with the sum:
 * - a directory is one source, or one per vm-support bundle (esx-<host>-<date>) found in it,
 *   named by the bundle's path and carrying the host name from that name;
 * - file arguments that are rotations of one log (vmkernel.log, vmkernel.0.gz, ... in one
 *   directory) are one source named after the newest of them; any other file is its own source.
 * Within a source, files are read oldest first.
 */
export async function readLogFiles(paths: string[], onFile?: (path: string) => void): Promise<L2SecEvent[]> {
  const events: L2SecEvent[] = [];
  for (const source of await planSources(paths)) {
    const collector = new L2SecCollector(source.name, source.hostName);
    for (const file of source.files) {
      onFile?.(file);
      await feedFile(file, collector);
    }
    events.push(...collector.events());
  }
  return events;
}

/** Reads one file (plain or gzip) into a collector, line by line. */
export async function feedFile(path: string, collector: L2SecCollector): Promise<void> {
  const gzipped = await hasGzipMagic(path);
  const splitter = new LineSplitter((line) => collector.add(line));
  let first = true;
  // Kept aside: pipeline() may reject with the abort it caused upstream rather than with this.
  let refusal: UsageError | undefined;
  const sink = async (chunks: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of chunks) {
      if (first && isTarHeader(chunk)) {
        refusal = new UsageError(`${path} is a tar archive (a vm-support bundle?): extract it and give the directory.`);
        throw refusal;
      }
      first = false;
      splitter.push(chunk);
    }
  };
  try {
    const input = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
    if (gzipped) await pipeline(input, createGunzip(), sink);
    else await pipeline(input, sink);
  } catch (error) {
    throw refusal ?? readError(path, error);
  }
  splitter.end();
  collector.endOfStream();
}

// ---------------------------------------------------------------------------
// Planning: which files, in which order, under which source.

interface Source {
  name: string;
  hostName?: string;
  files: string[];
}

async function planSources(paths: string[]): Promise<Source[]> {
  const sources: Source[] = [];
  const byFamily = new Map<string, Source>();
  const seen = new Set<string>(); // real paths: the same file twice would double every count
  for (const path of paths) {
    if (await isDirectory(path)) {
      sources.push(...(await planDirectory(path, seen)));
      continue;
    }
    if ((await unseen([path], seen)).length === 0) continue;
    const family = join(dirname(path), rotation(basename(path)).family);
    const known = byFamily.get(family);
    if (known) {
      known.files = sortOldestFirst([...known.files, path]);
      known.name = known.files.at(-1)!; // the newest, usually the live vmkernel.log
    } else {
      const source = { name: path, files: [path] };
      byFamily.set(family, source);
      sources.push(source);
    }
  }
  return sources;
}

/**
 * One source per vm-support bundle found in the directory (the directory itself may be one), and
 * one for logs outside any bundle: port numbers repeat from host to host, so two hosts' logs must
 * not collapse together.
 */
async function planDirectory(dir: string, seen: Set<string>): Promise<Source[]> {
  const found = await findVmkernelLogs(dir);
  if (found.length === 0) {
    throw new UsageError(`${dir}: no vmkernel logs in this directory (looked for vmkernel.log and its rotations).`);
  }
  const byBundle = new Map<string, Source>();
  for (const file of await unseen(found, seen)) {
    const name = bundleOf(file, dir);
    const hostName = bundleHostName(name);
    const source = byBundle.get(name) ?? { name, ...(hostName ? { hostName } : {}), files: [] };
    source.files.push(file);
    byBundle.set(name, source);
  }
  return [...byBundle.values()].map((source) => ({ ...source, files: sortOldestFirst(source.files) }));
}

/** The innermost directory between `root` (included) and `file` named like a vm-support bundle, else `root`. */
function bundleOf(file: string, root: string): string {
  const steps = relative(root, dirname(file)).split(sep).filter(Boolean);
  for (let depth = steps.length; depth > 0; depth--) {
    const dir = join(root, ...steps.slice(0, depth));
    if (bundleHostName(dir)) return dir;
  }
  return root;
}

async function isDirectory(path: string): Promise<boolean> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw readError(path, error);
  }
  if (info.isDirectory()) return true;
  if (info.isFile()) return false;
  throw new UsageError(`Cannot read ${path}: not a regular file or directory.`);
}

async function unseen(files: string[], seen: Set<string>): Promise<string[]> {
  const fresh: string[] = [];
  for (const file of files) {
    const real = await realpath(file).catch((error: unknown) => {
      throw readError(file, error);
    });
    if (seen.has(real)) continue;
    seen.add(real);
    fresh.push(file);
  }
  return fresh;
}

// vmkernel.log (ESXi 5+), vmkernel (ESX 4.x), and their rotations vmkernel.0.gz,
// vmkernel.1, vmkernel.log.1.gz ... but not vmkwarning.log, which repeats
// vmkernel's warnings and would double-count them.
const VMKERNEL_LOG = /^vmkernel(?:\.log)?(?:\.\d+)?(?:\.log)?(?:\.gz)?$/;

/**
 * Regular files only. Symbolic links are not followed: a bundle's var/log/vmkernel.log is a link
 * to /var/run/log/vmkernel.log, which on the machine reading the bundle is some other file or none.
 */
async function findVmkernelLogs(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw readError(dir, error);
  }
  const found: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await findVmkernelLogs(path)));
    else if (entry.isFile() && VMKERNEL_LOG.test(entry.name)) found.push(path);
  }
  return found;
}

/** "vmkernel.3.gz" → family "vmkernel", age 3; the live "vmkernel.log" has age -1. */
function rotation(name: string): { family: string; age: number } {
  const m = /^(.+?)(?:\.log)?(?:\.(\d+))?(?:\.log)?(?:\.gz)?$/.exec(name);
  return { family: m?.[1] ?? name, age: m?.[2] === undefined ? -1 : Number(m[2]) };
}

/** Oldest first within each directory and family, so "first appearance" follows time. */
function sortOldestFirst(files: string[]): string[] {
  const keyed = files.map((file) => {
    const { family, age } = rotation(basename(file));
    return { file, group: join(dirname(file), family), age };
  });
  keyed.sort((a, b) => (a.group === b.group ? b.age - a.age : a.group < b.group ? -1 : 1));
  return keyed.map((k) => k.file);
}

/**
 * vm-support names its bundle esx-<host>-<yyyy>-<mm>-<dd>--<hh>.<mm>-<n>; extracted, that is the
 * directory name. Only that name is used: files inside (etc/hosts and the like) can name several hosts.
 */
function bundleHostName(dir: string): string | undefined {
  return /^esx-(.+?)-\d{4}-\d{2}-\d{2}(?:--.*)?$/.exec(basename(dir))?.[1];
}

// ---------------------------------------------------------------------------
// Reading.

async function hasGzipMagic(path: string): Promise<boolean> {
  const magic = Buffer.alloc(2);
  let handle;
  try {
    handle = await open(path, 'r');
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } catch (error) {
    throw readError(path, error);
  } finally {
    await handle?.close();
  }
}

/** POSIX ustar: "ustar" at offset 257 of the first header block. */
function isTarHeader(chunk: Buffer): boolean {
  return chunk.length >= 262 && chunk.toString('latin1', 257, 262) === 'ustar';
}

/**
 * Splits a byte stream into lines (\n; a trailing \r is the parser's business). A line longer
 * than MAX_LINE_BYTES is dropped as it streams past: at most that much is ever held.
 */
class LineSplitter {
  #held: Buffer[] = [];
  #heldBytes = 0;
  #skipping = false;

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (this.#heldBytes === 0 && !this.#skipping) {
        // The common case: the whole line is inside this chunk.
        if (nl - start <= MAX_LINE_BYTES) this.onLine(chunk.toString('utf8', start, nl));
      } else {
        this.#hold(chunk.subarray(start, nl));
        this.#flush();
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.#hold(chunk.subarray(start));
  }

  /** The last line of a file needs no newline. */
  end(): void {
    if (this.#heldBytes > 0) this.#flush();
  }

  #hold(piece: Buffer): void {
    if (this.#skipping) return;
    if (this.#heldBytes + piece.length > MAX_LINE_BYTES) {
      this.#skipping = true;
      this.#held = [];
      this.#heldBytes = 0;
      return;
    }
    this.#held.push(piece);
    this.#heldBytes += piece.length;
  }

  #flush(): void {
    if (!this.#skipping) this.onLine(Buffer.concat(this.#held, this.#heldBytes).toString('utf8'));
    this.#held = [];
    this.#heldBytes = 0;
    this.#skipping = false;
  }
}

/** One line naming the path, whatever failed. */
function readError(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code.startsWith('Z_')) {
    return new UsageError(`${path}: gzip data is corrupt (${(error as Error).message}).`, { cause: error });
  }
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
