// dvPort block history from vCenter's events (DvsPortBlockedEvent,
// DvsPortUnblockedEvent) inside the --since window: vCenter keeps them
// after the port is released, the VM is moved or restarted and the vmkernel
// log has rotated, so they show intermittent blocks the present state hides.
// With them DvsPortConnectedEvent, a NIC taking the port: a connection of its
// own, which vCenter numbers in the same order, so which came first needs no
// clock. Not DvsPortLinkUpEvent: a link comes up for more than a power-on or
// "Connected" ticked (a guest's driver reset at failback, perhaps a move), and
// the guest that changed its MAC then still changes it at the next failover.
import { normalizeMac } from '../inventory/model.js';
import type { VimClient } from '../vsphere/client.js';
import { readEvents, type VimEvent } from '../vsphere/events.js';
import type { DvPortEvent } from './types.js';

const KINDS = {
  DvsPortBlockedEvent: 'blocked',
  DvsPortUnblockedEvent: 'unblocked',
  DvsPortConnectedEvent: 'connected',
} as const satisfies Record<string, DvPortEvent['kind']>;

export const DVPORT_EVENT_TYPES = Object.keys(KINDS) as readonly (keyof typeof KINDS)[];

const BLOCK_TYPES = DVPORT_EVENT_TYPES.filter((type) => KINDS[type] !== 'connected');
const CONNECT_TYPES = DVPORT_EVENT_TYPES.filter((type) => KINDS[type] === 'connected');

/**
 * The port events since `since` (ISO; null: all vCenter holds), oldest first: the blocks and
 * releases, then, only if some port was blocked, the connections since the first block (each
 * new VM and NIC posts one, and only one after a block says anything). `known`: the events already held (watch), whose blocks count too.
 */
export async function readDvPortEvents(client: VimClient, since: string | null, known: readonly DvPortEvent[] = []): Promise<DvPortEvent[]> {
  // Each read keeps only the types it asked for, whatever a server answers.
  const read = async (types: readonly string[], from: string | null) =>
    (await readEvents(client, {
      eventTypeId: types,
      entity: { entity: client.serviceContent.rootFolder, recursion: 'all' },
      ...(from ? { time: { beginTime: from } } : {}),
    })).filter((e) => types.includes(e._typeName ?? '')).map(toDvPortEvent).filter((e): e is DvPortEvent => e !== null);
  const blocks = await read(BLOCK_TYPES, since);
  const first = [...known, ...blocks].filter((e) => e.kind === 'blocked').map((e) => e.time).sort()[0];
  if (first === undefined) return blocks;
  const connects = await read(CONNECT_TYPES, since !== null && since > first ? since : first);
  return portEventsThatCount(known, [...blocks, ...connects].sort((a, b) => a.key - b.key));
}

/**
 * Of `events` (oldest first), the blocks and releases, and the connections of ports blocked
 * before them (in `known` or earlier in `events`): a connection retires a block, nothing else.
 */
export function portEventsThatCount(known: readonly DvPortEvent[], events: readonly DvPortEvent[]): DvPortEvent[] {
  const blocked = new Set(known.filter((e) => e.kind === 'blocked').map(portOf));
  return events.filter((e) => {
    if (e.kind === 'blocked') blocked.add(portOf(e));
    return e.kind !== 'connected' || blocked.has(portOf(e));
  });
}

const portOf = (e: DvPortEvent) => `${e.dvs}/${e.portKey}`;

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
