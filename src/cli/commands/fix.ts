// vmfix fix: audit, then remediate. Interactive on a terminal; with --yes
// and --strategy for scripts; --dry-run / --plan-out write the change ticket
// and the plan and change nothing.
import type { Finding, Strategy } from '../../audit/finding.js';
import { UsageError } from '../../errors.js';
import type { Inventory } from '../../inventory/model.js';
import type { Plan } from '../../remedy/plan.js';
import type { Result } from '../../report/render.js';
import { withSession } from '../connect.js';
import type { Context } from '../context.js';
import type { OutputArgs } from '../options.js';
import { auditOnline, type AuditArgs } from './audit.js';

export interface FixArgs extends AuditArgs, OutputArgs {
  dryRun?: boolean;
  yes?: boolean;
  strategy?: Strategy;
  planOut?: string;
  journal?: string;
  portgroupName?: string;
}

export async function fix(args: FixArgs, ctx: Context): Promise<{ result: Result; exitCode: number; error?: Error }> {
  const writesNothing = Boolean(args.dryRun || args.planOut);
  if (args.vmkernelLog?.length && args.vcenter === undefined) throw new UsageError('fix needs a vCenter (--vcenter); --vmkernel-log alone can only audit.');
  if (!writesNothing && !args.yes && !ctx.ui.interactive) {
    throw new UsageError('Not on a terminal: vmfix fix changes nothing without --yes (and --strategy), or use --dry-run to write the change ticket.');
  }
  if (args.yes && !writesNothing && !args.strategy) throw new UsageError('--yes needs --strategy NAME: name the change you approve (see vmfix fix --help).');
  if (writesNothing && args.format === 'csv') throw new UsageError('The change ticket is Markdown or JSON; --format csv does not fit it.');
  if (args.portgroupName !== undefined && !/^[^\s/\\][^/\\]{0,78}$/.test(args.portgroupName)) {
    throw new UsageError(`--portgroup-name "${args.portgroupName}" is not a usable portgroup name (1-79 characters, no slashes).`);
  }

  return withSession(args, ctx, async (client, endpoint) => {
    const { inventory, report } = await auditOnline(client, endpoint, args, ctx);
    const actionable = report.findings.filter((f) => f.remedies.length > 0);
    if (writesNothing) return dryRun(args, inventory, actionable);
    if (!args.yes) {
      const { interactiveSession } = await import('../session.js');
      return interactiveSession(client, endpoint, args, ctx, inventory, actionable);
    }
    return yes(args, ctx, client, endpoint, inventory, actionable);
  });
}

/** The strategy for each finding: the one asked for, or the narrowest that fits. */
function choose(findings: readonly Finding[], strategy: Strategy | undefined): Map<string, Strategy> | 'narrowest' {
  return strategy ? new Map(findings.map((f) => [f.id, strategy])) : 'narrowest';
}

/** appliedLater: the plan is written for `vmfix apply`, so a VM may be powered off by then. */
export async function makePlan(
  inventory: Inventory,
  findings: readonly Finding[],
  choices: Map<string, Strategy> | 'narrowest',
  args: FixArgs,
  appliedLater = Boolean(args.planOut),
): Promise<Plan> {
  const { plan } = await import('../../remedy/plan.js');
  return plan(inventory, findings, choices, {
    now: new Date(),
    appliedLater,
    ...(args.portgroupName ? { portgroupName: args.portgroupName } : {}),
  });
}

async function dryRun(args: FixArgs, inventory: Inventory, findings: readonly Finding[]): Promise<{ result: Result; exitCode: number; error?: Error }> {
  const plan = await makePlan(inventory, findings, choose(findings, args.strategy), args);
  if (args.planOut) {
    const { savePlan } = await import('../../remedy/files.js');
    await savePlan(args.planOut, plan);
  }
  const { ticket } = await import('../../report/ticket.js');
  return { result: { kind: 'ticket', report: ticket(plan, args.planOut ? { planPath: args.planOut } : {}), plan }, exitCode: 0 };
}

async function yes(
  args: FixArgs,
  ctx: Context,
  client: import('../../vsphere/client.js').VimClient,
  endpoint: import('../connect.js').Endpoint,
  inventory: Inventory,
  findings: readonly Finding[],
): Promise<{ result: Result; exitCode: number; error?: Error }> {
  const plan = await makePlan(inventory, findings, choose(findings, args.strategy), args);
  const { JournalWriter, defaultFilePath } = await import('../../remedy/journal.js');
  const { runChanges, verify, exitCodeOf } = await import('../changes.js');
  const { changesReport } = await import('../../report/changes.js');
  if (!plan.changes.length) {
    return { result: { kind: 'changes', report: changesReport('fix', endpoint.display, null, [], plan.skipped, []) }, exitCode: exitCodeOf(undefined, plan.skipped.length) };
  }
  const journalPath = args.journal ?? defaultFilePath('journal');
  const journal = await JournalWriter.open(journalPath, { command: 'fix', endpoint: { host: endpoint.display, instanceUuid: inventory.endpoint.instanceUuid ?? null } });
  const run = await runChanges(client, ctx, journal, plan.changes);
  await journal.close();
  const applied = new Set(run.outcomes.filter((o) => o.status === 'applied').flatMap((o) => o.change.findings));
  const verification = run.error ? [] : await verify(client, endpoint, args, ctx, plan.findings.filter((f) => applied.has(f.id)));
  const report = changesReport('fix', endpoint.display, journalPath, run.outcomes, plan.skipped, verification);
  return { result: { kind: 'changes', report }, exitCode: exitCodeOf(run.error, plan.skipped.length), ...(run.error ? { error: run.error } : {}) };
}
