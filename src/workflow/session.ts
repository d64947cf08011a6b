// The interactive fix session: one portgroup at a time, explain what the
// guests are doing, offer the remedies narrowest first with who else they
// touch, show exactly what would change, apply only after a yes, verify.
import type { Finding, Remedy, Strategy } from '../audit/finding.js';
import { DriftError, InterruptedError, VmfixError } from '../errors.js';
import type { Inventory } from '../inventory/model.js';
import type { ChangeOutcome } from '../remedy/execute.js';
import { defaultFilePath, JournalWriter } from '../remedy/journal.js';
import type { Plan } from '../remedy/schema.js';
import { changeLines } from '../report/diff.js';
import { outcomeReport, type Verification } from '../report/outcome.js';
import type { VimClient } from '../vsphere/client.js';
import { auditOnline, type AuditOptions } from './audit.js';
import type { CommandOutcome, Context, Endpoint } from './context.js';
import { makePlan, type PlanChoices } from './plan.js';
import { appliedFindings, exitCodeOf, runChanges, verifyFixed } from './run.js';

export interface SessionOptions extends AuditOptions, PlanChoices {
  readonly journal?: string;
}

type Choice = Strategy | 'skip' | 'quit';

/** One group per portgroup as an admin thinks of it: a standard one across its cluster, a dvPortgroup on its DVS. */
function groupKey(f: Finding): string {
  if (f.switch?.type === 'distributed') return `${f.switch.name} / ${f.portgroup?.name ?? ''}`;
  return `${f.cluster ?? f.host?.name ?? ''} / ${f.portgroup?.name ?? ''}`;
}

function explain(f: Finding): string[] {
  const out = [`  ${f.severity.toUpperCase()}: ${f.summary}`];
  for (const e of f.evidence) out.push(`    ${e.type === 'vmkernel-log' ? `log (${e.source}): ${e.line.trim()}${e.count > 1 ? ` ×${e.count}` : ''}` : e.detail}`);
  const guest = f.nic?.guestMac;
  if (guest && guest.startsWith('02:bf:')) out.push('    The guest uses 02:bf:…, the MAC of a Windows NLB cluster in unicast mode.');
  else if (guest && parseInt(guest.slice(0, 2), 16) & 2) out.push(`    The guest uses ${guest}, a locally administered MAC it set itself.`);
  return out;
}

/**
 * The remedies every finding of the group offers, in the first one's order
 * (narrowest first), described for the whole group: who ELSE it touches.
 */
function commonRemedies(findings: readonly Finding[]): Remedy[] {
  const ours = new Set(findings.map((f) => f.vm?.name));
  const nics = findings.map((f) => `${f.vm?.name} ${f.nic?.label}`).join(', ');
  return findings[0]!.remedies
    .filter((r) => findings.every((f) => f.remedies.some((s) => s.strategy === r.strategy)))
    .map((r) => {
      const all = findings.flatMap((f) => f.remedies.find((s) => s.strategy === r.strategy)!.blastRadius.vms);
      const summary = r.strategy === 'dedicated-portgroup' && findings.length > 1 ? r.summary.replace(/move .* to it\.$/, `move only ${nics} to it.`) : r.summary;
      // Who else, for the group as a whole: not its own VMs.
      return { ...r, summary, blastRadius: { ...r.blastRadius, vms: [...new Set(all)].filter((vm) => !ours.has(vm)).sort() } };
    });
}

interface SessionState {
  inventory: Inventory;
  findings: readonly Finding[];
  journal?: JournalWriter;
  /** Change ids run on through the session, as they do in its one journal. */
  changeCount: number;
  readonly outcomes: (Omit<ChangeOutcome, 'status'> & { status: ChangeOutcome['status'] | 'declined' })[];
  readonly skipped: Plan['skipped'][number][];
  readonly verification: Verification[];
}

export async function interactiveSession(
  client: VimClient,
  endpoint: Endpoint,
  args: SessionOptions,
  ctx: Context,
  inventory: Inventory,
  findings: readonly Finding[],
): Promise<CommandOutcome> {
  const groups = [...new Set(findings.map(groupKey))];
  ctx.ui.say(`${findings.length} finding(s) to fix on ${groups.length} portgroup(s).`);
  const state: SessionState = { inventory, findings, changeCount: 0, outcomes: [], skipped: [], verification: [] };
  let error: VmfixError | undefined;
  try {
    for (let g = 0; g < groups.length && !error; g++) {
      const outcome = await fixGroup(client, endpoint, args, ctx, state, groups[g]!, `[${g + 1}/${groups.length}]`);
      if (outcome === 'quit') break;
      if (outcome instanceof VmfixError) error = outcome;
    }
  } catch (err) {
    // Ctrl-C: what was done is journaled; say so before going.
    if (!(err instanceof InterruptedError)) throw err;
    error = err;
  }
  await state.journal?.close();
  const report = outcomeReport('fix', endpoint.display, state.journal?.path ?? null, state.outcomes, state.skipped, state.verification);
  return { result: { kind: 'outcome', report }, exitCode: exitCodeOf(error, state.skipped.length), ...(error ? { error } : {}) };
}

/**
 * pin-mac on running VMs: a MAC changes only while the VM is off, and vmfix
 * never powers a VM off. It can write the plan to apply once someone has.
 */
async function planForLater(ctx: Context, state: SessionState, group: readonly Finding[], args: SessionOptions): Promise<boolean> {
  const later = await makePlan(state.inventory, group, new Map(group.map((f) => [f.id, 'pin-mac' as const])), args, true);
  if (!later.changes.length) return false;
  const vms = [...new Set(later.changes.flatMap((c) => c.vms))].join(', ');
  if (!(await ctx.ui.confirm(`Write a plan that pins the MAC once ${vms} ${later.changes.length > 1 ? 'are' : 'is'} powered off?`, true))) return false;
  const path = defaultFilePath('plan');
  const { savePlan } = await import('../remedy/files.js');
  await savePlan(path, later);
  ctx.ui.say(`Plan written: ${path}. Power off ${vms}, then run: vmfix apply ${path}`);
  state.skipped.push(...group.map((f) => ({ finding: f.id, vm: f.vm?.name ?? null, reason: `planned for after power-off: vmfix apply ${path}` })));
  return true;
}

/** One portgroup: explain, choose, show, confirm, apply, verify; again for what a remedy could not cover. */
async function fixGroup(
  client: VimClient,
  endpoint: Endpoint,
  args: SessionOptions,
  ctx: Context,
  state: SessionState,
  key: string,
  counter: string,
): Promise<'done' | 'quit' | VmfixError> {
  const { ui } = ctx;
  const refused = new Set<Strategy>();
  for (;;) {
    const group = state.findings.filter((f) => groupKey(f) === key && !state.skipped.some((s) => s.finding === f.id));
    if (!group.length) return 'done';
    const remedies = commonRemedies(group).filter((r) => !refused.has(r.strategy));
    ui.say(`\n${counter} ${key}`);
    for (const f of group) for (const line of explain(f)) ui.say(line);
    const choice = await ui.select<Choice>('How do you want to fix it?', [
      ...remedies.map((r) => ({
        name: `${r.strategy}: ${r.summary}`,
        value: r.strategy as Choice,
        description: [r.blastRadius.vms.length ? `Also affects: ${r.blastRadius.vms.join(', ')}.` : 'Affects no other VM.', ...r.notes].join(' '),
      })),
      { name: 'skip: leave this portgroup as it is', value: 'skip' },
      { name: 'quit: stop here', value: 'quit' },
    ]);
    if (choice === 'quit') return 'quit';
    if (choice === 'skip') {
      state.skipped.push(...group.map((f) => ({ finding: f.id, vm: f.vm?.name ?? null, reason: 'skipped in the session' })));
      return 'done';
    }

    const plan = renumber(await makePlan(state.inventory, group, new Map(group.map((f) => [f.id, choice])), args, false), state);
    for (const s of plan.skipped) ui.warn(`${s.vm ?? s.finding}: ${s.reason}`);
    if (!plan.changes.length) {
      if (choice === 'pin-mac' && (await planForLater(ctx, state, group, args))) return 'done';
      // Nothing of the group fits this remedy: offer the others.
      refused.add(choice);
      continue;
    }
    ui.say('\nThis is exactly what would change:');
    for (const c of plan.changes) for (const line of changeLines(c)) ui.say(`  ${line}`);
    if (!(await ui.confirm(`Apply ${plan.changes.length} change(s)?`, false))) {
      state.outcomes.push(...plan.changes.map((change) => ({ change, status: 'declined' as const })));
      state.skipped.push(...group.map((f) => ({ finding: f.id, vm: f.vm?.name ?? null, reason: 'declined in the session' })));
      return 'done';
    }

    state.journal ??= await JournalWriter.open(args.journal ?? defaultFilePath('journal'), {
      command: 'fix',
      endpoint: { host: endpoint.display, instanceUuid: state.inventory.endpoint.instanceUuid ?? null },
    });
    const run = await runChanges(client, ctx, state.journal, plan.changes);
    state.outcomes.push(...run.outcomes);
    if (run.error instanceof DriftError) {
      // Someone else changed it meanwhile: read the state as it is now and offer this portgroup again.
      ui.warn(`${run.error.message} Reading the current state again.`);
      const fresh = await auditOnline(client, endpoint, args, ctx);
      state.inventory = fresh.inventory;
      state.findings = fresh.report.findings.filter((f) => f.remedies.length > 0);
      continue;
    }
    if (run.error) return run.error;
    const checked = await verifyFixed(client, endpoint, args, ctx, appliedFindings(run, plan.findings));
    for (const v of checked) ui.say(`${v.resolved ? '✔ resolved' : '✘ not resolved'}: ${v.vm ?? v.finding}: ${v.detail}`);
    state.verification.push(...checked);
    // Findings this remedy did not cover stay in the group, offered again.
    state.findings = state.findings.filter((f) => !plan.findings.includes(f));
    refused.add(choice);
  }
}

/** Change ids continue across the session's plans: one journal, no two c1s. */
function renumber(plan: Plan, state: SessionState): Plan {
  const ids = new Map(plan.changes.map((c) => [c.id, `c${++state.changeCount}`]));
  return { ...plan, changes: plan.changes.map((c) => ({ ...c, id: ids.get(c.id)!, dependsOn: c.dependsOn.map((d) => ids.get(d)!) })) };
}
