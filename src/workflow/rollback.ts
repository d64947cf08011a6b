// The rollback workflow: put back the values a fix/apply run recorded,
// newest first, refusing if any object changed since that run.
import { DriftError } from '../errors.js';
import { beyondMacPolicy } from '../remedy/files.js';
import type { Journal, JournalEntry } from '../remedy/schema.js';
import { readCurrent } from '../remedy/read.js';
import { getPath } from '../remedy/specs.js';
import { taskEntity } from '../remedy/write.js';
import { settleTasks } from '../vsphere/tasks.js';
import { asBefore, restoredField, undo, undoable } from '../remedy/rollback.js';
import { outcomeReport } from '../report/outcome.js';
import type { VimClient } from '../vsphere/client.js';
import type { MoRef } from '../vsphere/types.js';
import type { CommandOutcome, Context, Endpoint } from './context.js';
import { approve, preflight, premisesHoldAfterYes, sameEndpoint } from './preflight.js';
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
  recorded: Journal & { checksum: string },
  recordedPath: string,
  options: RollbackOptions,
  ctx: Context,
): Promise<CommandOutcome> {
  sameEndpoint(recorded.endpoint, client.serviceContent.about, endpoint.display);
  const entries: JournalEntry[] = [];
  const done = undoable(recorded);
  await settleQueued(client, done, ctx);
  for (const entry of done) {
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
  // As apply: a MAC put back may have been taken while the changes were shown.
  if (!options.yes) await premisesHoldAfterYes(client, changes, [], 'rolled back');
  const changeId = options.changeId ?? recorded.request?.changeId;
  const journal = await openJournal(options.journal, endpoint, ctx, {
    command: 'rollback',
    rollbackOf: recordedPath,
    rollbackOfChecksum: recorded.checksum,
    planned: changes.map((change, i) => ({ id: change.id, undoes: entries[i]!.change.id })),
    endpoint: recorded.endpoint,
    ...(changeId ? { request: { changeId } } : {}),
  });
  const run = await runChanges(client, ctx, journal, changes);
  await journal.close();
  return { result: { kind: 'outcome', report: report(journal.file, run.outcomes) }, exitCode: exitCodeOf(run.error), ...(run.error ? { error: run.error } : {}) };
}

/**
 * A task still queued on an object (vmfix was killed, vCenter is busy) has
 * not changed it yet: until it has run, the object shows the old value, and
 * "nothing to undo" would be said of a change that applies a moment later,
 * or an undo planned against a configVersion that task is about to move on
 * (a killed rollback's own task: the next rollback would then be refused
 * as someone else's change). So every object's tasks end first.
 */
async function settleQueued(client: VimClient, entries: readonly JournalEntry[], ctx: Context): Promise<void> {
  const byEntity = new Map<string, { entity: MoRef; entry: JournalEntry }>();
  for (const entry of entries) {
    const entity = taskEntity(entry.change, entry.created ? { ref: entry.created } : undefined);
    if (entity) byEntity.set(entity.value, { entity, entry });
  }
  await settleTasks(client, [...byEntity.values()].map((e) => e.entity), (task) => {
    const { entry } = byEntity.get(task.entity?.value ?? '') ?? {};
    ctx.ui.say(`${entry ? `${entry.change.id} ${entry.change.path}` : task.entity?.value}: a task on it is still ${task.state} (${task.descriptionId ?? task.key}); waiting for it to end.`);
  });
}

/**
 * What is left to undo of an entry. An object that holds the recorded
 * `before` again needs nothing: a rollback run again after it stopped
 * halfway, or a write that was under way and never applied. A write that
 * was under way and did apply is undone from what vCenter holds now.
 */
async function settle(client: VimClient, entry: JournalEntry, ctx: Context): Promise<JournalEntry | undefined> {
  const entity = entry.status === 'pending' ? taskEntity(entry.change, entry.created ? { ref: entry.created } : undefined) : null;
  const current = await readCurrent(client, entry.change);
  if (asBefore(entry, current)) {
    const why =
      entry.status !== 'pending' ? 'it is already as it was before' : `the interrupted change had not applied${entity ? ' (and no task on it is left to run)' : ''}`;
    ctx.ui.say(`${entry.change.id} ${entry.change.path}: ${why}; nothing to undo.`);
    return undefined;
  }
  if (entry.status !== 'pending') return entry;
  premiseHeld(entry, current.spec);
  return { ...entry, status: 'applied', after: current.spec, ...(current.configVersion ? { configVersionAfter: current.configVersion } : {}), ...(current.ref ? { created: current.ref } : {}) };
}

/**
 * A pending entry has no recorded after to check its undo against, so what
 * vCenter holds now stands in for it, and the undo sends its before's MAC
 * policy whole: that may differ from now only where the interrupted change
 * set it. Anything else (promiscuous mode) was changed since vmfix read it,
 * or the journal was edited with its checksum recomputed; either way the
 * undo would write what vmfix never changes.
 */
function premiseHeld(entry: JournalEntry, now: unknown): void {
  if (entry.change.action !== 'ReconfigureDVPortgroup') return;
  const field = restoredField(entry);
  const other = beyondMacPolicy(getPath(now, field), getPath(entry.before, field));
  if (!other) return;
  throw new DriftError(
    `Refusing: ${entry.change.id} ${entry.change.path}: its recorded ${field}.${other} is not what it holds now, and the interrupted change never set it (changed since, or the journal edited), so nothing was applied.`,
  );
}
