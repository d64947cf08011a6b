// The interactive fix session: one portgroup at a time, explain what the
// guests are doing, offer the remedies narrowest first (those that can be
// applied now before those that wait for a power-off) with who else they
// touch and why the others are not offered, show one line a change (the
// full diff on request), apply only after a yes, verify. No goes back to
// the choice. Made to fit a terminal of 80×24: the finding stays on screen.
import stringWidth from 'string-width';
import { subjectOf } from '../audit/changes.js';
import type { Finding, Remedy, Strategy } from '../audit/finding.js';
import { asVmfixError, DriftError, NotAppliedError, VmfixError } from '../errors.js';
import type { Inventory } from '../inventory/model.js';
import type { ChangeOutcome } from '../remedy/execute.js';
import { defaultFilePath, type JournalWriter } from '../remedy/journal.js';
import type { Plan } from '../remedy/schema.js';
import { changeLines, compactLine } from '../report/diff.js';
import { oneLine } from '../report/escape.js';
import { outcomeReport, type Verification } from '../report/outcome.js';
import { painter } from '../report/style.js';
import { truncate, wrap } from '../report/table.js';
import type { VimClient } from '../vsphere/client.js';
import { auditOnline, type AuditOptions } from './audit.js';
import type { Choice as UiChoice, CommandOutcome, Context, Endpoint } from './context.js';
import { makePlan, preparedBy, requestOf, type PlanChoices, type RequestOptions } from './plan.js';
import { nicsLeft } from './preflight.js';
import { appliedFindings, exitCodeOf, openJournal, runChanges, verifyFixed } from './run.js';

export interface SessionOptions extends AuditOptions, PlanChoices, RequestOptions {
  readonly journal?: string;
  /** Named on the command line: where the cursor starts when it is offered. The admin still chooses. */
  readonly strategy?: Strategy;
}

type Choice = Strategy | 'skip' | 'quit';

/** One group per portgroup as an admin thinks of it: a standard one across its cluster, a dvPortgroup on its DVS. */
function groupKey(f: Finding): string {
  if (f.switch?.type === 'distributed') return `${f.switch.name} / ${f.portgroup?.name ?? ''}`;
  return `${f.cluster ?? f.host?.name ?? ''} / ${f.portgroup?.name ?? ''}`;
}

/**
 * A finding in four rows of 80 columns at most: what (two rows), the first evidence, and what the
 * guest's MAC says about it, with that MAC whole; without that row the evidence may take two, so
 * that a MAC at its end is not cut.
 */
function explain(f: Finding, width: number | undefined): string[] {
  const out = [`  ${f.severity.toUpperCase()}: ${oneLine(f.summary)}`];
  const guest = f.nic?.guestMac;
  const mac =
    guest && guest.startsWith('02:bf:') ? `The guest uses ${guest}, a Windows NLB cluster MAC (unicast mode).`
    : guest && parseInt(guest.slice(0, 2), 16) & 2 ? `The guest uses ${guest}, a locally administered MAC it set itself.`
    : undefined;
  const [first, ...more] = f.evidence;
  if (first) {
    const text =
      first.type === 'vmkernel-log'
        ? `log ${first.source}: ${first.line.trim().replace(/^.*?L2Sec_EnforcePortCompliance:\d*:?\s*/, '')}${first.count > 1 ? ` ×${first.count}` : ''}`
        : first.detail;
    out.push(...rows(oneLine(`${text}${more.length ? ` (+${more.length} more)` : ''}`), width, mac ? 1 : 2));
  }
  if (mac) out.push(`    ${mac}`);
  return out;
}

/** At most `max` rows, indented under the finding, the last cut if the text goes on. */
function rows(text: string, width: number | undefined, max: number): string[] {
  if (!width || max === 1 || stringWidth(text) <= width - 4) return [`    ${truncate(text, width && width - 4)}`];
  const lines = wrap(text, width - 6);
  const kept = lines.slice(0, max);
  if (lines.length > max) kept[max - 1] = truncate(`${kept[max - 1]} ${lines.slice(max).join(' ')}`, width - 6);
  return kept.map((line, i) => `${i ? '      ' : '    '}${line}`);
}

/** pin-mac waits for a power-off on a running VM: vmfix never powers one off. */
const waitsForPowerOff = (r: Remedy, group: readonly Finding[]) => r.strategy === 'pin-mac' && group.some((f) => f.vm?.powerState !== 'poweredOff');

/**
 * The remedies every finding of the group offers, in the first one's order
 * (narrowest first) but those that can be applied now first, described for
 * the whole group: who ELSE it touches.
 */
function commonRemedies(findings: readonly Finding[]): Remedy[] {
  const ours = new Set(findings.map((f) => f.vm?.name));
  const nics = findings.map((f) => `${f.vm?.name} ${f.nic?.label}`).join(', ');
  const common = findings[0]!.remedies
    .filter((r) => findings.every((f) => f.remedies.some((s) => s.strategy === r.strategy)))
    .map((r) => {
      const all = findings.flatMap((f) => f.remedies.find((s) => s.strategy === r.strategy)!.blastRadius.vms);
      const summary = findings.length === 1 ? r.summary : r.strategy === 'dedicated-portgroup' ? r.summary.replace(/move .* to it\.$/, `move only ${nics} to it.`) : r.strategy === 'pin-mac' ? pinned(findings) : r.summary;
      // Who else, for the group as a whole: not its own VMs.
      return { ...r, summary, blastRadius: { ...r.blastRadius, vms: [...new Set(all)].filter((vm) => !ours.has(vm)).sort() } };
    });
  return [...common.filter((r) => !waitsForPowerOff(r, findings)), ...common.filter((r) => waitsForPowerOff(r, findings))];
}

/** pin-mac for a group: each NIC gets the MAC its own guest uses, and the line names them all. */
function pinned(findings: readonly Finding[]): string {
  const each = findings.map((f) => `${f.vm?.name} ${f.nic?.label} ${f.remedies.find((r) => r.strategy === 'pin-mac')?.mac}`);
  return `Give each NIC the manual MAC its guest uses: ${each.join(', ')}.`;
}

/** Why each remedy not offered for the group is not: the audit's reason, a finding it does not fit, or what it said when tried. */
function notOffered(group: readonly Finding[], offered: readonly Remedy[], refused: ReadonlyMap<Strategy, string>): Map<Strategy, string> {
  const reasons = new Map(refused);
  for (const f of group) {
    for (const n of f.notOffered ?? []) {
      if (offered.some((r) => r.strategy === n.strategy) || reasons.has(n.strategy)) continue;
      reasons.set(n.strategy, n.reason);
    }
  }
  return reasons;
}

interface SessionState {
  inventory: Inventory;
  findings: readonly Finding[];
  journal?: JournalWriter;
  /** Change ids run on through the session's journal: only changes that were run take a number. */
  changeCount: number;
  readonly outcomes: ChangeOutcome[];
  readonly skipped: Plan['skipped'][number][];
  readonly verification: Verification[];
  /**
   * The first change that did not go through and did not end the session (refused by vCenter,
   * or drifted to another value meanwhile): its exit code is the session's, whatever came after.
   */
  failure?: VmfixError;
}

export async function interactiveSession(
  client: VimClient,
  endpoint: Endpoint,
  args: SessionOptions,
  ctx: Context,
  inventory: Inventory,
  findings: readonly Finding[],
  unfixable: Plan['skipped'] = [],
): Promise<CommandOutcome> {
  const groups = [...new Set(findings.map(groupKey))];
  ctx.ui.say(`${findings.length} finding(s) to fix on ${groups.length} portgroup(s).`);
  for (const s of unfixable) ctx.ui.warn(`${s.vm ?? s.finding}: ${s.reason}`);
  const state: SessionState = { inventory, findings, changeCount: 0, outcomes: [], skipped: [...unfixable], verification: [] };
  let error: VmfixError | undefined;
  try {
    for (let g = 0; g < groups.length && !error; g++) {
      const outcome = await fixGroup(client, endpoint, args, ctx, state, groups[g]!, `[${g + 1}/${groups.length}]`);
      if (outcome === 'quit') {
        // Left as they are, like skipped ones: the run's exit code says the work is not done.
        const left = state.findings.filter((f) => groups.indexOf(groupKey(f)) >= g && !state.skipped.some((s) => s.finding === f.id));
        state.skipped.push(...left.map((f) => ({ finding: f.id, vm: f.vm?.name ?? null, reason: 'not fixed: the session was ended with quit' })));
        break;
      }
      if (outcome instanceof VmfixError) error = outcome;
    }
  } catch (err) {
    // Ctrl-C, or vCenter lost while reading: what was done is journaled; say so before going.
    const known = asVmfixError(err);
    if (!known) throw err;
    error = known;
  }
  await state.journal?.close();
  const report = outcomeReport('fix', endpoint.display, state.journal?.file ?? null, state.outcomes, state.skipped, state.verification);
  const failed = error ?? state.failure;
  return { result: { kind: 'outcome', report }, exitCode: exitCodeOf(failed, state.skipped.length), ...(error ? { error } : {}) };
}

/**
 * pin-mac on running VMs: a MAC changes only while the VM is off, and vmfix
 * never powers a VM off. It can write the plan to apply once someone has.
 */
async function planForLater(ctx: Context, endpoint: Endpoint, state: SessionState, group: readonly Finding[], args: SessionOptions): Promise<boolean> {
  const later = await makePlan(state.inventory, group, new Map(group.map((f) => [f.id, 'pin-mac' as const])), args, true, preparedBy(endpoint, ctx));
  if (!later.changes.length) return false;
  const vms = [...new Set(later.changes.flatMap((c) => c.vms))].map(oneLine).join(', ');
  if (!(await ctx.ui.confirm(`Write a plan that pins the MAC once ${vms} ${later.changes.length > 1 ? 'are' : 'is'} powered off?`, true))) return false;
  const path = defaultFilePath('plan');
  const { savePlan } = await import('../remedy/files.js');
  const checksum = await savePlan(path, later);
  ctx.ui.say(`Plan written: ${path} (sha256 ${checksum}). Power off ${vms}, then run: vmfix apply ${path}`);
  state.skipped.push(...group.map((f) => ({ finding: f.id, vm: f.vm?.name ?? null, reason: `planned for after power-off: vmfix apply ${path}` })));
  return true;
}

/** The remedy menu: those offered, then skip and quit, then those not offered with the reason (not selectable). */
function menu(remedies: readonly Remedy[], group: readonly Finding[], reasons: ReadonlyMap<Strategy, string>, width: number | undefined): UiChoice<Choice>[] {
  const fit = (text: string) => truncate(oneLine(text), width && width - 4);
  return [
    ...remedies.map((r) => ({
      name: fit(`${r.strategy}${waitsForPowerOff(r, group) ? ' (once powered off)' : ''}: ${r.summary}`),
      value: r.strategy as Choice,
      description: oneLine([r.summary, r.blastRadius.vms.length ? `Also affects: ${r.blastRadius.vms.join(', ')}.` : 'Affects no other VM.', ...r.notes].join(' ')),
    })),
    { name: 'skip: leave this portgroup as it is', value: 'skip' },
    { name: 'quit: stop here', value: 'quit' },
    // The prompt shows a disabled choice as "- NAME REASON".
    ...[...reasons].map(([strategy, reason]) => ({ name: strategy, value: strategy as Choice, disabled: truncate(oneLine(`not offered: ${reason}`), width && width - strategy.length - 5) })),
  ];
}

/** One line a change, then yes, back, or the full diff first. Returns whether to apply. */
async function decide(ctx: Context, plan: Plan): Promise<boolean> {
  const paint = painter(ctx.ui.color);
  const width = ctx.ui.columns;
  ctx.ui.say(`\nWhat would change (${plan.changes.length}):`);
  for (const c of plan.changes) {
    const plain = compactLine(c, painter(false));
    // A change is never cut: its end says what it sets (where a NIC moves). Too long, it goes on under its id.
    if (!width || stringWidth(plain) <= width - 2) ctx.ui.say(`  ${compactLine(c, paint)}`);
    else ctx.ui.say(wrap(plain, width - 6).map((line, i) => `${i ? '      ' : '  '}${line}`).join('\n'));
  }
  let full = false;
  for (;;) {
    const answer = await ctx.ui.select<'back' | 'apply' | 'diff'>(`Apply ${plan.changes.length} change(s)?`, [
      { name: 'No, back to the remedies', value: 'back' },
      { name: `Yes, apply ${plan.changes.length} change(s)`, value: 'apply' },
      ...(full ? [] : [{ name: 'Show exactly what is sent first', value: 'diff' as const }]),
    ]);
    if (answer !== 'diff') return answer === 'apply';
    full = true;
    const sign = (line: string) => (line.startsWith('    - ') ? paint('removed', line) : line.startsWith('    + ') ? paint('added', line) : line);
    for (const c of plan.changes) for (const line of changeLines(c)) ctx.ui.say(`  ${sign(line)}`);
  }
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
  const refused = new Map<Strategy, string>();
  for (;;) {
    const group = state.findings.filter((f) => groupKey(f) === key && !state.skipped.some((s) => s.finding === f.id));
    if (!group.length) return 'done';
    const remedies = commonRemedies(group).filter((r) => !refused.has(r.strategy));
    ui.say(`\n${counter} ${oneLine(key)}`);
    for (const f of group) for (const line of explain(f, ui.columns)) ui.say(line);
    const named = remedies.some((r) => r.strategy === args.strategy) ? args.strategy : undefined;
    const choice = await ui.select<Choice>('How do you want to fix it?', menu(remedies, group, notOffered(group, remedies, refused), ui.columns), named);
    if (choice === 'quit') return 'quit';
    if (choice === 'skip') {
      state.skipped.push(...group.map((f) => ({ finding: f.id, vm: f.vm?.name ?? null, reason: 'skipped in the session' })));
      return 'done';
    }

    const made = await makePlan(state.inventory, group, new Map(group.map((f) => [f.id, choice])), args, false, preparedBy(endpoint, ctx));
    const plan = renumber(made, state.changeCount);
    for (const s of plan.skipped) ui.warn(`${s.vm ?? s.finding}: ${s.reason}`);
    if (!plan.changes.length) {
      if (choice === 'pin-mac' && (await planForLater(ctx, endpoint, state, group, args))) return 'done';
      // Nothing of the group fits this remedy: offer the others, and say why not this one.
      refused.set(choice, plan.skipped[0]?.reason ?? 'it fits none of these findings');
      continue;
    }
    if (!(await decide(ctx, plan))) continue;
    // The person may have looked at the choice for a while: a NIC that left the portgroup since is not opened for.
    // Unread (vCenter not answering), the changes' own reads meet the same failure, and it is theirs to report.
    const left = await nicsLeft(client, plan.changes, plan.findings).catch(() => []);
    if (left.length) {
      state.failure ??= new DriftError(`Nothing was applied: ${left.join('; ')}.`);
      ui.warn(`${state.failure.message} Reading the current state again.`);
      await reread(client, endpoint, args, ctx, state);
      continue;
    }

    const request = requestOf(args);
    state.journal ??= await openJournal(args.journal, endpoint, ctx, {
      command: 'fix',
      endpoint: { host: endpoint.display, instanceUuid: state.inventory.endpoint.instanceUuid ?? null },
      ...(request ? { request } : {}),
    });
    state.changeCount += plan.changes.length;
    const run = await runChanges(client, ctx, state.journal, plan.changes);
    state.outcomes.push(...run.outcomes);
    if (run.error instanceof DriftError) {
      // Someone else changed it meanwhile (not to what this change sets: that is already-set, no error):
      // read the state as it is now and offer this portgroup again. It failed all the same.
      state.failure ??= run.error;
      ui.warn(`${run.error.message} Reading the current state again.`);
      await reread(client, endpoint, args, ctx, state);
      continue;
    }
    // vCenter refused a change (a privilege missing) or it did not take: the session goes on, as the person decides
    // each change anyway; anything else (vCenter lost, the journal unwritable, Ctrl-C) ends it.
    const notApplied = run.error instanceof NotAppliedError ? run.error : undefined;
    if (run.error && !notApplied) return run.error;
    const fixed = appliedFindings(run, plan.findings);
    const checked = await verifyFixed(client, endpoint, args, ctx, fixed);
    for (const v of checked) ui.say(`${v.resolved ? '✔ resolved' : '✘ not resolved'}: ${oneLine(v.vm ?? v.finding)}: ${oneLine(v.detail)}`);
    state.verification.push(...checked);
    // A change can cover more than it was chosen for (a vSwitch covers every portgroup inheriting
    // from it): read again, so nothing fixed is offered and nothing is planned from a stale read.
    // Findings this remedy did not cover stay in the group, offered again; its own are done.
    const fresh = await auditOnline(client, endpoint, args, ctx);
    const done = new Set(fixed.map(subjectOf));
    state.inventory = fresh.whole;
    state.findings = fresh.report.findings.filter((f) => f.remedies.length > 0 && !done.has(subjectOf(f)));
    if (notApplied) {
      state.failure ??= notApplied;
      ui.warn(`Not fixed: ${notApplied.message}`);
      const left = state.findings.filter((f) => groupKey(f) === key && !state.skipped.some((s) => s.finding === f.id));
      state.skipped.push(...left.map((f) => ({ finding: f.id, vm: f.vm?.name ?? null, reason: `not fixed: ${notApplied.message}` })));
      return 'done';
    }
    refused.set(choice, 'applied already; it did not cover the findings left');
  }
}

/** After a drift: the state as it is now, every finding it holds offered as it is. */
async function reread(client: VimClient, endpoint: Endpoint, args: SessionOptions, ctx: Context, state: SessionState): Promise<void> {
  const fresh = await auditOnline(client, endpoint, args, ctx);
  state.inventory = fresh.whole;
  state.findings = fresh.report.findings.filter((f) => f.remedies.length > 0);
}

/** Change ids continue across the session's plans: one journal, no two c1s. */
function renumber(plan: Plan, after: number): Plan {
  const ids = new Map(plan.changes.map((c, i) => [c.id, `c${after + i + 1}`]));
  return { ...plan, changes: plan.changes.map((c) => ({ ...c, id: ids.get(c.id)!, dependsOn: c.dependsOn.map((d) => ids.get(d)!) })) };
}
