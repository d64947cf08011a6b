// Fetches the inventory in one paged PropertyCollector retrieval over a
// single ContainerView: every type, only the properties vmfix uses. Each
// page is turned into model objects as it arrives, so the raw page can go.
import type { VimClient } from '../vsphere/client.js';
import { prop, retrieveAllInto, type PropertyRequest } from '../vsphere/property.js';
import type {
  AboutInfo,
  DVPortgroupConfigInfo,
  GuestNicInfo,
  HostDnsConfig,
  HostOpaqueNetworkInfo,
  HostPortGroup,
  HostVirtualSwitch,
  MoRef,
  ObjectContent,
  VirtualEthernetCard,
  VirtualNicManagerNetConfig,
  VMwareDVSPortSetting,
} from '../vsphere/types.js';
import type { DvPortgroup, DvSwitch, GuestNic, Host, Inventory, NicBacking, Unread, Vm, VmNic } from './model.js';
import { normalizeMac } from './model.js';

export const PROPERTIES: readonly PropertyRequest[] = [
  { type: 'Folder', pathSet: ['name', 'parent'] },
  { type: 'Datacenter', pathSet: ['name', 'parent'] },
  { type: 'ComputeResource', pathSet: ['name', 'parent'] },
  {
    type: 'HostSystem',
    pathSet: [
      'name', 'parent', 'config.product.version', 'config.product.build', 'runtime.connectionState',
      'configManager.networkSystem', 'config.network.vswitch', 'config.network.portgroup', 'config.network.opaqueNetwork',
      'config.network.dnsConfig', 'config.virtualNicManagerInfo.netConfig',
    ],
  },
  {
    type: 'DistributedVirtualSwitch',
    pathSet: ['name', 'parent', 'uuid', 'summary.productInfo.version', 'summary.hostMember', 'config.defaultPortConfig', 'capability.featuresSupported'],
  },
  { type: 'DistributedVirtualPortgroup', pathSet: ['name', 'config'] },
  {
    type: 'VirtualMachine',
    pathSet: [
      'name', 'config.template', 'config.guestId', 'runtime.host', 'runtime.powerState', 'runtime.connectionState', 'runtime.bootTime', 'guest.toolsRunningStatus',
      'guest.net', 'config.hardware.device',
    ],
  },
];

export interface FetchOptions {
  readonly pageSize?: number;
  readonly onPage?: (page: number, objects: number) => void;
}

interface Parented {
  name: string;
  type: string;
  parent: string | null;
}

/**
 * An inventory as its objects arrive: each ObjectContent is turned into its
 * model as it comes (VMs and dvPortgroups, the many), so the raw page can go;
 * hosts and switches, which need their ancestors' names, are kept raw until
 * inventory() assembles the whole. `watch` keeps one and feeds it updates.
 */
export class InventoryParts {
  private readonly tree = new Map<string, Parented>();
  private readonly hosts = new Map<string, ObjectContent>();
  private readonly dvs = new Map<string, ObjectContent>();
  private readonly dvPortgroups = new Map<string, DvPortgroup>();
  private readonly vms = new Map<string, Vm>();
  private readonly unread = new Map<string, Unread>();

  /** Adds an object, or replaces what was known of it. */
  add(o: ObjectContent): void {
    const ref = o.obj;
    const parent = prop<MoRef>(o, 'parent');
    const name = prop<string>(o, 'name') ?? ref.value;
    this.tree.set(ref.value, { name, type: ref.type, parent: parent?.value ?? null });
    // A property vCenter would not give (a role without System.Read there) is not an empty one: said, never read as "none".
    if (o.missingSet?.length) {
      const fault = o.missingSet.map((m) => m.fault?.fault?._typeName).find((t): t is string => typeof t === 'string') ?? null;
      this.unread.set(ref.value, { moref: ref.value, type: ref.type, name, paths: o.missingSet.map((m) => m.path), fault });
    } else this.unread.delete(ref.value);
    if (ref.type === 'HostSystem') this.hosts.set(ref.value, o);
    else if (ref.type.endsWith('DistributedVirtualSwitch')) this.dvs.set(ref.value, o);
    else if (ref.type === 'DistributedVirtualPortgroup') {
      const pg = toDvPortgroup(o);
      if (pg) this.dvPortgroups.set(ref.value, pg);
      else this.dvPortgroups.delete(ref.value);
    } else if (ref.type === 'VirtualMachine') {
      const vm = vmOf(o);
      if (vm) this.vms.set(ref.value, vm);
      else this.vms.delete(ref.value);
    }
  }

  remove(moref: string): void {
    for (const map of [this.tree, this.hosts, this.dvs, this.dvPortgroups, this.vms, this.unread]) map.delete(moref);
  }

  inventory(about: AboutInfo, endpointHost: string): Inventory {
    const ancestor = (moref: string, type: string): string | null => {
      for (let node = this.tree.get(moref); node; node = node.parent ? this.tree.get(node.parent) : undefined) {
        if (node.type === type) return node.name;
      }
      return null;
    };
    return {
      endpoint: {
        host: endpointHost,
        apiType: about.apiType,
        apiVersion: about.apiVersion,
        fullName: about.fullName,
        ...(about.instanceUuid ? { instanceUuid: about.instanceUuid } : {}),
      },
      hosts: [...this.hosts.values()].map((o) => toHost(o, ancestor)).sort(byName),
      dvSwitches: [...this.dvs.values()].map((o) => toDvSwitch(o, ancestor, this.dvPortgroups)).sort(byName),
      vms: [...this.vms.values()].sort(byName),
      unread: [...this.unread.values()].sort(byName),
    };
  }
}

/** Everything vmfix needs to know about the endpoint's networks and VMs. */
export async function fetchInventory(client: VimClient, endpointHost: string, options: FetchOptions = {}): Promise<Inventory> {
  // Parts made anew by each pass: a retrieval started over (a lost session) keeps nothing of the failed one.
  const parts = await retrieveAllInto(client, PROPERTIES, () => new InventoryParts(), {
    ...options,
    // Of a VM's devices only its NICs are read (toVm): disks, controllers and the rest are not built.
    items: { VirtualDevice: 'VirtualEthernetCard' },
  });
  return parts.inventory(client.serviceContent.about, endpointHost);
}

function toHost(o: ObjectContent, ancestor: (moref: string, type: string) => string | null): Host {
  const moref = o.obj.value;
  const vswitches = prop<HostVirtualSwitch[]>(o, 'config.network.vswitch') ?? [];
  const portgroups = prop<HostPortGroup[]>(o, 'config.network.portgroup') ?? [];
  const pgName = new Map(portgroups.map((pg) => [pg.key, pg.spec.name]));
  const dns = prop<HostDnsConfig>(o, 'config.network.dnsConfig');
  return {
    moref,
    name: prop<string>(o, 'name') ?? moref,
    datacenter: ancestor(moref, 'Datacenter'),
    cluster: ancestor(moref, 'ClusterComputeResource'),
    version: prop<string>(o, 'config.product.version') ?? '',
    build: prop<string>(o, 'config.product.build') ?? '',
    connectionState: prop<string>(o, 'runtime.connectionState') ?? 'connected',
    networkSystem: prop<MoRef>(o, 'configManager.networkSystem') ?? null,
    vswitches: vswitches.map((vs) => ({
      name: vs.name,
      key: vs.key,
      spec: vs.spec,
      portgroups: (vs.portgroup ?? []).map((key) => pgName.get(key) ?? key.replace(/^key-vim\.host\.PortGroup-/, '')),
    })),
    portgroups: portgroups.map((pg) => ({
      name: pg.spec.name,
      key: pg.key ?? `key-vim.host.PortGroup-${pg.spec.name}`,
      vswitchName: pg.spec.vswitchName,
      vlanId: pg.spec.vlanId ?? 0,
      spec: pg.spec,
      computedPolicy: pg.computedPolicy,
      ports: (pg.port ?? []).map((port) => ({
        key: port.key ?? '',
        macs: (port.mac ?? []).map((m) => normalizeMac(m) ?? m),
        type: port.type,
      })),
    })),
    opaqueNetworks: prop<HostOpaqueNetworkInfo[]>(o, 'config.network.opaqueNetwork') ?? [],
    dnsConfig: dns ? { hostName: dns.hostName ?? '', domainName: dns.domainName ?? '' } : null,
    managementIps: managementIps(prop<VirtualNicManagerNetConfig[]>(o, 'config.virtualNicManagerInfo.netConfig') ?? []),
  };
}

/**
 * The addresses of the vmk NICs selected for management, as govmomi's
 * HostSystem.ManagementIPs finds them. A vMotion, vSAN or storage vmk's
 * address is not the host's: those networks are kept apart and reused.
 */
function managementIps(netConfig: readonly VirtualNicManagerNetConfig[]): string[] {
  return netConfig
    .filter((c) => c.nicType === 'management')
    .flatMap((c) => (c.candidateVnic ?? []).filter((v) => c.selectedVnic?.includes(v.key)))
    .flatMap((v) => [v.spec.ip?.ipAddress ?? '', ...(v.spec.ip?.ipV6Config?.ipV6Address ?? []).map((a) => a.ipAddress)])
    .filter(Boolean);
}

function toDvSwitch(
  o: ObjectContent,
  ancestor: (moref: string, type: string) => string | null,
  portgroups: ReadonlyMap<string, DvPortgroup>,
): DvSwitch {
  const moref = o.obj.value;
  const features = prop<{ macLearningSupported?: boolean }>(o, 'capability.featuresSupported');
  return {
    moref,
    type: o.obj.type,
    name: prop<string>(o, 'name') ?? moref,
    uuid: prop<string>(o, 'uuid') ?? '',
    version: prop<string>(o, 'summary.productInfo.version') ?? '',
    datacenter: ancestor(moref, 'Datacenter'),
    defaultPortConfig: prop<VMwareDVSPortSetting>(o, 'config.defaultPortConfig') ?? {},
    macLearningSupported: features?.macLearningSupported ?? null,
    hosts: (prop<MoRef[]>(o, 'summary.hostMember') ?? []).map((h) => h.value),
    portgroups: [...portgroups.values()].filter((pg) => pg.dvsMoref === moref).sort(byName),
  };
}

/** Undefined where vCenter gave no config (missingSet): a dvPortgroup vmfix cannot read is not one it can judge. */
function toDvPortgroup(o: ObjectContent): DvPortgroup | undefined {
  const config = prop<DVPortgroupConfigInfo>(o, 'config');
  if (!config) return undefined;
  return {
    moref: o.obj.value,
    key: config.key,
    name: config.name,
    configVersion: config.configVersion ?? '',
    dvsMoref: config.distributedVirtualSwitch?.value ?? '',
    uplink: config.uplink ?? false,
    config,
  };
}

/**
 * A VirtualMachine as the audit models it; null for a template, which is no VM of the audit's:
 * it cannot power on, so its NICs send nothing, and a VM deployed from it gets MACs of its own.
 * Anything else that asks "which VMs are there" (apply's MAC check) asks here.
 */
export function vmOf(o: ObjectContent): Vm | null {
  return prop<boolean>(o, 'config.template') ? null : toVm(o);
}

function toVm(o: ObjectContent): Vm {
  const devices = prop<VirtualEthernetCard[]>(o, 'config.hardware.device') ?? [];
  return {
    moref: o.obj.value,
    name: prop<string>(o, 'name') ?? o.obj.value,
    host: prop<MoRef>(o, 'runtime.host')?.value ?? null,
    powerState: prop<string>(o, 'runtime.powerState') ?? 'poweredOff',
    connectionState: prop<string>(o, 'runtime.connectionState') ?? 'connected',
    bootTime: prop<string>(o, 'runtime.bootTime') ?? null,
    guestId: prop<string>(o, 'config.guestId') ?? null,
    toolsRunningStatus: prop<string>(o, 'guest.toolsRunningStatus') ?? null,
    nics: devices.filter(isEthernetCard).map(toNic),
    guestNics: (prop<GuestNicInfo[]>(o, 'guest.net') ?? []).map(toGuestNic),
  };
}

// Every ethernet card type (VirtualVmxnet3, VirtualE1000e, VirtualSriovEthernetCard, …) has a MAC and addressType.
export function isEthernetCard(device: VirtualEthernetCard): boolean {
  return 'addressType' in device || 'macAddress' in device;
}

function toNic(device: VirtualEthernetCard): VmNic {
  return {
    key: device.key,
    label: device.deviceInfo?.label ?? `device ${device.key}`,
    deviceType: device._typeName ?? 'VirtualEthernetCard',
    macAddress: normalizeMac(device.macAddress),
    addressType: device.addressType ?? 'assigned',
    connected: device.connectable?.connected ?? false,
    backing: toBacking(device.backing),
    device,
  };
}

function toBacking(backing: VirtualEthernetCard['backing']): NicBacking {
  if (backing?.port) {
    return {
      kind: 'distributed',
      switchUuid: backing.port.switchUuid,
      portgroupKey: backing.port.portgroupKey ?? null,
      portKey: backing.port.portKey ?? null,
    };
  }
  if (backing?.deviceName !== undefined && backing._typeName === 'VirtualEthernetCardNetworkBackingInfo') {
    return { kind: 'standard', portgroup: backing.deviceName, network: backing.network?.value ?? null };
  }
  if (backing?._typeName === 'VirtualEthernetCardOpaqueNetworkBackingInfo') {
    return { kind: 'opaque', opaqueNetworkId: backing.opaqueNetworkId ?? '', opaqueNetworkType: backing.opaqueNetworkType ?? '' };
  }
  return { kind: 'other', type: backing?._typeName ?? 'none' };
}

function toGuestNic(nic: GuestNicInfo): GuestNic {
  return {
    deviceConfigId: nic.deviceConfigId,
    macAddress: normalizeMac(nic.macAddress),
    network: nic.network ?? null,
    connected: nic.connected,
  };
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name.localeCompare(b.name);
}
