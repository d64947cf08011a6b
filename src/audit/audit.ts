// audit(inventory, evidence) -> findings. Pure: the same inventory and
// evidence always give the same findings with the same ids.
import type { Host, Inventory, Vm, VmNic } from '../inventory/model.js';
import { InventoryIndex } from '../inventory/lookup.js';
import type { EvidenceSet } from '../evidence/types.js';
import type { L2SecEvent } from '../evidence/vmkernel-log.js';
import { Attachments, type Attachment } from './attachment.js';
import { logEvidence } from './evidence.js';
import { findingId, SEVERITY, type Evidence, type Finding, type FindingKind } from './finding.js';
import { guestMac, matchLogEvents, nicKey } from './match-logs.js';
import { notOffered, remediesFor } from './remedies.js';
import { unneededAccept } from './unneeded.js';

export interface AuditResult {
  readonly findings: readonly Finding[];
  readonly notes: readonly string[];
}

export function audit(inventory: Inventory, evidence: EvidenceSet): AuditResult {
  const index = new InventoryIndex(inventory);
  const attachments = new Attachments(index, evidence.dvPorts);
  const logs = matchLogEvents(attachments, evidence.vmkernel);
  const macOwners = macOwnership(inventory.vms);
  const findings: Finding[] = [];
  /** Where some VM changes its MAC: an Accept there is needed. */
  const needed = new Set<string>();

  for (const vm of inventory.vms) {
    for (const nic of vm.nics) {
      const att = attachments.attach(vm, nic);
      if (!att) continue;
      const seen = observe(vm, nic, att, logs.byNic.get(nicKey(vm, nic)) ?? []);
      if (seen.changedMac) needed.add(policyHolder(att));
      // A powered-off VM's guest info is stale and its port is not in use.
      if (vm.powerState !== 'poweredOn' || att.macChanges.value !== false) continue;
      const kind: FindingKind | undefined = seen.blocked ? 'mac-change-blocked' : seen.changedMac ? 'mac-change-at-risk' : undefined;
      if (!kind) continue;
      const mac = seen.guestMac ?? seen.requestedMac;
      const input = { index, macOwners, vm, nic, attachment: att, guestMac: mac };
      const remedies = remediesFor(input);
      findings.push({ ...nicFinding(kind, vm, nic, att, index.host(vm.host), seen.evidence, remedies), notOffered: notOffered(input, remedies) });
    }
  }
  findings.push(...unneededAccept(index, needed));

  const notes = [...evidence.notes];
  for (const event of logs.unmatched) {
    notes.push(`${event.source}: a vmkernel log line${event.vmName ? ` for "${event.vmName}"` : ''} matches no NIC in the inventory: ${event.line}`);
  }
  return { findings: findings.sort(byPlace), notes };
}

interface Observation {
  readonly evidence: Evidence[];
  readonly blocked: boolean;
  readonly changedMac: boolean;
  readonly guestMac: string | null;
  readonly requestedMac: string | null;
}

function observe(vm: Vm, nic: VmNic, att: Attachment, events: readonly L2SecEvent[]): Observation {
  const evidence: Evidence[] = events.map(logEvidence);
  const guest = guestMac(vm, nic);
  const learned = att.kind === 'distributed' && att.macLearning;
  const mismatch = guest !== null && nic.macAddress !== null && guest !== nic.macAddress && !learned;
  if (mismatch) {
    evidence.push({
      type: 'guest-mac-mismatch',
      detail: `The guest reports MAC ${guest} on ${nic.label}; vSphere configured ${nic.macAddress}.`,
      guestMac: guest,
      configuredMac: nic.macAddress,
    });
  }
  const port = att.kind === 'distributed' ? att.port : undefined;
  const portBlocked = Boolean(port?.blocked && !port.adminBlocked);
  if (port && portBlocked) {
    evidence.push({
      type: 'dvport-blocked',
      detail: `dvPort ${port.portKey} is blocked${port.statusDetail ? `: ${port.statusDetail.replace(/\.$/, '')}` : ''}.`,
      portKey: port.portKey,
      statusDetail: port.statusDetail,
    });
  }
  return {
    evidence,
    blocked: events.length > 0 || portBlocked,
    changedMac: mismatch || events.length > 0,
    guestMac: mismatch ? guest : null,
    requestedMac: events.find((e) => e.mac)?.mac ?? null,
  };
}

/** The object whose MAC-changes setting is in force for an attachment. */
export function policyHolder(att: Attachment): string {
  if (att.kind === 'standard') {
    return att.macChanges.source === 'portgroup'
      ? `pg/${att.host.moref}/${att.portgroup.name}`
      : `vs/${att.host.moref}/${att.portgroup.vswitchName}`;
  }
  if (att.macChanges.source === 'dvs') return `dvs/${att.dvs.uuid}`;
  return `dvpg/${att.dvs.uuid}/${att.portgroup.key}`;
}

function nicFinding(
  kind: FindingKind,
  vm: Vm,
  nic: VmNic,
  att: Attachment,
  host: Host | undefined,
  evidence: Evidence[],
  remedies: Finding['remedies'],
): Finding {
  const guest = guestMac(vm, nic);
  const pgName = att.portgroup.name;
  const summary =
    kind === 'mac-change-blocked'
      ? `${vm.name} ${nic.label} changed its MAC and ESXi blocked the port: MAC address changes is Reject on "${pgName}".`
      : `${vm.name} ${nic.label} uses a MAC other than its configured one while MAC address changes is Reject on "${pgName}": ESXi may block it.`;
  return {
    id: findingId(kind, vm.moref, nic.key),
    kind,
    severity: SEVERITY[kind],
    summary,
    vm: { name: vm.name, moref: vm.moref, powerState: vm.powerState },
    nic: { label: nic.label, key: nic.key, configuredMac: nic.macAddress, addressType: nic.addressType, guestMac: guest },
    host: host ? { name: host.name, moref: host.moref } : null,
    datacenter: att.kind === 'standard' ? att.host.datacenter : att.dvs.datacenter,
    cluster: host?.cluster ?? null,
    switch: att.kind === 'standard'
      ? { type: 'standard', name: att.portgroup.vswitchName }
      : { type: 'distributed', name: att.dvs.name },
    portgroup: att.kind === 'standard'
      ? { name: pgName, moref: nic.backing.kind === 'standard' ? nic.backing.network : null, portKey: null }
      : { name: pgName, moref: att.portgroup.moref, portKey: att.port?.portKey ?? (nic.backing.kind === 'distributed' ? nic.backing.portKey : null) },
    policy: { macChanges: 'reject', source: att.macChanges.source },
    evidence,
    remedies,
  };
}

function macOwnership(vms: readonly Vm[]): Map<string, Set<string>> {
  const owners = new Map<string, Set<string>>();
  const own = (mac: string | null, who: string) => {
    if (!mac) return;
    if (!owners.has(mac)) owners.set(mac, new Set());
    owners.get(mac)!.add(who);
  };
  for (const vm of vms) {
    for (const nic of vm.nics) {
      const who = `${vm.name}/${nic.label}`;
      own(nic.macAddress, who);
      own(guestMac(vm, nic), who);
    }
  }
  return owners;
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
