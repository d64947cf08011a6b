// Durations as people type them (7d, 36h, 90m, 2w) and as vmfix says them
// back. --since and --max-plan-age share both: a limit typed as 90m must not
// come back as "1 hour" in one message and "90 minutes" in another.
import { UsageError } from './errors.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
const UNIT_MS = { m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY } as const;

// No sign: what a leading "-" means is the option's to say (--since reads -7d as journalctl does).
const DURATION = /^(\d{1,6})\s*([mhdw])$/;

/**
 * `7d`, `36h`, `90m`, `2w` (any case, spaces around) in milliseconds, or
 * null if the text is not such a duration. Zero is refused: a window or a
 * limit of nothing is a typo, and would silently match nothing.
 */
export function durationMs(option: string, text: string): number | null {
  const m = DURATION.exec(text.trim().toLowerCase());
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (ms === 0) throw new UsageError(`${option} ${text}: the duration must be longer than zero.`);
  return ms;
}

/**
 * A duration someone typed, in words and exactly: "90 minutes", "36 hours",
 * "7 days" (days from two of them on, so 24h stays "24 hours").
 */
export function durationWords(ms: number): string {
  const [amount, unit] = ms >= 2 * DAY && ms % DAY === 0 ? [ms / DAY, 'day'] : ms >= HOUR && ms % HOUR === 0 ? [ms / HOUR, 'hour'] : [Math.round(ms / MINUTE), 'minute'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}
