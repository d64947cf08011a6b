// vmfix watch's output: one line per change, readable on a terminal
// (when, what, which VM and NIC, where and why, the evidence, the narrowest
// fix) or as JSON Lines for a pipe; the start of watching as one line too.
import type { WatchChange } from '../audit/changes.js';
import type { AuditReport, Finding } from '../audit/finding.js';
import { setWhere } from './audit.js';

/** The JSON line that says watching has started: after it, every line is a change or a warning. */
export interface WatchStart {
  readonly schemaVersion: 1;
  readonly type: 'watching';
  readonly time: string;
  readonly endpoint: string;
  readonly summary: AuditReport['summary'];
  readonly evidence: AuditReport['evidence'];
  /** Evidence that could not be read or understood: the findings are complete only where this is empty. */
  readonly warnings: AuditReport['warnings'];
  readonly notes: AuditReport['notes'];
}

/** The JSON line for evidence that could no longer be read while watching. */
export interface WatchWarning {
  readonly schemaVersion: 1;
  readonly type: 'warning';
  readonly time: string;
  readonly warning: string;
}

const KIND = { 'mac-change-blocked': 'BLOCKED', 'mac-change-at-risk': 'AT RISK', 'mac-accept-unneeded': 'UNNEEDED ACCEPT' } as const;
const COLOUR = { critical: '31;1', warning: '33', info: '36' } as const;

export function changeJson(change: WatchChange | WatchStart | WatchWarning): string {
  return `${JSON.stringify(change)}\n`;
}

export function changeText(change: WatchChange, color: boolean): string {
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const f = change.finding;
  const was = change.previous ? ` (was ${KIND[change.previous.kind].toLowerCase()})` : '';
  const tag = change.type === 'resolved' ? paint('32', `RESOLVED${` (was ${KIND[f.kind].toLowerCase()})`}`) : paint(COLOUR[f.severity], `${KIND[f.kind]}${was}`);
  const parts = [`${change.time}  ${tag}  ${subject(f)}`];
  if (change.type === 'resolved') parts.push(`no longer reported: ${f.summary}`);
  else {
    parts.push(f.summary);
    const evidence = f.evidence.map((e) => (e.type === 'vmkernel-log' ? `log ${e.lastTime ?? ''}: ${e.line.trim()}` : e.detail)).slice(0, 3);
    if (evidence.length) parts.push(`evidence: ${evidence.join(' | ')}${f.evidence.length > 3 ? ` | … ${f.evidence.length - 3} more` : ''}`);
    if (f.remedies.length) parts.push(`fix: ${f.remedies[0]!.strategy}${f.remedies.length > 1 ? ` (or ${f.remedies.slice(1).map((r) => r.strategy).join(', ')})` : ''}`);
  }
  for (const cause of change.causes ?? []) parts.push(`${cause.time} ${cause.userName ?? 'vCenter'}: ${cause.message || cause.type}`);
  return `${parts.join(' · ')}  [${f.id}]\n`;
}

/** The VM and NIC (or what else the finding is about), and where, with the policy's source. */
function subject(f: Finding): string {
  const who = f.vm ? `${f.vm.name}${f.nic ? ` ${f.nic.label}` : ''}` : f.host ? `host ${f.host.name}` : f.switch ? `${f.switch.name}` : 'unknown';
  const where = f.portgroup ? ` on "${f.portgroup.name}"${f.portgroup.portKey ? ` port ${f.portgroup.portKey}` : ''}` : '';
  const policy = f.policy.source ? ` (MAC changes ${f.policy.macChanges}, ${setWhere(f.policy.source)})` : '';
  return `${who}${where}${policy}`;
}
