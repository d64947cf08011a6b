// The apply workflow: a plan written by fix --plan-out, applied exactly,
// after checking that nothing it was made against has drifted.
import { UsageError } from '../errors.js';
import { durationWords } from '../duration.js';
import type { Plan } from '../remedy/schema.js';
import { outcomeReport } from '../report/outcome.js';
import type { VimClient } from '../vsphere/client.js';
import type { AuditOptions } from './audit.js';
import type { CommandOutcome, Context, Endpoint } from './context.js';
import { ageKnown, agoWords, maxAgeToAdmit, oldWords, planAge, type PlanAge } from './plan-age.js';
import { approve, preflight, premisesHoldAfterYes, sameEndpoint } from './preflight.js';
import { exitCodeOf, openJournal, runChanges, unresolved, verifyRun } from './run.js';

export interface ApplyOptions {
  readonly yes?: boolean;
  /** The sha256 the change ticket names (--checksum): any other plan is refused. */
  readonly checksum?: string;
  /** Older than this, a plan is called out as old, and --yes refuses it. */
  readonly maxPlanAge: number;
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

/**
 * What is refused before connecting: a plan other than the one the ticket
 * names, and an old plan under --yes, where nobody reads the preview that
 * would call it old. Returns the plan's age, for that preview.
 */
export function admitPlan({ path, plan, checksum }: PlanFile, options: ApplyOptions, now = new Date()): PlanAge {
  if (options.checksum !== undefined && options.checksum !== checksum) {
    throw new UsageError(`${path} has sha256 ${checksum}, not the ${options.checksum} given with --checksum: it is not the plan that was approved, and nothing was changed.`);
  }
  const age = planAge(plan, options.maxPlanAge, now);
  if (options.yes && age.old) {
    const admit = maxAgeToAdmit(age);
    throw new UsageError(
      `${path} was made ${oldWords(age, options.maxPlanAge)}${ageKnown(age) ? ', and --yes applies no plan that old' : '; --yes applies no plan of unknown age'} unattended; nothing was changed. ` +
        `Re-audit and make a new plan with vmfix fix --plan-out${admit ? `, or, if the change board approved this one as it is, add --max-plan-age ${admit}` : ''}.`,
    );
  }
  return age;
}

export async function applyPlan(
  client: VimClient,
  endpoint: Endpoint,
  { path, plan, checksum }: PlanFile,
  age: PlanAge,
  options: ApplyOptions,
  ctx: Context,
): Promise<CommandOutcome> {
  // Said first, so it can be matched against the approved ticket before anything is asked.
  const matched = options.checksum ? ' (the --checksum given)' : '';
  ctx.ui.say(`Applying ${path}, sha256 ${checksum}${matched}${plan.request?.changeId ? `, change ${plan.request.changeId}` : ''}.`);
  ctx.ui.say(`It was made ${plan.createdAt} (${agoWords(age)}) by ${plan.preparedBy?.user ?? 'an unrecorded user'} against ${plan.endpoint.host} (API ${plan.endpoint.apiVersion}).`);
  const applied = { file: path, checksum };
  sameEndpoint(plan.endpoint, client.serviceContent.about, endpoint.display);
  await preflight(client, plan.changes, plan.findings);
  if (age.old) {
    // The drift check just passed: say what it covers, and what only a new audit can.
    const why = ageKnown(age) ? `This plan is old: made ${agoWords(age)}, more than the ${durationWords(options.maxPlanAge)} of --max-plan-age.` : `This plan was made ${oldWords(age, options.maxPlanAge)}.`;
    ctx.ui.warn(
      `${why} The ${plan.changes.length} object(s) it changes are as they were then, ` +
        'but VMs may have joined the portgroups it opens, and findings come or gone, since: re-audit (vmfix audit) before you accept, and make a new plan if they differ.',
    );
  }
  if (!(await approve(ctx, options.yes, plan.changes))) {
    const declined = plan.changes.map((change) => ({ change, status: 'declined' as const }));
    return { result: { kind: 'outcome', report: outcomeReport('apply', endpoint.display, null, declined, plan.skipped, [], applied) }, exitCode: 0 };
  }
  // What the changes rest on (the NICs they are for, the MACs they pin), checked again as before they were shown.
  if (!options.yes) await premisesHoldAfterYes(client, plan.changes, plan.findings, 'applied');
  const changeId = options.changeId ?? plan.request?.changeId;
  const journal = await openJournal(options.journal, endpoint, ctx, {
    command: 'apply',
    endpoint: { host: endpoint.display, instanceUuid: plan.endpoint.instanceUuid },
    plan: { ...applied, createdAt: plan.createdAt },
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
