// What fix, apply and rollback did: each change with its outcome, the
// findings left alone and why, and whether each fixed finding is gone.
import type { ChangeOutcome } from '../remedy/execute.js';
import type { Plan } from '../remedy/schema.js';
import { csvTable, markdownTable, textTable, type Table } from './table.js';

export interface Verification {
  readonly finding: string;
  readonly vm: string | null;
  readonly resolved: boolean;
  readonly detail: string;
}

export interface OutcomeReport {
  readonly schemaVersion: 1;
  readonly command: 'fix' | 'apply' | 'rollback';
  readonly endpoint: string;
  readonly journal: string | null;
  readonly summary: string;
  readonly changes: readonly {
    readonly id: string;
    readonly path: string;
    readonly action: string;
    readonly field: string;
    readonly from: string;
    readonly to: string;
    readonly status: ChangeOutcome['status'] | 'declined';
    readonly note?: string;
  }[];
  readonly skipped: Plan['skipped'];
  readonly verification: readonly Verification[];
}

export function outcomeReport(
  command: OutcomeReport['command'],
  endpoint: string,
  journal: string | null,
  outcomes: readonly (Omit<ChangeOutcome, 'status'> & { status: OutcomeReport['changes'][number]['status'] })[],
  skipped: Plan['skipped'],
  verification: readonly Verification[],
): OutcomeReport {
  const count = (status: string) => outcomes.filter((o) => o.status === status).length;
  const parts = [`${count('applied')} applied`];
  if (count('failed')) parts.push(`${count('failed')} failed`);
  if (count('not-attempted')) parts.push(`${count('not-attempted')} not attempted`);
  if (count('declined')) parts.push(`${count('declined')} declined`);
  if (skipped.length) parts.push(`${skipped.length} finding(s) skipped`);
  return {
    schemaVersion: 1,
    command,
    endpoint,
    journal,
    summary: `${command} on ${endpoint}: ${parts.join(', ')}.${journal ? ` Journal: ${journal}` : ''}`,
    changes: outcomes.map(({ change: c, status, note }) => ({
      id: c.id, path: c.path, action: c.action, field: c.field, from: c.from, to: c.to, status, ...(note ? { note } : {}),
    })),
    skipped,
    verification,
  };
}

function table(report: OutcomeReport): Table {
  return {
    columns: ['change', 'status', 'object', 'field', 'from', 'to', 'note'],
    rows: report.changes.map((c) => [c.id, c.status, c.path, c.field, c.from, c.to, c.note ?? null]),
  };
}

function tail(report: OutcomeReport): string[] {
  const out: string[] = [];
  for (const s of report.skipped) out.push(`skipped ${s.vm ?? s.finding}: ${s.reason}`);
  for (const v of report.verification) out.push(`${v.resolved ? 'resolved' : 'NOT resolved'} ${v.vm ?? v.finding}: ${v.detail}`);
  return out;
}

export function outcomeText(report: OutcomeReport): string {
  return [report.summary, '', report.changes.length ? textTable(table(report)) : 'No changes.', ...tail(report)].join('\n').replace(/\n*$/, '\n');
}

export function outcomeMarkdown(report: OutcomeReport): string {
  return [`# vmfix ${report.command}`, '', report.summary, '', markdownTable(table(report)), ...tail(report).map((l) => `- ${l}`), ''].join('\n');
}

export const outcomeCsv = (report: OutcomeReport) => csvTable(table(report));
