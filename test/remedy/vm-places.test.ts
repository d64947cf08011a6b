// apply reads where the VMs a plan opens a policy for are now, before asking and again after the yes:
// one round trip for all the VMs (and one for their hosts), not two per VM, which on a plan for a
// few hundred VMs over a WAN link was minutes before the question and again after it.
import { describe, expect, it, vi } from 'vitest';
import { SoapFault } from '../../src/vsphere/faults.js';

const calls: string[][] = [];
const vms: Record<string, { host: string }> = { 'vm-1': { host: 'host-1' }, 'vm-2': { host: 'host-1' }, 'vm-3': { host: 'host-2' } };
const hosts: Record<string, string> = { 'host-1': 'esx01', 'host-2': 'esx02' };
vi.mock('../../src/vsphere/property.js', async (orig) => ({
  ...(await orig<typeof import('../../src/vsphere/property.js')>()),
  retrieveObjects: async (_client: unknown, refs: { type: string; value: string }[]) => {
    calls.push(refs.map((r) => r.value));
    const gone = refs.find((r) => !vms[r.value] && !hosts[r.value]);
    if (gone) throw new SoapFault('ManagedObjectNotFound', `The object ${gone.value} has already been deleted`);
    return refs.map((r) =>
      vms[r.value]
        ? { obj: r, propSet: [{ name: 'runtime.host', val: { type: 'HostSystem', value: vms[r.value]!.host } }, { name: 'config.hardware.device', val: [{ key: 4000, macAddress: '00:50:56:aa:00:01' }] }] }
        : { obj: r, propSet: [{ name: 'name', val: hosts[r.value] }] },
    );
  },
}));
const { readVmPlaces } = await import('../../src/remedy/read.js');

describe('readVmPlaces', () => {
  it('reads all the VMs in one call and their hosts in another', async () => {
    calls.length = 0;
    const places = await readVmPlaces({} as never, ['vm-1', 'vm-2', 'vm-3', 'vm-1']);
    expect(calls).toEqual([['vm-1', 'vm-2', 'vm-3'], ['host-1', 'host-2']]);
    expect([...places].map(([vm, p]) => [vm, p?.host?.name, p?.devices.length])).toEqual([['vm-1', 'esx01', 1], ['vm-2', 'esx01', 1], ['vm-3', 'esx02', 1]]);
  });

  it('still tells a deleted VM from the others', async () => {
    calls.length = 0;
    const places = await readVmPlaces({} as never, ['vm-1', 'vm-gone']);
    expect(places.get('vm-gone')).toBeUndefined();
    expect(places.has('vm-gone')).toBe(true);
    expect(places.get('vm-1')?.host).toEqual({ moref: 'host-1', name: 'esx01' });
  });
});
