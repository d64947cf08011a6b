// What watch asks vCenter to follow, made afresh in each session: a
// ContainerView over the objects the audit reads, with the audit's own
// properties (fetch.ts), and an EventHistoryCollector for the dvPort block
// events and the events that explain a change, whose latestPage is watched
// through the same PropertyCollector: one WaitForUpdatesEx answers for both.
import { PROPERTIES } from '../../inventory/fetch.js';
import { DVPORT_EVENT_TYPES } from '../../evidence/dvport-events.js';
import type { VimClient } from '../../vsphere/client.js';
import { createEventCollector, destroyEventCollector, type VimEvent } from '../../vsphere/events.js';
import type { MoRef } from '../../vsphere/types.js';
import type { ObjectUpdate, Watched } from '../../vsphere/updates.js';
import { createContainerView, destroyView, viewFilterSpec } from '../../vsphere/view.js';

/** Events that say why a finding changed: someone reconfigured the VM or its portgroup, or powered it on or off. */
export const CAUSE_EVENT_TYPES = ['VmReconfiguredEvent', 'DVPortgroupReconfiguredEvent', 'VmPoweredOnEvent', 'VmPoweredOffEvent'] as const;

/**
 * latestPage's size: the newest this many matching events (vCenter allows up
 * to 1000). Each change sends the whole page again, so a larger one costs
 * every answer (1000 events are about a megabyte) to spare a rare history
 * read: more than this many between two answers (a failover across many VMs,
 * a host reconnecting its ports) and the older ones leave the page unseen, a
 * block among them perhaps released before its dvPort is read again. Such a
 * page (mayHaveOverflowed) makes watch read the history since what it took.
 */
export const EVENT_PAGE = 100;

/** The filter index of each part in Watched.specs. */
export const INVENTORY_FILTER = 0;
export const EVENT_FILTER = 1;

export async function followed(client: VimClient): Promise<Watched> {
  const view = await createContainerView(client, PROPERTIES);
  const specs: Record<string, unknown>[] = [viewFilterSpec(view, PROPERTIES)];
  let collector: MoRef | undefined;
  // Only vCenter records events about distributed switches; a standalone ESXi host has neither.
  if (client.serviceContent.eventManager && client.serviceContent.about.apiType === 'VirtualCenter') {
    try {
      collector = await createEventCollector(
        client,
        { eventTypeId: [...DVPORT_EVENT_TYPES, ...CAUSE_EVENT_TYPES], entity: { entity: client.serviceContent.rootFolder, recursion: 'all' } },
        EVENT_PAGE,
      );
    } catch (err) {
      await destroyView(client, view);
      throw err;
    }
    specs.push({ propSet: [{ type: 'EventHistoryCollector', pathSet: ['latestPage'] }], objectSet: [{ obj: collector }] });
  }
  return {
    specs,
    async teardown() {
      if (collector) await destroyEventCollector(client, collector);
      await destroyView(client, view);
    },
  };
}

/** The events in latestPage updates (each holds the whole page; the caller keeps the ones it has not seen). */
export function pageEvents(updates: readonly ObjectUpdate[]): VimEvent[] {
  const out: VimEvent[] = [];
  for (const update of updates) {
    for (const change of update.changeSet ?? []) {
      if (change.name === 'latestPage' && Array.isArray(change.val)) out.push(...(change.val as VimEvent[]));
    }
  }
  return out;
}

/**
 * Whether events may have left latestPage unseen since the newest key taken
 * (`lastKey`): the page is full and holds none taken before. Keys number all
 * of vCenter's events, not only those the filter matches, so a gap in them
 * proves nothing; a page reaching back to a key taken proves nothing was lost.
 */
export function mayHaveOverflowed(page: readonly VimEvent[], lastKey: number): boolean {
  const keys = new Set(page.map((e) => e.key));
  return keys.size >= EVENT_PAGE && [...keys].every((key) => key > lastKey);
}
