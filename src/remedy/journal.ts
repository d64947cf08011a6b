// The journal: every change's before and after, rewritten atomically (temp
// file, fsync, rename) when a change starts and when it ends, so whatever
// stops vmfix (an error, Ctrl-C, a power cut) leaves a true record: an entry
// is `pending` only if its write may or may not have reached vCenter.
// When the journal cannot be written (a full disk), nothing more is sent:
// vmfix changes nothing it cannot record.
import { lstat, open as openFile, rm } from 'node:fs/promises';
import { ChangeError, ExitCode, NotSentError, UsageError } from '../errors.js';
import { fileKind, fileProblem, isPlaced, writeFile, type PlacedFile } from '../files.js';
import { checksum } from './change.js';
import type { Journal, JournalEntry } from './schema.js';

export class JournalWriter {
  /** Removed again: nothing was ever recorded in it. */
  private discarded = false;
  /** The file this writer put under its name (device, inode): only that one is rewritten or removed. */
  private readonly own: PlacedFile = {};

  private constructor(
    readonly path: string,
    private readonly journal: Journal,
  ) {}

  /**
   * Creates the file at once, so an unwritable path fails before anything
   * changes, and never over an existing file: that is another run's record.
   */
  static async open(path: string, header: Omit<Journal, 'schemaVersion' | 'kind' | 'entries' | 'startedAt'>, now = new Date()): Promise<JournalWriter> {
    let made: { dev: number; ino: number };
    try {
      // O_EXCL also refuses a symlink (even a dangling one) and a FIFO: only a new regular file becomes a journal.
      const handle = await openFile(path, 'wx', 0o600);
      try {
        const { dev, ino } = await handle.stat();
        made = { dev, ino };
      } finally {
        await handle.close();
      }
    } catch (err) {
      const exists = (err as NodeJS.ErrnoException).code === 'EEXIST';
      const what = exists ? await lstat(path).catch(() => undefined) : undefined;
      const kind = what?.isFile() ? undefined : what ? fileKind(what) : 'not a regular file';
      throw new UsageError(
        !exists
          ? `Cannot create the journal ${path} (${fileProblem(err)}), so nothing was changed; name a writable place with --journal.`
          : kind === undefined
            ? `The journal ${path} already exists (another run's record); vmfix never overwrites one. Name a new file with --journal.`
            : `${path} is ${kind}: a journal must be a new regular file, kept for rollback. Name one with --journal; nothing was changed.`,
      );
    }
    const writer = new JournalWriter(path, { schemaVersion: 1, kind: 'vmfix-journal', ...header, startedAt: now.toISOString(), entries: [] });
    writer.own.placed = made;
    try {
      await writer.flush();
    } catch (err) {
      // The empty file made above would block the name for the next run.
      await writer.removeOwn();
      throw new UsageError(cannotWrite(path, err));
    }
    return writer;
  }

  /** The journal on disk, or null if it was removed because nothing was ever recorded in it. */
  get file(): string | null {
    return this.discarded ? null : this.path;
  }

  get entries(): readonly JournalEntry[] {
    return this.journal.entries;
  }

  /** Records a change as under way; throws NotSentError if that cannot be written, and then it must not be sent. */
  async begin(entry: Omit<JournalEntry, 'status' | 'startedAt'>): Promise<JournalEntry> {
    const full: JournalEntry = { ...entry, status: 'pending', startedAt: new Date().toISOString() };
    this.journal.entries.push(full);
    try {
      await this.flush();
    } catch (err) {
      this.journal.entries.pop();
      if (!this.journal.entries.length) {
        // The first change: the same story as a journal that could not be created (exit 2, no file left).
        this.discarded = true;
        await this.removeOwn();
        throw new NotSentError(ExitCode.usage, cannotWrite(this.path, err), { cause: err });
      }
      throw new NotSentError(
        ExitCode.changeFailed,
        `${entry.change.id} was not sent: the journal ${this.path} could not be written (${why(err)}), and vmfix changes nothing it cannot record. ${this.recorded()}`,
        { cause: err },
      );
    }
    return full;
  }

  /** Records how a change ended; throws ChangeError (exit 4) if that cannot be written (the file then shows it pending). */
  async finish(entry: JournalEntry, patch: Pick<JournalEntry, 'status'> & Partial<JournalEntry>): Promise<void> {
    Object.assign(entry, patch, { finishedAt: new Date().toISOString() });
    try {
      await this.flush();
    } catch (err) {
      const what = patch.status === 'applied' ? 'applied' : 'did not apply';
      throw new ChangeError(
        `${entry.change.id} ${what}, but the journal ${this.path} could not record it (${why(err)}) and shows it pending. ${this.recorded()}`,
        { cause: err },
      );
    }
  }

  /**
   * Stamps the end. Every change was flushed as it happened, so a failure
   * here (a disk that filled meanwhile) loses nothing a rollback needs,
   * and is not an error of its own.
   */
  async close(): Promise<void> {
    if (this.discarded) return;
    this.journal.finishedAt = new Date().toISOString();
    await this.flush().catch(() => undefined);
  }

  /** What the file on disk holds, and what to do with it. */
  private recorded(): string {
    const done = this.journal.entries.filter((e) => e.status !== 'failed').map((e) => e.change.id);
    if (!done.length) return 'Nothing was changed.';
    return `The journal holds ${done.join(', ')}: once it can be written again, vmfix rollback ${this.path} undoes what applied.`;
  }

  private flush(): Promise<void> {
    return writeFile(this.path, `${JSON.stringify({ ...this.journal, checksum: checksum(this.journal) }, null, 2)}\n`, { journal: this.own });
  }

  /** Removes the file this writer made, and nothing else put under its name since. */
  private async removeOwn(): Promise<void> {
    const now = await lstat(this.path).catch(() => undefined);
    if (isPlaced(now, this.own)) await rm(this.path, { force: true });
  }
}

function cannotWrite(path: string, err: unknown): string {
  return `Cannot write the journal ${path} (${why(err)}), so nothing was changed; free space or name another place with --journal.`;
}

/** The file system's reason (writeFile wraps it). */
function why(err: unknown): string {
  return fileProblem((err as Error).cause ?? err);
}

/** Where a journal, or a plan the session writes, goes unless the user names a file. */
export function defaultFilePath(kind: 'journal' | 'plan', now = new Date()): string {
  // Milliseconds: a rollback run right after its fix must not be refused for the same name.
  return `vmfix-${kind}-${now.toISOString().replace(/[-:]/g, '')}.json`;
}
