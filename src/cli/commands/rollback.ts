// vmfix rollback JOURNAL: put back the values a fix/apply run recorded,
// newest first, refusing if any object changed since that run.
import { canonical, stateOf } from '../../remedy/change.js';
import { loadJournal } from '../../remedy/files.js';
import { defaultFilePath, JournalWriter, type JournalEntry } from '../../remedy/journal.js';
import { readCurrent, type CurrentState } from '../../remedy/read.js';
import { undo, undoable } from '../../remedy/rollback.js';
import { getPath } from '../../remedy/specs.js';
import { changesReport } from '../../report/changes.js';
import { changeLines } from '../../report/diff.js';
import type { Result } from '../../report/render.js';
import type { VimClient } from '../../vsphere/client.js';
import { exitCodeOf, runChanges } from '../changes.js';
import { withSession } from '../connect.js';
import type { Context } from '../context.js';
import type { CommonArgs, ConnectionArgs } from '../options.js';
import { approve, preflight, sameEndpoint } from '../preflight.js';

export interface RollbackArgs extends ConnectionArgs, CommonArgs {
  /** The journal to roll back. */
  journalFile: string;
  yes?: boolean;
  /** Where the rollback's own journal goes. */
  journal?: string;
}

export async function rollback(args: RollbackArgs, ctx: Context): Promise<{ result: Result; exitCode: number; error?: Error }> {
  const recorded = await loadJournal(args.journalFile);
  return withSession(args, ctx, async (client, endpoint) => {
    sameEndpoint(recorded.endpoint, client.serviceContent.about, endpoint.display);
    const entries: JournalEntry[] = [];
    for (const entry of undoable(recorded)) {
      const settled = await settle(client, entry, ctx);
      if (settled) entries.push(settled);
    }
    const changes = entries.map(undo);
    if (!changes.length) {
      return { result: { kind: 'changes', report: changesReport('rollback', endpoint.display, null, [], [], []) }, exitCode: 0 };
    }
    await preflight(client, changes);
    if (!(await approve(ctx, args.yes, changes, (c) => changeLines(c)))) {
      const declined = changes.map((change) => ({ change, status: 'declined' as const }));
      return { result: { kind: 'changes', report: changesReport('rollback', endpoint.display, null, declined, [], []) }, exitCode: 0 };
    }
    const journalPath = args.journal ?? defaultFilePath('journal');
    const journal = await JournalWriter.open(journalPath, { command: 'rollback', rollbackOf: args.journalFile, endpoint: recorded.endpoint });
    const run = await runChanges(client, ctx, journal, changes);
    await journal.close();
    return {
      result: { kind: 'changes', report: changesReport('rollback', endpoint.display, journalPath, run.outcomes, [], []) },
      exitCode: exitCodeOf(run.error),
      ...(run.error ? { error: run.error } : {}),
    };
  });
}

/**
 * What is left to undo of an entry. An object that holds the recorded
 * `before` again needs nothing: a rollback run again after it stopped
 * halfway, or a write that was under way and never applied. A write that
 * was under way and did apply is undone from what vCenter holds now.
 */
async function settle(client: VimClient, entry: JournalEntry, ctx: Context): Promise<JournalEntry | undefined> {
  const current = await readCurrent(client, entry.change);
  if (asBefore(entry, current)) {
    const why = entry.status === 'pending' ? 'the interrupted change had not applied' : 'it is already as it was before';
    ctx.ui.say(`${entry.change.id} ${entry.change.path}: ${why}; nothing to undo.`);
    return undefined;
  }
  if (entry.status !== 'pending') return entry;
  return { ...entry, status: 'applied', after: current.spec, ...(current.configVersion ? { configVersionAfter: current.configVersion } : {}), ...(current.ref ? { created: current.ref } : {}) };
}

/** The field the change set holds its recorded value again (a creation: the object is gone again). */
function asBefore(entry: JournalEntry, current: CurrentState): boolean {
  const { action, field, target } = entry.change;
  if (action === 'UpdatePortGroup' || action === 'UpdateVirtualSwitch' || action === 'ReconfigureDVPortgroup') {
    // A dvPortgroup's configVersion moves on with every change, so its state is compared by the field.
    return current.spec !== null && canonical(getPath(current.spec, field) ?? null) === canonical(getPath(entry.before, field) ?? null);
  }
  return canonical(stateOf(target, current.spec, current.configVersion)) === canonical(stateOf(target, entry.before, entry.configVersionBefore));
}
