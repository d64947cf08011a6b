// mac-accept-unneeded: an Accept that no VM seems to need. The hardening
// guide recommends Reject, so each one is worth a look; it is only info,
// because a VM without guest info might still change its MAC.
import type { Host } from '../inventory/model.js';
import type { InventoryIndex, NicRef } from '../inventory/lookup.js';
import { distributedPolicy, dvsLevel, setInNsx, standardPolicy, vswitchSetting, type PolicySource } from '../inventory/policy.js';
import { findingId, SEVERITY, type Finding } from './finding.js';
import { HARDENING_NOTE } from './remedies.js';

interface Holder {
  readonly id: string;
  readonly host: Host | null;
  readonly datacenter: string | null;
  readonly switch: Finding['switch'];
  readonly portgroup: string | null;
  /** A dvPortgroup's moref (a standard portgroup's Network moref is not in the host's config). */
  readonly portgroupMoref?: string;
  readonly source: PolicySource;
  readonly what: string;
  readonly nics: NicRef[];
}

/** @param needed policy holders (see policyHolder) where some VM changes its MAC. */
export function unneededAccept(index: InventoryIndex, needed: ReadonlySet<string>): Finding[] {
  const holders = new Map<string, Holder>();
  const hold = (holder: Omit<Holder, 'nics'>, nics: readonly NicRef[]) => {
    const known = holders.get(holder.id) ?? { ...holder, nics: [] };
    known.nics.push(...nics);
    holders.set(holder.id, known);
  };

  for (const host of index.inventory.hosts) {
    const place = { host, datacenter: host.datacenter };
    for (const vs of host.vswitches) {
      if (vswitchSetting(vs, 'macChanges') === true) {
        hold({ id: `vs/${host.moref}/${vs.name}`, ...place, switch: { type: 'standard', name: vs.name }, portgroup: null, source: 'vswitch', what: `vSwitch "${vs.name}" on ${host.name}` }, []);
      }
    }
    for (const pg of host.portgroups) {
      const policy = standardPolicy(host, pg, 'macChanges');
      if (policy.value !== true) continue;
      const nics = index.nicsOnStandard(host.moref, pg.name);
      const sw = { type: 'standard' as const, name: pg.vswitchName };
      if (policy.source === 'portgroup') {
        hold({ id: `pg/${host.moref}/${pg.name}`, ...place, switch: sw, portgroup: pg.name, source: 'portgroup', what: `portgroup "${pg.name}" on ${host.name}` }, nics);
      } else {
        hold({ id: `vs/${host.moref}/${pg.vswitchName}`, ...place, switch: sw, portgroup: null, source: 'vswitch', what: `vSwitch "${pg.vswitchName}" on ${host.name}` }, nics);
      }
    }
  }
  for (const dvs of index.inventory.dvSwitches) {
    const place = { host: null, datacenter: dvs.datacenter, switch: { type: 'distributed' as const, name: dvs.name } };
    const dvsHolder = { id: `dvs/${dvs.uuid}`, ...place, portgroup: null, source: 'dvs' as const, what: `distributed switch "${dvs.name}" (default port policy)` };
    if (dvsLevel(dvs.defaultPortConfig, 'macChanges') === true) hold(dvsHolder, []);
    for (const pg of dvs.portgroups) {
      // An NSX segment's Accept, as vCenter shows it, is not what is in force nor a setting vSphere changes.
      if (pg.uplink || setInNsx(pg)) continue;
      const policy = distributedPolicy(dvs, pg, 'macChanges');
      if (policy.value !== true) continue;
      const nics = index.nicsOnDvPortgroup(dvs.uuid, pg.key);
      if (policy.source === 'dvs') hold(dvsHolder, nics);
      else hold({ id: `dvpg/${dvs.uuid}/${pg.key}`, ...place, portgroup: pg.name, portgroupMoref: pg.moref, source: 'dvportgroup', what: `dvPortgroup "${pg.name}" (${dvs.name})` }, nics);
    }
  }

  return [...holders.values()].filter((h) => !needed.has(h.id)).map(toFinding);
}

function toFinding(h: Holder): Finding {
  const vms = new Set(h.nics.map((n) => n.vm.name));
  const blind = new Set(h.nics.filter((n) => n.vm.toolsRunningStatus !== 'guestToolsRunning').map((n) => n.vm.name));
  // A switch's Accept reaches only the portgroups that inherit it: VMs on the others are not "on it".
  const inherited = h.source === 'vswitch' || h.source === 'dvs';
  const onIt = vms.size
    ? `none of the ${vms.size} VM(s) ${inherited ? 'on portgroups that inherit it' : 'on it'} shows a MAC change`
    : `no VM is ${inherited ? 'on a portgroup that inherits it' : 'on it'}`;
  const caveat = blind.size ? ` (${blind.size} of them report no guest info, so a change there cannot be ruled out)` : '';
  return {
    id: findingId('mac-accept-unneeded', h.id),
    kind: 'mac-accept-unneeded',
    severity: SEVERITY['mac-accept-unneeded'],
    summary: `MAC address changes is Accept on ${h.what}, but ${onIt}${caveat}. ${HARDENING_NOTE}`,
    vm: null,
    nic: null,
    host: h.host ? { name: h.host.name, moref: h.host.moref } : null,
    datacenter: h.datacenter,
    cluster: h.host?.cluster ?? null,
    switch: h.switch,
    portgroup: h.portgroup ? { name: h.portgroup, moref: h.portgroupMoref ?? null, portKey: null } : null,
    policy: { macChanges: 'accept', source: h.source },
    evidence: [],
    remedies: [],
  };
}
