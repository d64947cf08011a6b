// The apply workflow: a plan written by fix --plan-out, applied exactly,
// after checking that nothing it was made against has drifted.
import { defaultFilePath, JournalWriter } from '../remedy/journal.js';
import type { Plan } from '../remedy/schema.js';
import { outcomeReport } from '../report/outcome.js';
import type { VimClient } from '../vsphere/client.js';
import type { AuditOptions } from './audit.js';
import type { CommandOutcome, Context, Endpoint } from './context.js';
import { approve, preflight, sameEndpoint } from './preflight.js';
import { appliedFindings, exitCodeOf, runChanges, unresolved, verifyFixed } from './run.js';

export interface ApplyOptions {
  readonly yes?: boolean;
  readonly journal?: string;
}

export async function applyPlan(
  client: VimClient,
  endpoint: Endpoint,
  plan: Plan,
  options: ApplyOptions,
  ctx: Context,
): Promise<CommandOutcome> {
  sameEndpoint(plan.endpoint, client.serviceContent.about, endpoint.display);
  await preflight(client, plan.changes);
  if (!(await approve(ctx, options.yes, plan.changes))) {
    const declined = plan.changes.map((change) => ({ change, status: 'declined' as const }));
    return { result: { kind: 'outcome', report: outcomeReport('apply', endpoint.display, null, declined, plan.skipped, []) }, exitCode: 0 };
  }
  const journalPath = options.journal ?? defaultFilePath('journal');
  const journal = await JournalWriter.open(journalPath, { command: 'apply', endpoint: { host: endpoint.display, instanceUuid: plan.endpoint.instanceUuid } });
  const run = await runChanges(client, ctx, journal, plan.changes);
  await journal.close();
  // The whole inventory, no logs: they still hold the lines that led to the plan.
  const verifyOptions: AuditOptions = { logLines: 0, concurrency: 8 };
  const verification = run.error ? [] : await verifyFixed(client, endpoint, verifyOptions, ctx, appliedFindings(run, plan.findings));
  return {
    result: { kind: 'outcome', report: outcomeReport('apply', endpoint.display, journalPath, run.outcomes, plan.skipped, verification) },
    exitCode: exitCodeOf(run.error, unresolved(verification)),
    ...(run.error ? { error: run.error } : {}),
  };
}
