// The one renderer: every command's result object becomes table, JSON,
// Markdown or CSV here, and nowhere else.
import type { AuditReport } from '../audit/finding.js';
import type { PostureReport } from '../inventory/posture.js';
import type { Plan } from '../remedy/schema.js';
import { auditCsv, auditMarkdown, auditText } from './audit.js';
import { outcomeCsv, outcomeMarkdown, outcomeText, type OutcomeReport } from './outcome.js';
import { ticketMarkdown, type Ticket } from './ticket.js';
import { inventoryCsv, inventoryTable } from './inventory.js';
import type { Format } from './format.js';
import { csvTable, markdownTable, textTable } from './table.js';


export type Result =
  | { readonly kind: 'inventory'; readonly report: PostureReport }
  | { readonly kind: 'audit'; readonly report: AuditReport }
  | { readonly kind: 'outcome'; readonly report: OutcomeReport }
  | { readonly kind: 'ticket'; readonly report: Ticket; readonly plan: Plan };

export interface Style {
  /** ANSI colours allowed (a terminal, NO_COLOR unset). */
  readonly color: boolean;
}

export function render(result: Result, format: Format, style: Style): string {
  if (format === 'json') return `${JSON.stringify(result.report, null, 2)}\n`;
  switch (result.kind) {
    case 'inventory': {
      if (format === 'csv') return csvTable(inventoryCsv(result.report));
      const table = inventoryTable(result.report);
      return format === 'markdown' ? markdownTable(table) : textTable(table);
    }
    case 'audit':
      if (format === 'csv') return auditCsv(result.report);
      return format === 'markdown' ? auditMarkdown(result.report) : auditText(result.report, style.color);
    case 'outcome':
      if (format === 'csv') return outcomeCsv(result.report);
      return format === 'markdown' ? outcomeMarkdown(result.report) : outcomeText(result.report);
    case 'ticket':
      // A change ticket is prose: Markdown whether asked for table or markdown; CSV has no shape for it.
      return ticketMarkdown(result.report, result.plan);
  }
}
