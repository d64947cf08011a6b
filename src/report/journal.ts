// `vmfix journal`: the journals of a directory (what, when, who, status),
// newest first, since a rollback starts with finding the right one; and
// one journal's changes.
import type { Journal } from '../remedy/schema.js';
import { md, oneLine, shellArg } from './escape.js';
import { csvTable, markdownTable, textTable, type Table } from './table.js';

export interface JournalSummary {
  readonly file: string;
  readonly command: Journal['command'] | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly user: string | null;
  readonly endpoint: string | null;
  readonly changeId: string | null;
  readonly plan: string | null;
  readonly changes: { readonly applied: number; readonly failed: number; readonly pending: number };
  /** A rollback's undos it never got to: a refused or failed one stopped it. */
  readonly notAttempted: number;
  readonly rollbackOf: string | null;
  /** Rollback journals in the same directory that undid this one. */
  readonly rolledBackBy: readonly string[];
  /** Rollbacks of those, which made some of this journal's changes again. */
  readonly madeAgainBy: readonly string[];
  /** Damaged rollback journals that say they undid this one: what they undid is not known. */
  readonly maybeRolledBackBy: readonly string[];
  /** Of the changes those rollbacks set out to undo, how many they undid; null where no rollback of it is here. */
  readonly undone: { readonly count: number; readonly of: number } | null;
  /** This journal's changes that its rollbacks set out to undo and did not (ids). */
  readonly stillInForce: readonly string[];
  /** … and those whose undo was interrupted, outcome unknown. */
  readonly interrupted: readonly string[];
  /** Why it cannot be rolled back from as it is (damaged, edited), if so. */
  readonly problem: string | null;
}

export interface JournalListing {
  readonly schemaVersion: 1;
  readonly directory: string;
  readonly journals: readonly JournalSummary[];
}

export interface JournalView {
  readonly schemaVersion: 1;
  readonly file: string;
  readonly status: string;
  readonly journal: Journal;
}

/** applied 3, failed 1, interrupted 1; rolled back by … */
export function statusOf(
  s: Pick<JournalSummary, 'changes' | 'notAttempted' | 'finishedAt' | 'rolledBackBy' | 'madeAgainBy' | 'maybeRolledBackBy' | 'undone' | 'stillInForce' | 'interrupted' | 'problem'>,
): string {
  if (s.problem) return s.problem;
  const parts = [`${s.changes.applied} applied`];
  if (s.changes.failed) parts.push(`${s.changes.failed} failed`);
  if (s.changes.pending) parts.push(`${s.changes.pending} interrupted (outcome unknown)`);
  if (s.notAttempted) parts.push(`${s.notAttempted} not attempted`);
  if (!s.finishedAt) parts.push('not finished');
  if (s.rolledBackBy.length) parts.push(rolledBackWords(s));
  const maybe = s.maybeRolledBackBy;
  if (maybe.length) parts.push(`maybe rolled back by ${maybe.join(', ')}, which ${maybe.length === 1 ? 'is' : 'are'} damaged: what ${maybe.length === 1 ? 'it' : 'they'} undid is not known`);
  return parts.join(', ');
}

/**
 * "rolled back by X", or, where a rollback stopped partway or was itself
 * rolled back, how far it got and what holds now.
 */
function rolledBackWords(s: Pick<JournalSummary, 'rolledBackBy' | 'madeAgainBy' | 'undone' | 'stillInForce' | 'interrupted'>): string {
  const by = s.rolledBackBy.join(', ');
  if (!s.undone || s.undone.count === s.undone.of) return `rolled back by ${by}`;
  const again = s.madeAgainBy.length ? `, then made again by ${s.madeAgainBy.join(', ')}` : '';
  const left = [
    ...(s.stillInForce.length ? [`${s.stillInForce.join(', ')} ${again ? 'in force' : 'still in force'}`] : []),
    ...(s.interrupted.length ? [`undoing ${s.interrupted.join(', ')} interrupted (outcome unknown)`] : []),
  ];
  return `${again ? '' : 'partly '}rolled back by ${by}${again} (${s.undone.count} of ${s.undone.of} changes undone${left.map((l) => `; ${l}`).join('')})`;
}

function listingTable(listing: JournalListing): Table {
  return {
    columns: ['journal', 'command', 'started', 'user', 'vCenter', 'change', 'status'],
    rows: listing.journals.map((j) => [j.file, j.command, j.startedAt, j.user, j.endpoint, j.changeId ?? j.plan, statusOf(j)]),
  };
}

export function journalsText(listing: JournalListing, width?: number): string {
  if (!listing.journals.length) return `No vmfix journal in ${oneLine(listing.directory)}.\n`;
  return `${textTable(listingTable(listing), width)}\nvmfix journal FILE shows one; vmfix rollback FILE undoes it.\n`;
}

export const journalsMarkdown = (listing: JournalListing) => `# vmfix journals in ${md(listing.directory)}\n\n${markdownTable(listingTable(listing))}`;
export const journalsCsv = (listing: JournalListing) => csvTable(listingTable(listing));

function entriesTable(view: JournalView, short: boolean): Table {
  return {
    columns: ['change', 'status', 'object', 'field', 'from', 'to', 'note'],
    rows: view.journal.entries.map((e) => [
      e.change.id, e.status, short ? e.change.path.split(' / ').slice(1).join(' / ') : e.change.path, e.change.field, e.change.from, e.change.to, e.note ?? null,
    ]),
  };
}

function header(view: JournalView): string[] {
  const j = view.journal;
  return [
    `${view.file}: vmfix ${j.command} on ${j.endpoint.host}, ${j.startedAt} to ${j.finishedAt ?? '(not finished)'}`,
    `by ${j.preparedBy?.user ?? '(not recorded)'} with vmfix ${j.preparedBy?.vmfixVersion ?? '(not recorded)'}`,
    ...(j.request?.changeId ? [`change ${j.request.changeId}`] : []),
    ...(j.plan ? [`plan ${j.plan.file}, sha256 ${j.plan.checksum}${j.plan.createdAt ? `, made ${j.plan.createdAt}` : ''}`] : []),
    ...(j.rollbackOf ? [`rollback of ${j.rollbackOf}`] : []),
    `status: ${view.status}`,
  ];
}

export function journalText(view: JournalView, width?: number): string {
  const undo = view.journal.command === 'rollback' ? [] : ['', `To undo it: vmfix rollback ${shellArg(view.file)}`];
  return [...header(view).map(oneLine), '', textTable(entriesTable(view, true), width), ...undo].join('\n').replace(/\n*$/, '\n');
}

export const journalMarkdown = (view: JournalView) => [`# vmfix journal ${md(view.file)}`, '', ...header(view).map((l) => `- ${md(l)}`), '', markdownTable(entriesTable(view, true))].join('\n');
export const journalCsv = (view: JournalView) => csvTable(entriesTable(view, false));
