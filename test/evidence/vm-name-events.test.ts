// Reading vCenter's VM removals and renames: one collector filtered by
// eventTypeId over the window and no entity (a removed VM is in no folder),
// destroyed after; a refusal is a note, never a stop, and leaves the events unread.
import { describe, expect, it } from 'vitest';
import { gatherVmNameEvents } from '../../src/evidence/vm-name-events.js';
import type { VimClient } from '../../src/vsphere/client.js';
import { SoapFault } from '../../src/vsphere/faults.js';

const SINCE = '2026-11-26T09:00:00.000Z';
const vm = (name: string, value: string) => ({ name, vm: { type: 'VirtualMachine', value } });

function client(answer: (method: string, args: Record<string, unknown>) => unknown, apiType = 'VirtualCenter') {
  const calls: { method: string; args: Record<string, unknown> }[] = [];
  const stub = {
    serviceContent: { eventManager: { type: 'EventManager', value: 'EventManager' }, about: { apiType } },
    read: async (method: string, args: Record<string, unknown>) => {
      calls.push({ method, args });
      return answer(method, args);
    },
  };
  return { client: stub as unknown as VimClient, calls };
}

describe('gatherVmNameEvents', () => {
  it('reads removals and renames since the window began, with no entity, and destroys its collector', async () => {
    let pages = 0;
    const { client: c, calls } = client((method) => {
      if (method === 'CreateCollectorForEvents') return { type: 'EventHistoryCollector', value: 'session[1]c1' };
      if (method === 'ReadNextEvents') {
        return pages++ ? [] : [
          { _typeName: 'VmRemovedEvent', key: 11, createdTime: '2026-12-01T10:00:00Z', vm: vm('web09', 'vm-9') },
          { _typeName: 'VmRenamedEvent', key: 12, createdTime: '2026-12-01T11:00:00Z', vm: vm('app10', 'vm-42'), oldName: 'app09', newName: 'app10' },
          { _typeName: 'VmAutoRenameEvent', key: 13, createdTime: '2026-12-01T12:00:00Z', vm: vm('db (1)', 'vm-50'), oldName: 'db', newName: 'db (1)' },
        ];
      }
      return undefined;
    });
    const read = await gatherVmNameEvents(c, SINCE);
    expect(read).toEqual({
      vmNameEvents: [
        { key: 11, type: 'VmRemovedEvent', time: '2026-12-01T10:00:00.000Z', vm: 'vm-9', name: 'web09' },
        { key: 12, type: 'VmRenamedEvent', time: '2026-12-01T11:00:00.000Z', vm: 'vm-42', oldName: 'app09', newName: 'app10' },
        { key: 13, type: 'VmAutoRenameEvent', time: '2026-12-01T12:00:00.000Z', vm: 'vm-50', oldName: 'db', newName: 'db (1)' },
      ],
      problems: [],
    });
    const filter = calls.find((call) => call.method === 'CreateCollectorForEvents')!.args.filter as Record<string, unknown>;
    expect(filter).toEqual({ _typeName: 'EventFilterSpec', time: { beginTime: SINCE }, eventTypeId: ['VmRemovedEvent', 'VmRenamedEvent', 'VmAutoRenameEvent'] });
    expect(calls.at(-1)!.method).toBe('DestroyCollector');
  });

  it('while every name a line gives is a VM\'s now, asks for renames only (removals are many where VMs come and go)', async () => {
    const { client: c, calls } = client((method) => (method === 'CreateCollectorForEvents' ? { type: 'EventHistoryCollector', value: 'session[1]c2' } : method === 'ReadNextEvents' ? [] : undefined));
    expect(await gatherVmNameEvents(c, SINCE, false)).toEqual({ vmNameEvents: [], problems: [] });
    const filter = calls.find((call) => call.method === 'CreateCollectorForEvents')!.args.filter as Record<string, unknown>;
    expect(filter.eventTypeId).toEqual(['VmRenamedEvent', 'VmAutoRenameEvent']);
  });

  it('a refusal leaves the events unread and is a problem: the line may be about a VM this user cannot see', async () => {
    const { client: c } = client(() => {
      throw new SoapFault('NoPermission', 'Permission to perform this operation was denied.', { privilegeId: 'System.View' });
    });
    expect(await gatherVmNameEvents(c, SINCE)).toEqual({
      problems: ['vCenter\'s VM removal and rename events could not be read (NoPermission (needs System.View)): a vmkernel line naming a VM this inventory does not have (see the notes) may be about a VM deleted or renamed since, or about one this vCenter user cannot see, blocked; vmfix cannot tell which: check with an account that sees every VM and its events.'],
    });
  });

  it('a refusal while every name a line gives is a VM\'s now is no problem: those names are taken as they are now', async () => {
    const { client: c } = client(() => {
      throw new SoapFault('NoPermission', 'Permission to perform this operation was denied.', { privilegeId: 'System.View' });
    });
    expect(await gatherVmNameEvents(c, SINCE, false)).toEqual({ problems: [] });
  });

  it('a standalone host is not asked: only vCenter keeps these events; a line naming a VM it lacks is then a problem', async () => {
    const { client: c, calls } = client(() => [], 'HostAgent');
    expect(await gatherVmNameEvents(c, SINCE)).toEqual({ problems: [expect.stringMatching(/^A standalone ESXi host keeps no VM removal and rename events that vmfix reads/)] });
    expect(await gatherVmNameEvents(c, SINCE, false)).toEqual({ problems: [] });
    expect(calls).toEqual([]);
  });
});
