// The audit for people: grouped by host and portgroup, severity first, the
// evidence one line each, the remedies narrowest first.
import type { AuditReport, Finding } from '../audit/finding.js';
import { md, mdCode, oneLine } from './escape.js';
import { plural } from './format.js';
import { painter } from './style.js';
import { csvTable, markdownTable, type Table } from './table.js';

function groupOf(f: Finding): string {
  const sw = f.switch ? `${f.switch.type === 'standard' ? 'vSwitch' : 'DVS'} ${f.switch.name}` : undefined;
  const where = f.host?.name ?? (f.switch?.type === 'distributed' ? sw : undefined) ?? 'host not named in the log';
  const what = f.portgroup?.name ?? (f.switch?.type === 'standard' ? sw : undefined);
  return what ? `${where} / ${what}` : where;
}

/** Where the MAC policy in force is set, in words: an NSX segment's is in NSX, not on a vSphere object. */
export function setWhere(source: NonNullable<Finding['policy']['source']>): string {
  return source === 'nsx' ? 'set in NSX' : `set on the ${source}`;
}

function grouped(report: AuditReport): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const f of report.findings) groups.set(groupOf(f), [...(groups.get(groupOf(f)) ?? []), f]);
  return groups;
}

function evidenceLine(e: Finding['evidence'][number]): string {
  return e.type === 'vmkernel-log' ? `log: ${e.line.trim()}${e.count > 1 ? `  (×${e.count})` : ''}` : e.detail;
}

function headline(report: AuditReport): string {
  const s = report.summary;
  const unread = report.warnings.length ? `, but ${report.warnings.length} piece(s) of evidence could not be read or understood (see the warnings)` : '';
  if (!s.findings) return `No findings on ${report.endpoint}${unread} (${plural(s.vmsScanned, 'VM')}, ${plural(s.hostsScanned, 'host')}).`;
  return `${s.findings} finding(s) on ${report.endpoint}: ${s.critical} critical, ${s.warning} warning, ${s.info} info${unread} (${plural(s.vmsScanned, 'VM')}, ${plural(s.hostsScanned, 'host')}).`;
}

/** What the verdict rests on, in one line. */
function basis(report: AuditReport): string {
  const e = report.evidence;
  const logs = e.logs
    ? `vmkernel logs: ${e.lines} line(s) from ${e.logs} log(s)${e.from ? `, ${e.from} to ${e.to}` : ''}, window ${e.window}`
    : `no vmkernel log read (window ${e.window})`;
  // Offline there is no vCenter to ask: only the logs stand behind the verdict.
  if (report.endpoint === 'offline') return `Evidence: ${logs} (no vCenter: no guest MACs, no dvPort state).`;
  return `Evidence: ${logs}; dvPort state of ${plural(e.dvSwitches, 'distributed switch', 'distributed switches')}; guest MACs from VMware Tools.`;
}

function historyLine(h: AuditReport['history'][number]): string {
  const who = h.vm ? `${h.vm.name}${h.nic ? ` ${h.nic.label}` : ''}` : `port ${h.port ?? '?'}`;
  return `${h.lastTime ?? 'time unknown'}  ${who}${h.host ? ` on ${h.host.name}` : ''}: ${h.why}.`;
}

export function auditText(report: AuditReport, color: boolean): string {
  const paint = painter(color);
  const out: string[] = [oneLine(headline(report)), oneLine(basis(report)), ''];
  for (const w of report.warnings) out.push(`${paint('warning', 'warning:')} ${oneLine(w)}`);
  if (report.warnings.length) out.push('');
  for (const [group, findings] of grouped(report)) {
    const policy = findings[0]!.policy;
    out.push(paint('heading', oneLine(group)) + `  (MAC changes ${policy.macChanges}${policy.source ? `, ${setWhere(policy.source)}` : ''})`);
    for (const f of findings) {
      const tag = paint(f.severity, f.severity.toUpperCase().padEnd(8));
      out.push(`  ${tag} ${oneLine(f.summary)}  [${f.id}]`);
      for (const e of f.evidence) out.push(`           ${oneLine(evidenceLine(e))}`);
      if (f.remedies.length) out.push(`           fix: ${f.remedies.map((r) => r.strategy + (r.blastRadius.vms.length ? ` (+${r.blastRadius.vms.length} VMs)` : '')).join(' | ')}`);
    }
    out.push('');
  }
  if (report.history.length) {
    out.push(paint('heading', 'History') + '  (lines about a port, MAC or policy these NICs no longer have: not findings)');
    for (const h of report.history) out.push(`  ${oneLine(historyLine(h))}`);
    out.push('');
  }
  for (const note of report.notes) out.push(`note: ${oneLine(note)}`);
  return out.join('\n').replace(/\n*$/, '\n');
}

function flat(report: AuditReport): Table {
  return {
    columns: ['id', 'severity', 'kind', 'vm', 'nic', 'configuredMac', 'guestMac', 'host', 'switch', 'portgroup', 'macChanges', 'policySource', 'evidence', 'remedies'],
    rows: report.findings.map((f) => [
      f.id, f.severity, f.kind, f.vm?.name ?? null, f.nic?.label ?? null, f.nic?.configuredMac ?? null, f.nic?.guestMac ?? null,
      f.host?.name ?? null, f.switch?.name ?? null, f.portgroup?.name ?? null, f.policy.macChanges, f.policy.source,
      f.evidence.map(evidenceLine).join(' | '), f.remedies.map((r) => r.strategy).join(' '),
    ]),
  };
}

export const auditCsv = (report: AuditReport) => csvTable(flat(report));

export function auditMarkdown(report: AuditReport): string {
  const out = [`# vmfix audit: ${md(report.endpoint)}`, '', md(headline(report)), '', md(basis(report)), ''];
  if (report.warnings.length) out.push('## Warnings', '', ...report.warnings.map((w) => `- ${md(w)}`), '');
  for (const [group, findings] of grouped(report)) {
    out.push(`## ${md(group)}`, '');
    for (const f of findings) {
      out.push(`- **${f.severity}** ${md(f.summary)} (\`${f.id}\`)`);
      for (const e of f.evidence) out.push(`  - ${e.type === 'vmkernel-log' ? `${mdCode(e.line.trim())}${e.count > 1 ? ` ×${e.count}` : ''}` : md(e.detail)}`);
      for (const r of f.remedies) out.push(`  - fix \`${r.strategy}\`: ${md(r.summary)}`);
    }
    out.push('');
  }
  if (report.history.length) out.push('## History (not findings)', '', ...report.history.map((h) => `- ${md(historyLine(h))}`), '');
  if (report.notes.length) out.push('## Notes', '', ...report.notes.map((n) => `- ${md(n)}`), '');
  if (report.findings.length) out.push('## All findings', '', markdownTable(flat(report)));
  return out.join('\n');
}
