// VM removals and renames from vCenter's events (VmRemovedEvent,
// VmRenamedEvent, VmAutoRenameEvent), read only when a line names a VM: one
// the inventory lacks may be deleted or renamed since (history), or one this
// user cannot see (ContainerView leaves out what lacks System.View), a block
// the audit would otherwise pass over; one it has may have been given that
// name after the line, by a rename. No entity filter: a removed VM is in no
// folder any more.
import type { VimClient } from '../vsphere/client.js';
import { readEvents, type VimEvent } from '../vsphere/events.js';
import { SoapFault } from '../vsphere/faults.js';
import type { EvidenceSet, VmNameEvent } from './types.js';

const RENAMES = ['VmRenamedEvent', 'VmAutoRenameEvent'] as const;

/**
 * The renames (and with `removals`, the removals: many more where VMs come and go) since `since`
 * (ISO; null: all vCenter holds), oldest first.
 */
async function readVmNameEvents(client: VimClient, since: string | null, removals: boolean): Promise<VmNameEvent[]> {
  const types = removals ? ['VmRemovedEvent', ...RENAMES] : [...RENAMES];
  const events = await readEvents(client, { eventTypeId: types, ...(since ? { time: { beginTime: since } } : {}) });
  return events.map(toVmNameEvent).filter((e): e is VmNameEvent => e !== null);
}

/** The event as evidence, or null for one that is not about a VM's name. */
function toVmNameEvent(event: VimEvent): VmNameEvent | null {
  const type = event._typeName;
  if (!event.vm) return null;
  const common = { key: event.key, time: new Date(event.createdTime).toISOString(), vm: event.vm.vm.value };
  if (type === 'VmRemovedEvent') return { ...common, type, name: event.vm.name };
  if ((type === 'VmRenamedEvent' || type === 'VmAutoRenameEvent') && event.oldName !== undefined && event.newName !== undefined) {
    return { ...common, type, oldName: event.oldName, newName: event.newName };
  }
  return null;
}

/** What gatherVmNameEvents read: the events, or (refused) none and the problem. */
export interface VmNamesRead {
  readonly vmNameEvents?: VmNameEvent[];
  readonly problems: readonly string[];
}

/**
 * The removals and renames for the audit. Refused while a line names a VM
 * the inventory lacks (`unknown`), that line may be about a VM this user
 * cannot see as well as one deleted, so the refusal is a problem (a
 * warning), not an all-clear; otherwise only renames are asked for, and
 * refused, the names are taken as they are now. Only vCenter keeps them: against
 * a standalone host a line naming a VM the inventory lacks is a problem too.
 */
export async function gatherVmNameEvents(client: VimClient, since: string | null, unknown = true): Promise<VmNamesRead> {
  if (!client.serviceContent.eventManager || client.serviceContent.about.apiType !== 'VirtualCenter') {
    // A standalone host: nothing says the VM was deleted or renamed, so the line may be a VM this user cannot see.
    return { problems: unknown ? [`${client.serviceContent.about.apiType === 'HostAgent' ? 'A standalone ESXi host' : 'This endpoint'} keeps no VM removal and rename events that vmfix reads: a vmkernel line naming a VM this inventory does not have (see the notes) may be about a VM deleted or renamed since, or about one this user cannot see, blocked; vmfix cannot tell which: check with an account that sees every VM, or audit through the vCenter that manages the host.`] : [] };
  }
  try {
    return { vmNameEvents: await readVmNameEvents(client, since, unknown), problems: [] };
  } catch (err) {
    if (!(err instanceof SoapFault)) throw err;
    if (!unknown) return { problems: [] };
    const why = err.faultType === 'NoPermission' && err.privilegeId ? `NoPermission (needs ${err.privilegeId})` : err.faultType;
    return { problems: [`vCenter's VM removal and rename events could not be read (${why}): a vmkernel line naming a VM this inventory does not have (see the notes) may be about a VM deleted or renamed since, or about one this vCenter user cannot see, blocked; vmfix cannot tell which: check with an account that sees every VM and its events.`] };
  }
}

/** The evidence with what gatherVmNameEvents read. */
export function withVmNameEvents<E extends EvidenceSet>(evidence: E, read: VmNamesRead): E {
  return { ...evidence, ...(read.vmNameEvents ? { vmNameEvents: read.vmNameEvents } : {}), problems: [...evidence.problems, ...read.problems] };
}
