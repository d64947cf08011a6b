// What a plan's policy changes are for: the NICs of its findings, where the
// audit found them. A portgroup (or vSwitch, or dvPortgroup) opened for a NIC
// that has since left it, or whose VM now runs on a host the plan does not
// change, fixes nothing and widens the policy for the VMs still on it. Each
// object's own drift check cannot see that: the object itself is unchanged.
import type { Finding } from '../audit/finding.js';
import type { VirtualEthernetCard } from '../vsphere/types.js';
import type { Action, Change } from './schema.js';

/** Where a VM is now: its host and its devices (undefined in the map: the VM no longer exists). */
export interface VmPlace {
  readonly host: { readonly moref: string; readonly name: string } | null;
  readonly devices: readonly VirtualEthernetCard[];
}

/** Changes that open a policy for the NICs on an object (a dedicated copy's NICs are moved by an EditNic, itself checked). */
const OPENS = new Set<Action>(['UpdatePortGroup', 'UpdateVirtualSwitch', 'ReconfigureDVPortgroup']);

/** The findings whose NIC the plan's policy changes are for, with those changes. */
export function openedFor(findings: readonly Finding[], changes: readonly Change[]): { finding: Finding; changes: Change[] }[] {
  return findings
    .filter((f) => f.vm?.moref && f.nic)
    .map((finding) => ({ finding, changes: changes.filter((c) => OPENS.has(c.action) && c.findings.includes(finding.id)) }))
    .filter((f) => f.changes.length > 0);
}

/** Why each such NIC is no longer where the plan's changes reach it, in words; empty when every one is. */
export function nicsMoved(findings: readonly Finding[], changes: readonly Change[], places: ReadonlyMap<string, VmPlace | undefined>): string[] {
  const out: string[] = [];
  for (const { finding, changes: mine } of openedFor(findings, changes)) {
    const vm = finding.vm!;
    const nic = finding.nic!;
    const ids = mine.map((c) => c.id).join(', ');
    const say = (why: string) => out.push(`${vm.name} ${nic.label}, which ${ids} ${mine.length > 1 ? 'are' : 'is'} for: ${why}`);
    const place = places.get(vm.moref!);
    if (!place) {
      say(`the VM (${vm.moref}) no longer exists`);
      continue;
    }
    const device = place.devices.find((d) => d.key === nic.key);
    if (!device) {
      say('the NIC no longer exists');
      continue;
    }
    const port = device.backing?.port;
    const standard = mine.flatMap((c) => (c.target.type === 'HostPortGroup' || c.target.type === 'HostVirtualSwitch' ? [c.target] : []));
    if (standard.length) {
      const planned = finding.portgroup?.name ?? '';
      const network = port ? 'a distributed portgroup' : `"${device.backing?.deviceName ?? '?'}"`;
      if (port || device.backing?.deviceName !== planned) {
        say(`it is on ${network} now, not "${planned}"`);
        continue;
      }
      const hosts = new Set([finding.host?.moref, ...standard.map((t) => t.host.moref)]);
      if (place.host && !hosts.has(place.host.moref)) say(`the VM runs on ${place.host.name} now, whose "${planned}" this plan does not change`);
      continue;
    }
    for (const c of mine) {
      if (c.target.type !== 'DistributedVirtualPortgroup') continue;
      const { dvs, portgroup } = c.target;
      if (port?.switchUuid !== dvs.uuid || port.portgroupKey !== portgroup.key) {
        say(`it is on ${port ? `dvPortgroup ${port.portgroupKey ?? '?'}` : `"${device.backing?.deviceName ?? '?'}"`} now, not "${portgroup.name}"`);
        break;
      }
    }
  }
  return out;
}
