// Names and log lines come from vCenter and from guests; they reach three
// media, each escaped here and nowhere else: a terminal (no control
// characters: they can set the window title or clear the screen; no
// newline: it forges a table row), Markdown (no raw HTML, no markup), and a
// POSIX shell (a command printed in a ticket must run as printed). CSV is
// table.ts's, through csv-stringify's formula escaping.

/** C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a reader sees. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(ch: string): string {
  const code = ch.codePointAt(0)!;
  return NAMED[ch] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/** A value from outside, as one line a terminal shows as it is: controls become visible escapes. */
export function oneLine(value: string): string {
  return value.replace(UNSAFE, visible);
}

/**
 * Whole text for a terminal, lines kept: every control but the newline and
 * our own SGR colour codes becomes visible. The last line of defence for
 * text composed before it reached a renderer (messages, summaries).
 */
export function terminalText(text: string): string {
  return text.replace(/(\x1b\[[0-9;]*m)|\n|([\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069])/g, (match, sgr?: string, unsafe?: string) =>
    sgr ?? (unsafe ? visible(unsafe) : match),
  );
}

/**
 * A value inside Markdown text or a table cell: no HTML (`<`, entities),
 * no markup (emphasis, code, links, tables, a heading or list where it
 * starts), no line break. Characters that mean nothing where a value stands
 * (`>` mid-line, `_` inside a word) stay as they are, so names read as they are.
 */
export function md(value: string | number | null): string {
  if (value === null) return '';
  return oneLine(String(value))
    .replace(/([\\`*[\]|~])/g, '\\$1')
    .replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, '\\_')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    // At the start of a list item or cell these begin a heading, quote or list.
    .replace(/^(#|>|[-+=](?=\s|$))/, '\\$1')
    .replace(/^(\d+)([.)])(?=\s|$)/, '$1\\$2');
}

/** A value as a Markdown code span: shown verbatim (HTML in a code span is text), fenced by more backticks than it holds. */
export function mdCode(value: string): string {
  const text = oneLine(value);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** One argument for a POSIX shell, quoted only when it needs to be. */
export function shellArg(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * An option with its value as one shell word (`--vm=NAME`): a value that
 * starts with "-" is still the option's value, not another option.
 */
export function shellOption(name: string, value: string): string {
  return shellArg(`--${name}=${value}`);
}
