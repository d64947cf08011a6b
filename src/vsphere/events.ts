// vCenter's event history through an EventHistoryCollector: made for a
// filter, read page by page from the oldest matching event (its default
// position), destroyed after. Collectors live in the session that made them
// and vCenter caps how many one session may hold (EventManager.maxCollector),
// so each is destroyed as soon as it is no longer read.
import type { VimClient } from './client.js';
import { SoapFault } from './faults.js';
import { MOREF } from './schema.js';
import type { DataObject, MoRef } from './types.js';

/** An Event as decoded; the fields vmfix reads, named as in the API. */
export interface VimEvent extends DataObject {
  key: number;
  chainId?: number;
  createdTime: string;
  userName?: string;
  fullFormattedMessage?: string;
  datacenter?: { name: string; datacenter: MoRef };
  host?: { name: string; host: MoRef };
  vm?: { name: string; vm: MoRef };
  net?: { name: string; network: MoRef };
  dvs?: { name: string; dvs: MoRef };
  /** DvsPortBlockedEvent, DvsPortUnblockedEvent, DvsPortConnectedEvent, DvsPortLinkUpEvent. */
  portKey?: string;
  statusDetail?: string;
  runtimeInfo?: { blocked?: boolean; macAddress?: string; linkPeer?: string; statusDetail?: string };
  /** VmRenamedEvent, VmAutoRenameEvent. */
  oldName?: string;
  newName?: string;
}

/** EventFilterSpec, as much of it as vmfix sends. */
export interface EventFilter {
  readonly eventTypeId?: readonly string[];
  readonly entity?: { readonly entity: MoRef; readonly recursion: 'self' | 'children' | 'all' };
  readonly time?: { readonly beginTime?: string; readonly endTime?: string };
}

/** ReadNextEvents and SetCollectorPageSize take at most this many. */
const MAX_PAGE = 1000;

export async function createEventCollector(client: VimClient, filter: EventFilter, pageSize?: number): Promise<MoRef> {
  const manager = client.serviceContent.eventManager;
  if (!manager) throw new Error('the endpoint offers no EventManager');
  const collector = await client.read<MoRef>('CreateCollectorForEvents', { _this: manager, filter: spec(filter) }, { type: MOREF });
  if (pageSize !== undefined) {
    try {
      await client.read('SetCollectorPageSize', { _this: collector, maxCount: Math.min(MAX_PAGE, pageSize) });
    } catch (err) {
      await destroyEventCollector(client, collector);
      throw err;
    }
  }
  return collector;
}

/** Never throws: it runs on the way out, where the session may be gone already. */
export async function destroyEventCollector(client: VimClient, collector: MoRef): Promise<void> {
  await client.read('DestroyCollector', { _this: collector }, undefined, { retries: 0 }).catch(() => undefined);
}

/** Every event matching the filter, oldest first (by key, which orders events as vCenter made them). */
export async function readEvents(client: VimClient, filter: EventFilter): Promise<VimEvent[]> {
  const out: VimEvent[] = [];
  for (let attempt = 1; ; attempt++) {
    const collector = await createEventCollector(client, filter);
    try {
      for (;;) {
        const page = await client.read<VimEvent[]>('ReadNextEvents', { _this: collector, maxCount: MAX_PAGE }, { type: 'Event', array: true });
        if (!page.length) break;
        out.push(...page);
      }
      break;
    } catch (err) {
      // A collector lives in the session that made it: after the client logged in again (the session
      // expired, vCenter restarted), it is gone and the history is read again from its start.
      const gone = err instanceof SoapFault && err.faultType === 'ManagedObjectNotFound' && err.object?.value === collector.value;
      if (!gone || attempt > 1) throw err;
      out.length = 0;
    } finally {
      await destroyEventCollector(client, collector);
    }
  }
  // A server may ignore the time filter (vcsim does): the window is applied here too.
  const begin = filter.time?.beginTime === undefined ? -Infinity : Date.parse(filter.time.beginTime);
  return out.filter((e) => Date.parse(e.createdTime) >= begin).sort(byKey);
}

export function byKey(a: VimEvent, b: VimEvent): number {
  return a.key - b.key;
}

function spec(filter: EventFilter): Record<string, unknown> {
  return {
    _typeName: 'EventFilterSpec',
    ...(filter.entity ? { entity: { entity: filter.entity.entity, recursion: filter.entity.recursion } } : {}),
    ...(filter.time ? { time: { ...filter.time } } : {}),
    ...(filter.eventTypeId ? { eventTypeId: [...filter.eventTypeId] } : {}),
  };
}
