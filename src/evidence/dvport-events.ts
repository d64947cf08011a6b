// dvPort block history from vCenter's events (DvsPortBlockedEvent,
// DvsPortUnblockedEvent) inside the --since window: vCenter keeps them
// after the port is released, the VM is moved or restarted and the vmkernel
// log has rotated, so they show intermittent blocks the present state hides.
import { normalizeMac } from '../inventory/model.js';
import type { VimClient } from '../vsphere/client.js';
import { readEvents, type VimEvent } from '../vsphere/events.js';
import type { DvPortEvent } from './types.js';

export const DVPORT_EVENT_TYPES = ['DvsPortBlockedEvent', 'DvsPortUnblockedEvent'] as const;

/** The block events since `since` (ISO; null: all vCenter holds), oldest first. */
export async function readDvPortEvents(client: VimClient, since: string | null): Promise<DvPortEvent[]> {
  const events = await readEvents(client, {
    eventTypeId: DVPORT_EVENT_TYPES,
    entity: { entity: client.serviceContent.rootFolder, recursion: 'all' },
    ...(since ? { time: { beginTime: since } } : {}),
  });
  return events.map(toDvPortEvent).filter((e): e is DvPortEvent => e !== null);
}

/** The event as evidence, or null for an event that is not a dvPort block or release. */
export function toDvPortEvent(event: VimEvent): DvPortEvent | null {
  const type = event._typeName;
  if ((type !== 'DvsPortBlockedEvent' && type !== 'DvsPortUnblockedEvent') || !event.dvs || event.portKey === undefined) return null;
  const runtime = event.runtimeInfo;
  return {
    key: event.key,
    blocked: type === 'DvsPortBlockedEvent',
    time: new Date(event.createdTime).toISOString(),
    dvs: event.dvs.dvs.value,
    dvsName: event.dvs.name,
    portKey: event.portKey,
    statusDetail: event.statusDetail || runtime?.statusDetail || null,
    macAddress: normalizeMac(runtime?.macAddress),
    linkPeer: runtime?.linkPeer || null,
  };
}
