// TypeScript shapes of the vim25 data objects vmfix reads and writes, named
// and spelled as in the vSphere API (vim25/types/types.go is the reference).
// Decoded objects also carry `_typeName`, their concrete vim25 type, which
// the encoder needs to send a read-modify-write spec back faithfully.

export interface MoRef {
  readonly type: string;
  readonly value: string;
}

export interface DataObject {
  _typeName?: string;
}

export interface AboutInfo extends DataObject {
  name: string;
  fullName: string;
  version: string;
  build: string;
  apiType: 'VirtualCenter' | 'HostAgent' | string;
  apiVersion: string;
  instanceUuid?: string;
}

export interface ServiceContent extends DataObject {
  rootFolder: MoRef;
  propertyCollector: MoRef;
  viewManager?: MoRef;
  about: AboutInfo;
  sessionManager?: MoRef;
  diagnosticManager?: MoRef;
  taskManager?: MoRef;
  eventManager?: MoRef;
}

export interface UserSession extends DataObject {
  userName: string;
  fullName?: string;
}

export interface DynamicProperty {
  name: string;
  val: unknown;
}

export interface ObjectContent {
  obj: MoRef;
  propSet?: DynamicProperty[];
  missingSet?: { path: string; fault: { fault?: Record<string, unknown>; localizedMessage?: string } }[];
}

export interface RetrieveResult {
  token?: string;
  objects?: ObjectContent[];
}

export interface LocalizedMethodFault {
  fault?: Record<string, unknown>;
  localizedMessage?: string;
}

export interface TaskInfo extends DataObject {
  key: string;
  task: MoRef;
  state: 'queued' | 'running' | 'success' | 'error';
  entity?: MoRef;
  error?: LocalizedMethodFault;
  result?: unknown;
  descriptionId?: string;
}

// --- Standard switches (HostNetworkSystem) ---

export interface HostNetworkSecurityPolicy extends DataObject {
  allowPromiscuous?: boolean;
  macChanges?: boolean;
  forgedTransmits?: boolean;
}

export interface HostNetworkPolicy extends DataObject {
  security?: HostNetworkSecurityPolicy;
  nicTeaming?: DataObject;
  offloadPolicy?: DataObject;
  shapingPolicy?: DataObject;
}

export interface HostVirtualSwitchSpec extends DataObject {
  numPorts: number;
  bridge?: DataObject;
  policy?: HostNetworkPolicy;
  mtu?: number;
}

export interface HostVirtualSwitch extends DataObject {
  name: string;
  key: string;
  numPorts: number;
  mtu?: number;
  portgroup?: string[];
  pnic?: string[];
  spec: HostVirtualSwitchSpec;
}

export interface HostPortGroupSpec extends DataObject {
  name: string;
  vlanId: number;
  vswitchName: string;
  policy: HostNetworkPolicy;
}

export interface HostPortGroupPort extends DataObject {
  key?: string;
  mac?: string[];
  type: string;
}

export interface HostPortGroup extends DataObject {
  key?: string;
  port?: HostPortGroupPort[];
  vswitch?: string;
  computedPolicy: HostNetworkPolicy;
  spec: HostPortGroupSpec;
}

/** An NSX-T segment the host's N-VDS carries (config.network.opaqueNetwork). */
export interface HostOpaqueNetworkInfo extends DataObject {
  opaqueNetworkId: string;
  opaqueNetworkName: string;
  opaqueNetworkType: string;
}

/** What the host calls itself (config.network.dnsConfig): vCenter's name for it may be its IP address. */
export interface HostDnsConfig extends DataObject {
  hostName: string;
  domainName: string;
}

/** A vmkernel NIC, of which the audit reads the addresses. */
export interface HostVirtualNic extends DataObject {
  device: string;
  key: string;
  spec: { ip?: { ipAddress?: string; ipV6Config?: { ipV6Address?: { ipAddress: string }[] } } };
}

/** One service's vmkernel NICs (config.virtualNicManagerInfo.netConfig): selectedVnic holds keys of candidateVnic. */
export interface VirtualNicManagerNetConfig extends DataObject {
  nicType: string;
  candidateVnic?: HostVirtualNic[];
  selectedVnic?: string[];
}

// --- Distributed switches ---

export interface BoolPolicy extends DataObject {
  inherited: boolean;
  value?: boolean;
}

export interface DVSSecurityPolicy extends DataObject {
  inherited: boolean;
  allowPromiscuous?: BoolPolicy;
  macChanges?: BoolPolicy;
  forgedTransmits?: BoolPolicy;
}

export interface DVSMacLearningPolicy extends DataObject {
  inherited: boolean;
  enabled: boolean;
  allowUnicastFlooding?: boolean;
  limit?: number;
  limitPolicy?: string;
}

/** API 6.7+: supersedes securityPolicy; vCenter keeps the two consistent. */
export interface DVSMacManagementPolicy extends DataObject {
  inherited: boolean;
  allowPromiscuous?: boolean;
  macChanges?: boolean;
  forgedTransmits?: boolean;
  macLearningPolicy?: DVSMacLearningPolicy;
}

export interface VMwareDVSPortSetting extends DataObject {
  blocked?: BoolPolicy;
  vlan?: DataObject & { vlanId?: number | unknown[] };
  securityPolicy?: DVSSecurityPolicy;
  macManagementPolicy?: DVSMacManagementPolicy;
}

export interface VMwareDVSPortgroupPolicy extends DataObject {
  securityPolicyOverrideAllowed?: boolean;
  macManagementOverrideAllowed?: boolean;
}

export interface DVPortgroupConfigInfo extends DataObject {
  key: string;
  name: string;
  numPorts?: number;
  distributedVirtualSwitch?: MoRef;
  defaultPortConfig?: VMwareDVSPortSetting;
  description?: string;
  type?: string;
  /** "standard" (unset on vCenters before 7.0) or "nsx": an NSX segment, created and edited by NSX Manager. */
  backingType?: string;
  policy?: VMwareDVSPortgroupPolicy;
  configVersion?: string;
  uplink?: boolean;
  logicalSwitchUuid?: string;
  segmentId?: string;
}

export interface DVPortStatus extends DataObject {
  linkUp: boolean;
  blocked: boolean;
  macAddress?: string;
  statusDetail?: string;
}

export interface DistributedVirtualPort extends DataObject {
  key: string;
  portgroupKey?: string;
  dvsUuid: string;
  config: DataObject & { setting?: VMwareDVSPortSetting };
  connectee?: DataObject & { connectedEntity?: MoRef; nicKey?: string; type?: string };
  state?: DataObject & { runtimeInfo?: DVPortStatus };
}

// --- Virtual machines ---

export interface VirtualEthernetCard extends DataObject {
  key: number;
  deviceInfo?: DataObject & { label: string; summary: string };
  backing?: DataObject & {
    deviceName?: string;
    network?: MoRef;
    port?: DataObject & { switchUuid: string; portgroupKey?: string; portKey?: string; connectionCookie?: number };
    opaqueNetworkId?: string;
    opaqueNetworkType?: string;
  };
  connectable?: DataObject & { connected: boolean; startConnected: boolean };
  addressType?: string;
  macAddress?: string;
}

export interface GuestNicInfo extends DataObject {
  network?: string;
  macAddress?: string;
  connected: boolean;
  deviceConfigId: number;
}
