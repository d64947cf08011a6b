import { describe, expect, it } from 'vitest';

import { UsageError } from '../../src/errors.js';
import { describeSince, parseSince, windowStart } from '../../src/evidence/since.js';

const NOW = new Date('2024-05-14T12:00:00.000Z');

describe('parseSince', () => {
  it.each([
    ['7d', 7 * 86_400_000],
    ['36h', 36 * 3_600_000],
    ['90m', 90 * 60_000],
    ['2w', 14 * 86_400_000],
    [' 7D ', 7 * 86_400_000],
  ])('%s is a duration', (text, durationMs) => {
    expect(parseSince(text, NOW)).toEqual({ durationMs });
  });

  it.each([
    ['2024-05-14', '2024-05-14T00:00:00.000Z'],
    ['2024-05-14T09:00', '2024-05-14T09:00:00.000Z'],
    ['2024-05-14 09:00:30', '2024-05-14T09:00:30.000Z'],
    ['2024-05-14T09:00:00.5Z', '2024-05-14T09:00:00.500Z'],
    ['2024-05-14T11:00:00+02:00', '2024-05-14T09:00:00.000Z'],
    ['2024-05-14T04:00-0500', '2024-05-14T09:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('%s is a start time (UTC unless it says otherwise)', (text, time) => {
    expect(parseSince(text, NOW)).toEqual({ time });
  });

  it.each([
    ['7', /takes a duration such as 7d/],
    ['7 days', /takes a duration/],
    ['0d', /longer than zero/],
    ['--3d', /takes a duration/],
    ['-7d', /^--since -7d: a duration takes no sign; it always counts back \(--since 7d\)\.$/],
    ['-1h', /no sign.*--since 1h/],
    ['+1h', /no sign/],
    ['yesterday', /takes a duration/],
    ['2023-02-29', /not a valid date/],
    ['2024-13-01', /not a valid date/],
    ['2024-05-15', /is in the future/],
    ['', /takes a duration/],
  ])('refuses %j in one line', (text, says) => {
    let error: unknown;
    try {
      parseSince(text, NOW);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(says);
    expect((error as UsageError).message).not.toContain('\n');
  });
});

describe('windowStart and describeSince', () => {
  it('measures a duration back from the newest line, a time as given', () => {
    expect(windowStart({ durationMs: 86_400_000 }, '2019-03-04T10:00:00.000Z')).toBe('2019-03-03T10:00:00.000Z');
    expect(windowStart({ durationMs: 86_400_000 }, null)).toBeNull();
    expect(windowStart({ time: '2024-05-01T00:00:00.000Z' }, '2019-03-04T10:00:00.000Z')).toBe('2024-05-01T00:00:00.000Z');
    expect(windowStart(undefined, '2019-03-04T10:00:00.000Z')).toBeNull();
  });

  it('says the window in words', () => {
    expect(describeSince({ durationMs: 7 * 86_400_000 })).toBe('the last 7 days');
    expect(describeSince({ durationMs: 3_600_000 })).toBe('the last 1 hour');
    expect(describeSince({ durationMs: 90 * 60_000 })).toBe('the last 90 minutes');
    expect(describeSince({ durationMs: 86_400_000 })).toBe('the last 24 hours');
    expect(describeSince({ all: true })).toBe('all lines');
    expect(describeSince({ time: '2024-05-01T00:00:00.000Z' })).toBe('since 2024-05-01T00:00:00.000Z');
  });
});
