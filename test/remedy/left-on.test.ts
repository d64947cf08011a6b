// leftOn(): what a removal would still find on a dvPortgroup after the changes
// before it (a rollback's NIC moves). Per NIC: a VM with two NICs on the
// dedicated dvPortgroup, of which the rollback moves one back, still holds it.
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/remedy/schema.js';
import { leftOn } from '../../src/remedy/write.js';

const dvs = { name: 'DSW', moref: 'dvs-1', type: 'VmwareDistributedVirtualSwitch', uuid: 'u' };
const base = { strategy: 'dedicated-portgroup' as const, findings: ['f1'], from: 'a', to: 'b', fingerprint: '0'.repeat(64), vms: [], dependsOn: [] };

const destroy: Change = {
  ...base, id: 'c3', action: 'DestroyDVPortgroup', path: 'DC / DSW / DPG-Web-macchg', field: 'config', before: {}, after: null,
  target: { type: 'DistributedVirtualPortgroup', dvs, portgroup: { name: 'DPG-Web-macchg', moref: 'dvportgroup-9', key: 'dvportgroup-9' } },
};

function moveBack(nicKey: number): Change {
  return {
    ...base, id: `c${nicKey}`, action: 'EditNic', path: `web01 / NIC ${nicKey}`, field: 'backing',
    target: { type: 'VirtualEthernetCard', vm: { name: 'web01', moref: 'vm-1' }, nicKey, label: `Network adapter ${nicKey - 3999}` },
    before: { key: nicKey, backing: { port: { portgroupKey: 'dvportgroup-9' } } }, after: {},
  };
}

const onIt = {
  spec: {}, ref: { moref: 'dvportgroup-9', key: 'dvportgroup-9' },
  connected: [
    { id: 'vm-1/4000', label: 'the VM web01 (vm-1), Network adapter 1' },
    { id: 'vm-1/4001', label: 'the VM web01 (vm-1), Network adapter 2' },
  ],
};

describe('leftOn, a dvPortgroup', () => {
  it('still finds the second NIC of a VM whose first NIC the changes before it move off', () => {
    expect(leftOn(destroy, [moveBack(4000)], onIt)).toEqual(['the VM web01 (vm-1), Network adapter 2']);
  });

  it('finds nothing once both NICs move off', () => {
    expect(leftOn(destroy, [moveBack(4000), moveBack(4001)], onIt)).toEqual([]);
  });
});
