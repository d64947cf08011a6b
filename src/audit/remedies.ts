// The fixes that fit a finding, narrowest first: fewest other VMs newly
// allowed to change MACs, then the least policy opened. The hardening guide
// wants Reject, so Accept is only ever offered for as little as possible.
import { isNestedHypervisor, type Vm, type VmNic } from '../inventory/model.js';
import type { InventoryIndex, NicRef } from '../inventory/lookup.js';
import { distributedPolicy, inheritingFrom, portLearning, setInNsx, standardPolicy, vswitchToAccept } from '../inventory/policy.js';
import { networkName, type Attachment } from './attachment.js';
import { guestMac } from './match-logs.js';
import { STRATEGIES, type NotOffered, type Remedy, type Strategy } from './finding.js';

export const HARDENING_NOTE =
  'The vSphere Security Configuration Guide recommends MAC address changes = Reject; Accept lets every VM on it impersonate other MACs.';

export const DEDICATED_SUFFIX = '-macchg';

/** The owner macOwnership names for a VM's guest interface that vSphere ties to no vNIC (deviceConfigId -1). */
export const untiedOwner = (vmName: string) => `${vmName} (a guest interface tied to no NIC)`;

/**
 * A MAC a VM's NIC has configured, or that its guest reports sending from on that NIC; or (nicKey
 * null) one its guest sends from on an interface vSphere ties to no vNIC: no evidence about any NIC,
 * but a MAC on the wire all the same.
 */
export interface MacHolder {
  readonly mac: string;
  readonly vm: { readonly name: string; readonly moref: string };
  readonly nicKey: number | null;
  readonly nicLabel: string | null;
}

/**
 * Who holds each MAC: every NIC's configured MAC, the MAC its guest sends from (the guest NIC whose
 * deviceConfigId is the NIC's key), and the guest's interfaces tied to no NIC. The one rule for the
 * audit (which remedy may pin a MAC) and for apply and rollback (whether it still may): `vms` is the
 * inventory's VMs, templates left out (inventory/fetch.ts vmOf) - a template never powers on, and a
 * VM deployed from it gets new MACs.
 */
export function macHolders(vms: readonly Vm[]): MacHolder[] {
  return vms.flatMap((vm) => {
    const ref = { name: vm.name, moref: vm.moref };
    const nics = vm.nics.flatMap((nic) => {
      const held = { vm: ref, nicKey: nic.key, nicLabel: nic.label };
      return [nic.macAddress, guestMac(vm, nic)].flatMap((mac) => (mac ? [{ mac, ...held }] : []));
    });
    const untied = vm.guestNics
      .filter((g) => g.macAddress && !vm.nics.some((n) => n.key === g.deviceConfigId))
      .map((g) => ({ mac: g.macAddress!, vm: ref, nicKey: null, nicLabel: null }));
    return [...nics, ...untied];
  });
}

/** MAC -> who holds it, as `vm/NIC label` or untiedOwner(vm) (see macHolders). */
export function macOwnership(vms: readonly Vm[]): Map<string, Set<string>> {
  const owners = new Map<string, Set<string>>();
  for (const h of macHolders(vms)) {
    if (!owners.has(h.mac)) owners.set(h.mac, new Set());
    owners.get(h.mac)!.add(h.nicLabel === null ? untiedOwner(h.vm.name) : `${h.vm.name}/${h.nicLabel}`);
  }
  return owners;
}

/** Why a MAC cannot be pinned, or null if it can. */
export function pinMacProblem(mac: string, owners: ReadonlyMap<string, ReadonlySet<string>>, self: string): string | null {
  const first = parseInt(mac.slice(0, 2), 16);
  if (mac === '00:00:00:00:00:00') return 'it is all zeros';
  if (mac === 'ff:ff:ff:ff:ff:ff' || first & 1) return 'it is a multicast or broadcast address';
  // Its own VM's guest interfaces tied to no NIC are its guest too (the MAC it changed to may be reported so).
  const own = untiedOwner(self.slice(0, self.lastIndexOf('/')));
  const others = [...(owners.get(mac) ?? [])].filter((o) => o !== self && o !== own);
  if (others.length) return `it is also used by ${others.join(', ')}`;
  return null;
}

function names(refs: readonly NicRef[], except: Vm): string[] {
  return [...new Set(refs.filter((r) => r.vm.moref !== except.moref).map((r) => r.vm.name))].sort();
}

function hostList(hosts: readonly { name: string }[]): string {
  return hosts.length === 1 ? `host ${hosts[0]!.name}` : `${hosts.length} hosts (${hosts.map((h) => h.name).join(', ')})`;
}

export interface RemedyInput {
  readonly index: InventoryIndex;
  /** MAC -> "vm/NIC label" of every configured and guest-reported MAC in the inventory. */
  readonly macOwners: ReadonlyMap<string, ReadonlySet<string>>;
  readonly vm: Vm;
  readonly nic: VmNic;
  readonly attachment: Attachment;
  /** The MAC the guest uses, from guest info or the log line. */
  readonly guestMac: string | null;
}

export function remediesFor(input: RemedyInput): Remedy[] {
  const { index, vm, nic, attachment: att } = input;
  const nested = isNestedHypervisor(vm);
  const out: Remedy[] = [];
  const pin = nested ? undefined : pinMac(input);
  if (pin) out.push(pin);
  // Where no vSphere policy change reaches the check, the NIC's own MAC is all vmfix can change.
  if (att.kind === 'opaque' || notVsphereToChange(nic, att)) return out;

  if (att.kind === 'standard') {
    const pg = att.portgroup.name;
    const peers = index.clusterPeers(att.host, pg);
    // Where the portgroup accepts already, the change exposes no one new.
    const rejecting = peers.filter((h) => standardPolicy(h, h.portgroups.find((p) => p.name === pg)!, 'macChanges').value !== true);
    const others = names(rejecting.flatMap((h) => index.nicsOnStandard(h.moref, pg)), vm);
    const where = hostList(peers);
    out.push({
      strategy: 'portgroup-accept',
      summary: `Set MAC address changes to Accept on portgroup "${pg}" on ${where}.`,
      blastRadius: { vms: others, portgroups: [pg] },
      notes: [HARDENING_NOTE],
    });
    out.push(dedicated(pg, `on ${where}`, vm, nic));
    if (att.macChanges.source === 'vswitch' && att.vswitch) {
      const vswitch = att.vswitch.name;
      const inheriting = new Set<string>();
      const refs: NicRef[] = [];
      // As the plan does: only the hosts where the vSwitch's Accept changes something.
      const changed = peers.filter((h) => vswitchToAccept(h, h.portgroups.find((p) => p.name === pg)!));
      for (const host of changed) {
        for (const p of inheritingFrom(host, vswitch)) {
          inheriting.add(p.name);
          refs.push(...index.nicsOnStandard(host.moref, p.name));
        }
      }
      out.push({
        strategy: 'vswitch-accept',
        summary: `Set MAC address changes to Accept on vSwitch "${vswitch}" on ${hostList(changed)}: every portgroup inheriting from it changes too.`,
        blastRadius: { vms: names(refs, vm), portgroups: [...inheriting].sort() },
        notes: [HARDENING_NOTE, 'The broadest fix; prefer a portgroup-level one.'],
      });
    }
  } else {
    const pg = att.portgroup;
    const others = names(index.nicsOnDvPortgroup(att.dvs.uuid, pg.key), vm);
    // A nested hypervisor also needs Forged transmits, which its port may keep at its own Reject.
    const portForged = nested && portForgedTransmits(att);
    if (att.macChanges.source !== 'dvport' && !portForged) {
      out.push({
        strategy: 'portgroup-accept',
        summary: `Set MAC address changes to Accept on dvPortgroup "${pg.name}" (${att.dvs.name}).`,
        blastRadius: { vms: others, portgroups: [pg.name] },
        notes: [HARDENING_NOTE],
      });
    }
    out.push(dedicated(pg.name, `on ${att.dvs.name}`, vm, nic));
    if (macLearningSupported(att.dvs) && portLearning(pg, att.port?.setting) === undefined && !portForged) {
      out.push({
        strategy: 'mac-learning',
        summary: `Enable MAC learning on dvPortgroup "${pg.name}" (${att.dvs.name}): the port learns the MACs behind the vNIC.`,
        blastRadius: { vms: others, portgroups: [pg.name] },
        notes: ['Meant for nested hypervisors and appliances that send from several MACs.'],
      });
    }
  }
  const weight = (r: Remedy) => (nested && r.strategy === 'mac-learning' ? -1 : r.blastRadius.vms.length);
  const ranked = out.sort((a, b) => weight(a) - weight(b) || STRATEGIES.indexOf(a.strategy) - STRATEGIES.indexOf(b.strategy));
  return nested ? ranked.map((r) => forNested(r, att)) : ranked;
}

/**
 * A nested hypervisor's VMs send from their own MACs through its vNIC:
 * allowing it to change MACs is not enough. Every remedy for it also sets
 * Forged transmits = Accept where it sets anything, and says what a
 * standard switch would still need.
 */
function forNested(r: Remedy, att: Attachment): Remedy {
  const notes = ['For this nested hypervisor it also sets Forged transmits = Accept, which its VMs need to send.'];
  if (att.kind === 'standard') {
    notes.push('On a standard switch a nested ESXi also needs Promiscuous mode = Accept for its VMs to receive; vmfix does not set it (a 6.6+ distributed switch with MAC learning avoids it).');
  }
  return { ...r, summary: r.summary.replace(/MAC address changes (to |= )Accept|MAC learning/, (m) => `${m} (and Forged transmits = Accept)`), notes: [...r.notes, ...notes] };
}

/**
 * Why each remedy remediesFor left out does not fit, short enough for a
 * menu line, so nobody is left guessing.
 */
export function notOffered(input: RemedyInput, offered: readonly Remedy[]): NotOffered[] {
  const { vm, nic, guestMac, attachment: att } = input;
  const elsewhere = notVsphereToChange(nic, att);
  const why: Record<Strategy, () => string> = {
    'pin-mac': () => {
      if (isNestedHypervisor(vm)) return 'a nested hypervisor uses many MACs (see mac-learning)';
      if (!guestMac) return "the guest's MAC is not known";
      if (guestMac === nic.macAddress) return 'the guest uses the configured MAC';
      const problem = pinMacProblem(guestMac, input.macOwners, `${vm.name}/${nic.label}`) ?? 'it cannot be pinned';
      return problem.startsWith('it is also used by') ? `its MAC ${problem.slice(3)}` : `${guestMac} ${problem.slice(3)}`;
    },
    // Not offered on a dvPortgroup: the port overrides MAC changes, or (a nested hypervisor) keeps its own Forged transmits.
    'portgroup-accept': () =>
      att.kind === 'distributed' && att.macChanges.source !== 'dvport'
        ? `dvPort ${att.port?.portKey ?? ''} sets its own Forged transmits = Reject (a port override), which the dvPortgroup's would not reach`
        : 'the dvPort itself sets Reject (a port override)',
    'dedicated-portgroup': () => 'not planned for this NIC',
    'mac-learning': () => {
      if (att.kind !== 'distributed') return 'MAC learning is for distributed switches (6.6+)';
      if (!macLearningSupported(att.dvs)) return `${att.dvs.name} is DVS ${att.dvs.version}; MAC learning needs 6.6+`;
      const own = portLearning(att.portgroup, att.port?.setting) !== undefined ? 'MAC learning' : 'Forged transmits = Reject';
      return `dvPort ${att.port?.portKey ?? ''} sets its own ${own} (a port override), which the dvPortgroup's would not reach`;
    },
    'vswitch-accept': () => (att.kind === 'standard' ? `portgroup "${att.portgroup.name}" sets Reject itself` : 'a distributed switch has no vSwitch setting'),
  };
  return STRATEGIES.filter((s) => !offered.some((r) => r.strategy === s))
    .map((strategy) => ({ strategy, reason: elsewhere && strategy !== 'pin-mac' ? elsewhere : why[strategy]() }));
}

/**
 * Why no vSphere policy change would reach this NIC's MAC check, or null:
 * NSX owns an NSX segment's settings, and an SR-IOV adapter's virtual
 * function is checked by its physical NIC's driver, which may not honour a
 * portgroup's Accept (Broadcom KB 328552). A pinned MAC works on both.
 */
export function notVsphereToChange(nic: VmNic, att: Attachment): string | null {
  const nsx = 'MAC change is set in its MAC discovery profile in NSX, not in vSphere';
  if (att.kind === 'opaque') return `on NSX segment "${networkName(att)}" (an opaque network): ${nsx}`;
  if (att.kind === 'distributed' && setInNsx(att.portgroup)) return `"${att.portgroup.name}" is an NSX segment that NSX Manager owns: ${nsx}`;
  if (nic.deviceType === 'VirtualSriovEthernetCard') return 'an SR-IOV adapter: its physical NIC checks the MAC and may ignore a portgroup Accept (KB 328552)';
  return null;
}

function dedicated(portgroup: string, where: string, vm: Vm, nic: VmNic): Remedy {
  const name = `${portgroup}${DEDICATED_SUFFIX}`;
  return {
    strategy: 'dedicated-portgroup',
    summary: `Create portgroup "${name}" ${where}, a copy of "${portgroup}" with MAC address changes = Accept, and move ${vm.name} ${nic.label} to it.`,
    blastRadius: { vms: [], portgroups: [name] },
    notes: ['What the hardening guide advises: Accept only where it is needed.', 'Moving the NIC interrupts its traffic for a moment.'],
  };
}

function pinMac({ vm, nic, guestMac, macOwners }: RemedyInput): Remedy | undefined {
  if (!guestMac || guestMac === nic.macAddress) return undefined;
  if (pinMacProblem(guestMac, macOwners, `${vm.name}/${nic.label}`)) return undefined;
  const notes = ['MAC address changes stays Reject: nothing else is opened.'];
  if (vm.powerState !== 'poweredOff') notes.push('The VM must be powered off to change the MAC; vmfix never powers a VM off itself.');
  if (guestMac.startsWith('00:50:56:') && parseInt(guestMac.slice(9, 11), 16) > 0x3f) {
    notes.push('Static MACs with the VMware OUI must be at most 00:50:56:3f:ff:ff; vCenter may refuse this one.');
  }
  return {
    strategy: 'pin-mac',
    summary: `Give ${vm.name} ${nic.label} the manual MAC ${guestMac} that its guest uses.`,
    blastRadius: { vms: [], portgroups: [] },
    notes,
    mac: guestMac,
  };
}

/** The dvPort keeps its own Forged transmits (an override), so a dvPortgroup-level one does not reach it. */
function portForgedTransmits(att: Extract<Attachment, { kind: 'distributed' }>): boolean {
  return distributedPolicy(att.dvs, att.portgroup, 'forgedTransmits', att.port?.setting ?? undefined).source === 'dvport';
}

/** DVS 6.6.0+ on vCenter 6.7+ (or vCenter saying so in its capability). */
export function macLearningSupported(dvs: { version: string; macLearningSupported: boolean | null }): boolean {
  if (dvs.macLearningSupported !== null) return dvs.macLearningSupported;
  const [major = 0, minor = 0] = dvs.version.split('.').map(Number);
  return major > 6 || (major === 6 && minor >= 6);
}
