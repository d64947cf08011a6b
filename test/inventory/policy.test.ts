// Effective MAC-changes policy and where it comes from, on the shapes real
// hosts and vCenters report (absent vSwitch policy, pre-6.7 securityPolicy).
import { describe, expect, it } from 'vitest';
import { distributedPolicy, dvsLevel, macLearning, standardPolicy } from '../../src/inventory/policy.js';
import type { VMwareDVSPortSetting } from '../../src/vsphere/types.js';
import { dvPortgroup, dvSwitch, host, macPolicy, portgroup, vswitch } from '../helpers/inventory.js';

describe('standard portgroups', () => {
  it('take their own setting over the vSwitch, and say so', () => {
    const h = host('host-1', 'esx01', [vswitch('vSwitch0', false)], [portgroup('Own', 'vSwitch0', true, true)]);
    expect(standardPolicy(h, h.portgroups[0]!, 'macChanges')).toEqual({ value: true, source: 'portgroup' });
  });

  it('inherit the vSwitch setting when they have none', () => {
    const h = host('host-1', 'esx01', [vswitch('vSwitch0', false)], [portgroup('Inherits', 'vSwitch0', undefined, false)]);
    expect(standardPolicy(h, h.portgroups[0]!, 'macChanges')).toEqual({ value: false, source: 'vswitch' });
  });

  it('survive a vSwitch spec without any policy, trusting the host computed policy', () => {
    const h = host('host-1', 'esx01', [vswitch('vSwitch1', undefined)], [portgroup('Bare', 'vSwitch1', undefined, true)]);
    expect(h.vswitches[0]!.spec.policy).toBeUndefined();
    expect(standardPolicy(h, h.portgroups[0]!, 'macChanges')).toEqual({ value: true, source: 'vswitch' });
  });
});

describe('distributed ports', () => {
  const legacy = (macChanges: boolean | null): VMwareDVSPortSetting => ({
    _typeName: 'VMwareDVSPortSetting',
    securityPolicy: {
      _typeName: 'DVSSecurityPolicy',
      inherited: macChanges === null,
      macChanges: { _typeName: 'BoolPolicy', inherited: macChanges === null, ...(macChanges === null ? {} : { value: macChanges }) },
    },
  });

  it('read macManagementPolicy first, honouring its inherited flag', () => {
    expect(dvsLevel(macPolicy(true), 'macChanges')).toBe(true);
    expect(dvsLevel(macPolicy(undefined), 'macChanges')).toBeUndefined();
  });

  it('fall back to the pre-6.7 securityPolicy BoolPolicy, honouring inherited', () => {
    expect(dvsLevel(legacy(true), 'macChanges')).toBe(true);
    expect(dvsLevel(legacy(false), 'macChanges')).toBe(false);
    expect(dvsLevel(legacy(null), 'macChanges')).toBeUndefined();
  });

  it('go port override, then dvPortgroup, then DVS, and only let a port override when allowed', () => {
    const locked = dvPortgroup('dvportgroup-1', 'Locked', macPolicy(undefined), false);
    const open = dvPortgroup('dvportgroup-2', 'Open', macPolicy(false), true);
    const dvs = dvSwitch([locked, open], false);
    expect(distributedPolicy(dvs, locked, 'macChanges')).toEqual({ value: false, source: 'dvs' });
    expect(distributedPolicy(dvs, locked, 'macChanges', macPolicy(true))).toEqual({ value: false, source: 'dvs' });
    expect(distributedPolicy(dvs, open, 'macChanges')).toEqual({ value: false, source: 'dvportgroup' });
    expect(distributedPolicy(dvs, open, 'macChanges', macPolicy(true))).toEqual({ value: true, source: 'dvport' });
    // A port's own Reject is its own even where it repeats the portgroup's: it stays when the portgroup changes.
    expect(distributedPolicy(dvs, open, 'macChanges', macPolicy(false))).toEqual({ value: false, source: 'dvport' });
    // A port's own Accept that repeats the portgroup's changes nothing.
    const accepting = dvPortgroup('dvportgroup-5', 'Accepting', macPolicy(true), true);
    expect(distributedPolicy(dvs, accepting, 'macChanges', macPolicy(true))).toEqual({ value: true, source: 'dvportgroup' });
    expect(distributedPolicy(dvSwitch([locked], true), locked, 'macChanges')).toEqual({ value: true, source: 'dvs' });
  });
});

describe('the two override flags of a dvPortgroup', () => {
  const flags = (macManagementOverrideAllowed: boolean | undefined, securityPolicyOverrideAllowed: boolean) => {
    const pg = dvPortgroup('dvportgroup-3', 'Mixed', macPolicy(true));
    const policy = { _typeName: 'VMwareDVSPortgroupPolicy', securityPolicyOverrideAllowed, ...(macManagementOverrideAllowed === undefined ? {} : { macManagementOverrideAllowed }) };
    return { ...pg, config: { ...pg.config, policy } };
  };

  it('a pre-6.7 vCenter has securityPolicyOverrideAllowed alone: it decides', () => {
    const dvs = dvSwitch([], false);
    expect(distributedPolicy(dvs, flags(undefined, true), 'macChanges', macPolicy(false))).toEqual({ value: false, source: 'dvport' });
    expect(distributedPolicy(dvs, flags(undefined, false), 'macChanges', macPolicy(false))).toEqual({ value: true, source: 'dvportgroup' });
  });

  it('where they disagree, a port\'s own Reject counts (it may be in force) and its own Accept does not (it may not be)', () => {
    const dvs = dvSwitch([], false);
    for (const pg of [flags(false, true), flags(true, false)]) {
      // The portgroup says Accept; the port's Reject may still hold: never report the all-clear.
      expect(distributedPolicy(dvs, pg, 'macChanges', macPolicy(false))).toEqual({ value: false, source: 'dvport' });
      const locked = { ...pg, config: { ...pg.config, defaultPortConfig: macPolicy(false) } };
      expect(distributedPolicy(dvs, locked, 'macChanges', macPolicy(true))).toEqual({ value: false, source: 'dvportgroup' });
    }
  });

  it('a port\'s own Reject that repeats what it inherits from the DVS is still its own (portgroup-accept would not reach it)', () => {
    const inherits = dvPortgroup('dvportgroup-4', 'Inherits', macPolicy(undefined), true);
    expect(distributedPolicy(dvSwitch([inherits], false), inherits, 'macChanges', macPolicy(false))).toEqual({ value: false, source: 'dvport' });
    expect(distributedPolicy(dvSwitch([inherits], false), inherits, 'macChanges', macPolicy(undefined))).toEqual({ value: false, source: 'dvs' });
  });
});

describe('MAC learning on a dvPort', () => {
  // macLearningPolicy is an InheritablePolicy inside macManagementPolicy: it has its own inherited flag.
  const learning = (macChanges: boolean | undefined, enabled: boolean | null): VMwareDVSPortSetting => {
    const setting = macPolicy(macChanges);
    const policy = { _typeName: 'DVSMacLearningPolicy', inherited: enabled === null, ...(enabled === null ? {} : { enabled }) };
    return { ...setting, macManagementPolicy: { ...setting.macManagementPolicy!, macLearningPolicy: policy } } as VMwareDVSPortSetting;
  };

  it('comes from the dvPortgroup to a port that overrides only MAC changes, and from the port where the port sets it and may', () => {
    const open = dvPortgroup('dvportgroup-1', 'Nested', learning(false, true), true);
    const locked = dvPortgroup('dvportgroup-2', 'Locked', learning(false, true), false);
    const dvs = dvSwitch([open, locked], false);
    expect(macLearning(dvs, open)).toBe(true);
    expect(macLearning(dvs, open, learning(false, null))).toBe(true);
    expect(macLearning(dvs, open, learning(false, false))).toBe(false);
    // Where overrides are not allowed, the port's own value is not in force.
    expect(macLearning(dvs, locked, learning(false, false))).toBe(true);
  });
});
