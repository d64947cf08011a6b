// Where each NIC is attached and which MAC policy is in force there: the
// inventory's portgroups plus, on a DVS, the runtime state of the NIC's port.
import type { DvPortgroup, DvSwitch, Host, Portgroup, Vm, VmNic, VSwitch } from '../inventory/model.js';
import type { InventoryIndex } from '../inventory/lookup.js';
import { distributedPolicy, macLearning, setInNsx, standardPolicy, type EffectiveValue } from '../inventory/policy.js';
import type { DvPortState } from '../evidence/types.js';

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
    }
  | {
      /** An NSX-T segment on an N-VDS: vCenter shows no portgroup for it, and its MAC policy is NSX's. */
      readonly kind: 'opaque';
      readonly opaqueNetworkId: string;
      /** As the NIC's host names the segment, when it does. */
      readonly opaqueNetworkName: string | null;
      readonly opaqueNetworkType: string;
      readonly macChanges: EffectiveValue;
    };

/** Where MAC changes are allowed or not in NSX (a segment's MAC discovery profile), which vCenter does not show. */
const IN_NSX: EffectiveValue = { value: null, source: 'nsx' };

/** On an NSX segment, where NSX, not vSphere, holds the MAC policy and vCenter does not show it. */
export function inNsx(att: Attachment): boolean {
  return att.macChanges.source === 'nsx';
}

/** Where vSphere's own policy allows MAC changes now (never where NSX decides): a block there is history. */
export function acceptsMacChanges(att: Attachment): boolean {
  return !inNsx(att) && att.macChanges.value !== false;
}

/** The portgroup's name, or an N-VDS segment's as its host names it (else its opaqueNetworkId, all the NIC's backing says). */
export function networkName(att: Attachment): string {
  return att.kind === 'opaque' ? att.opaqueNetworkName ?? att.opaqueNetworkId : att.portgroup.name;
}

export class Attachments {
  private readonly ports = new Map<string, DvPortState>();

  constructor(
    readonly index: InventoryIndex,
    dvPorts: readonly DvPortState[] = [],
  ) {
    for (const port of dvPorts) this.ports.set(`${port.dvsUuid}/${port.portKey}`, port);
  }

  port(uuid: string, portKey: string | null): DvPortState | undefined {
    return portKey === null ? undefined : this.ports.get(`${uuid}/${portKey}`);
  }

  /** Where the NIC is attached and the MAC-changes policy in force there; undefined if not on a known portgroup. */
  attach(vm: Vm, nic: VmNic): Attachment | undefined {
    const backing = nic.backing;
    if (backing.kind === 'standard') {
      const host = this.index.host(vm.host);
      const portgroup = host?.portgroups.find((pg) => pg.name === backing.portgroup);
      if (!host || !portgroup) return undefined;
      const vswitch = host.vswitches.find((vs) => vs.name === portgroup.vswitchName);
      return { kind: 'standard', host, vswitch, portgroup, macChanges: standardPolicy(host, portgroup, 'macChanges') };
    }
    if (backing.kind === 'distributed' && backing.portgroupKey) {
      const dvs = this.index.dvsByUuid.get(backing.switchUuid);
      const portgroup = this.index.dvPortgroup(backing.switchUuid, backing.portgroupKey);
      if (!dvs || !portgroup) return undefined;
      const port = this.port(backing.switchUuid, backing.portKey);
      const setting = port?.setting ?? undefined;
      const nsx = setInNsx(portgroup);
      return {
        kind: 'distributed', dvs, portgroup, port,
        macChanges: nsx ? IN_NSX : distributedPolicy(dvs, portgroup, 'macChanges', setting),
        macLearning: !nsx && macLearning(dvs, portgroup, setting),
      };
    }
    if (backing.kind === 'opaque') {
      const named = this.index.host(vm.host)?.opaqueNetworks.find((n) => n.opaqueNetworkId === backing.opaqueNetworkId);
      const { opaqueNetworkId, opaqueNetworkType } = backing;
      return { kind: 'opaque', opaqueNetworkId, opaqueNetworkType, opaqueNetworkName: named?.opaqueNetworkName ?? null, macChanges: IN_NSX };
    }
    return undefined;
  }
}
