// What watch reports between two verdicts: by NIC (at risk -> blocked is
// one change), at once for blocked and at-risk NICs, and an unneeded Accept
// only once it has held for 10 s (a fix in progress passes through one).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verdictOf, type WatchChange } from '../../src/audit/changes.js';
import type { Finding } from '../../src/audit/finding.js';
import { ChangeReporter } from '../../src/workflow/watch/reporter.js';

function finding(id: string, kind: Finding['kind'], severity: Finding['severity'], nic?: { vm: string; key: number }): Finding {
  return {
    id, kind, severity, summary: id,
    vm: nic ? { name: nic.vm, moref: nic.vm, powerState: 'poweredOn' } : null,
    nic: nic ? { label: 'Network adapter 1', key: nic.key, configuredMac: null, addressType: 'assigned', guestMac: null } : null,
    host: null, datacenter: null, cluster: null, switch: null, portgroup: null,
    policy: { macChanges: 'reject', source: null }, evidence: [], remedies: [],
  };
}

const atRisk = finding('r1', 'mac-change-at-risk', 'warning', { vm: 'vm-1', key: 4000 });
const blocked = finding('b1', 'mac-change-blocked', 'critical', { vm: 'vm-1', key: 4000 });
const accept = finding('u1', 'mac-accept-unneeded', 'info');

describe('ChangeReporter', () => {
  let seen: WatchChange[];
  let reporter: ChangeReporter;
  beforeEach(() => {
    vi.useFakeTimers();
    seen = [];
    reporter = new ChangeReporter((c) => seen.push(c), (recheck) => recheck());
    reporter.start(verdictOf([]));
  });
  afterEach(() => vi.useRealTimers());

  it('a NIC at risk, then blocked, then fine: new, changed (with what it was), resolved', () => {
    reporter.publish(verdictOf([atRisk]));
    reporter.publish(verdictOf([blocked]));
    reporter.publish(verdictOf([blocked]));
    reporter.publish(verdictOf([]));
    expect(seen.map((c) => [c.type, c.finding.id, c.previous?.kind])).toEqual([
      ['new', 'r1', undefined], ['changed', 'b1', 'mac-change-at-risk'], ['resolved', 'b1', undefined],
    ]);
  });

  it('an unneeded Accept that goes within 10 s is never reported; one that holds is, once', () => {
    reporter.publish(verdictOf([accept]));
    vi.advanceTimersByTime(4000);
    reporter.publish(verdictOf([]));
    vi.advanceTimersByTime(10_000);
    expect(seen).toEqual([]);

    reporter.publish(verdictOf([accept]));
    vi.advanceTimersByTime(9000);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1000);
    reporter.publish(verdictOf([accept]));
    expect(seen.map((c) => [c.type, c.finding.id])).toEqual([['new', 'u1']]);
  });
});
