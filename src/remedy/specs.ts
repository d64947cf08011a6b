// Read-modify-write, the pure part: a copy of the current spec with exactly
// one field set. Objects created along the path get their vim25 type from
// the schema, so the encoder can send them.
import { typeInfo } from '../vsphere/schema.js';
import type {
  DVPortgroupConfigInfo,
  DVSMacManagementPolicy,
  HostPortGroupSpec,
  VirtualEthernetCard,
} from '../vsphere/types.js';
import { clone } from './change.js';

type Obj = Record<string, unknown>;

export function getPath(spec: unknown, path: string): unknown {
  let node: unknown = spec;
  for (const part of path.split('.')) node = node && typeof node === 'object' ? (node as Obj)[part] : undefined;
  return node;
}

/** A copy of `spec` (of vim25 type `type`) with `path` set to `value`; undefined removes the field. */
export function setPath<T>(type: string, spec: T, path: string, value: unknown): T {
  const copy = clone(spec) as Obj;
  const parts = path.split('.');
  let node = copy;
  let nodeType = (copy._typeName as string | undefined) ?? type;
  for (const part of parts.slice(0, -1)) {
    const fieldType = typeInfo(nodeType)?.byName.get(part)?.type ?? 'DynamicData';
    if (!node[part] || typeof node[part] !== 'object') node[part] = { _typeName: fieldType };
    node = node[part] as Obj;
    nodeType = (node._typeName as string | undefined) ?? fieldType;
  }
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = clone(value);
  return copy as T;
}

// --- Standard switches ---

export const SECURITY_MAC_CHANGES = 'policy.security.macChanges';
export const SECURITY_FORGED_TRANSMITS = 'policy.security.forgedTransmits';

/**
 * A new portgroup beside `spec`: same vSwitch, VLAN and policies, its own
 * name, MAC changes Accept (and, for a nested hypervisor, forged transmits).
 */
export function dedicatedPortgroupSpec(spec: HostPortGroupSpec, name: string, nested = false): HostPortGroupSpec {
  const accept = setPath('HostPortGroupSpec', { ...clone(spec), name }, SECURITY_MAC_CHANGES, true);
  return nested ? setPath('HostPortGroupSpec', accept, SECURITY_FORGED_TRANSMITS, true) : accept;
}

// --- dvPortgroups ---

/** 6.7+ vCenters carry macManagementPolicy; older ones only the deprecated securityPolicy. */
export function dvMacField(config: DVPortgroupConfigInfo): 'defaultPortConfig.macManagementPolicy' | 'defaultPortConfig.securityPolicy' {
  return config.defaultPortConfig?.macManagementPolicy ? 'defaultPortConfig.macManagementPolicy' : 'defaultPortConfig.securityPolicy';
}

/**
 * The MAC policy object with MAC changes = Accept (for a nested hypervisor
 * forged transmits too), set on the portgroup itself (inherited: false),
 * every other value as it is in force now.
 */
export function dvAcceptPolicy(config: DVPortgroupConfigInfo, nested = false): unknown {
  const setting = config.defaultPortConfig ?? {};
  if (setting.macManagementPolicy) {
    return { ...clone(setting.macManagementPolicy), inherited: false, macChanges: true, ...(nested ? { forgedTransmits: true } : {}) };
  }
  const legacy = clone(setting.securityPolicy) ?? { _typeName: 'DVSSecurityPolicy', inherited: false };
  const accept = { _typeName: 'BoolPolicy', inherited: false, value: true };
  return { ...legacy, inherited: false, macChanges: accept, ...(nested ? { forgedTransmits: accept } : {}) };
}

const MAC_LEARNING_DEFAULTS = { enabled: true, allowUnicastFlooding: true, limit: 4096, limitPolicy: 'DROP' };

/** MAC learning on (for a nested hypervisor with forged transmits, which it still needs: William Lam, "Native MAC Learning in vSphere 6.7"). */
export function dvMacLearningPolicy(config: DVPortgroupConfigInfo, nested = false): DVSMacManagementPolicy {
  const current = clone(config.defaultPortConfig?.macManagementPolicy) ?? { _typeName: 'DVSMacManagementPolicy', inherited: false };
  return {
    ...current,
    inherited: false,
    ...(nested ? { forgedTransmits: true } : {}),
    macLearningPolicy: { _typeName: 'DVSMacLearningPolicy', ...MAC_LEARNING_DEFAULTS, ...current.macLearningPolicy, enabled: true, inherited: false },
  };
}

/**
 * ReconfigureDVPortgroup_Task is a delta: the spec carries the configVersion
 * it was computed from (vCenter refuses a stale one with ConcurrentAccess)
 * and only the field that changes.
 */
export function dvReconfigureSpec(configVersion: string, field: string, value: unknown): Obj {
  // The schema declares defaultPortConfig as DVPortSetting; the MAC policies live on its VMware subtype.
  const spec = { _typeName: 'DVPortgroupConfigSpec', configVersion, defaultPortConfig: { _typeName: 'VMwareDVSPortSetting' } };
  return setPath('DVPortgroupConfigSpec', spec, field, value);
}

/** DVPortgroupConfigInfo fields that a DVPortgroupConfigSpec also has, in a create spec. */
const CLONED = [
  'numPorts', 'portNameFormat', 'defaultPortConfig', 'description', 'type', 'backingType', 'policy',
  'vendorSpecificConfig', 'autoExpand', 'vmVnicNetworkResourcePoolKey',
] as const;

export function dvCloneSpec(config: DVPortgroupConfigInfo, name: string, nested = false): Obj {
  const spec: Obj = { _typeName: 'DVPortgroupConfigSpec', name };
  for (const field of CLONED) {
    const value = (config as unknown as Obj)[field];
    if (value !== undefined) spec[field] = clone(value);
  }
  return setPath('DVPortgroupConfigSpec', spec, dvMacField(config), dvAcceptPolicy(config, nested));
}

// --- Dedicated copies ---

/** What vmfix sets on a dedicated copy's MAC policy; everything else is the source's. */
const COPY_SETS = ['inherited', 'macChanges', 'forgedTransmits'] as const;

/**
 * The copy of `source` (a HostPortGroupSpec, or a dvPortgroup's config) that a
 * dedicated portgroup would be if made now, holding the name and the values
 * vmfix sets that `planned` holds: equal to `planned` only if the source is
 * still as it was when `planned` was made from it.
 */
export function copyNow(action: 'AddPortGroup' | 'CreateDVPortgroup', source: unknown, planned: unknown): unknown {
  const name = (planned as { name?: string } | null)?.name ?? '';
  if (action === 'AddPortGroup') {
    const copy = setPath('HostPortGroupSpec', { ...clone(source as HostPortGroupSpec), name }, SECURITY_MAC_CHANGES, getPath(planned, SECURITY_MAC_CHANGES));
    return setPath('HostPortGroupSpec', copy, SECURITY_FORGED_TRANSMITS, getPath(planned, SECURITY_FORGED_TRANSMITS));
  }
  const config = source as DVPortgroupConfigInfo;
  const field = dvMacField(config);
  const policy = clone((getPath(config, field) ?? {}) as Obj);
  const wanted = (getPath(planned, field) ?? {}) as Obj;
  for (const key of COPY_SETS) {
    if (wanted[key] === undefined) delete policy[key];
    else policy[key] = clone(wanted[key]);
  }
  return setPath('DVPortgroupConfigSpec', dvCloneSpec(config, name), field, policy);
}

// --- VM NICs ---

export function pinnedNic(device: VirtualEthernetCard, mac: string): VirtualEthernetCard {
  return { ...clone(device), addressType: 'manual', macAddress: mac };
}

/** govc's way: a standard backing names the portgroup; vCenter finds the Network. */
export function standardBacking(device: VirtualEthernetCard, portgroup: string): VirtualEthernetCard['backing'] {
  const { network: _network, port: _port, ...rest } = clone(device.backing ?? {});
  return { ...rest, _typeName: 'VirtualEthernetCardNetworkBackingInfo', deviceName: portgroup };
}

/** A dvPortgroup backing without a port key: vCenter picks a free port. */
export function distributedBacking(switchUuid: string, portgroupKey: string): VirtualEthernetCard['backing'] {
  return {
    _typeName: 'VirtualEthernetCardDistributedVirtualPortBackingInfo',
    port: { _typeName: 'DistributedVirtualSwitchPortConnection', switchUuid, portgroupKey },
  };
}

/** What of a DVPortSetting to show people. */
export function describeDvPolicy(value: unknown): string {
  const policy = value as (Record<'macChanges' | 'forgedTransmits', unknown> & { inherited?: boolean; macLearningPolicy?: { enabled?: boolean } }) | undefined;
  if (!policy) return 'unset';
  // macManagementPolicy holds booleans; the legacy securityPolicy BoolPolicy objects.
  const word = (v: unknown) => {
    const b = v && typeof v === 'object' ? (v as { value?: boolean }).value : v;
    return b === true ? 'accept' : b === false ? 'reject' : 'unset';
  };
  const learning = policy.macLearningPolicy?.enabled ? ', MAC learning on' : '';
  return `${policy.inherited ? 'inherited' : 'set here'}: MAC changes ${word(policy.macChanges)}, forged transmits ${word(policy.forgedTransmits)}${learning}`;
}

