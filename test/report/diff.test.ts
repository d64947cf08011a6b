import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/remedy/schema.js';
import { changeLines, compactLine } from '../../src/report/diff.js';
import { painter } from '../../src/report/style.js';

const dvs = { name: 'DVS-North', moref: 'dvs-21', type: 'VmwareDistributedVirtualSwitch', uuid: '50 f4 ad 1a' };
const base = { strategy: 'dedicated-portgroup', findings: ['f1'], fingerprint: 'x', vms: ['fw01'] } as const;

const create: Change = {
  ...base, id: 'c1', action: 'CreateDVPortgroup',
  target: { type: 'DistributedVirtualPortgroup', dvs, portgroup: { name: 'DPG-Apps-macchg', moref: '', key: '' } },
  path: 'vc / DC / DVS-North / DPG-Apps-macchg', field: 'portgroup', from: 'absent', to: 'a copy of "DPG-Apps" with MAC changes accept',
  before: null,
  after: {
    name: 'DPG-Apps-macchg', numPorts: 8, type: 'earlyBinding',
    defaultPortConfig: {
      vlan: { inherited: false, vlanId: 80 },
      uplinkTeamingPolicy: { inherited: true, policy: { inherited: true, value: 'loadbalance_srcid' }, notifySwitches: { inherited: true, value: true } },
      macManagementPolicy: { inherited: false, allowPromiscuous: false, macChanges: true, forgedTransmits: false, macLearningPolicy: { inherited: true, enabled: false } },
    },
  },
  dependsOn: [],
} as unknown as Change;

describe('what a person reads before confirming', () => {
  it('a new dvPortgroup: one line per setting of its own, the inherited ones counted', () => {
    const lines = changeLines(create);
    expect(lines).toContain('    + name: DPG-Apps-macchg');
    expect(lines).toContain('    + defaultPortConfig.vlan.vlanId: 80');
    expect(lines).toContain('    + defaultPortConfig.macManagementPolicy.macChanges: true');
    expect(lines.some((l) => l.includes('uplinkTeamingPolicy') || l.includes('macLearningPolicy'))).toBe(false);
    expect(lines).toContain('    (7 inherited settings copied as they are)');
    expect(lines.every((l) => l.length < 120)).toBe(true);
  });

  it('a NIC moving to a portgroup the plan creates says where its key comes from', () => {
    const move = {
      ...base, id: 'c2', action: 'EditNic', target: { type: 'VirtualEthernetCard', vm: { name: 'fw01', moref: 'vm-9' }, nicKey: 4000, label: 'Network adapter 1' },
      path: 'vc / DC / esx / fw01 / Network adapter 1', field: 'backing', from: 'portgroup "DPG-Apps"', to: 'portgroup "DPG-Apps-macchg"',
      before: { key: 4000, backing: { port: { switchUuid: '50 f4 ad 1a', portgroupKey: 'dvportgroup-29', portKey: '0' } } },
      after: { key: 4000, backing: { port: { switchUuid: '50 f4 ad 1a', portgroupKey: '' } } },
      dependsOn: ['c1'],
    } as unknown as Change;
    const lines = changeLines(move);
    expect(lines).toContain('    - backing.port.portgroupKey: dvportgroup-29');
    expect(lines).toContain("    + backing.port.portgroupKey: (the new portgroup's, once created)");
    // vCenter gives the moved NIC a port of the new portgroup: not sending one is not a loss.
    expect(lines).toContain('    + backing.port.portKey: (not sent: vCenter sets it for the new portgroup)');
  });
});

describe('a dvPortgroup policy that stops being inherited', () => {
  const reconfigure = {
    ...base, id: 'c3', action: 'ReconfigureDVPortgroup', strategy: 'portgroup-accept',
    target: { type: 'DistributedVirtualPortgroup', dvs, portgroup: { name: 'DPG-Apps', moref: 'dvportgroup-29', key: 'dvportgroup-29' } },
    path: 'vc / DC / DVS-North / DPG-Apps', field: 'defaultPortConfig.macManagementPolicy',
    from: 'inherited: MAC changes reject', to: 'set here: MAC changes accept',
    before: { defaultPortConfig: { macManagementPolicy: { inherited: true, allowPromiscuous: false, macChanges: false, forgedTransmits: false } } },
    after: { defaultPortConfig: { macManagementPolicy: { inherited: false, allowPromiscuous: false, macChanges: true, forgedTransmits: false } } },
    dependsOn: [],
  } as unknown as Change;

  it('says which other settings become set on the dvPortgroup, with their values', () => {
    const lines = changeLines(reconfigure);
    expect(lines).toContain('    + defaultPortConfig.macManagementPolicy.macChanges: true');
    expect(lines.find((l) => l.includes('rather than inherited'))).toMatch(/allowPromiscuous false, forgedTransmits false$/);
    expect(lines.some((l) => /other fields? of the policy sent unchanged/.test(l))).toBe(false);
  });

  it('reads as one line to decide on, red and green only where colour is allowed', () => {
    expect(compactLine(reconfigure, painter(false))).toBe('c3  dvPortgroup DPG-Apps: macManagementPolicy inherited: MAC changes reject → set here: MAC changes accept');
    expect(compactLine(create, painter(false))).toBe('c1  dvPortgroup DPG-Apps-macchg: new, a copy of "DPG-Apps" with MAC changes accept');
    const coloured = compactLine(reconfigure, painter(true));
    expect(coloured).toContain('\x1b[31minherited: MAC changes reject\x1b[39m');
    expect(coloured).toContain('\x1b[32mset here: MAC changes accept\x1b[39m');
  });
});
