// --since: how far back log evidence counts. A duration (7d, 36h, 90m, 2w)
// is measured back from now online and, offline, back from each log's
// newest line (a bundle is often read long after it was collected); a time
// (2026-11-25, 2026-11-25T08:00Z) is the same everywhere; `all` reads all.
import { UsageError } from '../errors.js';

export type Since = { readonly durationMs: number; readonly text: string } | { readonly time: string; readonly text: string } | { readonly all: true; readonly text: 'all' };

export const DEFAULT_SINCE = '7d';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseSince(text: string): Since {
  const trimmed = text.trim();
  if (trimmed === 'all') return { all: true, text: 'all' };
  const duration = /^(\d+(?:\.\d+)?)\s*([mhdw])$/i.exec(trimmed);
  if (duration) {
    const ms = Number(duration[1]) * UNITS[duration[2]!.toLowerCase()]!;
    if (ms > 0) return { durationMs: ms, text: trimmed };
  }
  // A date alone is midnight UTC; a date and time needs its zone (ESXi logs in UTC).
  const date = /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? `${trimmed}T00:00:00Z` : trimmed;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i.test(date)) {
    const time = new Date(date);
    if (!Number.isNaN(time.getTime())) return { time: time.toISOString(), text: trimmed };
  }
  throw new UsageError(`--since takes a duration (7d, 36h, 90m, 2w), a date or time with its zone (2026-11-25, 2026-11-25T08:00Z) or "all", not "${text}".`);
}

/** The start of the window for a log whose newest line is `newest` (online: now). */
export function windowStart(since: Since, newest: Date): string | null {
  if ('all' in since) return null;
  if ('time' in since) return since.time;
  return new Date(newest.getTime() - since.durationMs).toISOString();
}

/** The window in words, for the report: "the last 7d", "since 2026-11-25T00:00:00.000Z", "all lines". */
export function describeSince(since: Since): string {
  if ('all' in since) return 'all lines';
  if ('time' in since) return `since ${since.time}`;
  return `the last ${since.text}`;
}
