// What fix, apply and rollback did: each change with its outcome, the
// findings left alone and why, and whether each fixed finding is gone.
import type { ChangeOutcome } from '../remedy/execute.js';
import type { Plan } from '../remedy/schema.js';
import { md, oneLine } from './escape.js';
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
  /** apply: the plan applied and its checksum, the one the change ticket names. */
  readonly plan?: { readonly file: string; readonly checksum: string };
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
  plan?: OutcomeReport['plan'],
): OutcomeReport {
  const count = (status: string) => outcomes.filter((o) => o.status === status).length;
  const parts = [`${count('applied')} applied`];
  if (count('already-set')) parts.push(`${count('already-set')} already set meanwhile`);
  if (count('failed')) parts.push(`${count('failed')} failed`);
  if (count('not-attempted')) parts.push(`${count('not-attempted')} not attempted`);
  if (count('declined')) parts.push(`${count('declined')} declined`);
  if (skipped.length) parts.push(`${skipped.length} finding(s) skipped`);
  return {
    schemaVersion: 1,
    command,
    endpoint,
    journal,
    ...(plan ? { plan } : {}),
    summary: `${command}${plan ? ` ${plan.file} (sha256 ${plan.checksum})` : ''} on ${endpoint}: ${parts.join(', ')}.${journal ? ` Journal: ${journal}` : ''}`,
    changes: outcomes.map(({ change: c, status, note }) => ({
      id: c.id, path: c.path, action: c.action, field: c.field, from: c.from, to: c.to, status, ...(note ? { note } : {}),
    })),
    skipped,
    verification,
  };
}

/** People read the object without the vCenter, which the summary names once; CSV keeps the whole path. */
function table(report: OutcomeReport, short: boolean): Table {
  const object = (path: string) => (short ? path.split(' / ').slice(1).join(' / ') || path : path);
  return {
    columns: ['change', 'status', 'object', 'field', 'from', 'to', 'note'],
    rows: report.changes.map((c) => [c.id, c.status, object(c.path), short ? c.field.split('.').at(-1)! : c.field, c.from, c.to, c.note ?? null]),
  };
}

function tail(report: OutcomeReport): string[] {
  const out: string[] = [];
  for (const s of report.skipped) out.push(`skipped ${s.vm ?? s.finding}: ${s.reason}`);
  for (const v of report.verification) out.push(`${v.resolved ? 'resolved' : 'NOT resolved'} ${v.vm ?? v.finding}: ${v.detail}`);
  return out;
}

/** @param width the terminal's, if it goes to one: the table wraps to fit */
export function outcomeText(report: OutcomeReport, width?: number): string {
  const changes = report.changes.length ? textTable(table(report, true), width) : 'No changes.';
  return [oneLine(report.summary), '', changes, ...tail(report).map(oneLine)].join('\n').replace(/\n*$/, '\n');
}

export function outcomeMarkdown(report: OutcomeReport): string {
  return [`# vmfix ${report.command}`, '', md(report.summary), '', markdownTable(table(report, true)), ...tail(report).map((l) => `- ${md(l)}`), ''].join('\n');
}

export const outcomeCsv = (report: OutcomeReport) => csvTable(table(report, false));
