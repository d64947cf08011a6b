// What vCenter did not show is said, per kind of gap, for what is in scope.
import { describe, expect, it } from 'vitest';
import { unreadWarnings } from '../../src/inventory/unread.js';
import { host, inventory, nic, onStandard, portgroup, vm, vswitch } from '../helpers/inventory.js';

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
