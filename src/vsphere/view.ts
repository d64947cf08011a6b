// A ContainerView over the inventory and the PropertyFilterSpec that reads
// given properties of every object in it: one spec, whether it is read once
// (retrieveAll) or followed (UpdateFollower).
import type { VimClient } from './client.js';
import { MOREF } from './schema.js';
import type { MoRef } from './types.js';

export interface PropertyRequest {
  /** Managed object type (subtypes match too), e.g. "HostSystem". */
  readonly type: string;
  /** Property paths, e.g. ["name", "config.network"]. */
  readonly pathSet: readonly string[];
}

/** A recursive view of every object of the requested types below `container` (default: the root folder). */
export function createContainerView(client: VimClient, requests: readonly PropertyRequest[], container?: MoRef): Promise<MoRef> {
  const content = client.serviceContent;
  return client.read<MoRef>(
    'CreateContainerView',
    { _this: content.viewManager, container: container ?? content.rootFolder, type: [...new Set(requests.map((r) => r.type))], recursive: true },
    { type: MOREF },
  );
}

export function viewFilterSpec(view: MoRef, requests: readonly PropertyRequest[]): Record<string, unknown> {
  return {
    _typeName: 'PropertyFilterSpec',
    propSet: requests.map((r) => ({ type: r.type, pathSet: [...r.pathSet] })),
    objectSet: [
      { obj: view, skip: true, selectSet: [{ _typeName: 'TraversalSpec', name: 'view', type: 'ContainerView', path: 'view', skip: false }] },
    ],
  };
}

/** Never throws: views die with their session anyway. */
export async function destroyView(client: VimClient, view: MoRef): Promise<void> {
  await client.read('DestroyView', { _this: view }, undefined, { retries: 0 }).catch(() => undefined);
}
