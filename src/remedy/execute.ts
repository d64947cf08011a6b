// Executing a list of changes in order, each journaled before the next one
// starts. The first failure stops the run: what follows may depend on it,
// and a person should look before anything else changes.
import { asVmfixError, NotSentError, type VmfixError } from '../errors.js';
import type { VimClient } from '../vsphere/client.js';
import type { Change } from './schema.js';
import type { JournalWriter } from './journal.js';
import { writeChange } from './write.js';

/** already-set: not sent, the object held its value already (someone made the same change meanwhile). */
export type ChangeStatus = 'applied' | 'already-set' | 'failed' | 'not-attempted';

export interface ChangeOutcome {
  readonly change: Change;
  readonly status: ChangeStatus;
  readonly note?: string;
}

export interface ExecuteResult {
  readonly outcomes: readonly ChangeOutcome[];
  /** Why the run stopped early (DriftError, ChangeError, InterruptedError). */
  readonly error?: VmfixError;
}

/** What executing needs from its caller (the CLI's context satisfies the last three). */
export interface ExecuteOptions {
  readonly client: VimClient;
  readonly journal: JournalWriter;
  /** Runs a write and its journal entry so that an interrupt cannot split them. */
  readonly critical: <T>(work: () => Promise<T>) => Promise<T>;
  /** Cleanup for a signal that ends the process between two changes; returns its unregister. */
  readonly onInterrupt?: (cleanup: () => Promise<void> | void) => () => void;
  /** Each change as it starts and as it ends. */
  readonly onProgress?: (change: Change, status: ChangeStatus | 'applying', note?: string) => void;
}

export async function executeChanges(options: ExecuteOptions, changes: readonly Change[]): Promise<ExecuteResult> {
  const { journal, onProgress } = options;
  const run = { client: options.client, journal, critical: options.critical, written: new Map<string, string>(), created: new Map<string, { moref: string; key: string }>() };
  // A signal between two changes ends the process at once: the journal is closed on the way out.
  const unregister = options.onInterrupt?.(() => journal.close());
  const outcomes: ChangeOutcome[] = [];
  try {
    for (const [i, change] of changes.entries()) {
      onProgress?.(change, 'applying');
      // Only this run's entries: a session's journal holds earlier groups' changes.
      const journaled = journal.entries.length;
      try {
        const written = await writeChange(run, change);
        outcomes.push({ change, ...written });
        onProgress?.(change, written.status, written.status === 'already-set' ? written.note : undefined);
      } catch (thrown) {
        const err = asVmfixError(thrown);
        if (!err) throw thrown;
        // A drift found before writing, or an interrupt after a complete write, leaves this change unattempted or done;
        // a connection lost after the write leaves it pending: the journal has the truth; here we say what the person needs.
        const mine = journal.entries.slice(journaled).filter((e) => e.change.id === change.id);
        const done = mine.some((e) => e.status === 'applied');
        const pending = mine.some((e) => e.status === 'pending');
        const note = pending ? `${err.message} It may have applied: the journal records it as pending.` : err.message;
        const status = done ? 'applied' : err instanceof NotSentError ? 'not-attempted' : 'failed';
        outcomes.push({ change, status, note });
        onProgress?.(change, status);
        outcomes.push(...changes.slice(i + 1).map((c) => ({ change: c, status: 'not-attempted' as const })));
        return { outcomes, error: err };
      }
    }
    return { outcomes };
  } finally {
    unregister?.();
  }
}
