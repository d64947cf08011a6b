// The change ticket as Markdown. The first screen (about 40 lines) is what
// a change board reads: the request, what, why, risk, impact and outage,
// the configuration items and how to back out. Every value from vCenter or
// a log is escaped for Markdown (escape.ts); every command is a code span
// that runs as printed.
import type { Plan } from '../remedy/schema.js';
import { changeBody } from './diff.js';
import { md, mdCode, oneLine } from './escape.js';
import { markdownTable } from './table.js';
import type { ManualStep, Step, Ticket } from './ticket.js';

const list = (values: readonly string[]) => (values.length ? values.map(md).join(', ') : 'none');

/** A command as code that runs as printed, then what to know about it. */
function step(s: Step): string {
  return s.command ? `${mdCode(s.command)}: ${md(s.text)}` : md(s.text);
}

function manual(steps: readonly ManualStep[]): string[] {
  return steps.flatMap((s) => s.steps.map((step) => `   - ${s.changes.join(', ')}: ${md(step)}`));
}

export function ticketMarkdown(t: Ticket, plan: Plan): string {
  const { request: r, preparedBy: by, affected: a } = t;
  const out = [`# Change request${r.changeId ? ` ${md(r.changeId)}` : ''}: ${md(t.title)}`, ''];
  const header = [
    ...(r.changeId ? [`**Change ID:** ${md(r.changeId)}`] : []),
    ...(r.requester ? [`**Requester:** ${md(r.requester)}`] : []),
    `**Window:** ${r.window ? md(r.window) : 'not given (--window)'}`,
  ];
  out.push(`- ${header.join(' · ')}`);
  out.push(`- **Prepared:** ${md(t.createdAt)} by ${md(by.user ?? 'an unrecorded user')} on ${md(by.endpoint)}, vmfix ${md(by.vmfixVersion ?? 'unknown')}; a dry run: nothing was changed.`);
  out.push(t.plan ? `- **Plan:** ${mdCode(t.plan.file)}, sha256 ${mdCode(t.plan.checksum)}; \`vmfix apply\` prints the checksum it applies.` : '- **Plan:** not written (see Implementation).');
  out.push('', '## Summary', '');
  out.push(`**What:** ${md(t.summary)}`, '');
  out.push(`**Why:** ${md(t.reason.summary)} Evidence below.`, '');
  out.push(`**Risk: ${t.risk.level}.** ${t.risk.reasons.map(md).join(' ')}`, '');
  if (t.impact.length) {
    out.push('**Impact and expected outage:**', '');
    out.push(markdownTable({ columns: ['VMs', 'what happens to them', 'expected outage'], rows: t.impact.map((i) => [i.vms.join(', '), i.change, i.outage]) }));
  }
  out.push(
    `**Affected CIs:** vCenter ${md(a.vcenter)}; datacenter ${list(a.datacenters)}; cluster ${list(a.clusters)}; hosts ${list(a.hosts)}; switches ${list(a.switches)}; portgroups ${list(a.portgroups)}; VMs ${list(a.vms)}.`,
    '',
  );
  if (t.changes.length) out.push(`**Backout:** ${step(t.backout.vmfix)} By hand: see Backout plan.`, '');

  if (t.changes.length) {
    out.push('## Implementation plan', '');
    t.implementation.vmfix.forEach((s, n) => out.push(`${n + 1}. ${step(s)}`));
    out.push('', markdownTable({
      columns: ['change', 'object', 'field', 'now', 'after', 'VMs', 'after change'],
      rows: t.changes.map((c) => [c.id, c.object, c.field, c.current, c.proposed, c.vms.join(', '), c.dependsOn.join(', ') || null]),
    }));
    if (t.implementation.manual.length) out.push('Or by hand, in the vSphere Client, in this order:', '', ...manual(t.implementation.manual).map((l) => l.slice(3)), '');
    out.push('## Exact changes', '', 'Read-modify-write: each object\'s current spec is sent with this one field changed.', '', '```', ...diffs(plan), '```', '');
    out.push('## Verification', '', ...t.verification.map((s, n) => `${n + 1}. ${step(s)}`), '');
    out.push('## Backout plan', '', `1. ${step(t.backout.vmfix)}`);
    if (t.backout.manual.length) out.push('2. Or by hand, in this order:', ...manual(t.backout.manual));
    out.push('');
    out.push('## Security', '', ...t.securityNotes.map((n) => `- ${md(n)}`), '');
  }
  // The explanation is vmfix's own text, not a value: it goes in as written.
  out.push('## Evidence', '', t.reason.explanation, '');
  for (const f of t.reason.findings) {
    out.push(`- ${md(f.summary)} (${mdCode(f.id)})`);
    for (const e of f.evidence) out.push(`  - ${e.type === 'vmkernel-log' ? mdCode(e.text) : md(e.text)}`);
  }
  out.push('');
  if (t.skipped.length) out.push('## Not covered by this change', '', ...t.skipped.map((s) => `- ${md(s.vm ?? s.finding)}: ${md(s.reason)}`), '');
  return out.join('\n');
}

/** Each change's diff once; changes whose diffs are the same (one portgroup on several hosts) share it. */
function diffs(plan: Plan): string[] {
  const groups: { ids: string[]; paths: string[]; body: string[] }[] = [];
  for (const c of plan.changes) {
    // The table above lists each change's VMs; without them, one portgroup's change on every host reads the same.
    const body = changeBody(c, false);
    const same = groups.find((g) => g.body.join('\n') === body.join('\n'));
    const path = c.path.split(' / ').slice(1).join(' / ');
    if (same) {
      same.ids.push(c.id);
      same.paths.push(path);
    } else {
      groups.push({ ids: [c.id], paths: [path], body });
    }
  }
  // Inside a fence nothing is markup; only control characters need escaping (changeBody does).
  return groups.flatMap((g) => [...g.ids.map((id, i) => `${id}  ${oneLine(g.paths[i]!)}`), ...g.body, '']).slice(0, -1);
}
