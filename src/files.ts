// Files vmfix writes (reports, plans, journals) and reads (plans, journals,
// a CA file). A regular file, or a new one, is written whole or not at all:
// a temporary file beside it, flushed to disk, then renamed over it. What
// is not a regular file is written through, never replaced: a device
// (/dev/null stays the system's), a FIFO (its reader gets the text), a
// symlink (its target is written and the link stays), and this process's
// own descriptors (/dev/stdout, as bash treats the name) are those streams.
import { randomBytes } from 'node:crypto';
import { constants, createReadStream, open as openDescriptor } from 'node:fs';
import { access, lstat, open, readlink, realpath, rename, rm, stat } from 'node:fs/promises';
import { Socket } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.js';

/** Why a file operation failed, in words, with the code for searching. */
export function fileProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EROFS: 'read-only file system',
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    ENOENT: 'no such file or directory',
    ENOTDIR: 'a part of the path is not a directory',
    EISDIR: 'it is a directory',
    ENXIO: 'nothing is listening on it',
    EFBIG: 'the file is too large',
    EIO: 'input/output error',
  };
  return code ? (words[code] ? `${code}: ${words[code]}` : code) : (err as Error).message;
}

/** Raised by writeFile: the file was not written (a temporary file is removed again). */
export class WriteError extends UsageError {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`Cannot write ${path} (${fileProblem(cause)}).`, { cause });
  }
}

/** The file the journal writer put under its name, by device and inode; updated by each rewrite. */
export interface PlacedFile {
  placed?: { readonly dev: number; readonly ino: number };
}

/** Whether `info` is the very file placed (a regular file, that device and inode). */
export function isPlaced(info: { isFile(): boolean; dev: number; ino: number } | undefined, file: PlacedFile): boolean {
  return Boolean(info?.isFile() && (!file.placed || (info.dev === file.placed.dev && info.ino === file.placed.ino)));
}

/** `journal`: the journal writer's own file, rewritten only while it is still the file it placed there. */
export async function writeFile(path: string, text: string, options: { readonly journal?: PlacedFile } = {}): Promise<void> {
  try {
    const own = ownDescriptor(path);
    if (own) return await writeStream(own, text);
    const link = await lstat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!options.journal && (link?.isFile() || link?.isSymbolicLink())) await notAJournal(path);
    // The journal writer made its file as a new regular file: anything else under its name now is not its
    // record. A link made over it would be written through (what it points at replaced); another regular
    // file moved onto the name (mv yesterday.json over it) would be replaced, and that run's record lost.
    // Gone altogether (removed by hand), the record is put back: that overwrites nothing.
    if (options.journal && link && !isPlaced(link, options.journal)) {
      throw new Error(`it is no longer the file vmfix made: ${link.isFile() ? 'another file was put in its place' : fileKind(link)}`);
    }
    if (options.journal) {
      options.journal.placed = await replace(path, text, link);
      return;
    }
    if (!link) return void (await replace(path, text));
    if (link.isFile()) {
      await writable(path);
      return void (await replace(path, text, link));
    }
    if (link.isDirectory()) throw Object.assign(new Error('a directory'), { code: 'EISDIR' });
    if (link.isSymbolicLink()) await mayFollow(path, link.uid);
    const target = await stat(path).catch(() => undefined);
    // A symlink to a regular file: that file is replaced whole, in its own directory.
    if (target?.isFile()) {
      await writable(path);
      return void (await replace(await realpath(path), text, target));
    }
    await writeThrough(path, text);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new WriteError(path, err);
  }
}

/**
 * A journal is the only record rollback has of what changed: a report or a
 * plan written over one (a name typed twice, tab completion) would lose it.
 * Only the journal writer itself rewrites a journal.
 */
async function notAJournal(path: string): Promise<void> {
  // stdout is whatever the shell opened (`>> log`): written through, it replaces nothing.
  if (ownDescriptor(path)) return;
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
  if (!handle) return;
  let journal: boolean;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return;
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    // Read whole, not only its head: rewritten (jq -S puts "kind" after the entries) a journal is still one rollback takes.
    journal = head.toString('utf8', 0, bytesRead).trimStart().startsWith('{') && info.size <= MAX_RECORD_BYTES && kindOf(await handle.readFile('utf8')) === 'vmfix-journal';
  } finally {
    await handle.close();
  }
  if (journal) throw new UsageError(`${path} is a vmfix journal, the record a rollback needs; vmfix does not write over it. Name another file.`);
}

/** What a path that is not a regular file is, in words (of lstat's Stats, or a directory's Dirent): its one spelling. */
export function fileKind(info: { isSymbolicLink(): boolean; isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return info.isSocket() ? 'a socket' : 'not a regular file';
}

/** Far above any plan or journal vmfix writes (a 10,000-VM pin-mac plan is some 40 MiB): none larger is read. */
export const MAX_RECORD_BYTES = 256 * 2 ** 20;

function kindOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { kind?: unknown } | null)?.kind;
  } catch {
    return undefined;
  }
}

/** stdout or stderr when the path names them (/dev/stdout, /dev/fd/1, /proc/self/fd/2). */
function ownDescriptor(path: string): NodeJS.WriteStream | undefined {
  const match = /^\/(?:dev\/(stdout|stderr|fd\/([12]))|proc\/(?:self|thread-self)\/fd\/([12]))$/.exec(resolve(path));
  if (!match) return undefined;
  const fd = match[2] ?? match[3] ?? (match[1] === 'stdout' ? '1' : '2');
  return fd === '1' ? process.stdout : process.stderr;
}

function writeStream(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((done, fail) => stream.write(text, (err) => (err ? fail(err) : done())));
}

/**
 * A file its owner made read-only is not replaced: the shell's > refuses
 * it, although the rename that writes a file whole would go through.
 */
function writable(path: string): Promise<void> {
  return access(path, constants.W_OK);
}

/**
 * The kernel's fs.protected_symlinks rule, which a rename would bypass: in a
 * sticky world-writable directory (/tmp) only a link owned by us or by the
 * directory's owner is followed, so a link another user planted there
 * cannot aim vmfix at a file of their choosing.
 */
async function mayFollow(path: string, linkOwner: number): Promise<void> {
  const dir = await stat(dirname(resolve(path)));
  const sticky = 0o1000; // S_ISVTX, which node:fs does not export
  const shared = (dir.mode & sticky) !== 0 && (dir.mode & constants.S_IWOTH) !== 0;
  const uid = process.getuid?.();
  if (shared && linkOwner !== uid && linkOwner !== dir.uid) {
    throw new UsageError(`${path} is a symlink another user owns in a shared directory; vmfix does not follow it. Name the file itself.`);
  }
}

/** `existing`: the file replaced, whose mode (and, for root, owner) the new one keeps. */
/** Returns the device and inode of the file now under `path`. */
async function replace(path: string, text: string, existing?: { mode: number; uid: number; gid: number }): Promise<{ dev: number; ino: number }> {
  // A random name, created exclusively: a link planted at a predictable name would be followed.
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let placed: { dev: number; ino: number };
  try {
    const handle = await open(temp, 'wx', (existing?.mode ?? 0o600) & 0o777);
    try {
      // Root writing over a user's report gives it back to them, as the shell's > (which writes in place) leaves it.
      if (existing && process.getuid?.() === 0) await handle.chown(existing.uid, existing.gid);
      // Its mode whole: open() applied the umask to it (a 0666 report came back 0644).
      if (existing) await handle.chmod(existing.mode & 0o777);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
      // The rename keeps the inode: this is the file the name holds once it is done.
      const { dev, ino } = await handle.stat();
      placed = { dev, ino };
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dirname(path));
  return placed;
}

/**
 * A rename is on disk only once its directory is: until then a power cut
 * may leave the old file under the name, and a journal would lose the
 * change it had just recorded as under way.
 */
async function syncDirectory(dir: string): Promise<void> {
  // A directory vmfix may write in but not read (mode 0300) cannot be opened to sync; the rename stands.
  const handle = await open(dir, constants.O_RDONLY).catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems cannot fsync a directory; the rename stands as they keep it.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
  } finally {
    await handle.close();
  }
}

async function writeThrough(path: string, text: string): Promise<void> {
  if ((await stat(path).catch(() => undefined))?.isFIFO()) return writeFifo(path, text);
  // No O_TRUNC: a device or FIFO has nothing to truncate. O_CREAT: a dangling symlink's target is made, as the shell's > would.
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOCTTY, 0o600);
  try {
    await handle.writeFile(text, 'utf8');
  } finally {
    await handle.close();
  }
}

/**
 * A FIFO is opened without waiting for a reader (ENXIO when none is there)
 * and written as a stream the event loop drives. A blocking open or write
 * would hold a libuv thread until a reader came or read, and process.exit
 * waits for those threads: not even Ctrl-C or SIGTERM could end vmfix.
 */
async function writeFifo(path: string, text: string): Promise<void> {
  const fd = await new Promise<number>((done, fail) =>
    openDescriptor(path, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY, (err, opened) => (err ? fail(err) : done(opened))),
  );
  const pipe = new Socket({ fd, readable: false, writable: true });
  await new Promise<void>((done, fail) => {
    pipe.once('error', fail);
    pipe.end(text, 'utf8', () => done());
  }).finally(() => pipe.destroy());
}

/**
 * Reads a file whole, at most `limit` bytes: /dev/zero or a runaway FIFO
 * ends in a refusal, not in all the memory there is. FIFOs are read (a
 * plan from `<(...)` is one); a regular file's size is checked first.
 */
export async function readFileBounded(path: string, what: string, limit: number): Promise<string> {
  const tooBig = () => new UsageError(`Cannot read the ${what} ${path}: it is larger than ${limit >> 20} MiB, far more than any ${what} vmfix writes.`);
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error('a directory'), { code: 'EISDIR' });
    size = info.isFile() ? info.size : 0;
  } catch (err) {
    throw new UsageError(`Cannot read the ${what} ${path} (${fileProblem(err)}).`);
  }
  if (size > limit) throw tooBig();
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 })) {
      total += (chunk as Buffer).length;
      if (total > limit) throw tooBig();
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`Cannot read the ${what} ${path} (${fileProblem(err)}).`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * One file, however it is named: the same device and inode, or, for one not
 * made yet, the same directory and name. None for a character device
 * (/dev/null): writes to one do not overwrite one another.
 */
async function identity(path: string, followed = false): Promise<string | undefined> {
  const full = resolve(path);
  const own = ownDescriptor(full);
  if (own) return own === process.stdout ? 'stdout' : 'stderr';
  try {
    const s = await stat(full);
    return s.isCharacterDevice() ? undefined : `${s.dev}:${s.ino}`;
  } catch {
    // A dangling symlink names the file its target will be.
    const end = followed ? full : await linkEnd(full);
    if (end !== full) return identity(end, true);
    const dir = await stat(dirname(full)).catch(() => undefined);
    return dir ? `${dir.dev}:${dir.ino}/${basename(full)}` : full;
  }
}

/**
 * Refuses (exit 2, before anything happens) two options that name the same
 * file where one of them writes it: the report over the journal would lose
 * the record rollback needs.
 */
export async function refuseSharedFiles(files: readonly { option: string; path: string; writes: boolean }[]): Promise<void> {
  const ids = await Promise.all(files.map((f) => identity(f.path)));
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      if (ids[i] === undefined || ids[i] !== ids[j] || !(files[i]!.writes || files[j]!.writes)) continue;
      const [a, b] = [files[i]!, files[j]!];
      throw new UsageError(`${a.option} and ${b.option} name the same file (${b.path}), and vmfix would write over one with the other; give each its own file.`);
    }
  }
  // A report or plan about to be written over an earlier run's journal, or that cannot be written:
  // said now, not after the changes or a whole audit (the journal is created at once anyway).
  for (const f of files) {
    if (!f.writes || f.option === '--journal') continue;
    // A file that fails to be read (EIO: /proc/self/mem, a failing disk) is no place for the output either.
    await notAJournal(f.path).catch((err: unknown) => {
      throw err instanceof UsageError ? err : unwritable(f.option, f.path, err);
    });
    await refuseUnwritable(f.option, f.path);
  }
}

/**
 * What writeFile would fail on for certain, checked before the work: a
 * directory, a missing or unwritable directory to put a new file in (or to
 * replace a file in, which is how a file is written whole). What is not a
 * regular file (a device, a FIFO, stdout) is left to the write itself.
 */
async function refuseUnwritable(option: string, path: string): Promise<void> {
  if (ownDescriptor(path)) return;
  const refuse = (err: unknown) => unwritable(option, path, err);
  const target = await stat(path).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : err));
  if (target instanceof Error) throw refuse(target);
  if (target?.isDirectory()) throw refuse(Object.assign(new Error('a directory'), { code: 'EISDIR' }));
  if (target && !target.isFile()) return;
  if (target) await writable(path).catch((err: unknown) => {
    throw refuse(err);
  });
  if (!target) {
    const link = await lstat(path).catch(() => undefined);
    if (link?.isSymbolicLink()) return refuseDangling(option, path, link.uid);
  }
  // A file is written whole by a rename in its directory: that directory must take a new file.
  const dir = dirname(target ? await realpath(path) : resolve(path));
  await access(dir, constants.W_OK | constants.X_OK).catch((err: unknown) => {
    throw refuse(err);
  });
}

function unwritable(option: string, path: string, err: unknown): UsageError {
  return new UsageError(`The ${writtenBy(option)} could not be written to ${path} (${fileProblem(err)}); nothing was done.`, { cause: err });
}

/** What an output option writes, as the early refusals name it. */
function writtenBy(option: string): string {
  return option === '--plan-out' ? 'plan' : 'report';
}

/**
 * A symlink to nothing yet: the write makes its target, as the shell's >
 * would, so the target's directory must exist and take a new file. Said
 * with the link's own text, which is what the user can see with ls -l.
 */
async function refuseDangling(option: string, path: string, owner: number): Promise<void> {
  await mayFollow(path, owner);
  const end = await linkEnd(path);
  await access(dirname(end), constants.W_OK | constants.X_OK).catch(async (err: unknown) => {
    throw new UsageError(`The ${writtenBy(option)} could not be written to ${path}, a symbolic link to ${await readlink(path)} (${fileProblem(err)}); nothing was done.`);
  });
}

/** Where a chain of symlinks ends: the name a write through them creates. */
async function linkEnd(path: string): Promise<string> {
  let end = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    const text = await readlink(end).catch(() => undefined);
    if (text === undefined) break;
    end = resolve(dirname(end), text);
  }
  return end;
}
