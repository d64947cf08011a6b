// MACs as vSphere, guests and logs write them, in the one form vmfix compares.
import { describe, expect, it } from 'vitest';
import { normalizeMac } from '../../src/inventory/model.js';

describe('normalizeMac', () => {
  it('keeps the usual form and brings the others to it', () => {
    expect(normalizeMac('00:50:56:8a:01:02')).toBe('00:50:56:8a:01:02');
    expect(normalizeMac('00:50:56:8A:01:02')).toBe('00:50:56:8a:01:02');
    expect(normalizeMac('02-00-5E-10-00-01')).toBe('02:00:5e:10:00:01');
    expect(normalizeMac('0200.5e10.0001')).toBe('02:00:5e:10:00:01');
    expect(normalizeMac('02005e100001')).toBe('02:00:5e:10:00:01');
  });

  it('is null for what is not a 6-byte MAC', () => {
    for (const text of ['', '00:50:56:8a:01', '00:50:56:8a:01:02:03', '00:50:56:8g:01:02', 'not a mac', null, undefined]) {
      expect(normalizeMac(text), String(text)).toBeNull();
    }
  });
});
