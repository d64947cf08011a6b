// The apply workflow: a plan written by fix --plan-out, applied exactly,
// after checking that nothing it was made against has drifted.
import type { Plan } from '../remedy/schema.js';
import { outcomeReport } from '../report/outcome.js';
import type { VimClient } from '../vsphere/client.js';
import type { AuditOptions } from './audit.js';
import type { CommandOutcome, Context, Endpoint } from './context.js';
import { approve, preflight, sameEndpoint } from './preflight.js';
import { exitCodeOf, openJournal, runChanges, unresolved, verifyRun } from './run.js';

export interface ApplyOptions {
  readonly yes?: boolean;
  readonly journal?: string;
  /** The change request this run carries out; default: the plan's. */
  readonly changeId?: string;
}

/** The plan file as read, with the checksum the change ticket names. */
export interface PlanFile {
  readonly path: string;
  readonly plan: Plan;
  readonly checksum: string;
}

export async function applyPlan(
  client: VimClient,
  endpoint: Endpoint,
  { path, plan, checksum }: PlanFile,
  options: ApplyOptions,
  ctx: Context,
): Promise<CommandOutcome> {
  // Said first, so it can be matched against the approved ticket before anything is asked.
  ctx.ui.say(`Applying ${path}, sha256 ${checksum}${plan.request?.changeId ? `, change ${plan.request.changeId}` : ''}.`);
  const applied = { file: path, checksum };
  sameEndpoint(plan.endpoint, client.serviceContent.about, endpoint.display);
  await preflight(client, plan.changes);
  if (!(await approve(ctx, options.yes, plan.changes))) {
    const declined = plan.changes.map((change) => ({ change, status: 'declined' as const }));
    return { result: { kind: 'outcome', report: outcomeReport('apply', endpoint.display, null, declined, plan.skipped, [], applied) }, exitCode: 0 };
  }
  const changeId = options.changeId ?? plan.request?.changeId;
  const journal = await openJournal(options.journal, endpoint, ctx, {
    command: 'apply',
    endpoint: { host: endpoint.display, instanceUuid: plan.endpoint.instanceUuid },
    plan: applied,
    ...(changeId ? { request: { ...plan.request, changeId } } : {}),
  });
  const run = await runChanges(client, ctx, journal, plan.changes);
  await journal.close();
  // The whole inventory, no logs: they still hold the lines that led to the plan.
  const verifyOptions: AuditOptions = { logLines: 0, concurrency: 8 };
  const { verification, error } = await verifyRun(client, endpoint, verifyOptions, ctx, run, plan.findings);
  return {
    result: { kind: 'outcome', report: outcomeReport('apply', endpoint.display, journal.file, run.outcomes, plan.skipped, verification, applied) },
    exitCode: exitCodeOf(error, unresolved(verification)),
    ...(error ? { error } : {}),
  };
}
