// The typed inventory everything else works on: audit and planning are pure
// functions of it. Raw vim25 specs are kept where a change must send them
// back (read-modify-write), everything else is flattened to what is used.
import type {
  DVPortgroupConfigInfo,
  HostNetworkPolicy,
  HostOpaqueNetworkInfo,
  HostPortGroupSpec,
  HostVirtualSwitchSpec,
  MoRef,
  VirtualEthernetCard,
  VMwareDVSPortSetting,
} from '../vsphere/types.js';

export interface Endpoint {
  /** host[:port] as the user gave it. */
  readonly host: string;
  readonly apiType: string;
  readonly apiVersion: string;
  readonly fullName: string;
  readonly instanceUuid?: string;
}

export interface Inventory {
  readonly endpoint: Endpoint;
  readonly hosts: readonly Host[];
  readonly dvSwitches: readonly DvSwitch[];
  readonly vms: readonly Vm[];
  /** Objects some of whose properties vCenter did not return (missingSet): what rests on them is not known. */
  readonly unread?: readonly Unread[];
}

/** Properties of one object that vCenter answered with a fault instead of a value (ObjectContent.missingSet). */
export interface Unread {
  readonly moref: string;
  /** The managed object type: VirtualMachine, HostSystem, … */
  readonly type: string;
  readonly name: string;
  readonly paths: readonly string[];
  /** The fault's type (NoPermission, …), or null where vCenter gave none. */
  readonly fault: string | null;
}

export interface Host {
  readonly moref: string;
  readonly name: string;
  readonly datacenter: string | null;
  readonly cluster: string | null;
  readonly version: string;
  readonly build: string;
  readonly connectionState: string;
  /** The HostNetworkSystem that UpdatePortGroup/UpdateVirtualSwitch are called on. */
  readonly networkSystem: MoRef | null;
  readonly vswitches: readonly VSwitch[];
  readonly portgroups: readonly Portgroup[];
  /** The NSX-T segments its N-VDS carries: a NIC's opaque backing names only the id. */
  readonly opaqueNetworks: readonly HostOpaqueNetworkInfo[];
  /**
   * What the host calls itself (config.network.dnsConfig) and the IPv4/IPv6 addresses of the vmkernel
   * NICs selected for management (config.virtualNicManagerInfo): the names a syslog head may give it
   * where vCenter knows it by another.
   */
  readonly dnsConfig: { readonly hostName: string; readonly domainName: string } | null;
  readonly managementIps: readonly string[];
}

export interface VSwitch {
  readonly name: string;
  readonly key: string;
  /** Exactly as the host reports it; `policy` may be absent. */
  readonly spec: HostVirtualSwitchSpec;
  /** Names of the portgroups on this vSwitch. */
  readonly portgroups: readonly string[];
}

export interface Portgroup {
  readonly name: string;
  readonly key: string;
  readonly vswitchName: string;
  readonly vlanId: number;
  /** The portgroup's own spec: a policy field set here overrides the vSwitch. */
  readonly spec: HostPortGroupSpec;
  /** What the host says is in force (vSwitch policy with the overrides applied). */
  readonly computedPolicy: HostNetworkPolicy;
  readonly ports: readonly PortgroupPort[];
}

export interface PortgroupPort {
  /** e.g. key-vim.host.PortGroup.Port-33554436: the vmkernel port id in decimal. */
  readonly key: string;
  readonly macs: readonly string[];
  readonly type: string;
}

export interface DvSwitch {
  readonly moref: string;
  /** VmwareDistributedVirtualSwitch, as vCenter types it. */
  readonly type: string;
  readonly name: string;
  readonly uuid: string;
  readonly version: string;
  readonly datacenter: string | null;
  readonly defaultPortConfig: VMwareDVSPortSetting;
  /** capability.featuresSupported.macLearningSupported, when vCenter says. */
  readonly macLearningSupported: boolean | null;
  /** Morefs of its member hosts (summary.hostMember). */
  readonly hosts: readonly string[];
  readonly portgroups: readonly DvPortgroup[];
}

export interface DvPortgroup {
  readonly moref: string;
  readonly key: string;
  readonly name: string;
  readonly configVersion: string;
  readonly dvsMoref: string;
  readonly uplink: boolean;
  readonly config: DVPortgroupConfigInfo;
}

export type NicBacking =
  | { readonly kind: 'standard'; readonly portgroup: string; readonly network: string | null }
  | { readonly kind: 'distributed'; readonly switchUuid: string; readonly portgroupKey: string | null; readonly portKey: string | null }
  /** VirtualEthernetCardOpaqueNetworkBackingInfo: an NSX-T segment on an N-VDS (opaqueNetworkType nsx.LogicalSwitch). */
  | { readonly kind: 'opaque'; readonly opaqueNetworkId: string; readonly opaqueNetworkType: string }
  | { readonly kind: 'other'; readonly type: string };

export interface VmNic {
  readonly key: number;
  readonly label: string;
  /** e.g. VirtualVmxnet3. */
  readonly deviceType: string;
  readonly macAddress: string | null;
  readonly addressType: 'assigned' | 'generated' | 'manual' | string;
  readonly connected: boolean;
  readonly backing: NicBacking;
  /** The full device, for a read-modify-write edit. */
  readonly device: VirtualEthernetCard;
}

export interface GuestNic {
  readonly deviceConfigId: number;
  readonly macAddress: string | null;
  readonly network: string | null;
  readonly connected: boolean;
}

export interface Vm {
  readonly moref: string;
  readonly name: string;
  readonly host: string | null;
  readonly powerState: 'poweredOn' | 'poweredOff' | 'suspended' | string;
  /** runtime.connectionState: orphaned, inaccessible and invalid VMs have no configuration vCenter can show. */
  readonly connectionState: 'connected' | 'disconnected' | 'orphaned' | 'inaccessible' | 'invalid' | string;
  /** runtime.bootTime: when it was last powered on (unset while off); its standard ports are no older. */
  readonly bootTime: string | null;
  /** config.guestId; vmkernel* marks a nested ESXi. */
  readonly guestId: string | null;
  readonly toolsRunningStatus: string | null;
  readonly nics: readonly VmNic[];
  readonly guestNics: readonly GuestNic[];
}

/**
 * A nested hypervisor (config.guestId vmkernel*: nested ESXi): its own VMs
 * send from their MACs through its vNIC, so besides MAC changes it needs
 * Forged transmits = Accept (and, on a standard switch, promiscuous mode).
 */
export function isNestedHypervisor(vm: Pick<Vm, 'guestId'>): boolean {
  return vm.guestId?.startsWith('vmkernel') ?? false;
}

/** ManagedEntity.name escapes /, \ and % (as %2f, %5c, %25); ESXi's client names and the vSphere Client do not. */
export function displayName(name: string): string {
  return name.replace(/%(2f|5c|25)/gi, (code) => String.fromCharCode(parseInt(code.slice(1), 16)));
}

const NORMAL_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/** Lower-case colon form, or null for anything that is not a 6-byte MAC. */
export function normalizeMac(mac: string | null | undefined): string | null {
  if (!mac) return null;
  // Nearly always already so (vSphere writes MACs this way): returned as it is, with no copies made.
  if (NORMAL_MAC.test(mac)) return mac;
  const hex = mac.replace(/[-:.]/g, '').toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}
