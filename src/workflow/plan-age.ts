// How old a plan is when it is applied. The drift check proves that the
// objects a plan changes are as they were; it cannot prove that the audit
// behind it still holds (VMs that joined a portgroup it opens since are in
// no ticket), and that grows less likely by the day.
import type { Plan } from '../remedy/schema.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A day: a plan made for tonight's window is not old, one from last week's
 * change board is, and a scheduled --yes run must then say it means it.
 */
export const DEFAULT_MAX_PLAN_AGE = '24h';

export interface PlanAge {
  /** As the plan records it. */
  readonly createdAt: string;
  /** null: the recorded time is not one. */
  readonly ms: number | null;
  /** Older than allowed, or of unknown age. */
  readonly old: boolean;
}

export function planAge(plan: Pick<Plan, 'createdAt'>, maxAgeMs: number, now = new Date()): PlanAge {
  const made = Date.parse(plan.createdAt);
  const ms = Number.isNaN(made) ? null : now.getTime() - made;
  return { createdAt: plan.createdAt, ms, old: ms === null || ms > maxAgeMs };
}

/** "3 days", "5 hours", "12 minutes": rounded down, as people say how long ago. */
export function durationWords(ms: number): string {
  const [amount, unit] = ms >= 2 * DAY ? [ms / DAY, 'day'] : ms >= HOUR ? [ms / HOUR, 'hour'] : [ms / MINUTE, 'minute'];
  const n = Math.floor(amount);
  return n < 1 ? 'less than a minute' : `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** "(3 days ago)", or what is odd about the time. */
export function agoWords(age: PlanAge): string {
  if (age.ms === null) return 'at a time that is not one';
  // A few minutes ahead is two clocks that differ; the plan is as good as new.
  if (age.ms < 0) return `${durationWords(-age.ms)} ahead of this machine's clock`;
  return `${durationWords(age.ms)} ago`;
}

/** The smallest --max-plan-age that admits this plan, in the units people type. */
export function maxAgeToAdmit(age: PlanAge): string | null {
  if (age.ms === null) return null;
  // One unit more than its age: still enough when the command is run again a little later.
  return age.ms >= 2 * DAY ? `${Math.floor(age.ms / DAY) + 1}d` : `${Math.floor(age.ms / HOUR) + 1}h`;
}
