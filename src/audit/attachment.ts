// Lookups over one inventory: where each NIC is attached, which policy is in
// force there, and who else is attached. Built once per audit or plan.
import type { DvPortgroup, DvSwitch, Host, Inventory, Portgroup, Vm, VmNic, VSwitch } from '../inventory/model.js';
import type { DvPortState } from './evidence.js';
import { distributedPolicy, macLearning, standardPolicy, type EffectiveValue } from './policy.js';

export type Attachment =
  | {
      readonly kind: 'standard';
      readonly host: Host;
      readonly vswitch: VSwitch | undefined;
      readonly portgroup: Portgroup;
      readonly macChanges: EffectiveValue;
    }
  | {
      readonly kind: 'distributed';
      readonly dvs: DvSwitch;
      readonly portgroup: DvPortgroup;
      readonly port: DvPortState | undefined;
      readonly macChanges: EffectiveValue;
      /** The port learns the guest's MACs, so a different guest MAC is no violation. */
      readonly macLearning: boolean;
    };

export interface NicRef {
  readonly vm: Vm;
  readonly nic: VmNic;
}

export class InventoryIndex {
  readonly hosts = new Map<string, Host>();
  readonly dvsByUuid = new Map<string, DvSwitch>();
  private readonly dvPortgroups = new Map<string, DvPortgroup>();
  private readonly ports = new Map<string, DvPortState>();
  private readonly nicsByAttachment = new Map<string, NicRef[]>();
  readonly vmsByName = new Map<string, Vm[]>();

  constructor(
    readonly inventory: Inventory,
    dvPorts: readonly DvPortState[] = [],
  ) {
    for (const host of inventory.hosts) this.hosts.set(host.moref, host);
    for (const dvs of inventory.dvSwitches) {
      this.dvsByUuid.set(dvs.uuid, dvs);
      for (const pg of dvs.portgroups) this.dvPortgroups.set(`${dvs.uuid}/${pg.key}`, pg);
    }
    for (const port of dvPorts) this.ports.set(`${port.dvsUuid}/${port.portKey}`, port);
    for (const vm of inventory.vms) {
      this.vmsByName.set(vm.name, [...(this.vmsByName.get(vm.name) ?? []), vm]);
      for (const nic of vm.nics) {
        const key = attachmentKey(vm, nic);
        if (key) this.nicsByAttachment.set(key, [...(this.nicsByAttachment.get(key) ?? []), { vm, nic }]);
      }
    }
  }

  host(moref: string | null): Host | undefined {
    return moref ? this.hosts.get(moref) : undefined;
  }

  dvPortgroup(uuid: string, key: string): DvPortgroup | undefined {
    return this.dvPortgroups.get(`${uuid}/${key}`);
  }

  port(uuid: string, portKey: string | null): DvPortState | undefined {
    return portKey === null ? undefined : this.ports.get(`${uuid}/${portKey}`);
  }

  /** Where the NIC is attached and the MAC-changes policy in force there; undefined if not on a known portgroup. */
  attach(vm: Vm, nic: VmNic): Attachment | undefined {
    const backing = nic.backing;
    if (backing.kind === 'standard') {
      const host = this.host(vm.host);
      const portgroup = host?.portgroups.find((pg) => pg.name === backing.portgroup);
      if (!host || !portgroup) return undefined;
      const vswitch = host.vswitches.find((vs) => vs.name === portgroup.vswitchName);
      return { kind: 'standard', host, vswitch, portgroup, macChanges: standardPolicy(host, portgroup, 'macChanges') };
    }
    if (backing.kind === 'distributed' && backing.portgroupKey) {
      const dvs = this.dvsByUuid.get(backing.switchUuid);
      const portgroup = this.dvPortgroup(backing.switchUuid, backing.portgroupKey);
      if (!dvs || !portgroup) return undefined;
      const port = this.port(backing.switchUuid, backing.portKey);
      const setting = port?.setting ?? undefined;
      return {
        kind: 'distributed', dvs, portgroup, port,
        macChanges: distributedPolicy(dvs, portgroup, 'macChanges', setting),
        macLearning: macLearning(dvs, portgroup, setting),
      };
    }
    return undefined;
  }

  /** Every NIC on a host's standard portgroup. */
  nicsOnStandard(hostMoref: string, portgroup: string): readonly NicRef[] {
    return this.nicsByAttachment.get(`std/${hostMoref}/${portgroup}`) ?? [];
  }

  /** Every NIC on a dvPortgroup. */
  nicsOnDvPortgroup(uuid: string, key: string): readonly NicRef[] {
    return this.nicsByAttachment.get(`dvs/${uuid}/${key}`) ?? [];
  }

  /** The hosts a standard-portgroup change must cover so vMotion/DRS keeps the VM allowed: its cluster's hosts with that portgroup. */
  clusterPeers(host: Host, portgroup: string): Host[] {
    if (!host.cluster) return [host];
    return this.inventory.hosts.filter(
      (h) => h.datacenter === host.datacenter && h.cluster === host.cluster && h.portgroups.some((pg) => pg.name === portgroup),
    );
  }
}

function attachmentKey(vm: Vm, nic: VmNic): string | undefined {
  if (nic.backing.kind === 'standard' && vm.host) return `std/${vm.host}/${nic.backing.portgroup}`;
  if (nic.backing.kind === 'distributed' && nic.backing.portgroupKey) return `dvs/${nic.backing.switchUuid}/${nic.backing.portgroupKey}`;
  return undefined;
}
