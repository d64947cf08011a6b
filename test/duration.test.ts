import { describe, expect, it } from 'vitest';
import { durationMs, durationWords } from '../src/duration.js';
import { UsageError } from '../src/errors.js';

describe('durationMs', () => {
  it.each([
    ['90m', 90 * 60_000],
    [' 36H ', 36 * 3_600_000],
    ['2w', 14 * 86_400_000],
  ])('%j is a duration', (text, ms) => {
    expect(durationMs('--x', text)).toBe(ms);
  });

  it.each(['-7d', '+7d', '7', 'd', '1e3d', '7.5h', '７d', '', ' '])('%j is not one (a sign is the option\'s to read)', (text) => {
    expect(durationMs('--x', text)).toBeNull();
  });

  it('refuses zero in one line, naming the option', () => {
    expect(() => durationMs('--max-plan-age', '0h')).toThrow(new UsageError('--max-plan-age 0h: the duration must be longer than zero.'));
  });
});

describe('durationWords', () => {
  it.each([
    [90 * 60_000, '90 minutes'],
    [60_000, '1 minute'],
    [3_600_000, '1 hour'],
    [24 * 3_600_000, '24 hours'],
    [36 * 3_600_000, '36 hours'],
    [2 * 86_400_000, '2 days'],
    [14 * 86_400_000, '14 days'],
    [(49 * 60 + 30) * 60_000, '2970 minutes'],
  ])('%d ms is "%s", exactly', (ms, words) => {
    expect(durationWords(ms)).toBe(words);
  });
});
