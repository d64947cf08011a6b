// audit(inventory, evidence) -> findings. Pure: the same inventory and
// evidence always give the same findings with the same ids.
import { isNestedHypervisor, type Host, type Inventory, type Vm, type VmNic } from '../inventory/model.js';
import { distributedPolicy, standardPolicy } from '../inventory/policy.js';
import { InventoryIndex } from '../inventory/lookup.js';
import type { DvPortState, EvidenceSet } from '../evidence/types.js';
import type { L2SecEvent } from '../evidence/vmkernel-log.js';
import { acceptsMacChanges, Attachments, inNsx, networkName, type Attachment } from './attachment.js';
import { logEvidence } from './evidence.js';
import { findingId, SEVERITY, type Evidence, type Finding, type FindingKind, type HistoryItem } from './finding.js';
import { guestMac, matchLogEvents, nicKey, type Namesakes, type PastEvents } from './match-logs.js';
import { NameHistory } from './name-history.js';
import { hostPortWhy, matchPortEvents } from './match-events.js';
import { macOwnership, notOffered, remediesFor } from './remedies.js';
import { unneededAccept } from './unneeded.js';
import { tellUnknownVm } from './vm-names.js';

export interface AuditResult {
  readonly findings: readonly Finding[];
  /** Lines about NICs and VMs that no longer describe them: shown with their time, never findings. */
  readonly history: readonly HistoryItem[];
  /** Evidence that could not be gathered (from the readers). */
  readonly notes: readonly string[];
  /** Lines from hosts this inventory does not have. */
  readonly unmatched: readonly L2SecEvent[];
  /** Lines about VMs it does not have, with what vCenter's removals and renames make of them. */
  readonly unknownVms: readonly { readonly name: string; readonly events: readonly L2SecEvent[]; readonly notes: readonly string[]; readonly warning: string | null }[];
  /** dvPorts vCenter shows blocked now, or recorded blocked since their last connection, connected to a VM the inventory lacks. */
  readonly unseenPorts: readonly UnseenPort[];
}

/** A blocked dvPort whose VM (vCenter's connectee) this user is not shown: no NIC of the verdict, yet nothing says the block is over. */
export interface UnseenPort {
  readonly dvs: string;
  readonly dvsUuid: string;
  readonly portKey: string;
  /** The connectee's moref. */
  readonly vm: string;
  readonly evidence: readonly Evidence[];
}

export function audit(inventory: Inventory, evidence: EvidenceSet): AuditResult {
  const index = new InventoryIndex(inventory);
  const attachments = new Attachments(index, evidence.dvPorts);
  const names = evidence.vmNameEvents ? new NameHistory(evidence.vmNameEvents, inventory.vms) : undefined;
  const logs = matchLogEvents(attachments, evidence.vmkernel, names);
  const portEvents = matchPortEvents(attachments, evidence.dvPortEvents ?? []);
  const macOwners = macOwnership(inventory.vms);
  const findings: Finding[] = [];
  /** Where some VM changes its MAC: an Accept there is needed. */
  const needed = new Set<string>();

  for (const vm of inventory.vms) {
    for (const nic of vm.nics) {
      const att = attachments.attach(vm, nic);
      const key = nicKey(vm, nic);
      const tied = logs.byNic.get(key);
      const running = vm.powerState === 'poweredOn';
      if (!att) {
        // The host whose log has the lines, not the VM's: a block is named even where vCenter shows the VM on no host it lists.
        if (tied) findings.push(unreadableFinding(inventory, vm, nic, tied.host, tied.events));
        else {
          // A guest on another MAC where the policy is unknown is at risk as much as under Reject; silent, it would read as clean.
          const mismatch = running ? mismatchEvidence(vm, nic) : null;
          if (mismatch) findings.push(unreadableAtRisk(inventory, vm, nic, index.host(vm.host), mismatch));
        }
        continue;
      }
      const seen = observe(vm, nic, att, tied?.events ?? [], portEvents.byNic.get(key) ?? [], running);
      if (seen.changedMac) needed.add(policyHolder(att));
      // A dvPort vCenter shows blocked for this guest's MAC is blocked, whatever the policy reads: ESXi has not
      // released it (KB 417819), or follows a port setting vmfix cannot see. Only a new port or MAC helps then.
      // On an NSX segment vCenter does not show the MAC policy in force: only what ESXi did and the guest tells count.
      const stuck = acceptsMacChanges(att) && running && seen.portBlocked && seen.changedMac;
      if (acceptsMacChanges(att) && !stuck) {
        // Allowed to change MACs, a nested hypervisor still loses its VMs' frames while forged transmits is Reject.
        if (running && isNestedHypervisor(vm) && sendsForeignMacs(vm, nic, att) && forgedTransmits(att) === false) {
          const remedies = remediesFor({ index, macOwners, vm, nic, attachment: att, guestMac: null });
          findings.push(nicFinding('mac-change-at-risk', vm, nic, att, index.host(vm.host), seen.evidence, remedies, 'forged-transmits'));
        }
        continue;
      }
      // Off (or suspended), its guest info is stale and its port unused; only lines about its last run tell.
      const kind: FindingKind | undefined = !running
        ? (seen.logged ? 'mac-change-blocked' : undefined)
        : seen.blocked ? 'mac-change-blocked' : seen.changedMac ? 'mac-change-at-risk' : undefined;
      if (!kind) continue;
      // A guest back on its configured MAC: the MAC it asked for is no longer one to pin.
      const mac = seen.guestMac ?? (seen.reverted ? null : seen.requestedMac);
      const input = { index, macOwners, vm, nic, attachment: att, guestMac: mac };
      // A port still blocked under a policy that now accepts: opening the policy further cannot release it.
      const remedies = remediesFor(input).filter((r) => !stuck || r.strategy === 'pin-mac' || r.strategy === 'dedicated-portgroup');
      const skipped = notOffered(input, remedies).map((n) =>
        stuck && n.strategy !== 'pin-mac' && n.strategy !== 'dedicated-portgroup'
          ? { ...n, reason: 'the policy already accepts MAC changes and the port stays blocked; a new port (or a pinned MAC) releases it' }
          : n,
      );
      const finding = nicFinding(kind, vm, nic, att, index.host(vm.host), seen.evidence, remedies, 'mac-changes', seen.reverted && kind === 'mac-change-blocked');
      findings.push({ ...finding, notOffered: skipped });
    }
  }
  findings.push(...unneededAccept(index, needed));
  findings.push(...logs.unattributed.map((u) => portFinding(u.host, u.events)));
  findings.push(...logs.namesakes.map(namesakesFinding));
  const history = [...logs.history.map(historyItem), ...portEvents.history, ...hostPortsBlocked(index, evidence, portEvents.hostPorts)];
  for (const off of logs.offVms) {
    if (!off.vm.nics.length) {
      findings.push(noNicsFinding(off.vm, off.host, off.events));
      continue;
    }
    const attached = off.vm.nics.map((n) => attachments.attach(off.vm, n)).filter((att) => att !== undefined);
    const rejecting = attached.filter((att) => att.macChanges.value === false && !(att.kind === 'distributed' && att.macLearning)).length;
    // On an NSX segment nothing vCenter shows says the change is allowed.
    const onNsx = attached.filter(inNsx).length;
    // A NIC on a network vmfix cannot read (a distributed switch seen from its host, a portgroup gone) may reject too.
    const unreadable = off.vm.nics.length - attached.length;
    if (rejecting + onNsx + unreadable) findings.push(offVmFinding(off.vm, off.host, off.events, { rejecting, onNsx, unreadable }));
    else history.push(historyItem({ events: off.events, vm: off.vm, nic: null, host: off.host, why: `every NIC of ${off.vm.name} is on a portgroup that allows MAC changes now` }));
  }
  const unknownVms = logs.unknownVms.map((u) => ({ name: u.name, events: u.events, ...tellUnknownVm(u, names, inventory, unmatchedNote) }));
  return { findings: findings.sort(byPlace), history, notes: evidence.notes, unmatched: logs.unmatched, unknownVms, unseenPorts: unseenPorts(inventory, evidence, portEvents.unseen) };
}

/**
 * The blocked dvPorts connected to a VM this inventory lacks: vCenter shows
 * the port blocked (not by an administrator), or its block events since it
 * was last connected; a VM the user holds no role on is left out of what
 * the user is shown, while its switch's ports still name it.
 */
function unseenPorts(inventory: Inventory, evidence: EvidenceSet, events: ReturnType<typeof matchPortEvents>['unseen']): UnseenPort[] {
  const known = new Set(inventory.vms.map((v) => v.moref));
  const byUuid = new Map(inventory.dvSwitches.map((d) => [d.uuid, d]));
  const out = new Map<string, { dvs: string; dvsUuid: string; portKey: string; vm: string; evidence: Evidence[] }>();
  for (const e of events) out.set(`${e.dvs.uuid}/${e.portKey}`, { dvs: e.dvs.name, dvsUuid: e.dvs.uuid, portKey: e.portKey, vm: e.vm, evidence: [...e.evidence] });
  for (const port of evidence.dvPorts) {
    if (!port.blocked || port.adminBlocked || port.vm === null || known.has(port.vm)) continue;
    const id = `${port.dvsUuid}/${port.portKey}`;
    const entry = out.get(id) ?? { dvs: byUuid.get(port.dvsUuid)?.name ?? port.dvsUuid, dvsUuid: port.dvsUuid, portKey: port.portKey, vm: port.vm, evidence: [] };
    entry.evidence.push(blockedPortEvidence(port));
    out.set(id, entry);
  }
  return [...out.values()].sort((a, b) => a.dvs.localeCompare(b.dvs) || a.portKey.localeCompare(b.portKey, undefined, { numeric: true }));
}

/** The host's own dvPorts (uplinks, vmkernel adapters) vCenter shows blocked now, not by an administrator, whose events did not say it already: history. */
function hostPortsBlocked(index: InventoryIndex, evidence: EvidenceSet, said: ReadonlySet<string>): HistoryItem[] {
  const byUuid = new Map(index.inventory.dvSwitches.map((d) => [d.uuid, d]));
  const out: HistoryItem[] = [];
  for (const port of evidence.dvPorts) {
    if (!port.blocked || port.adminBlocked || !port.hostPort || said.has(`${port.dvsUuid}/${port.portKey}`)) continue;
    const host = index.host(port.hostPort.host);
    out.push({
      vm: null,
      nic: null,
      host: host ? { name: host.name, moref: host.moref } : null,
      port: port.portKey,
      lastTime: null,
      why: hostPortWhy(index, byUuid.get(port.dvsUuid)?.name ?? port.dvsUuid, port.portKey, port.hostPort),
      evidence: [blockedPortEvidence(port)],
    });
  }
  return out;
}

/** What vCenter shows of a port it has blocked, as evidence. */
function blockedPortEvidence(port: Pick<DvPortState, 'portKey' | 'statusDetail'>): Evidence {
  return {
    type: 'dvport-blocked',
    detail: `dvPort ${port.portKey} is blocked${port.statusDetail ? `: ${port.statusDetail.replace(/\.$/, '')}` : ''}.`,
    portKey: port.portKey,
    statusDetail: port.statusDetail,
  };
}

/** The warning for blocked dvPorts of VMs this user is not shown, one per port. */
export function unseenPortWarning(port: UnseenPort): string {
  const what = port.evidence.map((e) => e.detail.replace(/\.$/, '')).join('; ');
  return `dvPort ${port.portKey} of ${port.dvs} is connected to ${port.vm}, a VM this vCenter user cannot see (or a template, which vmfix does not audit), and was blocked (${what}): its NIC may be cut off by a MAC change. Check with an account that sees every VM.`;
}

/** A line about a VM the inventory lacks, on a host it has, while vCenter's events could not say more: a note. */
export function unmatchedNote(event: L2SecEvent): string {
  const about = event.vmName ? ` for "${event.vmName}"` : '';
  return `${event.source}: a vmkernel log line${about} names a VM or host this inventory does not have (deleted or renamed since?): ${event.line}`;
}

/**
 * Lines of given log files that no host of the inventory wrote (the host
 * they name, or the file they came from, is none of vCenter's): vmfix
 * cannot tell which NIC they are about, so they vouch for nothing and hide
 * nothing. A warning per file and host named: a host vCenter knows by
 * another name (its IP address) is the usual cause.
 */
export function unplacedWarnings(events: readonly L2SecEvent[]): string[] {
  const groups = new Map<string, L2SecEvent[]>();
  for (const e of events) {
    const key = `${e.source}\u0000${e.hostName ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  return [...groups.values()].map((lines) => {
    const { source, hostName } = lines[0]!;
    const clients = [...new Set(lines.map((e) => e.vmName).filter((n): n is string => n !== undefined))];
    const about = clients.length ? ` about ${clients.join(', ')}` : '';
    const where = hostName
      ? `name host ${hostName}, which this vCenter does not have under that name (an IP address or another name in vCenter? a host removed?)`
      : `name no host, and ${source} is not named after one of this vCenter's hosts`;
    return `${source}: ${lines.length} vmkernel L2Sec line(s)${about} ${where}: vmfix cannot tie them to any NIC. Give the host's vm-support bundle, or audit the file offline (no --vcenter).`;
  });
}

interface Observation {
  readonly evidence: Evidence[];
  /** Log lines tie ESXi blocking this NIC to its present state. */
  readonly logged: boolean;
  /** Blocked inside the window, but its guest is back on the configured MAC and its dvPort forwards again. */
  readonly reverted: boolean;
  readonly blocked: boolean;
  /** vCenter shows the NIC's dvPort blocked (not by an administrator). */
  readonly portBlocked: boolean;
  readonly changedMac: boolean;
  readonly guestMac: string | null;
  readonly requestedMac: string | null;
}

/** `portEvents`: vCenter's block events of the NIC's port (evidence like log lines, which may have rotated away). */
function observe(vm: Vm, nic: VmNic, att: Attachment, events: readonly L2SecEvent[], portEvents: readonly Evidence[], running: boolean): Observation {
  const evidence: Evidence[] = [...events.map(logEvidence), ...portEvents];
  const logged = events.length > 0 || portEvents.length > 0;
  const guest = guestMac(vm, nic);
  const learned = att.kind === 'distributed' && att.macLearning;
  const mismatch = running && !learned ? mismatchEvidence(vm, nic) : null;
  if (mismatch) evidence.push(mismatch);
  const port = running && att.kind === 'distributed' ? att.port : undefined;
  const portBlocked = Boolean(port?.blocked && !port.adminBlocked);
  if (port && portBlocked) {
    evidence.push(blockedPortEvidence(port));
  }
  return {
    evidence,
    logged,
    // Positive evidence only: a dvPort vCenter shows forwarding again. A standard port's state is not in
    // the API, and guest info that shows the configured MAC may be stale (old Tools): that stays blocked.
    reverted: running && logged && port !== undefined && !portBlocked && guest !== null && guest === nic.macAddress,
    blocked: logged || portBlocked,
    portBlocked,
    changedMac: mismatch !== null || logged,
    guestMac: mismatch ? guest : null,
    requestedMac: events.find((e) => e.mac)?.mac ?? null,
  };
}

/** The guest reports a MAC other than the NIC's configured one (Tools' guest.net: meaningful only while it runs). */
function mismatchEvidence(vm: Vm, nic: VmNic): Evidence | null {
  const guest = guestMac(vm, nic);
  if (guest === null || nic.macAddress === null || guest === nic.macAddress) return null;
  return {
    type: 'guest-mac-mismatch',
    detail: `The guest reports MAC ${guest} on ${nic.label}; vSphere configured ${nic.macAddress}.`,
    guestMac: guest,
    configuredMac: nic.macAddress,
  };
}

/** The object whose MAC-changes setting is in force for an attachment. */
export function policyHolder(att: Attachment): string {
  if (att.kind === 'opaque') return `nsx/${att.opaqueNetworkId}`;
  if (att.kind === 'standard') {
    return att.macChanges.source === 'portgroup'
      ? `pg/${att.host.moref}/${att.portgroup.name}`
      : `vs/${att.host.moref}/${att.portgroup.vswitchName}`;
  }
  if (att.macChanges.source === 'dvs') return `dvs/${att.dvs.uuid}`;
  return `dvpg/${att.dvs.uuid}/${att.portgroup.key}`;
}

/** A nested hypervisor's vNIC carries other MACs: its guest reports another, or its port learns them. */
function sendsForeignMacs(vm: Vm, nic: VmNic, att: Attachment): boolean {
  const guest = guestMac(vm, nic);
  return (guest !== null && guest !== nic.macAddress) || (att.kind === 'distributed' && att.macLearning);
}

function forgedTransmits(att: Attachment): boolean | null {
  if (att.kind === 'opaque') return null;
  return att.kind === 'standard'
    ? standardPolicy(att.host, att.portgroup, 'forgedTransmits').value
    : distributedPolicy(att.dvs, att.portgroup, 'forgedTransmits', att.port?.setting ?? undefined).value;
}

function nicFinding(
  kind: FindingKind,
  vm: Vm,
  nic: VmNic,
  att: Attachment,
  host: Host | undefined,
  evidence: Evidence[],
  remedies: Finding['remedies'],
  /** What is wrong: MAC changes rejected (the usual), or a nested hypervisor's forged transmits. */
  rejects: 'mac-changes' | 'forged-transmits' = 'mac-changes',
  /** Blocked earlier in the window, released since: the guest is back on its configured MAC. */
  released = false,
): Finding {
  const guest = guestMac(vm, nic);
  const pgName = networkName(att);
  const running = vm.powerState === 'poweredOn';
  const where = att.macChanges.source === 'dvport' && att.kind === 'distributed' ? `its dvPort ${att.port?.portKey ?? ''} (which overrides "${pgName}")` : `"${pgName}"`;
  const nsx = inNsx(att);
  const summary = nsx
    ? nsxSummary(kind, vm, nic, att, released)
    : rejects === 'forged-transmits'
    ? `${vm.name} ${nic.label} is a nested hypervisor: MAC address changes allows its MACs on "${pgName}", but Forged transmits is Reject there, so the frames its VMs send are dropped.`
    : att.macChanges.value !== false
    ? `${vm.name} ${nic.label}: vCenter still shows its dvPort ${att.kind === 'distributed' ? att.port?.portKey : ''} blocked although MAC address changes reads Accept on ${where}; ESXi has not released the port.`
    : released
      ? `${vm.name} ${nic.label} changed its MAC (${lastAt(evidence)}) and ESXi blocked the port; its guest is back on the configured MAC now, and the next change (a failover) will be blocked again: MAC address changes is Reject on "${pgName}".`
      : !running
    ? `${vm.name} ${nic.label} was blocked by ESXi before the VM was ${vm.powerState === 'suspended' ? 'suspended' : 'powered off'}, and will be blocked again when it runs: MAC address changes is Reject on ${where}.`
    : kind === 'mac-change-blocked'
      ? `${vm.name} ${nic.label} changed its MAC and ESXi blocked the port: MAC address changes is Reject on ${where}.`
      : `${vm.name} ${nic.label} uses a MAC other than its configured one while MAC address changes is Reject on ${where}: ESXi may block it.`;
  return {
    id: findingId(kind, vm.moref, nic.key),
    kind,
    // Not blocked now (it is not running), but sure to be at power-on: worth fixing while it is off.
    severity: running && !released ? SEVERITY[kind] : 'warning',
    summary,
    vm: { name: vm.name, moref: vm.moref, powerState: vm.powerState },
    nic: { label: nic.label, key: nic.key, configuredMac: nic.macAddress, addressType: nic.addressType, guestMac: guest },
    host: host ? { name: host.name, moref: host.moref } : null,
    datacenter: att.kind === 'standard' ? att.host.datacenter : att.kind === 'distributed' ? att.dvs.datacenter : host?.datacenter ?? null,
    cluster: host?.cluster ?? null,
    // An N-VDS is not a switch vCenter lists: its name is not known.
    switch: att.kind === 'standard'
      ? { type: 'standard', name: att.portgroup.vswitchName }
      : att.kind === 'distributed' ? { type: 'distributed', name: att.dvs.name } : null,
    portgroup: att.kind === 'standard'
      ? { name: pgName, moref: nic.backing.kind === 'standard' ? nic.backing.network : null, portKey: null }
      : att.kind === 'distributed'
        ? { name: pgName, moref: att.portgroup.moref, portKey: att.port?.portKey ?? (nic.backing.kind === 'distributed' ? nic.backing.portKey : null) }
        : { name: pgName, moref: null, portKey: null },
    // In NSX only a block says what is in force: ESXi refused the change.
    policy: nsx
      ? { macChanges: kind === 'mac-change-blocked' ? 'reject' : 'unknown', source: 'nsx' }
      : { macChanges: att.macChanges.value !== false ? 'accept' : 'reject', source: att.macChanges.source },
    evidence,
    remedies,
  };
}

/** A NIC on an NSX segment: what ESXi did or may do, and that NSX, not vSphere, holds the setting. */
function nsxSummary(kind: FindingKind, vm: Vm, nic: VmNic, att: Attachment, released: boolean): string {
  const segment = att.kind === 'opaque' && !att.opaqueNetworkName ? `NSX segment ${att.opaqueNetworkId} (an opaque network)` : `NSX segment "${networkName(att)}"`;
  const setIn = 'whether a guest may change its MAC there is set in NSX (MAC change in the segment\'s MAC discovery profile), not in vSphere';
  const who = `${vm.name} ${nic.label}`;
  if (kind === 'mac-change-at-risk') return `${who} uses a MAC other than its configured one on ${segment}; ${setIn}, and vCenter does not show it: ESXi may block it.`;
  if (vm.powerState !== 'poweredOn') return `${who} was blocked by ESXi on ${segment} before the VM was ${vm.powerState === 'suspended' ? 'suspended' : 'powered off'}; ${setIn}.`;
  return released
    ? `${who} changed its MAC and ESXi blocked the port on ${segment}; its guest is back on the configured MAC now. ${setIn[0]!.toUpperCase()}${setIn.slice(1)}.`
    : `${who} changed its MAC and ESXi blocked the port on ${segment}; ${setIn}.`;
}

/**
 * ESXi blocked a NIC on a network whose policy this inventory does not
 * hold: a distributed switch seen from its ESXi host (only vCenter has it),
 * or a portgroup gone from the host. The block is said; no change is aimed.
 */
function unreadableFinding(inventory: Inventory, vm: Vm, nic: VmNic, host: Host, events: readonly L2SecEvent[]): Finding {
  const evidence = events.map(logEvidence);
  const finding = blockedWithoutNic(findingId('mac-change-blocked', vm.moref, nic.key), vm, host, evidence,
    `${vm.name} ${nic.label} changed its MAC and ESXi blocked the port on ${host.name} (${lastAt(evidence)}); it is on ${unreadableNetwork(inventory, nic, host)}, so vmfix can neither read nor change the policy there.`);
  return { ...finding, nic: nicOf(vm, nic) };
}

/**
 * A running NIC whose guest uses another MAC, on a network whose policy vmfix
 * cannot read (a distributed switch this user or this ESXi host does not
 * show, a portgroup its host does not list): at risk, said, with no change aimed.
 */
function unreadableAtRisk(inventory: Inventory, vm: Vm, nic: VmNic, host: Host | undefined, mismatch: Evidence): Finding {
  return {
    id: findingId('mac-change-at-risk', vm.moref, nic.key),
    kind: 'mac-change-at-risk',
    severity: 'warning',
    summary: `${vm.name} ${nic.label} uses a MAC other than its configured one on ${unreadableNetwork(inventory, nic, host)}, so vmfix can neither read nor change the policy there: ESXi blocks it if MAC address changes is Reject.`,
    vm: { name: vm.name, moref: vm.moref, powerState: vm.powerState },
    nic: nicOf(vm, nic),
    host: host ? { name: host.name, moref: host.moref } : null,
    datacenter: host?.datacenter ?? null,
    cluster: host?.cluster ?? null,
    switch: null,
    portgroup: null,
    policy: { macChanges: 'unknown', source: null },
    evidence: [mismatch],
    remedies: [],
  };
}

/** Where a NIC is that vmfix cannot attach to a network it reads, and why it cannot. */
function unreadableNetwork(inventory: Inventory, nic: VmNic, host: Host | undefined): string {
  const backing = nic.backing;
  if (backing.kind === 'distributed') {
    return `distributed switch ${backing.switchUuid}, which ${inventory.endpoint.apiType === 'HostAgent' ? 'only the vCenter that manages it shows and changes: audit through that vCenter' : 'this vCenter does not show this user (or a dvPortgroup of it): give the user System.Read on the network folder'}`;
  }
  if (backing.kind === 'standard') return `portgroup "${backing.portgroup}", which ${host ? `${host.name} does not have` : 'is on a host this inventory does not list'}`;
  return 'a network vmfix cannot read';
}

function nicOf(vm: Vm, nic: VmNic): NonNullable<Finding['nic']> {
  return { label: nic.label, key: nic.key, configuredMac: nic.macAddress, addressType: nic.addressType, guestMac: guestMac(vm, nic) };
}

/**
 * Lines about a port on a host in the inventory that vmfix cannot tie to a
 * NIC (a distributed switch's port ids are not in vCenter's API): the block
 * is real and recent, so it is said, but about the port, not a guessed NIC.
 */
function portFinding(host: Host, events: readonly L2SecEvent[]): Finding {
  const port = firstPort(events);
  const evidence = events.map(logEvidence);
  const last = lastSeen(evidence);
  return blockedWithoutNic(findingId('mac-change-blocked', 'port', host.moref, port), null, host, evidence,
    `ESXi blocked port ${port} on ${host.name}${last ? ` (last at ${last})` : ''} because a guest changed its MAC; no NIC vCenter lists can be tied to that port (distributed switches do not list their port ids), so check which VM used it.`);
}

/**
 * A powered-off VM with several NICs that ESXi blocked before it went off:
 * its ports are gone, so neither vCenter nor the line says which NIC, and
 * none is guessed. It will be blocked again when it runs.
 */
function offVmFinding(vm: Vm, host: Host, events: readonly L2SecEvent[], nics: { rejecting: number; onNsx: number; unreadable: number }): Finding {
  const evidence = events.map(logEvidence);
  const which = [
    ...(nics.rejecting ? [`${nics.rejecting} of them under MAC address changes = Reject`] : []),
    ...(nics.onNsx ? [`${nics.onNsx} of them on NSX segments, whose MAC policy is set in NSX`] : []),
    ...(nics.unreadable ? [`${nics.unreadable} of them on networks whose policy vmfix cannot read`] : []),
  ].join(', ');
  return blockedWithoutNic(findingId('mac-change-blocked', vm.moref, 'vm'), vm, host, evidence,
    `${vm.name} was blocked by ESXi on port ${firstPort(events)} (${lastAt(evidence)}) before it was powered off, on one of its ${vm.nics.length} NICs (${which}); which one, neither vCenter nor the line says now that its ports are gone: it will be blocked again when it runs.`);
}

/** Lines naming a VM vCenter shows no NICs of (its devices refused, or no configuration): said about the VM. */
function noNicsFinding(vm: Vm, host: Host, events: readonly L2SecEvent[]): Finding {
  const evidence = events.map(logEvidence);
  return blockedWithoutNic(findingId('mac-change-blocked', vm.moref, 'vm'), vm, host, evidence,
    `${vm.name} was blocked by ESXi on port ${firstPort(events)} (${lastAt(evidence)}) because its guest changed its MAC, but vCenter shows none of its NICs, so vmfix can neither say which nor offer a fix: see the warnings for why.`);
}

/**
 * Lines naming a client that several VMs on the host that wrote them are
 * called (vCenter keeps names unique per folder, not per host), where no port
 * or MAC tells them apart; or naming one VM and a port another holds (a rename
 * and the old name given to another VM reads as a port given out again): the
 * block is said, with every VM it may be about.
 */
function namesakesFinding({ vms, host, events, portHolder }: Namesakes): Finding {
  const evidence = events.map(logEvidence);
  const last = lastSeen(evidence);
  const name = events.find((e) => e.vmName)?.vmName ?? vms[0]!.name;
  const port = firstPort(events);
  const ref = (v: Vm) => `${v.name} (${v.moref})`;
  const others = vms.filter((v) => v !== portHolder);
  const why = portHolder
    ? `${ref(portHolder)} holds that port now, and ${others.map(ref).join(', ')} on ${host.name} ${others.length === 1 ? 'is' : 'are'} named ${name}: the line's VM may have been renamed since and its name given to another, or the port given to ${portHolder.name} after ${name} left it, so vmfix cannot tell which: check each of them.`
    : `${vms.length} VMs on ${host.name} are named ${name} (${vms.map((v) => v.moref).join(', ')}), and neither a port nor a MAC they use now says which, so vmfix cannot tell which: check each of them.`;
  const finding = blockedWithoutNic(findingId('mac-change-blocked', 'namesakes', host.moref, name, port), null, host, evidence,
    `ESXi blocked port ${port} on ${host.name}${last ? ` (last at ${last})` : ''} of a VM named ${name}, because its guest changed its MAC; ${why}`);
  return { ...finding, candidates: vms.map((v) => ({ name: v.name, moref: v.moref })) };
}

/** A block the logs show on a host, tied to no NIC: a warning with no remedy, since none can be aimed. */
function blockedWithoutNic(id: string, vm: Vm | null, host: Host, evidence: Evidence[], summary: string): Finding {
  return {
    id,
    kind: 'mac-change-blocked',
    severity: 'warning',
    summary,
    vm: vm ? { name: vm.name, moref: vm.moref, powerState: vm.powerState } : null,
    nic: null,
    host: { name: host.name, moref: host.moref },
    datacenter: host.datacenter,
    cluster: host.cluster,
    switch: null,
    portgroup: null,
    policy: { macChanges: 'reject', source: null },
    evidence,
    remedies: [],
  };
}

function firstPort(events: readonly L2SecEvent[]): string {
  return events.find((e) => e.port)?.port ?? 'unknown';
}

/** The newest time any of the evidence was seen. */
/** "last at T", as the summaries say when a block was last seen. */
function lastAt(evidence: readonly Evidence[]): string {
  return `last at ${lastSeen(evidence) ?? 'a time the log does not give'}`;
}

function lastSeen(evidence: readonly Evidence[]): string | null {
  return evidence.map((e) => (e.type === 'vmkernel-log' ? e.lastTime : e.type === 'dvport-event' ? e.time : null)).filter((t): t is string => t !== null).sort().at(-1) ?? null;
}

function historyItem(past: PastEvents): HistoryItem {
  const evidence = past.events.map(logEvidence);
  return {
    vm: past.vm ? { name: past.vm.name, moref: past.vm.moref } : null,
    nic: past.nic ? { label: past.nic.label, key: past.nic.key } : null,
    host: { name: past.host.name, moref: past.host.moref },
    port: past.events.find((e) => e.port)?.port ?? null,
    lastTime: lastSeen(evidence),
    why: past.why,
    evidence,
  };
}

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 };

function byPlace(a: Finding, b: Finding): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    (a.host?.name ?? '').localeCompare(b.host?.name ?? '') ||
    (a.portgroup?.name ?? '').localeCompare(b.portgroup?.name ?? '') ||
    (a.vm?.name ?? '').localeCompare(b.vm?.name ?? '') ||
    (a.nic?.key ?? 0) - (b.nic?.key ?? 0)
  );
}
