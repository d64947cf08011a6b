// The journal: every change's before and after, rewritten atomically (temp
// file, fsync, rename) when a change starts and when it ends, so whatever
// stops vmfix (an error, Ctrl-C, a power cut) leaves a true record: an entry
// is `pending` only if its write may or may not have reached vCenter.
import { open as openFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { checksum } from './change.js';
import type { Journal, JournalEntry } from './schema.js';

export class JournalWriter {
  private constructor(
    readonly path: string,
    private readonly journal: Journal,
  ) {}

  /**
   * Creates the file at once, so an unwritable path fails before anything
   * changes, and never over an existing file: that is another run's record.
   */
  static async open(path: string, header: Omit<Journal, 'schemaVersion' | 'kind' | 'entries' | 'startedAt'>, now = new Date()): Promise<JournalWriter> {
    try {
      await (await openFile(path, 'wx', 0o600)).close();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new UsageError(`The journal ${path} already exists (another run's record); vmfix never overwrites one. Name a new file with --journal.`);
      }
      // Anything else (a missing directory, no permission): the atomic write below says so.
    }
    const writer = new JournalWriter(path, { schemaVersion: 1, kind: 'vmfix-journal', ...header, startedAt: now.toISOString(), entries: [] });
    await writer.flush();
    return writer;
  }

  get entries(): readonly JournalEntry[] {
    return this.journal.entries;
  }

  async begin(entry: Omit<JournalEntry, 'status' | 'startedAt'>): Promise<JournalEntry> {
    const full: JournalEntry = { ...entry, status: 'pending', startedAt: new Date().toISOString() };
    this.journal.entries.push(full);
    await this.flush();
    return full;
  }

  async finish(entry: JournalEntry, patch: Pick<JournalEntry, 'status'> & Partial<JournalEntry>): Promise<void> {
    Object.assign(entry, patch, { finishedAt: new Date().toISOString() });
    await this.flush();
  }

  async close(): Promise<void> {
    this.journal.finishedAt = new Date().toISOString();
    await this.flush();
  }

  private flush(): Promise<void> {
    return writeFileAtomic(this.path, `${JSON.stringify({ ...this.journal, checksum: checksum(this.journal) }, null, 2)}\n`);
  }
}

/** Where a journal, or a plan the session writes, goes unless the user names a file. */
export function defaultFilePath(kind: 'journal' | 'plan', now = new Date()): string {
  // Milliseconds: a rollback run right after its fix must not be refused for the same name.
  return `vmfix-${kind}-${now.toISOString().replace(/[-:]/g, '')}.json`;
}
