// Plain tabular output in three dialects: aligned text for terminals, CSV
// (RFC 4180) for spreadsheets, and GitHub-flavoured Markdown for tickets.

export type Row = readonly (string | number | null)[];

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
}

const cell = (value: string | number | null) => (value === null ? '' : String(value));

export function textTable({ columns, rows }: Table): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => visibleLength(cell(r[i] ?? null)))));
  const line = (values: readonly string[]) =>
    values.map((v, i) => (i === values.length - 1 ? v : v + ' '.repeat(widths[i]! - visibleLength(v)))).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(r.map((v) => cell(v))))].join('\n') + '\n';
}

export function csvTable({ columns, rows }: Table): string {
  const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [columns, ...rows].map((r) => r.map((v) => quote(cell(v))).join(',')).join('\r\n') + '\r\n';
}

export function markdownTable({ columns, rows }: Table): string {
  const escape = (v: string) => v.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
  const line = (values: readonly string[]) => `| ${values.map(escape).join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...rows.map((r) => line(r.map((v) => cell(v))))].join('\n') + '\n';
}

/** Length without ANSI colour codes, so coloured cells still align. */
function visibleLength(text: string): number {
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}
