// Reading vCenter's dvPort events: the blocks and releases of the window,
// and the connections (a NIC taking a port) only when some port was
// blocked, from the first block on, and only for ports blocked before them.
// A link coming up is not read: it retires no block.
import { describe, expect, it } from 'vitest';
import { readDvPortEvents, portEventsThatCount } from '../../src/evidence/dvport-events.js';
import type { DvPortEvent } from '../../src/evidence/types.js';
import type { VimClient } from '../../src/vsphere/client.js';

const SINCE = '2026-11-26T09:00:00.000Z';
const dvs = { name: 'DSW', dvs: { type: 'VmwareDistributedVirtualSwitch', value: 'dvs-1' } };
const event = (type: string, key: number, time: string, portKey: string) => ({ _typeName: type, key, createdTime: time, dvs, portKey });

/** A vCenter holding `events`: each collector answers those of the types and time its filter asks for. */
function vcenter(events: ReturnType<typeof event>[]) {
  const filters: { eventTypeId: string[]; time?: { beginTime: string } }[] = [];
  const pages = new Map<string, ReturnType<typeof event>[] | null>();
  const stub = {
    serviceContent: { eventManager: { type: 'EventManager', value: 'EventManager' }, rootFolder: { type: 'Folder', value: 'group-d1' }, about: { apiType: 'VirtualCenter' } },
    read: async (method: string, args: Record<string, unknown>) => {
      if (method === 'CreateCollectorForEvents') {
        const filter = args.filter as (typeof filters)[number];
        filters.push(filter);
        const id = `c${filters.length}`;
        pages.set(id, events.filter((e) => filter.eventTypeId.includes(e._typeName) && (!filter.time || e.createdTime >= filter.time.beginTime)));
        return { type: 'EventHistoryCollector', value: id };
      }
      if (method === 'ReadNextEvents') {
        const id = (args._this as { value: string }).value;
        const page = pages.get(id);
        pages.set(id, []);
        return page ?? [];
      }
      return undefined;
    },
  };
  return { client: stub as unknown as VimClient, filters };
}

describe('readDvPortEvents', () => {
  it('with no block in the window, reads no connection at all (a week of power-ons is most of the events)', async () => {
    const { client, filters } = vcenter([
      event('DvsPortConnectedEvent', 1, '2026-11-27T08:00:00Z', '10'),
      event('DvsPortConnectedEvent', 2, '2026-11-27T08:00:00Z', '11'),
    ]);
    expect(await readDvPortEvents(client, SINCE)).toEqual([]);
    expect(filters.map((f) => f.eventTypeId)).toEqual([['DvsPortBlockedEvent', 'DvsPortUnblockedEvent']]);
  });

  it('with a block, reads the connections from that block on, and keeps only those of blocked ports after their block', async () => {
    const { client, filters } = vcenter([
      event('DvsPortConnectedEvent', 1, '2026-11-27T08:00:00Z', '10'),
      event('DvsPortBlockedEvent', 2, '2026-11-28T08:00:00Z', '10'),
      event('DvsPortConnectedEvent', 3, '2026-11-28T09:00:00Z', '11'),
      event('DvsPortConnectedEvent', 4, '2026-11-29T08:00:00Z', '10'),
    ]);
    const read = await readDvPortEvents(client, SINCE);
    expect(read.map((e) => [e.key, e.kind, e.portKey])).toEqual([[2, 'blocked', '10'], [4, 'connected', '10']]);
    expect(filters[1]).toMatchObject({ eventTypeId: ['DvsPortConnectedEvent'], time: { beginTime: '2026-11-28T08:00:00.000Z' } });
  });

  it('the blocks a watch already holds count: a reconnection while it was cut off is read', async () => {
    const held: DvPortEvent[] = [{ key: 2, kind: 'blocked', time: '2026-11-28T08:00:00.000Z', dvs: 'dvs-1', dvsName: 'DSW', portKey: '10', statusDetail: null, macAddress: null, linkPeer: null }];
    const { client } = vcenter([event('DvsPortConnectedEvent', 4, '2026-11-29T08:00:00Z', '10')]);
    expect((await readDvPortEvents(client, '2026-11-29T00:00:00.000Z', held)).map((e) => [e.key, e.kind])).toEqual([[4, 'connected']]);
  });
});

describe('portEventsThatCount', () => {
  it('drops a connection of a port never blocked before it, keeps blocks and releases', () => {
    const e = (key: number, kind: DvPortEvent['kind'], portKey: string): DvPortEvent =>
      ({ key, kind, time: `2026-11-28T0${key}:00:00.000Z`, dvs: 'dvs-1', dvsName: 'DSW', portKey, statusDetail: null, macAddress: null, linkPeer: null });
    const kept = portEventsThatCount([e(1, 'blocked', '7')], [e(2, 'connected', '7'), e(3, 'connected', '8'), e(4, 'blocked', '8'), e(5, 'unblocked', '8'), e(6, 'connected', '8')]);
    expect(kept.map((x) => x.key)).toEqual([2, 4, 5, 6]);
  });
});
