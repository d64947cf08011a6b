// Applying a list of changes in order, each journaled before the next one
// starts. The first failure stops the run: what follows may depend on it,
// and a person should look before anything else changes.
import { VmfixError } from '../errors.js';
import { applyChange, type ApplyContext } from './apply.js';
import type { Change } from './change.js';

export type ChangeStatus = 'applied' | 'failed' | 'not-attempted';

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

export async function execute(
  ctx: ApplyContext,
  changes: readonly Change[],
  onProgress?: (change: Change, status: ChangeStatus | 'applying') => void,
): Promise<ExecuteResult> {
  const outcomes: ChangeOutcome[] = [];
  for (const [i, change] of changes.entries()) {
    onProgress?.(change, 'applying');
    // Only this attempt's entries: a session's journal holds earlier groups' changes, numbered c1… again.
    const journaled = ctx.journal.entries.length;
    try {
      const entry = await applyChange(ctx, change);
      outcomes.push({ change, status: 'applied', ...(entry.note ? { note: entry.note } : {}) });
      onProgress?.(change, 'applied');
    } catch (err) {
      if (!(err instanceof VmfixError)) throw err;
      // A drift found before writing, or an interrupt after a complete write, leaves this change unattempted or done:
      // the journal has the truth; here we say what the person needs.
      const done = ctx.journal.entries.slice(journaled).some((e) => e.change.id === change.id && e.status === 'applied');
      outcomes.push({ change, status: done ? 'applied' : 'failed', note: err.message });
      onProgress?.(change, done ? 'applied' : 'failed');
      outcomes.push(...changes.slice(i + 1).map((c) => ({ change: c, status: 'not-attempted' as const })));
      return { outcomes, error: err };
    }
  }
  return { outcomes };
}
