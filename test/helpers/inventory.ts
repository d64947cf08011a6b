// Small builders for typed inventories, for the pure audit and planning
// tests: realistic defaults, overridden where a test cares.
import type { DvPortgroup, DvSwitch, Host, Inventory, Portgroup, Vm, VmNic, VSwitch } from '../../src/inventory/model.js';
import type { HostNetworkSecurityPolicy, VMwareDVSPortSetting } from '../../src/vsphere/types.js';

export function security(policy: HostNetworkSecurityPolicy): HostNetworkSecurityPolicy {
  return { _typeName: 'HostNetworkSecurityPolicy', ...policy };
}

export function vswitch(name: string, macChanges: boolean | undefined, portgroups: string[] = []): VSwitch {
  return {
    name,
    key: `key-vim.host.VirtualSwitch-${name}`,
    spec: {
      _typeName: 'HostVirtualSwitchSpec',
      numPorts: 128,
      mtu: 1500,
      ...(macChanges === undefined ? {} : { policy: { _typeName: 'HostNetworkPolicy', security: security({ allowPromiscuous: false, macChanges, forgedTransmits: false }) } }),
    },
    portgroups,
  };
}

/** A standard portgroup; `own` is its override (undefined: inherit), `effective` what the host computes. */
export function portgroup(name: string, vs: string, own: boolean | undefined, effective: boolean, ports: { id: number; mac: string }[] = [], vlanId = 0): Portgroup {
  return {
    name,
    key: `key-vim.host.PortGroup-${name}`,
    vswitchName: vs,
    vlanId,
    spec: { _typeName: 'HostPortGroupSpec', name, vlanId, vswitchName: vs, policy: { _typeName: 'HostNetworkPolicy', ...(own === undefined ? {} : { security: security({ macChanges: own }) }) } },
    computedPolicy: { _typeName: 'HostNetworkPolicy', security: security({ allowPromiscuous: false, macChanges: effective, forgedTransmits: false }) },
    ports: ports.map((p) => ({ key: `key-vim.host.PortGroup.Port-${p.id}`, macs: [p.mac], type: 'virtualMachine' })),
  };
}

export function host(moref: string, name: string, vswitches: VSwitch[], portgroups: Portgroup[], cluster: string | null = 'Cluster-A'): Host {
  return {
    moref, name, datacenter: 'DC1', cluster, version: '8.0.2', build: '22380479', connectionState: 'connected',
    networkSystem: { type: 'HostNetworkSystem', value: `networksystem-${moref}` },
    vswitches: vswitches.map((v) => ({ ...v, portgroups: portgroups.filter((p) => p.vswitchName === v.name).map((p) => p.name) })),
    portgroups,
    opaqueNetworks: [],
    dnsConfig: null,
    managementIps: [],
  };
}

export function macPolicy(macChanges: boolean | undefined, extra: Partial<VMwareDVSPortSetting> = {}): VMwareDVSPortSetting {
  return {
    _typeName: 'VMwareDVSPortSetting',
    macManagementPolicy: macChanges === undefined
      ? { _typeName: 'DVSMacManagementPolicy', inherited: true, allowPromiscuous: false, macChanges: false, forgedTransmits: false }
      : { _typeName: 'DVSMacManagementPolicy', inherited: false, allowPromiscuous: false, macChanges, forgedTransmits: false },
    ...extra,
  };
}

export function dvPortgroup(moref: string, name: string, setting: VMwareDVSPortSetting, overrideAllowed = false): DvPortgroup {
  return {
    moref, key: moref, name, configVersion: '3', dvsMoref: 'dvs-1', uplink: false,
    config: {
      _typeName: 'DVPortgroupConfigInfo', key: moref, name, configVersion: '3', numPorts: 8,
      distributedVirtualSwitch: { type: 'VmwareDistributedVirtualSwitch', value: 'dvs-1' },
      defaultPortConfig: setting,
      policy: { _typeName: 'VMwareDVSPortgroupPolicy', securityPolicyOverrideAllowed: overrideAllowed, macManagementOverrideAllowed: overrideAllowed },
    },
  };
}

export function dvSwitch(portgroups: DvPortgroup[], defaultMacChanges = false, version = '8.0.0'): DvSwitch {
  return {
    moref: 'dvs-1', type: 'VmwareDistributedVirtualSwitch', name: 'DSwitch01', uuid: '50 11 22 33', version, datacenter: 'DC1',
    defaultPortConfig: macPolicy(defaultMacChanges), macLearningSupported: null, hosts: ['host-1', 'host-2'], portgroups,
  };
}

export function nic(key: number, mac: string, backing: VmNic['backing']): VmNic {
  return {
    key, label: `Network adapter ${key - 3999}`, deviceType: 'VirtualVmxnet3', macAddress: mac, addressType: 'assigned', connected: true, backing,
    device: {
      _typeName: 'VirtualVmxnet3', key, deviceInfo: { label: `Network adapter ${key - 3999}`, summary: '' }, addressType: 'assigned', macAddress: mac,
      backing: backing.kind === 'standard'
        ? { _typeName: 'VirtualEthernetCardNetworkBackingInfo', deviceName: backing.portgroup }
        : { _typeName: 'VirtualEthernetCardDistributedVirtualPortBackingInfo', port: { switchUuid: '50 11 22 33', portgroupKey: backing.kind === 'distributed' ? backing.portgroupKey ?? '' : '', portKey: backing.kind === 'distributed' ? backing.portKey ?? '' : '' } },
    },
  };
}

export const onStandard = (portgroup: string): VmNic['backing'] => ({ kind: 'standard', portgroup, network: null });
export const onDvPortgroup = (key: string, portKey: string | null = null): VmNic['backing'] => ({ kind: 'distributed', switchUuid: '50 11 22 33', portgroupKey: key, portKey });

export function vm(moref: string, name: string, hostMoref: string, nics: VmNic[], guestMacs: (string | null)[] = [], extra: Partial<Vm> = {}): Vm {
  return {
    moref, name, host: hostMoref, powerState: 'poweredOn', connectionState: 'connected', bootTime: null, guestId: 'windows2019srv_64Guest', toolsRunningStatus: 'guestToolsRunning',
    nics,
    guestNics: nics.flatMap((n, i) => (guestMacs[i] === undefined ? [{ deviceConfigId: n.key, macAddress: n.macAddress, network: null, connected: true }] : guestMacs[i] === null ? [] : [{ deviceConfigId: n.key, macAddress: guestMacs[i]!, network: null, connected: true }])),
    ...extra,
  };
}

export function inventory(hosts: Host[], vms: Vm[], dvSwitches: DvSwitch[] = []): Inventory {
  return { endpoint: { host: 'vc.test', apiType: 'VirtualCenter', apiVersion: '8.0.2.0', fullName: 'VMware vCenter Server 8.0.2' }, hosts, dvSwitches, vms };
}
