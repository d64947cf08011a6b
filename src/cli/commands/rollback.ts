// vmfix rollback JOURNAL: put back the values a fix/apply run recorded,
// newest first, refusing if any object changed since that run.
import { canonical, stateOf } from '../../remedy/change.js';
import { loadJournal } from '../../remedy/files.js';
import { defaultJournalPath, JournalWriter, type JournalEntry } from '../../remedy/journal.js';
import { readCurrent } from '../../remedy/read.js';
import { undo, undoable } from '../../remedy/rollback.js';
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
      const settled = entry.status === 'pending' ? await settlePending(client, entry, ctx) : entry;
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
    const journalPath = args.journal ?? defaultJournalPath();
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
 * A write that was under way when the run stopped: if the object is still
 * as before, there is nothing to undo; if it holds what was sent, undo it.
 */
async function settlePending(client: VimClient, entry: JournalEntry, ctx: Context): Promise<JournalEntry | undefined> {
  const current = await readCurrent(client, entry.change);
  const now = canonical(stateOf(entry.change.target, current.spec, current.configVersion));
  if (now === canonical(stateOf(entry.change.target, entry.before, entry.configVersionBefore))) {
    ctx.ui.say(`${entry.change.id} ${entry.change.path}: the interrupted change had not applied; nothing to undo.`);
    return undefined;
  }
  return { ...entry, status: 'applied', after: current.spec, ...(current.configVersion ? { configVersionAfter: current.configVersion } : {}), ...(current.ref ? { created: current.ref } : {}) };
}
