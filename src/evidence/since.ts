// --since DURATION|TIME: how far back log evidence counts. A duration is
// measured back from "now" online and from each log's newest line offline
// (a bundle is often read long after it was collected); a time is a fixed
// start; `all` reads every line there is. Pure: the CLI and the readers share it.
import { durationMs, durationWords } from '../duration.js';
import { UsageError } from '../errors.js';

export type Since = { readonly durationMs: number } | { readonly time: string } | { readonly all: true };

/** The window when --since is not given: a week covers most incidents and stays cheap to read. */
export const DEFAULT_SINCE = '7d';

// Dates and times as people type them; without a zone they are UTC, as ESXi's logs are.
const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** `7d`, `36h`, `90m`, `2w`, or an ISO date or date-time (UTC unless it says otherwise); never in the future. */
export function parseSince(text: string, now: Date = new Date()): Since {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === 'all') return { all: true };
  const duration = durationMs('--since', trimmed);
  if (duration !== null) return { durationMs: duration };
  // -1h may mean "until an hour ago" as well as "the last hour": a guess either way, so neither.
  const signed = /^[-+]/.test(trimmed) ? durationMs('--since', trimmed.slice(1)) : null;
  if (signed !== null) throw new UsageError(`--since ${text}: a duration takes no sign; it always counts back (--since ${trimmed.slice(1)}).`);
  const m = TIME.exec(trimmed);
  if (!m) {
    throw new UsageError(`--since takes a duration such as 7d, 36h, 90m or 2w, a date such as 2024-05-14 or 2024-05-14T09:00Z, or all, not "${text}".`);
  }
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = m;
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}${zone.toUpperCase() === 'Z' ? 'Z' : withColon(zone)}`;
  const ms = Date.parse(iso);
  // Date.parse rolls 2024-02-30 over to March; an impossible date is a typo, not a time.
  if (Number.isNaN(ms) || new Date(Date.UTC(Number(year), Number(month) - 1, Number(day))).getUTCDate() !== Number(day)) {
    throw new UsageError(`--since ${text}: not a valid date or time.`);
  }
  if (ms > now.getTime()) throw new UsageError(`--since ${text} is in the future.`);
  return { time: new Date(ms).toISOString() };
}

function withColon(zone: string): string {
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

/** Where the window starts for a log whose newest line is `newest` (offline) or for now (online); null where nothing bounds it. */
export function windowStart(since: Since | undefined, newest: string | null): string | null {
  if (!since || 'all' in since) return null;
  if ('time' in since) return since.time;
  if (newest === null) return null;
  return new Date(Date.parse(newest) - since.durationMs).toISOString();
}

/** "the last 7 days", "since 2024-05-14T09:00:00.000Z", "all lines": for the report's words. */
export function describeSince(since: Since): string {
  if ('all' in since) return 'all lines';
  if ('time' in since) return `since ${since.time}`;
  return `the last ${durationWords(since.durationMs)}`;
}
