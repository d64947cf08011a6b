// Plain tabular output in three dialects: aligned text for terminals
// (measured in terminal columns, so a CJK name does not break a column, and
// wrapped to fit a given width), CSV (RFC 4180, formula injection escaped)
// for spreadsheets, and GitHub-flavoured Markdown for tickets.
import { stringify } from 'csv-stringify/sync';
import stringWidth from 'string-width';
import { md, oneLine } from './escape.js';

export type Row = readonly (string | number | null)[];

export interface Table {
  readonly columns: readonly string[];
  readonly rows: readonly Row[];
}

const cell = (value: string | number | null) => (value === null ? '' : oneLine(String(value)));
const GAP = 2;
/** Below this a column is not squeezed further; the table runs wider instead. */
const MIN_COLUMN = 10;

/**
 * @param maxWidth the terminal's width, if the table goes to one: the widest
 *   columns wrap until it fits; a table that cannot fit even so (the
 *   inventory at 80 columns) is a record a row, as psql's \x auto does,
 *   rather than lines the terminal would break in the middle of every row
 */
export function textTable({ columns, rows }: Table, maxWidth?: number): string {
  const cells = rows.map((r) => columns.map((_, i) => cell(r[i] ?? null)));
  const widths = fitted(columns.map((c, i) => Math.max(stringWidth(c), ...cells.map((r) => stringWidth(r[i]!)))), maxWidth);
  if (maxWidth && widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1) > maxWidth) return records(columns, cells, maxWidth);
  const lines = (values: readonly string[]): string[] => {
    const wrapped = values.map((v, i) => wrap(v, widths[i]!));
    const height = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, n) =>
      wrapped.map((w, i) => (i === values.length - 1 ? (w[n] ?? '') : pad(w[n] ?? '', widths[i]!))).join(' '.repeat(GAP)).trimEnd(),
    );
  };
  return [...lines(columns), widths.map((w) => '-'.repeat(w)).join(' '.repeat(GAP)), ...cells.flatMap(lines)].join('\n') + '\n';
}

/** Each row as `column  value` lines, values wrapped under themselves, a blank line between rows; empty cells left out. */
function records(columns: readonly string[], cells: readonly string[][], maxWidth: number): string {
  const key = Math.max(...columns.map((c) => stringWidth(c))) + GAP;
  const width = Math.max(MIN_COLUMN, maxWidth - key);
  const record = (values: readonly string[]) =>
    values.flatMap((v, i) => (v ? wrap(v, width).map((line, n) => `${pad(n ? '' : columns[i]!, key)}${line}`) : [])).join('\n');
  return `${cells.map(record).join('\n\n')}\n`;
}

/** Narrows the widest columns, one column at a time, until the row fits (or nothing is left to narrow). */
function fitted(natural: number[], maxWidth: number | undefined): number[] {
  const widths = [...natural];
  if (!maxWidth) return widths;
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1);
  while (total() > maxWidth) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest]! <= MIN_COLUMN) break;
    widths[widest] = Math.max(MIN_COLUMN, widths[widest]! - (total() - maxWidth));
  }
  return widths;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - stringWidth(text)));
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Lines of at most `width` columns, broken after spaces and slashes where possible. */
export function wrap(text: string, width: number): string[] {
  if (stringWidth(text) <= width) return [text];
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/(?<=[ /,])/)) {
    if (line && stringWidth(line + word) > width) {
      out.push(line.trimEnd());
      line = '';
    }
    for (const { segment } of graphemes.segment(word)) {
      if (stringWidth(line + segment) > width) {
        out.push(line);
        line = '';
      }
      line += segment;
    }
  }
  if (line.trim()) out.push(line.trimEnd());
  return out;
}

/** At most `width` columns, an ellipsis marking the cut; no width: as it is. */
export function truncate(text: string, width: number | undefined): string {
  if (!width || stringWidth(text) <= width) return text;
  let out = '';
  for (const { segment } of graphemes.segment(text)) {
    if (stringWidth(out + segment) > width - 1) break;
    out += segment;
  }
  return `${out}…`;
}

/**
 * Cells that a spreadsheet would run as formulas (=, +, -, @ first) are prefixed with a quote (csv-stringify's escape_formulas).
 * csv-stringify quotes only the record delimiter itself (\r\n): a name with a bare \n or \r would split its row.
 */
export function csvTable({ columns, rows }: Table): string {
  return stringify([columns, ...rows], { escape_formulas: true, record_delimiter: 'windows', quoted_match: /[\r\n]/ });
}

export function markdownTable({ columns, rows }: Table): string {
  const line = (values: readonly string[]) => `| ${values.join(' | ')} |`;
  return [line(columns.map(md)), line(columns.map(() => '---')), ...rows.map((r) => line(columns.map((_, i) => md(r[i] ?? null))))].join('\n') + '\n';
}
