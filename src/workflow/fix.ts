// The fix workflow: audit, then one of three ways on. --dry-run/--plan-out
// write the change ticket (and the plan) and change nothing; --yes applies
// one strategy everywhere it fits; otherwise the interactive session.
import type { Finding, Strategy } from '../audit/finding.js';
import type { Inventory } from '../inventory/model.js';
import type { Plan } from '../remedy/schema.js';
import type { VimClient } from '../vsphere/client.js';
import { auditOnline } from './audit.js';
import type { CommandOutcome, Context, Endpoint } from './context.js';
import { choose, makePlan, preparedBy, requestOf } from './plan.js';
import { exitCodeOf, openJournal, runChanges, unresolved, verifyRun } from './run.js';
import type { SessionOptions } from './session.js';

export interface FixOptions extends SessionOptions {
  readonly dryRun?: boolean;
  readonly yes?: boolean;
  readonly strategy?: Strategy;
  readonly planOut?: string;
}

/** fix writes nothing to vCenter when it only writes the ticket or the plan. */
export function writesNothing(options: FixOptions): boolean {
  return Boolean(options.dryRun || options.planOut);
}

export async function fix(client: VimClient, endpoint: Endpoint, options: FixOptions, ctx: Context): Promise<CommandOutcome> {
  const { whole: inventory, report } = await auditOnline(client, endpoint, options, ctx);
  const actionable = report.findings.filter((f) => f.remedies.length > 0);
  if (writesNothing(options)) return dryRun(options, inventory, actionable, endpoint, ctx);
  const unfixable = unaimable(report.findings);
  if (!options.yes) {
    const { interactiveSession } = await import('./session.js');
    return interactiveSession(client, endpoint, options, ctx, inventory, actionable, unfixable);
  }
  return applyStrategy(client, endpoint, options, ctx, inventory, actionable, unfixable);
}

/**
 * Blocked or at risk, yet tied to no NIC (a VM powered off since, with several NICs under
 * Reject): no change can be aimed at them. Not fixed, so said, and the exit code says so.
 */
function unaimable(findings: readonly Finding[]): Plan['skipped'] {
  return findings
    .filter((f) => f.remedies.length === 0 && f.severity !== 'info')
    .map((f) => ({ finding: f.id, vm: f.vm?.name ?? null, reason: `no change can be aimed at it: ${f.summary}` }));
}

async function dryRun(options: FixOptions, inventory: Inventory, findings: readonly Finding[], endpoint: Endpoint, ctx: Context): Promise<CommandOutcome> {
  const plan = await makePlan(inventory, findings, choose(findings, options.strategy), options, Boolean(options.planOut), preparedBy(endpoint, ctx));
  let written: { file: string; checksum: string } | undefined;
  if (options.planOut) {
    const { savePlan } = await import('../remedy/files.js');
    written = { file: options.planOut, checksum: await savePlan(options.planOut, plan) };
    ctx.ui.say(`Plan written to ${written.file} (sha256 ${written.checksum}).`);
  }
  const { ticket } = await import('../report/ticket.js');
  const replan = {
    ...(options.strategy ? { strategy: options.strategy } : {}),
    ...(options.portgroupName ? { portgroupName: options.portgroupName } : {}),
    ...(options.datacenter ? { datacenter: options.datacenter } : {}),
    ...(options.cluster ? { cluster: options.cluster } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(options.vm ? { vm: options.vm } : {}),
  };
  return { result: { kind: 'ticket', report: ticket(plan, { ...(written ? { plan: written } : {}), replan }), plan }, exitCode: 0 };
}

/** fix --yes --strategy NAME: that strategy wherever it fits, no questions. */
async function applyStrategy(
  client: VimClient,
  endpoint: Endpoint,
  options: FixOptions,
  ctx: Context,
  inventory: Inventory,
  findings: readonly Finding[],
  unfixable: Plan['skipped'],
): Promise<CommandOutcome> {
  const made = await makePlan(inventory, findings, choose(findings, options.strategy), options, false, preparedBy(endpoint, ctx));
  const plan = { ...made, skipped: [...made.skipped, ...unfixable] };
  const { outcomeReport } = await import('../report/outcome.js');
  if (!plan.changes.length) {
    return { result: { kind: 'outcome', report: outcomeReport('fix', endpoint.display, null, [], plan.skipped, []) }, exitCode: exitCodeOf(undefined, plan.skipped.length) };
  }
  const journal = await openJournal(options.journal, endpoint, ctx, {
    command: 'fix',
    endpoint: { host: endpoint.display, instanceUuid: inventory.endpoint.instanceUuid ?? null },
    ...(requestOf(options) ? { request: requestOf(options)! } : {}),
  });
  const run = await runChanges(client, ctx, journal, plan.changes);
  await journal.close();
  const { verification, error } = await verifyRun(client, endpoint, options, ctx, run, plan.findings);
  const report = outcomeReport('fix', endpoint.display, journal.file, run.outcomes, plan.skipped, verification);
  return { result: { kind: 'outcome', report }, exitCode: exitCodeOf(error, plan.skipped.length + unresolved(verification)), ...(error ? { error } : {}) };
}
