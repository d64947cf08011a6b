// How old a plan is when it is applied. The drift check proves that the
// objects a plan changes are as they were; it cannot prove that the audit
// behind it still holds (VMs that joined a portgroup it opens since are in
// no ticket), and that grows less likely by the day.
import { DAY, durationWords, HOUR, MINUTE } from '../duration.js';
import type { Plan } from '../remedy/schema.js';

/**
 * A day: a plan made for tonight's window is not old, one from last week's
 * change board is, and a scheduled --yes run must then say it means it.
 */
export const DEFAULT_MAX_PLAN_AGE = '24h';

/**
 * Two clocks that differ by this much are two clocks (Kerberos allows as
 * much); a plan dated further ahead was made by, or is read by, a clock that
 * is wrong, and how long ago it was made is not known.
 */
const SKEW = 5 * MINUTE;

/**
 * The time as vmfix writes it, or another zone's: Date.parse also takes
 * "Dec 3" (as 2001) and a time without a zone (as this machine's local time).
 */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

export interface PlanAge {
  /** As the plan records it. */
  readonly createdAt: string;
  /** null: the recorded time is not one. */
  readonly ms: number | null;
  /** Older than allowed, or of unknown age. */
  readonly old: boolean;
}

export function planAge(plan: Pick<Plan, 'createdAt'>, maxAgeMs: number, now = new Date()): PlanAge {
  const made = ISO_TIME.test(plan.createdAt) ? Date.parse(plan.createdAt) : Number.NaN;
  const ms = Number.isNaN(made) ? null : now.getTime() - made;
  return { createdAt: plan.createdAt, ms, old: ms === null || ms > maxAgeMs || ms < -SKEW };
}

/** Old for how long it has been, not for a time that says nothing about that. */
export function ageKnown(age: PlanAge): age is PlanAge & { ms: number } {
  return age.ms !== null && age.ms >= -SKEW;
}

/** Why a plan is old, after "was made": its age and the limit, or why its age is not known. */
export function oldWords(age: PlanAge, maxAgeMs: number): string {
  if (age.ms === null) return `at ${JSON.stringify(age.createdAt)}, which is not a time as vmfix writes it, and how old the plan is is not known`;
  if (!ageKnown(age)) return `${age.createdAt}, ${agoWords(age)}: one of the two clocks is wrong, and how old the plan is is not known`;
  return `${agoWords(age)} (${age.createdAt}), more than ${durationWords(maxAgeMs)} ago`;
}

/** "3 days", "5 hours", "12 minutes": rounded down, as people say how long ago (a limit someone typed is said exactly: durationWords). */
function ageWords(ms: number): string {
  const [amount, unit] = ms >= 2 * DAY ? [ms / DAY, 'day'] : ms >= HOUR ? [ms / HOUR, 'hour'] : [ms / MINUTE, 'minute'];
  const n = Math.floor(amount);
  return n < 1 ? 'less than a minute' : `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** "(3 days ago)", or what is odd about the time. */
export function agoWords(age: PlanAge): string {
  if (age.ms === null) return 'at a time that is not one';
  // A few minutes ahead is two clocks that differ; the plan is as good as new.
  if (age.ms < 0) return `${ageWords(-age.ms)} ahead of this machine's clock`;
  return `${ageWords(age.ms)} ago`;
}

/** The smallest --max-plan-age that admits this plan, in the units people type. */
export function maxAgeToAdmit(age: PlanAge): string | null {
  if (!ageKnown(age)) return null;
  // One unit more than its age: still enough when the command is run again a little later.
  return age.ms >= 2 * DAY ? `${Math.floor(age.ms / DAY) + 1}d` : `${Math.floor(age.ms / HOUR) + 1}h`;
}
