// Tying vmkernel log events to NICs, only through what identifies a NIC now:
// the port the line names, where the host lists that port with the NIC's
// MAC (HostPortGroupPort key "key-vim.host.PortGroup.Port-<decimal id>");
// the MAC the guest asked for, where it is the MAC the guest uses now; or
// the client name, where that VM has one NIC. Never by elimination. A line
// that names a NIC, but a port it no longer has (moved, restarted, fixed),
// a MAC now configured on it, or a policy that now allows it, is history:
// shown with its time, never a finding.
import { vmNameOf, type L2SecEvent } from '../evidence/vmkernel-log.js';
import { hostFinder, type InventoryIndex } from '../inventory/lookup.js';
import type { Host, Vm, VmNic } from '../inventory/model.js';
import { hasNoConfiguration } from '../inventory/unread.js';
import { acceptsMacChanges, networkName, type Attachments } from './attachment.js';
import { CLOCK_SKEW_MS, type NameHistory } from './name-history.js';

export interface PastEvents {
  readonly events: readonly L2SecEvent[];
  readonly vm: Vm | null;
  readonly nic: VmNic | null;
  readonly host: Host;
  /** Why these lines are not about the present, in one clause. */
  readonly why: string;
}

export interface Namesakes {
  readonly vms: readonly Vm[];
  readonly host: Host;
  readonly events: readonly L2SecEvent[];
  /** The VM holding the port the lines name, where the name says another VM on that host (one at least, in `vms`). */
  readonly portHolder: Vm | null;
}

/** Lines on a host the inventory has, naming a client no VM in it is called. */
export interface UnknownVm {
  /** As the line names it. */
  readonly name: string;
  readonly host: Host;
  readonly events: readonly L2SecEvent[];
}

export interface MatchedLogs {
  /** Events that identify a NIC as it is now, with the host whose log has them, keyed `${vm.moref}/${nic.key}`. */
  readonly byNic: ReadonlyMap<string, { readonly host: Host; readonly events: readonly L2SecEvent[] }>;
  /** Events about a NIC or VM that are no longer about its present state. */
  readonly history: readonly PastEvents[];
  /** Events that name a powered-off VM with several NICs, or a VM vCenter shows no NICs of, but not which NIC. */
  readonly offVms: readonly { readonly vm: Vm; readonly host: Host; readonly events: readonly L2SecEvent[] }[];
  /**
   * Events that may be about any of several VMs, with nothing to say which: a client several VMs on
   * that host are called, or one VM by name while the port named is another's (`portHolder`).
   */
  readonly namesakes: readonly Namesakes[];
  /** Events on a known host that nothing ties to a NIC or VM. */
  readonly unattributed: readonly { readonly events: readonly L2SecEvent[]; readonly host: Host }[];
  /** Events naming VMs this inventory does not have (deleted, renamed, or hidden from this user). */
  readonly unknownVms: readonly UnknownVm[];
  /** Events from hosts this inventory does not have. */
  readonly unmatched: readonly L2SecEvent[];
}

export const nicKey = (vm: Vm, nic: VmNic) => `${vm.moref}/${nic.key}`;

export function guestMac(vm: Vm, nic: VmNic): string | null {
  return vm.guestNics.find((g) => g.deviceConfigId === nic.key)?.macAddress ?? null;
}

/** The vmkernel port id (hex) of a standard-switch NIC, from the ports its host lists with their MACs. */
export function standardPortOf(host: Host, nic: VmNic): string | null {
  if (nic.macAddress === null) return null;
  for (const pg of host.portgroups) {
    for (const p of pg.ports) {
      if (p.macs.includes(nic.macAddress)) return portId(p.key);
    }
  }
  return null;
}

function portId(key: string): string | null {
  const decimal = key.slice(key.lastIndexOf('-') + 1);
  return /^\d+$/.test(decimal) ? `0x${Number(decimal).toString(16)}` : null;
}

/**
 * The lines of one incident: same host and port, and (for the lines that name no client) the same moment;
 * for those that name one, the same client and the same VMs called so then.
 */
interface Incident {
  readonly host: Host | undefined;
  readonly hostName: string;
  readonly port: string | undefined;
  readonly vmName: string | undefined;
  /** The VMs called `vmName` now that were called so when the lines were written. */
  readonly named: readonly Vm[];
  readonly events: L2SecEvent[];
}

const SAME_MOMENT_MS = 60_000;

/**
 * The host a line is about: the one it names (hostFinder: by vCenter's
 * name, its short form, the host's DNS name or a vmkernel address), else
 * the one it was read from (online, the host whose log it is). A line that
 * names a host vCenter does not have is about no host of it, whatever its
 * file is called: a collector's file named after one host holds others' lines.
 */
export function logHostFinder(hosts: readonly Host[]): (e: L2SecEvent) => Host | undefined {
  const find = hostFinder(hosts);
  return (e) => find(e.hostName || e.source);
}

/**
 * `names`: vCenter's renames, where read. ESXi's client name is the VM's name when it wrote the line:
 * a VM called so now is a line's only if it was called so then (given the name since, or between two
 * lines, it is not the earlier one's), so lines of one client part where the VMs called so then differ.
 */
function incidents(index: InventoryIndex, events: readonly L2SecEvent[], names: NameHistory | undefined): Incident[] {
  const hostOf = logHostFinder(index.inventory.hosts);
  const { vmsByName } = index;
  const named = new Map<string, Incident>();
  const unnamed: L2SecEvent[] = [];
  for (const e of events) {
    if (!e.vmName) {
      unnamed.push(e);
      continue;
    }
    const host = hostOf(e);
    const hostName = host?.name ?? e.hostName ?? e.source;
    // ESXi's client may be "<vm>.eth0" in some forms; the VM's own name first.
    const calledNow = vmsByName.get(e.vmName) ?? vmsByName.get(vmNameOf(e.vmName)) ?? [];
    const calledThen = names ? calledNow.filter((vm) => names.calledAt(vm.moref, e.vmName!, e)) : calledNow;
    const key = `${hostName.toLowerCase()}\u0000${e.port ?? ''}\u0000${e.vmName}\u0000${calledThen.map((vm) => vm.moref).join(',')}`;
    const known = named.get(key);
    if (known) known.events.push(e);
    else named.set(key, { host, hostName, port: e.port, vmName: e.vmName, named: calledThen, events: [e] });
  }
  const out = [...named.values()];
  for (const e of unnamed) {
    const host = hostOf(e);
    const hostName = host?.name ?? e.hostName ?? e.source;
    // "0x… peer not allowed to change address" comes with the client's own lines about the same port.
    const partner = out.find((i) => i.hostName.toLowerCase() === hostName.toLowerCase() && i.port === e.port && i.events.some((n) => near(n, e)));
    if (partner) partner.events.push(e);
    else out.push({ host, hostName, port: e.port, vmName: undefined, named: [], events: [e] });
  }
  return out;
}

function near(a: L2SecEvent, b: L2SecEvent): boolean {
  if (a.lastTime === null || b.lastTime === null) return a.lastTime === b.lastTime;
  const start = Date.parse(a.firstTime ?? a.lastTime) - SAME_MOMENT_MS;
  const end = Date.parse(a.lastTime) + SAME_MOMENT_MS;
  const t = Date.parse(b.lastTime);
  return t >= start && t <= end;
}

/** `names`: vCenter's renames, where read: a VM not called so when a line was written is not that line's VM. */
export function matchLogEvents(attachments: Attachments, events: readonly L2SecEvent[], names?: NameHistory): MatchedLogs {
  const { index } = attachments;
  const byNic = new Map<string, { host: Host; events: L2SecEvent[] }>();
  const history: PastEvents[] = [];
  const unattributed: { events: L2SecEvent[]; host: Host }[] = [];
  const unmatched: L2SecEvent[] = [];
  const unknownVms: UnknownVm[] = [];
  const offVms: { vm: Vm; host: Host; events: L2SecEvent[] }[] = [];
  const namesakes: Namesakes[] = [];

  for (const incident of incidents(index, events, names)) {
    const { host } = incident;
    if (!host) {
      unmatched.push(...incident.events);
      continue;
    }
    const tie = incident.vmName ? byClient(attachments, incident, host, names !== undefined) : byPort(attachments, incident, host);
    if (tie.kind === 'current') {
      const key = nicKey(tie.vm, tie.nic);
      byNic.set(key, { host, events: [...(byNic.get(key)?.events ?? []), ...incident.events] });
    } else if (tie.kind === 'past') {
      history.push({ events: incident.events, vm: tie.vm, nic: tie.nic, host, why: tie.why });
    } else if (tie.kind === 'vm') {
      offVms.push({ vm: tie.vm, host, events: incident.events });
    } else if (tie.kind === 'namesakes') {
      namesakes.push({ vms: tie.vms, host, events: incident.events, portHolder: tie.portHolder ?? null });
    } else if (tie.kind === 'unknown-vm') {
      unknownVms.push({ name: incident.vmName!, host, events: incident.events });
    } else {
      unattributed.push({ events: incident.events, host });
    }
  }
  return { byNic, history, offVms, namesakes, unattributed, unknownVms, unmatched };
}

type Tie =
  | { readonly kind: 'current'; readonly vm: Vm; readonly nic: VmNic }
  | { readonly kind: 'past'; readonly vm: Vm | null; readonly nic: VmNic | null; readonly why: string }
  | { readonly kind: 'unknown-vm' }
  | { readonly kind: 'vm'; readonly vm: Vm }
  | { readonly kind: 'namesakes'; readonly vms: readonly Vm[]; readonly portHolder?: Vm }
  | { readonly kind: 'untied' };

/**
 * Lines that name the client: that VM, then which of its NICs, then whether it is still so. `renamesRead`: whether
 * vCenter's renames were read (then `incident.named` holds only the VMs called so when the lines were written).
 */
function byClient(attachments: Attachments, incident: Incident, host: Host, renamesRead: boolean): Tie {
  const name = incident.vmName!;
  const { named } = incident;
  const here = named.filter((v) => v.host === host.moref);
  const macs = new Set(incident.events.map((e) => e.mac).filter((m): m is string => Boolean(m)));
  // The port the host lists identifies the NIC whatever the name says (a VM renamed since the line, or two VMs of
  // one name), unless a VM other than its holder bears the name: with vCenter's renames read, one called so when the
  // line was written, so the port number went to the holder after that VM left it; without them, one called so now,
  // which may as well have taken the name since (below).
  const onPort = incident.port ? nicOnHostPort(attachments.index, host, incident.port) : undefined;
  if (onPort && (named.length === 0 || named.includes(onPort.vm))) return present(attachments, host, onPort.vm, onPort.nic, incident, macs);
  // The port is another VM's, and a VM of that name is here: the port was given to it after the named VM left it
  // (its power-on after the line says so; else a NIC connected since, or a vMotion away and back), or the line's VM was
  // renamed since and another given its name. Without vCenter's renames (refused; a standalone host) nothing says which.
  if (onPort && !renamesRead && here.length && !beforePowerOn(onPort.vm, incident.events.map((e) => e.lastTime))) {
    return { kind: 'namesakes', vms: [onPort.vm, ...here], portHolder: onPort.vm };
  }
  if (!here.length) {
    if (!named.length) return { kind: 'unknown-vm' };
    const hostOf = (vm: Vm) => attachments.index.host(vm.host)?.name ?? 'no host';
    if (named.length > 1) {
      const now = [...new Set(named.map(hostOf))].join(', ');
      return { kind: 'past', vm: null, nic: null, why: `the ${named.length} VMs named ${name} run on ${now} now, none on ${host.name} where the line was written` };
    }
    const elsewhere = named[0]!;
    return { kind: 'past', vm: elsewhere, nic: null, why: `${elsewhere.name} runs on ${hostOf(elsewhere)} now, not on ${host.name} where the line was written` };
  }
  // The NIC whose guest uses the MAC asked for, not its own, asked for it (a bonded guest's second NIC takes the first
  // one's MAC, which the first merely has configured); else one configured with it now (pinned since: history).
  const asking = here.flatMap((vm) => vm.nics.filter((n) => {
    const guest = guestMac(vm, n);
    return guest !== null && guest !== n.macAddress && macs.has(guest);
  }).map((nic) => ({ vm, nic })));
  const byMac = asking.length ? asking : here.flatMap((vm) => vm.nics.filter((n) => n.macAddress !== null && macs.has(n.macAddress)).map((nic) => ({ vm, nic })));
  if (byMac.length === 1) return present(attachments, host, byMac[0]!.vm, byMac[0]!.nic, incident, macs);
  // Names are unique per folder only: which of them ESXi meant, nothing says, and none is guessed.
  if (here.length > 1) return { kind: 'namesakes', vms: here };
  const vm = here[0]!;
  if (vm.nics.length === 1) return present(attachments, host, vm, vm.nics[0]!, incident, macs);
  if (vm.nics.length === 0) {
    // Its devices refused or its configuration missing, vCenter showed none of its NICs: the block is the VM's, its NIC unknown.
    const unread = hasNoConfiguration(vm) || attachments.index.inventory.unread?.some((u) => u.moref === vm.moref && u.paths.some((p) => 'config.hardware.device'.startsWith(p)));
    return unread ? { kind: 'vm', vm } : { kind: 'past', vm, nic: null, why: `${vm.name} has no NIC now` };
  }
  // Powered off, a VM has no ports to compare: the block was on one of its NICs, and comes back at power-on.
  if (vm.powerState !== 'poweredOn') return { kind: 'vm', vm };
  return { kind: 'past', vm, nic: null, why: `it names ${vm.name} but neither a port nor a MAC of one of its ${vm.nics.length} NICs now` };
}

/** The NIC the host lists on a standard port now, of any VM on that host. */
function nicOnHostPort(index: InventoryIndex, host: Host, port: string): { vm: Vm; nic: VmNic } | undefined {
  for (const vm of index.vmsOn(host.moref)) {
    const nic = nicOnStandardPort(host, vm, port);
    if (nic) return { vm, nic };
  }
  return undefined;
}

/** Lines that name only a port: the NIC the host lists on that port now. */
function byPort(attachments: Attachments, incident: Incident, host: Host): Tie {
  const { index } = attachments;
  if (!incident.port) return { kind: 'untied' };
  const onPort = nicOnHostPort(index, host, incident.port);
  if (onPort) return present(attachments, host, onPort.vm, onPort.nic, incident, new Set());
  const standardOnly = !index.inventory.dvSwitches.some((d) => d.hosts.includes(host.moref));
  // Every port of a standard-only host is listed: one not listed is gone.
  if (standardOnly) return { kind: 'past', vm: null, nic: null, why: `port ${incident.port} no longer exists on ${host.name}` };
  return { kind: 'untied' };
}

/**
 * Every one of the lines' times (the host's clock, as runtime.bootTime) is before the running VM's
 * power-on: its ports, standard or distributed, were connected anew since, so what they say was
 * of an earlier connection (a guest that still changes its MAC is blocked, and logged, again).
 */
export function beforePowerOn(vm: Vm, times: readonly (string | null)[]): boolean {
  if (vm.powerState !== 'poweredOn' || !vm.bootTime || !times.length) return false;
  const boot = Date.parse(vm.bootTime) - CLOCK_SKEW_MS;
  return times.every((t) => t !== null && Date.parse(t) < boot);
}

function nicOnStandardPort(host: Host, vm: Vm, port: string): VmNic | undefined {
  return vm.nics.find((n) => n.backing.kind === 'standard' && standardPortOf(host, n) === port);
}

/** Whether lines tied to a NIC still describe it: the same port, a MAC it does not have, a policy that rejects. */
function present(attachments: Attachments, host: Host, vm: Vm, nic: VmNic, incident: Incident, macs: ReadonlySet<string>): Tie {
  const past = (why: string): Tie => ({ kind: 'past', vm, nic, why });
  // A running VM's disconnected NIC has no port: nothing ESXi logged can be blocking it now. (Off, every NIC reads disconnected.)
  if (vm.powerState === 'poweredOn' && !nic.connected) return past(`${nic.label} is disconnected now`);
  if (nic.backing.kind === 'standard' && incident.port && vm.powerState === 'poweredOn') {
    const now = standardPortOf(host, nic);
    if (now !== null && now !== incident.port) return past(`port ${incident.port} is no longer its port (now ${now})`);
    // A standard port is freed at power-off and its number given out again: one logged before this run was not this NIC's.
    if (beforePowerOn(vm, incident.events.map((e) => e.lastTime))) {
      return past(`the line is older than ${vm.name}'s power-on at ${vm.bootTime}: port ${incident.port} was another connection then`);
    }
  }
  // A dvPort too is connected anew at power-on (and a VM rebuilt under the old name is another VM): a block
  // logged before this run was of an earlier connection, and a guest that still changes its MAC is logged again.
  if (nic.backing.kind === 'distributed' && beforePowerOn(vm, incident.events.map((e) => e.lastTime))) {
    return past(`the line is older than ${vm.name}'s power-on at ${vm.bootTime}: its ports were connected anew since`);
  }
  if (nic.macAddress !== null && macs.size && [...macs].every((m) => m === nic.macAddress)) {
    return past(`the MAC it asked for, ${nic.macAddress}, is now its configured MAC`);
  }
  const att = attachments.attach(vm, nic);
  // A network vmfix cannot read (a distributed switch seen from its ESXi host, a portgroup gone from the host)
  // does not make the line old: it still describes the NIC, whose policy is then unknown.
  if (!att) {
    const { backing } = nic;
    if (backing.kind === 'other') return past(`${nic.label} has no network backing now`);
    if (backing.kind === 'standard' && vm.powerState === 'poweredOn' && standardPortOf(host, nic) === null) {
      return past(`${host.name} has no portgroup "${backing.portgroup}" and lists no port for ${nic.label} now`);
    }
    return { kind: 'current', vm, nic };
  }
  if (acceptsMacChanges(att)) return past(`MAC address changes is Accept on "${networkName(att)}" now`);
  if (att.kind === 'distributed' && att.macLearning) return past(`its port on "${att.portgroup.name}" learns MACs now`);
  return { kind: 'current', vm, nic };
}
