// Re-reading the one object a change is about, just before and just after
// writing it: drift checks and verification both need vCenter's own answer,
// not what the audit saw minutes ago.
import { macHolders, type MacHolder } from '../audit/remedies.js';
import { vmOf } from '../inventory/fetch.js';
import { inheritsMacChanges } from '../inventory/policy.js';
import type { VimClient } from '../vsphere/client.js';
import { SoapFault } from '../vsphere/faults.js';
import { prop, retrieveAll, retrieveObjects } from '../vsphere/property.js';
import type {
  DVPortgroupConfigInfo,
  HostPortGroup,
  HostVirtualSwitch,
  MoRef,
  ObjectContent,
  VirtualEthernetCard,
} from '../vsphere/types.js';
import type { VmPlace } from './premise.js';
import type { Change, Target } from './schema.js';

export interface CurrentState {
  /** The spec as vCenter holds it now; null if the object does not exist. */
  readonly spec: unknown;
  /** dvPortgroups: the current configVersion. */
  readonly configVersion?: string;
  /** VMs: the power state (a MAC only changes while powered off). */
  readonly powerState?: string;
  /** dvPortgroups: the moref and key, needed once a created one exists. */
  readonly ref?: { readonly moref: string; readonly key: string };
  /**
   * Portgroups: what is connected to it now (a portgroup in use is not removed): a standard
   * portgroup's ports by MAC, a dvPortgroup's VMs by moref; label says which, for people.
   */
  readonly connected?: readonly { readonly id: string; readonly label: string }[];
  /** The host, VM or distributed switch holding the object, when it no longer exists (spec is then null). */
  readonly missing?: string;
  /** A dedicated portgroup to be made: the one it copies, as it is now (null: it no longer exists). */
  readonly source?: unknown;
  /** A vSwitch whose MAC changes a change sets: its portgroups that inherit them now. */
  readonly inheriting?: readonly string[];
  /** A NIC going back to a dvPort of its own (a rollback): that port, and the VM whose NIC holds it now. */
  readonly portTaken?: { readonly port: string; readonly by: string };
}

/** The object's properties; undefined once it is deleted (a host removed, a VM deleted). */
async function one(client: VimClient, ref: MoRef, pathSet: string[]) {
  try {
    const [content] = await retrieveObjects(client, [ref], pathSet);
    if (!content) throw new Error(`${ref.type} ${ref.value} was not found`);
    return content;
  } catch (err) {
    if (err instanceof SoapFault && err.faultType === 'ManagedObjectNotFound') return undefined;
    throw err;
  }
}

export async function readCurrent(
  client: VimClient,
  change: Pick<Change, 'target' | 'action' | 'copyOf'> & Partial<Pick<Change, 'field' | 'after' | 'opens'>>,
): Promise<CurrentState> {
  const target: Target = change.target;
  switch (target.type) {
    case 'HostPortGroup': {
      const removing = change.action === 'RemovePortGroup';
      const host = await one(client, { type: 'HostSystem', value: target.host.moref }, ['config.network.portgroup', ...(removing ? ['vm'] : [])]);
      if (!host) return { spec: null, missing: `the host ${target.host.name} (${target.host.moref})` };
      const portgroups = prop<HostPortGroup[]>(host, 'config.network.portgroup') ?? [];
      const pg = portgroups.find((p) => p.spec.name === target.portgroup);
      const macs = (pg?.port ?? []).flatMap((port) => port.mac ?? []);
      const idle = removing && pg ? await poweredOffOn(client, prop<MoRef[]>(host, 'vm') ?? [], target.portgroup) : [];
      const copied = change.copyOf ? { source: portgroups.find((p) => p.spec.name === change.copyOf!.name)?.spec ?? null } : {};
      return { spec: pg?.spec ?? null, connected: [...macs.map((mac) => ({ id: mac.toLowerCase(), label: `a NIC with MAC ${mac}` })), ...idle], ...copied };
    }
    case 'HostVirtualSwitch': {
      const host = await one(client, { type: 'HostSystem', value: target.host.moref }, ['config.network.vswitch', ...(change.opens ? ['config.network.portgroup'] : [])]);
      if (!host) return { spec: null, missing: `the host ${target.host.name} (${target.host.moref})` };
      const vs = (prop<HostVirtualSwitch[]>(host, 'config.network.vswitch') ?? []).find((v) => v.name === target.vswitch);
      if (!change.opens) return { spec: vs?.spec ?? null };
      const inheriting = (prop<HostPortGroup[]>(host, 'config.network.portgroup') ?? [])
        .filter((p) => p.spec.vswitchName === target.vswitch && inheritsMacChanges(p))
        .map((p) => p.spec.name);
      return { spec: vs?.spec ?? null, inheriting };
    }
    case 'DistributedVirtualPortgroup': {
      const moref = target.portgroup.moref || (await findDvPortgroup(client, target.dvs, target.portgroup.name));
      if (moref === null) return { spec: null, missing: `the distributed switch ${target.dvs.name} (${target.dvs.moref})` };
      if (!moref) return { spec: null, ...(change.copyOf?.moref ? { source: await dvConfig(client, change.copyOf.moref) } : {}) };
      // Destroyed (by a rollback's Destroy_Task, or by someone else): absent, not an error.
      const pg = await one(client, { type: 'DistributedVirtualPortgroup', value: moref }, ['config', 'vm']);
      if (!pg) return { spec: null };
      const config = prop<DVPortgroupConfigInfo>(pg, 'config')!;
      const vms = prop<MoRef[]>(pg, 'vm') ?? [];
      // Per NIC, not per VM: a rollback that moves one NIC of a VM off it may leave that VM's second one on it.
      const named = vms.length ? await retrieveObjects(client, vms, ['name', 'config.hardware.device']) : [];
      const connected = named.flatMap((o) => {
        const vm = vmLabel(o);
        const devices = prop<VirtualEthernetCard[]>(o, 'config.hardware.device');
        // Devices not shown (no configuration, a role that may not read them): the VM as a whole, which nothing moves off.
        if (!devices) return [{ id: o.obj.value, label: vm }];
        return devices.filter((d) => d.backing?.port?.portgroupKey === config.key).map((d) => ({ id: `${o.obj.value}/${d.key}`, label: `${vm}, ${d.deviceInfo?.label ?? `NIC ${d.key}`}` }));
      });
      return { spec: config, configVersion: config.configVersion ?? '', ref: { moref, key: config.key }, connected };
    }
    case 'VirtualEthernetCard': {
      const vm = await one(client, { type: 'VirtualMachine', value: target.vm.moref }, ['config.hardware.device', 'runtime.powerState']);
      if (!vm) return { spec: null, missing: `the VM ${target.vm.name} (${target.vm.moref})` };
      const device = (prop<VirtualEthernetCard[]>(vm, 'config.hardware.device') ?? []).find((d) => d.key === target.nicKey);
      const port = change.action === 'EditNic' && change.field === 'backing' ? (change.after as VirtualEthernetCard | undefined)?.backing?.port : undefined;
      const holder = port ? await portHolder(client, port, target.vm.moref, target.nicKey) : undefined;
      return { spec: device ?? null, powerState: prop<string>(vm, 'runtime.powerState') ?? 'unknown', ...(holder ? { portTaken: { port: port!.portKey!, by: holder } } : {}) };
    }
  }
}

/**
 * The NICs of the host's powered-off VMs backed by a standard portgroup: they hold no port, so the
 * host's port list misses them, yet removing the portgroup cuts them off at their next power-on.
 */
async function poweredOffOn(client: VimClient, vms: readonly MoRef[], portgroup: string): Promise<{ id: string; label: string }[]> {
  if (!vms.length) return [];
  const found = await retrieveObjects(client, vms, ['name', 'runtime.powerState', 'config.hardware.device']);
  return found
    .filter((vm) => prop<string>(vm, 'runtime.powerState') !== 'poweredOn')
    .flatMap((vm) =>
      (prop<VirtualEthernetCard[]>(vm, 'config.hardware.device') ?? [])
        .filter((d) => d.backing?.deviceName === portgroup && !d.backing.port && d.macAddress)
        .map((d) => ({ id: d.macAddress!.toLowerCase(), label: `${vmLabel(vm)}, powered off,` })),
    );
}

/**
 * The VM whose NIC, other than this one, is on that dvPort of the dvPortgroup
 * (whose key is its moref's value): vCenter gives a port to one NIC only.
 */
async function portHolder(client: VimClient, port: { portgroupKey?: string; portKey?: string }, vm: string, nicKey: number): Promise<string | undefined> {
  if (!port.portKey || !port.portgroupKey) return undefined;
  const pg = await one(client, { type: 'DistributedVirtualPortgroup', value: port.portgroupKey }, ['vm']);
  const vms = (pg && prop<MoRef[]>(pg, 'vm')) ?? [];
  const found = vms.length ? await retrieveObjects(client, vms, ['name', 'config.hardware.device']) : [];
  const holds = (o: ObjectContent) => (d: VirtualEthernetCard) =>
    d.backing?.port?.portgroupKey === port.portgroupKey && d.backing?.port?.portKey === port.portKey && !(o.obj.value === vm && d.key === nicKey);
  const holder = found.find((o) => (prop<VirtualEthernetCard[]>(o, 'config.hardware.device') ?? []).some(holds(o)));
  return holder ? vmLabel(holder) : undefined;
}

/** A dvPortgroup's config; null once it is destroyed. */
async function dvConfig(client: VimClient, moref: string): Promise<DVPortgroupConfigInfo | null> {
  const pg = await one(client, { type: 'DistributedVirtualPortgroup', value: moref }, ['config']);
  return (pg && prop<DVPortgroupConfigInfo>(pg, 'config')) ?? null;
}

/** A VM as a message names it: its name and moref. */
function vmLabel(vm: ObjectContent): string {
  return `the VM ${prop<string>(vm, 'name') ?? '?'} (${vm.obj.value})`;
}

/** A dvPortgroup of the DVS by name (a created one has no moref in the plan); null when the DVS itself is gone. */
async function findDvPortgroup(client: VimClient, dvs: { moref: string; type: string }, name: string): Promise<string | null | undefined> {
  const content = await one(client, { type: dvs.type, value: dvs.moref }, ['portgroup']);
  if (!content) return null;
  const portgroups = prop<MoRef[]>(content, 'portgroup') ?? [];
  const named = await retrieveObjects(client, portgroups, ['name']);
  return named.find((o) => prop<string>(o, 'name') === name)?.obj.value;
}

/** Where each VM is now, its host and devices (see premise.ts); a VM deleted maps to undefined. */
export async function readVmPlaces(client: VimClient, vms: readonly string[]): Promise<Map<string, VmPlace | undefined>> {
  // One round trip for the VMs and one for their hosts' names, however many VMs.
  const found = await many(client, [...new Set(vms)].map((value) => ({ type: 'VirtualMachine', value })), ['config.hardware.device', 'runtime.host']);
  const hostRefs = [...found.values()].flatMap((vm) => (vm && prop<MoRef>(vm, 'runtime.host')) || []);
  const hosts = await many(client, [...new Map(hostRefs.map((h) => [h.value, h])).values()], ['name']);
  const places = new Map<string, VmPlace | undefined>();
  for (const [moref, vm] of found) {
    const hostRef = vm && prop<MoRef>(vm, 'runtime.host');
    const host = hostRef ? hosts.get(hostRef.value) : undefined;
    places.set(
      moref,
      vm && {
        host: hostRef ? { moref: hostRef.value, name: (host && prop<string>(host, 'name')) ?? hostRef.value } : null,
        devices: prop<VirtualEthernetCard[]>(vm, 'config.hardware.device') ?? [],
      },
    );
  }
  return places;
}

/**
 * Objects' properties in one call, by moref value; undefined for one deleted. vCenter faults the whole
 * call when one of them no longer exists: then each is read alone, to tell which.
 */
async function many(client: VimClient, refs: readonly MoRef[], pathSet: string[]): Promise<Map<string, ObjectContent | undefined>> {
  let contents: ObjectContent[];
  try {
    contents = await retrieveObjects(client, refs, pathSet);
  } catch (err) {
    if (!(err instanceof SoapFault && err.faultType === 'ManagedObjectNotFound')) throw err;
    const each = await Promise.all(refs.map((ref) => one(client, ref, pathSet)));
    return new Map(refs.map((ref, i) => [ref.value, each[i]]));
  }
  const byValue = new Map(contents.map((c) => [c.obj.value, c]));
  return new Map(refs.map((ref) => [ref.value, byValue.get(ref.value)]));
}

/**
 * Every VM's NIC MACs, configured and as its guest reports them: the audit's VMs (templates are
 * none: they never power on) and the audit's rule (audit/remedies.ts macHolders), so that apply
 * refuses no pin the plan allowed unless a VM has come to hold the MAC since.
 */
export async function readMacOwners(client: VimClient): Promise<MacHolder[]> {
  const found = await retrieveAll(client, [{ type: 'VirtualMachine', pathSet: ['name', 'config.template', 'config.hardware.device', 'guest.net'] }]);
  return macHolders(found.flatMap((o) => vmOf(o) ?? []));
}
