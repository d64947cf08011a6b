// An audit from vmkernel logs alone (no vCenter): every blocked port the
// logs show becomes a finding. Without an inventory there is no policy
// source, no blast radius and no NIC, so those are null and the remedies
// say what to check.
import { normalizeMac } from '../inventory/model.js';
import { logEvidence } from './evidence.js';
import { findingId, SEVERITY, type Finding, type Remedy } from './finding.js';
import { HARDENING_NOTE, pinMacProblem } from './remedies.js';
import type { L2SecEvent } from '../evidence/vmkernel-log.js';

export function auditLogs(events: readonly L2SecEvent[]): Finding[] {
  // One finding per VM (or per port where the line names no VM) per host.
  const groups = new Map<string, L2SecEvent[]>();
  for (const e of events) {
    const host = e.hostName ?? e.source;
    const key = `${host}\u0000${e.vmName ?? `port ${e.port}`}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const findings = [...groups.values()].map(toFinding);
  return findings.sort((a, b) => (a.host?.name ?? '').localeCompare(b.host?.name ?? '') || (a.vm?.name ?? '').localeCompare(b.vm?.name ?? ''));
}

function toFinding(events: L2SecEvent[]): Finding {
  const first = events[0]!;
  const host = first.hostName ?? null;
  const vmName = events.find((e) => e.vmName)?.vmName ?? null;
  const mac = normalizeMac(events.find((e) => e.mac)?.mac);
  const ports = [...new Set(events.map((e) => e.port).filter(Boolean))];
  const evidence = events.map(logEvidence);
  const who = vmName ? `VM "${vmName}"` : `the VM on port ${ports.join(', ')}`;
  return {
    id: findingId('mac-change-blocked', 'offline', host ?? first.source, vmName ?? ports.join(',')),
    kind: 'mac-change-blocked',
    severity: SEVERITY['mac-change-blocked'],
    summary: `ESXi blocked the port of ${who}${host ? ` on ${host}` : ''} because its guest changed the MAC${mac ? ` to ${mac}` : ''} while MAC address changes is Reject.`,
    vm: vmName ? { name: vmName, moref: null, powerState: null } : null,
    nic: null,
    host: host ? { name: host, moref: null } : null,
    datacenter: null,
    cluster: null,
    switch: null,
    portgroup: null,
    policy: { macChanges: 'reject', source: null },
    evidence,
    remedies: offlineRemedies(mac),
  };
}

const UNKNOWN_RADIUS = 'Run vmfix audit against vCenter to see which other VMs this would also affect.';

function offlineRemedies(mac: string | null): Remedy[] {
  const out: Remedy[] = [];
  if (mac && !pinMacProblem(mac, new Map(), '')) {
    out.push({
      strategy: 'pin-mac',
      summary: `Give the VM's NIC the manual MAC ${mac} that its guest asked for (check that no other NIC uses it).`,
      blastRadius: { vms: [], portgroups: [] },
      notes: ['The VM must be powered off to change the MAC.'],
      mac,
    });
  }
  out.push(
    {
      strategy: 'dedicated-portgroup',
      summary: "Move the NIC to a new portgroup that is a copy of its own with MAC address changes = Accept.",
      blastRadius: { vms: [], portgroups: [] },
      notes: ['What the hardening guide advises: Accept only where it is needed.'],
    },
    {
      strategy: 'portgroup-accept',
      summary: "Set MAC address changes to Accept on the NIC's portgroup.",
      blastRadius: { vms: [], portgroups: [] },
      notes: [HARDENING_NOTE, UNKNOWN_RADIUS],
    },
  );
  return out;
}
