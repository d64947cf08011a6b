// What a plan's policy changes are for: the NICs of its findings, where the
// audit found them. A portgroup (or vSwitch, or dvPortgroup) opened for a NIC
// that has since left it, or whose VM now runs on a host the plan does not
// change, fixes nothing and widens the policy for the VMs still on it. Each
// object's own drift check cannot see that: the object itself is unchanged.
import type { Finding } from '../audit/finding.js';
import type { MacHolder } from '../audit/remedies.js';
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

/**
 * A manual MAC the changes would set that another NIC has (or its guest
 * sends from) now: two NICs on one MAC cut both off. The plan checked it when
 * it was made; a VM made or re-addressed since (a clone keeps a manual MAC) is
 * not in that check.
 */
export function macsTaken(changes: readonly Change[], owners: readonly MacHolder[]): string[] {
  const out: string[] = [];
  for (const c of changes) {
    const mac = manualMacSet(c);
    if (!mac || c.target.type !== 'VirtualEthernetCard') continue;
    const { vm, nicKey } = c.target;
    // Its own VM's guest interfaces tied to no NIC are its guest too (the MAC it changed to may be reported so).
    const others = owners.filter((o) => o.mac === mac && !(o.vm.moref === vm.moref && (o.nicKey === nicKey || o.nicKey === null)));
    const names = [...new Set(others.map((o) => `${o.vm.name} (${o.vm.moref})${o.nicKey === null ? ', on a guest interface tied to no NIC' : ''}`))];
    if (names.length) out.push(`${c.id} ${c.path}: the MAC ${mac} it sets is now also used by ${names.join(', ')}`);
  }
  return out;
}

/** The manual MAC an EditNic of the address sets, lower case; null for any other change. */
export function manualMacSet(c: Pick<Change, 'action' | 'field' | 'after'>): string | null {
  if (c.action !== 'EditNic' || c.field !== 'address') return null;
  const nic = c.after as VirtualEthernetCard | null;
  return nic?.addressType?.toLowerCase() === 'manual' && nic.macAddress ? nic.macAddress.toLowerCase() : null;
}
