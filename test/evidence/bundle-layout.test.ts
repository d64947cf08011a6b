import { describe, expect, it } from 'vitest';

import { bundleOfMember, bundleRoot, byContentRule, isNetStatsListing, isVcenterOwnBundle, vcenterMemberHost, vmkernelLogName } from '../../src/evidence/bundle-layout.js';

describe('bundle names', () => {
  it.each([
    ['esx-esx01.lab.local-2024-05-14--09.12-2101234', 'esx01.lab.local', '2024-05-14T09:12:00.000Z'],
    ['esx-esxi-dell-m.rainpole.com-2021-03-08--14.49-17885597', 'esxi-dell-m.rainpole.com', '2021-03-08T14:49:00.000Z'],
    ['esx-localhost6-2026-01-12--13.56-2107676.tar.gz', 'localhost6', '2026-01-12T13:56:00.000Z'],
    ['esx-10.0.0.12-2024-05-14--09.12-4711.tgz', '10.0.0.12', '2024-05-14T09:12:00.000Z'],
    ['esx-esx01-2024-05-14', 'esx01', '2024-05-14T23:59:00.000Z'],
  ])('%s is the bundle of %s, collected %s', (name, hostName, collected) => {
    expect(bundleRoot(name)).toEqual({ hostName, collected: Date.parse(collected) });
  });

  it.each(['esx01', 'esxi-2024-05-14', 'VMware-vCenter-support-2024-05-14@09-12-40', 'esx-.tgz'])('%s is no bundle', (name) => {
    expect(bundleRoot(name)).toBeNull();
  });

  it('finds the innermost bundle directory of a member', () => {
    expect(bundleOfMember('esx-esx01-2024-05-14--09.12-1/var/run/log/vmkernel.log')).toEqual({
      path: 'esx-esx01-2024-05-14--09.12-1',
      root: { hostName: 'esx01', collected: Date.parse('2024-05-14T09:12:00Z') },
    });
    expect(bundleOfMember('cases/esx-esx02-2024-05-14--09.12-1/var/log/vmkernel')?.path).toBe('cases/esx-esx02-2024-05-14--09.12-1');
    expect(bundleOfMember('loose/vmkernel.log')).toBeNull();
  });

  it.each([
    ['esxi-dell-m.rainpole.com-vm2021-8-03@14-49-26.tgz', 'esxi-dell-m.rainpole.com'],
    ['172.16.108.52-vm2024-8-08@18-19-48.tgz', '172.16.108.52'],
    ['vmvspm0141.nm.nmfco.com-vmsupport-2016-02-23@15-05-08.tgz', 'vmvspm0141.nm.nmfco.com'],
    ['pcc-145-239-249-63.ovh.uk-vcsupport2024-9-08@12-18-52.tgz', null],
    ['random.tgz', null],
  ])("vCenter's member %s is about %s", (name, host) => {
    expect(vcenterMemberHost(name)).toBe(host);
  });

  it("tells vCenter's own bundle apart", () => {
    expect(isVcenterOwnBundle('pcc-145-239-249-63.ovh.uk-vcsupport2024-9-08@12-18-52.tgz')).toBe(true);
    expect(isVcenterOwnBundle('172.16.108.52-vm2024-8-08@18-19-48.tgz')).toBe(false);
  });
});

describe('log and listing names', () => {
  it.each([
    ['var/run/log/vmkernel.log', { file: 'var/run/log/vmkernel.log', family: 'var/run/log/vmkernel', age: -1, fragment: null, warnings: false }],
    ['var/run/log/vmkernel.0.gz', { file: 'var/run/log/vmkernel.0.gz', family: 'var/run/log/vmkernel', age: 0, fragment: null, warnings: false }],
    ['var/run/log/vmkernel.12.gz', { file: 'var/run/log/vmkernel.12.gz', family: 'var/run/log/vmkernel', age: 12, fragment: null, warnings: false }],
    ['var/run/log/vmkernel.log.FRAG-00001', { file: 'var/run/log/vmkernel.log', family: 'var/run/log/vmkernel', age: -1, fragment: 1, warnings: false }],
    ['var/run/log/vmkernel.3.gz.FRAG-00000', { file: 'var/run/log/vmkernel.3.gz', family: 'var/run/log/vmkernel', age: 3, fragment: 0, warnings: false }],
    ['var/log/vmkernel', { file: 'var/log/vmkernel', family: 'var/log/vmkernel', age: -1, fragment: null, warnings: false }],
    ['var/log/vmkernel.1', { file: 'var/log/vmkernel.1', family: 'var/log/vmkernel', age: 1, fragment: null, warnings: false }],
    // What vmkernel logs as warnings or alerts, a log of its own.
    ['var/run/log/vmkwarning.log', { file: 'var/run/log/vmkwarning.log', family: 'var/run/log/vmkwarning', age: -1, fragment: null, warnings: true }],
    ['var/run/log/vmkwarning.2.gz', { file: 'var/run/log/vmkwarning.2.gz', family: 'var/run/log/vmkwarning', age: 2, fragment: null, warnings: true }],
  ])('%s', (path, expected) => {
    expect(vmkernelLogName(path)).toEqual(expected);
  });

  it.each(['var/run/log/vmksummary.log', 'var/run/log/hostd.log', 'var/run/log/vmkernel.log.FRAG-1', 'vmkernel.log.bak'])('%s is not a vmkernel log', (path) => {
    expect(vmkernelLogName(path)).toBeNull();
  });

  it('knows net-stats -l as vm-support saves it', () => {
    expect(isNetStatsListing('esx-a-2024-05-14/commands/net-stats_-l.txt')).toBe(true);
    expect(isNetStatsListing('esx-a-2024-05-14/commands/1.net-stats_-l.txt')).toBe(true);
    expect(isNetStatsListing('esx-a-2024-05-14/commands/net-stats_-A.txt')).toBe(false);
  });
});

describe('a file no name marks as vmkernel\'s (one rule for a folder given and an archive)', () => {
  it.each([
    ['remote/esx02/syslog.log', 'read'],
    ['esx03.log', 'read'],
    ['remote/esx02/hostd.log', 'other-program'],
    ['remote/esx02/vpxa.0.gz', 'other-program'],
    ['esx-esx01-2024-05-14--09.12-1234/var/run/log/syslog.log', 'nothing'],
    ['esx-esx01-2024-05-14--09.12-1234/commands/esxcfg-info_-a.txt', 'nothing'],
    ['__MACOSX/remote/esx02/._syslog.log', 'nothing'],
  ] as const)('%s: %s', (path, rule) => {
    expect(byContentRule(path)).toBe(rule);
  });
});
