// dvPort block history from vCenter's events (DvsPortBlockedEvent,
// DvsPortUnblockedEvent) inside the --since window: vCenter keeps them
// after the port is released, the VM is moved or restarted and the vmkernel
// log has rotated, so they show intermittent blocks the present state hides.
// With them the events that start a port's current connection
// (DvsPortConnectedEvent when a NIC takes the port, DvsPortLinkUpEvent when
// its NIC comes up: power-on, "Connected" ticked): vCenter numbers all of them
// in one order, so which came first needs no clock.
import { normalizeMac } from '../inventory/model.js';
import type { VimClient } from '../vsphere/client.js';
import { readEvents, type VimEvent } from '../vsphere/events.js';
import type { DvPortEvent } from './types.js';

const KINDS = {
  DvsPortBlockedEvent: 'blocked',
  DvsPortUnblockedEvent: 'unblocked',
  DvsPortConnectedEvent: 'connected',
  DvsPortLinkUpEvent: 'connected',
} as const satisfies Record<string, DvPortEvent['kind']>;

export const DVPORT_EVENT_TYPES = Object.keys(KINDS) as readonly (keyof typeof KINDS)[];

/** The port events since `since` (ISO; null: all vCenter holds), oldest first. */
export async function readDvPortEvents(client: VimClient, since: string | null): Promise<DvPortEvent[]> {
  const events = await readEvents(client, {
    eventTypeId: DVPORT_EVENT_TYPES,
    entity: { entity: client.serviceContent.rootFolder, recursion: 'all' },
    ...(since ? { time: { beginTime: since } } : {}),
  });
  return events.map(toDvPortEvent).filter((e): e is DvPortEvent => e !== null);
}

/** The event as evidence, or null for an event that is none of the port events read. */
export function toDvPortEvent(event: VimEvent): DvPortEvent | null {
  const type = event._typeName ?? '';
  const kind = Object.hasOwn(KINDS, type) ? KINDS[type as keyof typeof KINDS] : undefined;
  if (!kind || !event.dvs || event.portKey === undefined) return null;
  const runtime = event.runtimeInfo;
  return {
    key: event.key,
    kind,
    time: new Date(event.createdTime).toISOString(),
    dvs: event.dvs.dvs.value,
    dvsName: event.dvs.name,
    portKey: event.portKey,
    statusDetail: event.statusDetail || runtime?.statusDetail || null,
    macAddress: normalizeMac(runtime?.macAddress),
    linkPeer: runtime?.linkPeer || null,
  };
}
