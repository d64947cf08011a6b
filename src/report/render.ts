// The one renderer: every command's result object becomes table, JSON,
// Markdown or CSV here, and nowhere else.
import type { AuditReport } from '../audit/finding.js';
import type { PostureReport } from '../inventory/posture.js';
import type { Plan } from '../remedy/schema.js';
import { auditCsv, auditMarkdown, auditText } from './audit.js';
import { outcomeCsv, outcomeMarkdown, outcomeText, type OutcomeReport } from './outcome.js';
import type { Ticket } from './ticket.js';
import { ticketMarkdown } from './ticket-markdown.js';
import { terminalText } from './escape.js';
import { inventoryCsv, inventoryTable } from './inventory.js';
import {
  journalCsv, journalMarkdown, journalsCsv, journalsMarkdown, journalsText, journalText, type JournalListing, type JournalView,
} from './journal.js';
import type { Format } from './format.js';
import { csvTable, markdownTable, textTable } from './table.js';


export type Result =
  | { readonly kind: 'inventory'; readonly report: PostureReport }
  | { readonly kind: 'audit'; readonly report: AuditReport }
  | { readonly kind: 'outcome'; readonly report: OutcomeReport }
  | { readonly kind: 'ticket'; readonly report: Ticket; readonly plan: Plan }
  | { readonly kind: 'journals'; readonly report: JournalListing }
  | { readonly kind: 'journal'; readonly report: JournalView };

export interface Style {
  /** ANSI colours allowed (decided in src/cli/ui.ts). */
  readonly color: boolean;
  /** The terminal's width, when the text goes to one: tables wrap to fit. */
  readonly width?: number;
}

export function render(result: Result, format: Format, style: Style): string {
  if (format === 'json') return `${JSON.stringify(result.report, null, 2)}\n`;
  // What reaches a terminal drives it with nothing but our colours, whatever a name or log line holds.
  return format === 'table' ? terminalText(renderText(result, format, style)) : renderText(result, format, style);
}

function renderText(result: Result, format: Exclude<Format, 'json'>, style: Style): string {
  switch (result.kind) {
    case 'inventory': {
      if (format === 'csv') return csvTable(inventoryCsv(result.report));
      const table = inventoryTable(result.report);
      return format === 'markdown' ? markdownTable(table) : textTable(table, style.width);
    }
    case 'audit':
      if (format === 'csv') return auditCsv(result.report);
      return format === 'markdown' ? auditMarkdown(result.report) : auditText(result.report, style.color);
    case 'outcome':
      if (format === 'csv') return outcomeCsv(result.report);
      return format === 'markdown' ? outcomeMarkdown(result.report) : outcomeText(result.report, style.width);
    case 'ticket':
      // A change ticket is prose: Markdown whether asked for table or markdown; CSV has no shape for it.
      return ticketMarkdown(result.report, result.plan);
    case 'journals':
      if (format === 'csv') return journalsCsv(result.report);
      return format === 'markdown' ? journalsMarkdown(result.report) : journalsText(result.report, style.width);
    case 'journal':
      if (format === 'csv') return journalCsv(result.report);
      return format === 'markdown' ? journalMarkdown(result.report) : journalText(result.report, style.width);
  }
}

/** What a result is called when it is written to a file ("the change ticket was written to …"). */
export function resultName(result: Result): string {
  if (result.kind === 'outcome') return `the ${result.report.command} report`;
  return { inventory: 'the inventory', audit: 'the audit', ticket: 'the change ticket', journals: 'the list of journals', journal: 'the journal' }[result.kind];
}
