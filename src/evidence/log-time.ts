// Log times as the report uses them: ISO-8601 UTC with milliseconds, so that
// string order is time order.

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|([+-])(\d{2}):?(\d{2}))$/;
const DAY_MS = 86_400_000;

/** "2024-05-14T11:21:07.123456+02:00" → "2024-05-14T09:21:07.123Z"; null without a zone or for an impossible date. */
export function isoToUtc(stamp: string): string | null {
  const m = ISO.exec(stamp); // no zone, no match: the local time of an unknown zone is no time
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  // ESXi's own form is already the answer; this is the hot path when every line is a hit.
  if (m[8] === undefined && m[7]?.length === 3) return stamp;
  const offsetMinutes = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) : 0;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0-99 as 1900-1999
  utc.setUTCHours(hour, minute - offsetMinutes, second, Number((m[7] ?? '').padEnd(3, '0').slice(0, 3)));
  return utc.toISOString();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The time of a year-less BSD-syslog stamp ("May 14 09:21:07"): in the reference's year, or the year
 * before where that would put it more than a day after the reference (a log collected in January holds
 * December's lines). The time of day is taken as UTC: these old forms carry the host's local time and
 * no zone. null for an impossible stamp.
 */
export function inferYear(stamp: string, reference: number): string | null {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})$/.exec(stamp);
  const month = m ? MONTHS.indexOf(m[1]!) : -1;
  if (!m || month < 0) return null;
  const [day, hour, minute, second] = m.slice(2).map(Number) as [number, number, number, number];
  if (hour > 23 || minute > 59 || second > 59) return null;
  let year = new Date(reference).getUTCFullYear();
  // Two years back at most; 29 February may need the year before as well.
  for (let tries = 0; tries < 2; tries++, year--) {
    const at = Date.UTC(year, month, day, hour, minute, second);
    if (new Date(at).getUTCDate() === day && at <= reference + DAY_MS) return new Date(at).toISOString();
  }
  return null;
}
