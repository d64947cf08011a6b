// When latestPage may have lost events: vCenter keeps the newest EVENT_PAGE
// matching events there, and numbers all its events (of every type) with one
// key, so only a full page that reaches back to no key taken says so.
import { describe, expect, it } from 'vitest';
import { EVENT_PAGE, mayHaveOverflowed } from '../../src/workflow/watch/followed.js';
import type { VimEvent } from '../../src/vsphere/events.js';

const page = (from: number, count: number, step = 1): VimEvent[] =>
  Array.from({ length: count }, (_, i) => ({ _typeName: 'VmPoweredOnEvent', key: from + i * step, createdTime: '2026-12-01T10:00:00.000Z' })).reverse();

describe('mayHaveOverflowed', () => {
  it('a full page of events all newer than the newest taken', () => {
    expect(mayHaveOverflowed(page(501, EVENT_PAGE), 500)).toBe(true);
    // Gaps in the keys are events of other types, not losses; the page being all new is what counts.
    expect(mayHaveOverflowed(page(501, EVENT_PAGE, 7), 500)).toBe(true);
  });

  it('not a page that reaches back to a key taken, nor one not full', () => {
    expect(mayHaveOverflowed(page(500, EVENT_PAGE), 500)).toBe(false);
    expect(mayHaveOverflowed(page(501, EVENT_PAGE - 1), 500)).toBe(false);
    expect(mayHaveOverflowed([], 500)).toBe(false);
  });

  it('the same page told twice in one answer is one page', () => {
    const twice = [...page(501, EVENT_PAGE / 2), ...page(501, EVENT_PAGE / 2)];
    expect(mayHaveOverflowed(twice, 500)).toBe(false);
  });
});
