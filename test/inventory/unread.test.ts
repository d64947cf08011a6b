// What vCenter did not show is said, per kind of gap, for what is in scope.
import { describe, expect, it } from 'vitest';
import { InventoryParts } from '../../src/inventory/fetch.js';
import { LiveInventory } from '../../src/inventory/live.js';
import { unreadWarnings, unseenNetworkWarnings } from '../../src/inventory/unread.js';
import { dvPortgroup, dvSwitch, host, inventory, macPolicy, nic, onDvPortgroup, onStandard, portgroup, vm, vswitch } from '../helpers/inventory.js';

const esx01 = host('host-1', 'esx01', [vswitch('vSwitch0', false)], [portgroup('PG', 'vSwitch0', undefined, false)]);
const web = (moref: string, name: string, extra = {}) => vm(moref, name, 'host-1', [nic(4000, '00:50:56:a1:00:01', onStandard('PG'))], [], extra);

describe('unreadWarnings', () => {
  it('nothing missing: nothing said', () => {
    expect(unreadWarnings(inventory([esx01], [web('vm-1', 'web01')]))).toEqual([]);
  });

  it('VMs without configuration, by state; properties refused, grouped by fault and paths, each naming its objects', () => {
    const inv = {
      ...inventory([esx01], [web('vm-1', 'a', { connectionState: 'orphaned' }), web('vm-2', 'b', { connectionState: 'orphaned' }), web('vm-3', 'c', { nics: [] }), web('vm-4', 'd', { nics: [] })]),
      unread: [
        { moref: 'vm-1', type: 'VirtualMachine', name: 'a', paths: ['config.hardware.device'], fault: 'NoPermission' },
        { moref: 'vm-3', type: 'VirtualMachine', name: 'c', paths: ['config.hardware.device'], fault: 'NoPermission' },
        { moref: 'vm-4', type: 'VirtualMachine', name: 'd', paths: ['config.hardware.device'], fault: 'NoPermission' },
        { moref: 'host-1', type: 'HostSystem', name: 'esx01', paths: ['config.network.portgroup'], fault: 'NoPermission' },
        { moref: 'vm-9', type: 'VirtualMachine', name: 'out-of-scope', paths: ['guest.net'], fault: 'NoPermission' },
      ],
    };
    expect(unreadWarnings(inv)).toEqual([
      'vCenter shows a (vm-1), b (vm-2) as orphaned, with no configuration to read: their NICs were not judged.',
      'vCenter answered NoPermission for config.hardware.device of VM c (vm-3), d (vm-4): NICs, guest MACs and power state there were not judged; give vmfix\'s user System.Read there (a read-only role propagated to children) and audit again.',
      'vCenter answered NoPermission for config.network.portgroup of host esx01 (host-1): vSwitches, portgroups and the NICs on them there were not judged; give vmfix\'s user System.Read there (a read-only role propagated to children) and audit again.',
    ]);
  });
});

describe('InventoryParts with a missingSet', () => {
  const about = { apiType: 'VirtualCenter', apiVersion: '8.0.2.0', fullName: 'VMware vCenter Server 8.0.2' } as never;
  const refused = (path: string) => [{ path, fault: { fault: { _typeName: 'NoPermission' }, localizedMessage: 'Permission to perform this operation was denied.' } }];

  it('a dvPortgroup whose config is refused is left out and listed as unread, not a crash; a VM whose devices are refused is unread', () => {
    const parts = new InventoryParts();
    parts.add({ obj: { type: 'DistributedVirtualPortgroup', value: 'dvportgroup-9' }, propSet: [{ name: 'name', val: 'DPG-Secret' }], missingSet: refused('config') });
    parts.add({ obj: { type: 'VirtualMachine', value: 'vm-7' }, propSet: [{ name: 'name', val: 'hidden01' }, { name: 'runtime.powerState', val: 'poweredOn' }], missingSet: refused('config.hardware.device') });
    const inv = parts.inventory(about, 'vc.test');
    expect(inv.vms.map((v) => [v.name, v.nics.length])).toEqual([['hidden01', 0]]);
    expect(inv.unread).toEqual([
      { moref: 'dvportgroup-9', type: 'DistributedVirtualPortgroup', name: 'DPG-Secret', paths: ['config'], fault: 'NoPermission' },
      { moref: 'vm-7', type: 'VirtualMachine', name: 'hidden01', paths: ['config.hardware.device'], fault: 'NoPermission' },
    ]);
    // Read again whole (the role was fixed), it is unread no longer.
    parts.add({ obj: { type: 'VirtualMachine', value: 'vm-7' }, propSet: [{ name: 'name', val: 'hidden01' }] });
    expect(parts.inventory(about, 'vc.test').unread!.map((u) => u.moref)).toEqual(['dvportgroup-9']);
  });
});

describe('LiveInventory (watch) with a missingSet', () => {
  it('keeps what an update says vCenter refused, until the object comes whole', () => {
    const live = new LiveInventory({ apiType: 'VirtualCenter', apiVersion: '8.0.2.0', fullName: 'VMware vCenter Server 8.0.2' } as never, 'vc.test');
    const obj = { type: 'VirtualMachine', value: 'vm-7' };
    const missingSet = [{ path: 'config.hardware.device', fault: { fault: { _typeName: 'NoPermission' } } }];
    live.apply([{ kind: 'enter', obj, changeSet: [{ name: 'name', op: 'assign', val: 'hidden01' }], missingSet }], true);
    expect(live.inventory().unread!.map((u) => [u.name, u.paths, u.fault])).toEqual([['hidden01', ['config.hardware.device'], 'NoPermission']]);
    live.apply([{ kind: 'modify', obj, changeSet: [{ name: 'runtime.powerState', op: 'assign', val: 'poweredOn' }] }], false);
    expect(live.inventory().unread!.map((u) => u.name)).toEqual(['hidden01']);
    // The role fixed, vCenter sends the path's value: no longer missing.
    live.apply([{ kind: 'modify', obj, changeSet: [{ name: 'config.hardware.device', op: 'assign', val: [] }] }], false);
    expect(live.inventory().unread).toEqual([]);
  });
});

describe('unseenNetworkWarnings: NICs on a distributed switch or dvPortgroup not shown', () => {
  const dvs = dvSwitch([dvPortgroup('dvportgroup-10', 'DPG-Web', macPolicy(undefined))]);
  const on = (moref: string, name: string, key: string) => vm(moref, name, 'host-1', [nic(4000, '00:50:56:a1:00:01', onStandard('PG')), nic(4001, '00:50:56:a1:00:02', onDvPortgroup(key))]);

  it('every portgroup shown: nothing said', () => {
    const inv = inventory([esx01], [on('vm-1', 'web01', 'dvportgroup-10')], [dvs]);
    expect(unseenNetworkWarnings(inv, inv)).toEqual([]);
  });

  it('a dvPortgroup of a shown switch not shown: one warning for its NICs, more than five counted', () => {
    const vms = Array.from({ length: 6 }, (_, i) => on(`vm-${i + 1}`, `nlb0${i + 1}`, 'dvportgroup-77'));
    const inv = inventory([esx01], vms, [dvs]);
    expect(unseenNetworkWarnings(inv, inv)).toEqual([
      "6 NICs (nlb01 (vm-1) Network adapter 2, nlb02 (vm-2) Network adapter 2, nlb03 (vm-3) Network adapter 2, nlb04 (vm-4) Network adapter 2, nlb05 (vm-5) Network adapter 2, …) are on a dvPortgroup of DSwitch01 this user is not shown (key dvportgroup-77): the MAC policy there and the state of their dvPorts were not read, so those NICs were judged on guest MACs and vmkernel lines alone; give vmfix's user System.Read on the distributed switch and its portgroups (a read-only role propagated from the network folder) and audit again.",
    ]);
  });

  it('a dvPortgroup shown without its config is left to unreadWarnings', () => {
    const inv = { ...inventory([esx01], [on('vm-1', 'web01', 'dvportgroup-77')], [dvs]), unread: [{ moref: 'dvportgroup-77', type: 'DistributedVirtualPortgroup', name: 'DPG-Db', paths: ['config'], fault: 'NoPermission' }] };
    expect(unseenNetworkWarnings(inv, inv)).toEqual([]);
  });

  it('a standalone host, which shows no distributed switch: said, with vCenter as the way to read it', () => {
    const inv = { ...inventory([esx01], [on('vm-1', 'web01', 'dvportgroup-10')]), endpoint: { host: 'esx01', apiType: 'HostAgent', apiVersion: '8.0.2.0', fullName: 'VMware ESXi 8.0.2' } };
    expect(unseenNetworkWarnings(inv, inv)).toEqual([
      'web01 (vm-1) Network adapter 2 is on a distributed switch which only vCenter shows (uuid 50 11 22 33): the MAC policy there and the state of its dvPort were not read, so that NIC was judged on guest MACs and vmkernel lines alone; audit through the vCenter that manages this host.',
    ]);
  });

  it('the switch is looked for in what the user is shown, not in the scope', () => {
    const whole = inventory([esx01], [on('vm-1', 'web01', 'dvportgroup-10')], [dvs]);
    expect(unseenNetworkWarnings(whole, { ...whole, dvSwitches: [] })).toEqual([]);
  });
});
