// nicsMoved(): a plan's policy change is for the NICs of its findings, where the
// audit found them. Opened after they left (another portgroup, a host outside the
// cluster the plan changes, a VM deleted), it fixes nothing and widens the policy
// for the VMs still there, while each object's own drift check passes.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/audit/finding.js';
import type { MacHolder } from '../../src/audit/remedies.js';
import { macsTaken, nicsMoved, type VmPlace } from '../../src/remedy/premise.js';
import type { Change, Target } from '../../src/remedy/schema.js';
import type { VirtualEthernetCard } from '../../src/vsphere/types.js';

const host = (n: number) => ({ name: `esx-a${n}`, moref: `host-${n}`, networkSystem: { type: 'HostNetworkSystem', value: `ns-${n}` } });

function finding(id: string, vm: string, portgroup: string, onHost = 1): Finding {
  return {
    id, vm: { name: vm, moref: `vm-${vm}`, powerState: 'poweredOn' }, nic: { label: 'Network adapter 1', key: 4000 },
    host: { name: `esx-a${onHost}`, moref: `host-${onHost}` }, portgroup: { name: portgroup, moref: null, portKey: null },
  } as unknown as Finding;
}

function change(id: string, findings: string[], target: Target, action: Change['action'] = 'UpdatePortGroup'): Change {
  return {
    id, action, strategy: 'portgroup-accept', findings, target, path: id, field: 'policy.security.macChanges', from: 'inherit', to: 'accept',
    before: {}, after: {}, fingerprint: '0'.repeat(64), vms: [], dependsOn: [],
  };
}

const standardNic = (deviceName: string): VirtualEthernetCard => ({ _typeName: 'VirtualVmxnet3', key: 4000, backing: { _typeName: 'VirtualEthernetCardNetworkBackingInfo', deviceName } }) as VirtualEthernetCard;
const dvNic = (portgroupKey: string): VirtualEthernetCard =>
  ({ _typeName: 'VirtualVmxnet3', key: 4000, backing: { _typeName: 'VirtualEthernetCardDistributedVirtualPortBackingInfo', port: { switchUuid: 'uuid-1', portgroupKey } } }) as VirtualEthernetCard;
const at = (n: number, device: VirtualEthernetCard): VmPlace => ({ host: { moref: `host-${n}`, name: `esx-a${n}` }, devices: [device] });

describe('nicsMoved', () => {
  const f = finding('f1', 'web01', 'NLB-Front');
  const onCluster = [1, 2, 3].map((n) => change(`c${n}`, ['f1'], { type: 'HostPortGroup', host: host(n), portgroup: 'NLB-Front' }));

  it('passes a NIC still on its portgroup, on any host the plan changes (DRS moved it within the cluster)', () => {
    expect(nicsMoved([f], onCluster, new Map([['vm-web01', at(1, standardNic('NLB-Front'))]]))).toEqual([]);
    expect(nicsMoved([f], onCluster, new Map([['vm-web01', at(3, standardNic('NLB-Front'))]]))).toEqual([]);
  });

  it('names a VM moved to a host whose portgroup the plan does not change', () => {
    expect(nicsMoved([f], onCluster, new Map([['vm-web01', at(9, standardNic('NLB-Front'))]]))).toEqual([
      'web01 Network adapter 1, which c1, c2, c3 are for: the VM runs on esx-a9 now, whose "NLB-Front" this plan does not change',
    ]);
  });

  it('names a NIC moved to another portgroup, and a VM deleted', () => {
    expect(nicsMoved([f], onCluster, new Map([['vm-web01', at(1, standardNic('VM Network'))]]))).toEqual([
      'web01 Network adapter 1, which c1, c2, c3 are for: it is on "VM Network" now, not "NLB-Front"',
    ]);
    expect(nicsMoved([f], onCluster, new Map([['vm-web01', undefined]]))).toEqual(['web01 Network adapter 1, which c1, c2, c3 are for: the VM (vm-web01) no longer exists']);
  });

  it('names a NIC that left the dvPortgroup the plan reconfigures', () => {
    const dv = finding('f2', 'nested01', 'DPG-Nested');
    const target: Target = { type: 'DistributedVirtualPortgroup', dvs: { name: 'DSW', moref: 'dvs-1', type: 'VmwareDistributedVirtualSwitch', uuid: 'uuid-1' }, portgroup: { name: 'DPG-Nested', moref: 'dvportgroup-2', key: 'dvportgroup-2' } };
    const c = [change('c1', ['f2'], target, 'ReconfigureDVPortgroup')];
    expect(nicsMoved([dv], c, new Map([['vm-nested01', at(1, dvNic('dvportgroup-2'))]]))).toEqual([]);
    expect(nicsMoved([dv], c, new Map([['vm-nested01', at(1, dvNic('dvportgroup-7'))]]))).toEqual([
      'nested01 Network adapter 1, which c1 is for: it is on dvPortgroup dvportgroup-7 now, not "DPG-Nested"',
    ]);
  });

  it('asks nothing of a finding only a NIC edit is for (pin-mac, a dedicated copy): that edit checks its NIC itself', () => {
    const nicTarget: Target = { type: 'VirtualEthernetCard', vm: { name: 'web01', moref: 'vm-web01' }, nicKey: 4000, label: 'Network adapter 1' };
    expect(nicsMoved([f], [change('c1', ['f1'], nicTarget, 'EditNic')], new Map())).toEqual([]);
  });
});

describe('macsTaken', () => {
  const pin = (mac: string, addressType = 'manual'): Change => ({
    ...change('c1', ['f1'], { type: 'VirtualEthernetCard', vm: { name: 'lic01', moref: 'vm-1' }, nicKey: 4000, label: 'Network adapter 1' }, 'EditNic'),
    strategy: 'pin-mac', field: 'address', path: 'DC / lic01 / Network adapter 1', after: { key: 4000, addressType, macAddress: mac },
  });
  const owner = (mac: string, vm: string, moref: string, nicKey: number | null = 4000): MacHolder => ({ mac, vm: { name: vm, moref }, nicKey, nicLabel: nicKey === null ? null : `Network adapter ${nicKey - 3999}` });

  it('names every other VM whose NIC has, or whose guest sends from, the MAC a pin sets', () => {
    const owners = [owner('00:50:56:3a:77:19', 'lic01', 'vm-1'), owner('00:50:56:3a:77:19', 'jump01', 'vm-2'), owner('00:50:56:3a:77:19', 'clone01', 'vm-3', 4001)];
    expect(macsTaken([pin('00:50:56:3A:77:19')], owners)).toEqual(['c1 DC / lic01 / Network adapter 1: the MAC 00:50:56:3a:77:19 it sets is now also used by jump01 (vm-2), clone01 (vm-3)']);
  });

  it('passes a MAC only the NIC itself (or its own guest) has, and a change back to an address vCenter assigns', () => {
    expect(macsTaken([pin('00:50:56:3a:77:19')], [owner('00:50:56:3a:77:19', 'lic01', 'vm-1')])).toEqual([]);
    expect(macsTaken([pin('00:50:56:3a:77:19', 'assigned')], [owner('00:50:56:3a:77:19', 'jump01', 'vm-2')])).toEqual([]);
  });

  it('counts a guest interface tied to no NIC (a bridge, a team) as holding its MAC, but not the pinned NIC\'s own VM\'s', () => {
    expect(macsTaken([pin('02:00:00:00:00:aa')], [owner('02:00:00:00:00:aa', 'bridge01', 'vm-7', null)])).toEqual([
      'c1 DC / lic01 / Network adapter 1: the MAC 02:00:00:00:00:aa it sets is now also used by bridge01 (vm-7), on a guest interface tied to no NIC',
    ]);
    expect(macsTaken([pin('02:00:00:00:00:aa')], [owner('02:00:00:00:00:aa', 'lic01', 'vm-1', null)])).toEqual([]);
  });
});
