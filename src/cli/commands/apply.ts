// vmfix apply PLAN: apply a plan written by fix --plan-out, exactly, after
// checking that nothing it was made against has drifted.
import { loadPlan } from '../../remedy/files.js';
import { defaultFilePath, JournalWriter } from '../../remedy/journal.js';
import { changesReport } from '../../report/changes.js';
import { changeLines } from '../../report/diff.js';
import type { Result } from '../../report/render.js';
import { exitCodeOf, runChanges, verify } from '../changes.js';
import { withSession } from '../connect.js';
import type { Context } from '../context.js';
import type { CommonArgs, ConnectionArgs } from '../options.js';
import { approve, preflight, sameEndpoint } from '../preflight.js';

export interface ApplyArgs extends ConnectionArgs, CommonArgs {
  plan: string;
  yes?: boolean;
  journal?: string;
}

export async function apply(args: ApplyArgs, ctx: Context): Promise<{ result: Result; exitCode: number; error?: Error }> {
  const plan = await loadPlan(args.plan);
  return withSession(args, ctx, async (client, endpoint) => {
    sameEndpoint(plan.endpoint, client.serviceContent.about, endpoint.display);
    await preflight(client, plan.changes);
    if (!(await approve(ctx, args.yes, plan.changes, (c) => changeLines(c)))) {
      const declined = plan.changes.map((change) => ({ change, status: 'declined' as const }));
      return { result: { kind: 'changes', report: changesReport('apply', endpoint.display, null, declined, plan.skipped, []) }, exitCode: 0 };
    }
    const journalPath = args.journal ?? defaultFilePath('journal');
    const journal = await JournalWriter.open(journalPath, { command: 'apply', endpoint: { host: endpoint.display, instanceUuid: plan.endpoint.instanceUuid } });
    const run = await runChanges(client, ctx, journal, plan.changes);
    await journal.close();
    const applied = new Set(run.outcomes.filter((o) => o.status === 'applied').flatMap((o) => o.change.findings));
    const auditArgs = { ...args, logLines: 0, concurrency: 8 };
    const verification = run.error ? [] : await verify(client, endpoint, auditArgs, ctx, plan.findings.filter((f) => applied.has(f.id)));
    return {
      result: { kind: 'changes', report: changesReport('apply', endpoint.display, journalPath, run.outcomes, plan.skipped, verification) },
      exitCode: exitCodeOf(run.error),
      ...(run.error ? { error: run.error } : {}),
    };
  });
}
