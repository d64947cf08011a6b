// The rollback workflow: put back the values a fix/apply run recorded,
// newest first, refusing if any object changed since that run.
import type { Journal, JournalEntry } from '../remedy/schema.js';
import { readCurrent } from '../remedy/read.js';
import { taskEntity } from '../remedy/write.js';
import { settleTasks } from '../vsphere/tasks.js';
import { asBefore, undo, undoable } from '../remedy/rollback.js';
import { outcomeReport } from '../report/outcome.js';
import type { VimClient } from '../vsphere/client.js';
import type { CommandOutcome, Context, Endpoint } from './context.js';
import { approve, preflight, sameEndpoint } from './preflight.js';
import { exitCodeOf, openJournal, runChanges } from './run.js';

export interface RollbackOptions {
  readonly yes?: boolean;
  /** Where the rollback's own journal goes. */
  readonly journal?: string;
  /** The change request the rollback belongs to; default: the one the journal records. */
  readonly changeId?: string;
}

export async function rollbackJournal(
  client: VimClient,
  endpoint: Endpoint,
  recorded: Journal,
  recordedPath: string,
  options: RollbackOptions,
  ctx: Context,
): Promise<CommandOutcome> {
  sameEndpoint(recorded.endpoint, client.serviceContent.about, endpoint.display);
  const entries: JournalEntry[] = [];
  for (const entry of undoable(recorded)) {
    const settled = await settle(client, entry, ctx);
    if (settled) entries.push(settled);
  }
  const changes = entries.map(undo);
  const report = (journal: string | null, outcomes: Parameters<typeof outcomeReport>[3]) => outcomeReport('rollback', endpoint.display, journal, outcomes, [], []);
  if (!changes.length) return { result: { kind: 'outcome', report: report(null, []) }, exitCode: 0 };
  await preflight(client, changes);
  if (!(await approve(ctx, options.yes, changes))) {
    return { result: { kind: 'outcome', report: report(null, changes.map((change) => ({ change, status: 'declined' as const }))) }, exitCode: 0 };
  }
  const changeId = options.changeId ?? recorded.request?.changeId;
  const journal = await openJournal(options.journal, endpoint, ctx, {
    command: 'rollback',
    rollbackOf: recordedPath,
    endpoint: recorded.endpoint,
    ...(changeId ? { request: { changeId } } : {}),
  });
  const run = await runChanges(client, ctx, journal, changes);
  await journal.close();
  return { result: { kind: 'outcome', report: report(journal.file, run.outcomes) }, exitCode: exitCodeOf(run.error), ...(run.error ? { error: run.error } : {}) };
}

/**
 * What is left to undo of an entry. An object that holds the recorded
 * `before` again needs nothing: a rollback run again after it stopped
 * halfway, or a write that was under way and never applied. A write that
 * was under way and did apply is undone from what vCenter holds now.
 */
async function settle(client: VimClient, entry: JournalEntry, ctx: Context): Promise<JournalEntry | undefined> {
  const entity = entry.status === 'pending' ? taskEntity(entry.change, entry.created ? { ref: entry.created } : undefined) : null;
  // A task the interrupted run started may still be queued (vmfix was killed, vCenter is busy): until it has
  // run, the object shows the old value, and "nothing to undo" would be said of a change that applies a moment later.
  if (entity) {
    await settleTasks(client, entity, (task) =>
      ctx.ui.say(`${entry.change.id} ${entry.change.path}: a task on it is still ${task.state} (${task.descriptionId ?? task.key}); waiting for it to end.`),
    );
  }
  const current = await readCurrent(client, entry.change);
  if (asBefore(entry, current)) {
    const why =
      entry.status !== 'pending' ? 'it is already as it was before' : `the interrupted change had not applied${entity ? ' (and no task on it is left to run)' : ''}`;
    ctx.ui.say(`${entry.change.id} ${entry.change.path}: ${why}; nothing to undo.`);
    return undefined;
  }
  if (entry.status !== 'pending') return entry;
  return { ...entry, status: 'applied', after: current.spec, ...(current.configVersion ? { configVersionAfter: current.configVersion } : {}), ...(current.ref ? { created: current.ref } : {}) };
}
