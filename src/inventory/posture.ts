// `vmfix inventory`: the security-policy posture of every vSwitch,
// portgroup, DVS and dvPortgroup, as set and as in force, MAC learning
// where a DVS has it; --portgroup narrows it to some portgroups. Pure.
import { InventoryIndex, type NicRef } from './lookup.js';
import {
  distributedPolicy, dvPortgroupSetting, dvsLevel, macLearning, ownWord, portgroupSetting, SECURITY_FIELDS, setInNsx, settingWord, standardPolicy, vswitchSetting,
  type Own, type SecurityField, type Setting,
} from './policy.js';
import type { Inventory } from './model.js';
import { selectNames } from './scope.js';

export interface PostureReport {
  readonly schemaVersion: 1;
  readonly endpoint: string;
  readonly hosts: readonly {
    name: string;
    moref: string;
    datacenter: string | null;
    cluster: string | null;
    version: string;
    vswitches: readonly { name: string; policy: Record<SecurityField, Setting> }[];
    portgroups: readonly {
      name: string;
      vswitch: string;
      vlanId: number;
      policy: Record<SecurityField, Own>;
      effective: Record<SecurityField, Setting>;
      vms: readonly string[];
    }[];
  }[];
  readonly dvSwitches: readonly {
    name: string;
    moref: string;
    uuid: string;
    version: string;
    datacenter: string | null;
    policy: Record<SecurityField, Setting>;
    /** Whether ports learn the MACs behind a vNIC by default (DVS 6.6+). */
    macLearning: boolean;
    portgroups: readonly {
      name: string;
      moref: string;
      key: string;
      vlanId: number | null;
      policy: Record<SecurityField, Own>;
      effective: Record<SecurityField, Setting>;
      /** In force on the dvPortgroup's ports (set here or inherited from the DVS). */
      macLearning: boolean;
      vms: readonly string[];
      /** Only on an NSX segment: NSX's profiles are in force there, so `effective` is unset and macLearning false. */
      backingType?: 'nsx';
    }[];
  }[];
}

function fields<T>(get: (field: SecurityField) => T): Record<SecurityField, T> {
  return Object.fromEntries(SECURITY_FIELDS.map((f) => [f, get(f)])) as Record<SecurityField, T>;
}

/** @param portgroups patterns: only portgroups and dvPortgroups so named, and the switches and hosts that have them */
export function posture(inventory: Inventory, portgroups?: readonly string[]): PostureReport {
  const full = fullPosture(inventory);
  if (!portgroups?.length) return full;
  const names = [...full.hosts.flatMap((h) => h.portgroups), ...full.dvSwitches.flatMap((d) => d.portgroups)].map((p) => p.name);
  const keep = selectNames('portgroup', portgroups, names);
  const hosts = full.hosts
    .map((h) => {
      const pgs = h.portgroups.filter((p) => keep(p.name));
      return { ...h, portgroups: pgs, vswitches: h.vswitches.filter((v) => pgs.some((p) => p.vswitch === v.name)) };
    })
    .filter((h) => h.portgroups.length);
  const dvSwitches = full.dvSwitches.map((d) => ({ ...d, portgroups: d.portgroups.filter((p) => keep(p.name)) })).filter((d) => d.portgroups.length);
  return { ...full, hosts, dvSwitches };
}

function fullPosture(inventory: Inventory): PostureReport {
  const index = new InventoryIndex(inventory);
  const names = (refs: readonly NicRef[]) => [...new Set(refs.map((r) => r.vm.name))].sort();

  return {
    schemaVersion: 1,
    endpoint: inventory.endpoint.host,
    hosts: inventory.hosts.map((host) => ({
      name: host.name,
      moref: host.moref,
      datacenter: host.datacenter,
      cluster: host.cluster,
      version: host.version,
      vswitches: host.vswitches.map((vs) => ({
        name: vs.name,
        policy: fields((f) => settingWord(vswitchSetting(vs, f))),
      })),
      portgroups: host.portgroups.map((pg) => ({
        name: pg.name,
        vswitch: pg.vswitchName,
        vlanId: pg.vlanId,
        policy: fields((f) => ownWord(portgroupSetting(pg, f))),
        effective: fields((f) => settingWord(standardPolicy(host, pg, f).value)),
        vms: names(index.nicsOnStandard(host.moref, pg.name)),
      })),
    })),
    dvSwitches: inventory.dvSwitches.map((dvs) => ({
      name: dvs.name,
      moref: dvs.moref,
      uuid: dvs.uuid,
      version: dvs.version,
      datacenter: dvs.datacenter,
      policy: fields((f) => settingWord(dvsLevel(dvs.defaultPortConfig, f))),
      macLearning: dvs.defaultPortConfig?.macManagementPolicy?.macLearningPolicy?.enabled === true,
      portgroups: dvs.portgroups
        .filter((pg) => !pg.uplink)
        .map((pg) => {
          const nsx = setInNsx(pg);
          return {
            name: pg.name,
            moref: pg.moref,
            key: pg.key,
            vlanId: typeof pg.config.defaultPortConfig?.vlan?.vlanId === 'number' ? pg.config.defaultPortConfig.vlan.vlanId : null,
            policy: fields((f) => ownWord(dvPortgroupSetting(pg, f))),
            effective: fields((f) => (nsx ? 'unset' : settingWord(distributedPolicy(dvs, pg, f).value))),
            macLearning: !nsx && macLearning(dvs, pg),
            vms: names(index.nicsOnDvPortgroup(dvs.uuid, pg.key)),
            ...(nsx ? { backingType: 'nsx' as const } : {}),
          };
        }),
    })),
  };
}
