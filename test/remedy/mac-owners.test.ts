// apply and rollback check, just before writing, that the MAC a pin-mac change sets is held by no
// other NIC. That check must count owners as the audit did when it offered the pin: the same VMs
// (no templates) and the same guest-NIC rule. Otherwise a plan the audit made is refused forever.
import { describe, expect, it, vi } from 'vitest';

const GOLD_MAC = '00:50:56:3a:77:19';
vi.mock('../../src/vsphere/property.js', async (orig) => ({
  ...(await orig<typeof import('../../src/vsphere/property.js')>()),
  retrieveAll: async () => [
    // The clone: its guest hard-codes the golden template's MAC.
    { obj: { type: 'VirtualMachine', value: 'vm-1' }, propSet: [{ name: 'name', val: 'lic01' }, { name: 'config.template', val: false }, { name: 'config.hardware.device', val: [{ key: 4000, addressType: 'assigned', macAddress: '00:50:56:aa:00:01' }] }, { name: 'guest.net', val: [{ macAddress: GOLD_MAC, deviceConfigId: 4000 }] }] },
    { obj: { type: 'VirtualMachine', value: 'vm-9' }, propSet: [{ name: 'name', val: 'gold-template' }, { name: 'config.template', val: true }, { name: 'config.hardware.device', val: [{ key: 4000, addressType: 'assigned', macAddress: GOLD_MAC }] }] },
    // A guest NIC that names a device the VM does not have: the audit counts it for no NIC, but as a MAC its guest sends from.
    { obj: { type: 'VirtualMachine', value: 'vm-5' }, propSet: [{ name: 'name', val: 'odd01' }, { name: 'config.template', val: false }, { name: 'config.hardware.device', val: [{ key: 4000, addressType: 'assigned', macAddress: '00:50:56:aa:00:05' }] }, { name: 'guest.net', val: [{ macAddress: '00:50:56:bb:00:05', deviceConfigId: 4001 }] }] },
    { obj: { type: 'VirtualMachine', value: 'vm-6' }, propSet: [{ name: 'name', val: 'web06' }, { name: 'config.template', val: false }, { name: 'config.hardware.device', val: [{ key: 4000, addressType: 'assigned', macAddress: '00:50:56:aa:00:06' }] }] },
  ],
}));
const { readMacOwners } = await import('../../src/remedy/read.js');
const { macsTaken } = await import('../../src/remedy/premise.js');

const pin = (vm: string, moref: string, mac: string) =>
  ({ id: 'c1', action: 'EditNic', field: 'address', path: `DC / ${vm} / Network adapter 1`, target: { type: 'VirtualEthernetCard', vm: { name: vm, moref }, nicKey: 4000, label: 'Network adapter 1' }, after: { key: 4000, addressType: 'manual', macAddress: mac } }) as never;

describe('the MAC owners apply and rollback check a pin against', () => {
  it('do not include a template: pinning a clone to its golden template\'s MAC is not refused', async () => {
    expect(macsTaken([pin('lic01', 'vm-1', GOLD_MAC)], await readMacOwners({} as never))).toEqual([]);
  });

  it('count a guest MAC tied to no NIC of its VM as its guest\'s, on no NIC, as the audit does', async () => {
    expect(macsTaken([pin('web06', 'vm-6', '00:50:56:bb:00:05')], await readMacOwners({} as never))).toEqual([
      'c1 DC / web06 / Network adapter 1: the MAC 00:50:56:bb:00:05 it sets is now also used by odd01 (vm-5), on a guest interface tied to no NIC',
    ]);
    expect(macsTaken([pin('odd01', 'vm-5', '00:50:56:bb:00:05')], await readMacOwners({} as never))).toEqual([]);
  });

  it('still refuse a MAC another VM\'s NIC or guest holds', async () => {
    const owners = await readMacOwners({} as never);
    expect(macsTaken([pin('web06', 'vm-6', GOLD_MAC)], owners)).toEqual([`c1 DC / web06 / Network adapter 1: the MAC ${GOLD_MAC} it sets is now also used by lic01 (vm-1)`]);
    expect(macsTaken([pin('web06', 'vm-6', '00:50:56:aa:00:05')], owners)).toEqual([`c1 DC / web06 / Network adapter 1: the MAC 00:50:56:aa:00:05 it sets is now also used by odd01 (vm-5)`]);
  });
});
