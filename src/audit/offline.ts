// An audit from vmkernel logs alone (no vCenter): every blocked port the
// logs show becomes a finding, one per VM per host. Without an inventory a
// line is tied to its VM by the client it names or, for "0x…: peer not
// allowed to change address" which names only a port, by the client line of
// the same port at the same moment, else by who held the port then
// (port-holders.ts). A line about a NIC shown on another port since is
// history. There is no policy source, blast radius or NIC, so those are null
// and the remedies say what to check.
import { basename } from 'node:path';
import { normalizeMac } from '../inventory/model.js';
import type { PortClient } from '../evidence/types.js';
import { hostKeyOf, vmNameOf, type L2SecEvent } from '../evidence/vmkernel-log.js';
import { logEvidence } from './evidence.js';
import { findingId, SEVERITY, type Finding, type HistoryItem, type Remedy } from './finding.js';
import { PortHolders, type Holder } from './port-holders.js';
import { HARDENING_NOTE, pinMacProblem } from './remedies.js';

/** Lines this close are one moment: ESXi writes a port's L2Sec lines together. */
const SAME_MOMENT_MS = 60_000;
/** More distinct MACs than this from one guest: it bridges or nests machines, pinning one MAC fixes nothing. */
const MANY_MACS = 3;

interface Group {
  readonly host: string | null;
  readonly hostKey: string;
  readonly vmName: string | null;
  readonly port: string | null;
  /** How the port-only lines were tied to the VM, when they were. */
  tiedBy: 'listing' | null;
  readonly events: L2SecEvent[];
}

export interface OfflineVerdict {
  readonly findings: Finding[];
  /** Lines about a NIC that a later line, or the host's listing, shows on another port. */
  readonly history: HistoryItem[];
}

export function auditLogs(events: readonly L2SecEvent[], portClients: readonly PortClient[] = []): OfflineVerdict {
  const groups = new Map<string, Group>();
  const past = new Map<string, { host: string | null; vmName: string; nic: string; port: string; why: string; events: L2SecEvent[] }>();
  const group = (host: string | null, hostKey: string, vmName: string | null, port: string | null) => {
    const key = `${hostKey}\u0000${vmName ?? ''}\u0000${vmName ? '' : (port ?? '')}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { host, hostKey, vmName, port: vmName ? null : port, tiedBy: null, events: [] }));
    return g;
  };
  const clientEvents = events.filter((e) => e.vmName);
  const holders = new PortHolders(portClients, events);
  for (const e of events) {
    const hostKey = hostKeyOf(e);
    const time = e.lastTime ?? e.firstTime;
    let holder: Holder | null = null;
    if (e.vmName) holder = { vm: vmNameOf(e.vmName), nic: e.port ? holders.nicOf(hostKey, e.port, e.vmName, time) : e.vmName, byListing: false };
    else {
      // ESXi writes a port's L2Sec lines together: the client line of the same moment names the port-only one's client.
      const sameMoment = nearestClient(e, clientEvents, hostKey);
      holder = sameMoment
        ? { vm: sameMoment.vm, nic: holders.nicOf(hostKey, e.port ?? '', sameMoment.client.vmName!, sameMoment.client.lastTime ?? sameMoment.client.firstTime), byListing: false }
        : holders.holderAt(hostKey, e.port ?? '', e.firstTime ?? e.lastTime);
    }
    const why = holder && e.port ? holders.movedSince(hostKey, holder.nic, e.port, time) : null;
    if (holder && why) {
      const key = `${hostKey}\u0000${holder.nic}\u0000${e.port}`;
      const item = past.get(key) ?? { host: e.hostName ?? null, vmName: holder.vm, nic: holder.nic, port: e.port!, why, events: [] };
      item.events.push(e);
      past.set(key, item);
      continue;
    }
    const g = group(e.hostName ?? null, hostKey, holder?.vm ?? null, e.port ?? null);
    if (holder?.byListing) g.tiedBy = 'listing';
    g.events.push(e);
  }
  const findings = withDistinctIds([...groups.values()].map((g) => ({ group: g, finding: toFinding(g) })));
  findings.sort((a, b) => (a.host?.name ?? '').localeCompare(b.host?.name ?? '') || (a.vm?.name ?? '').localeCompare(b.vm?.name ?? ''));
  const history = [...past.values()].map((p): HistoryItem => {
    const evidence = p.events.map(logEvidence);
    return {
      vm: { name: p.vmName, moref: null },
      nic: null,
      host: p.host ? { name: p.host, moref: null } : null,
      port: p.port,
      lastTime: p.events.map((e) => e.lastTime).filter((t): t is string => t !== null).sort().at(-1) ?? null,
      why: p.why,
      evidence,
    };
  });
  return { findings, history };
}

interface Nearest {
  readonly vm: string;
  readonly client: L2SecEvent;
}

/** The VM whose client line on the same host and port is nearest in time, at the same moment; null if none or two VMs tie. */
function nearestClient(e: L2SecEvent, clients: readonly L2SecEvent[], hostKey: string): Nearest | null {
  let best: { vm: string; distance: number; client: L2SecEvent } | null = null;
  let tie = false;
  for (const c of clients) {
    if (c.port !== e.port || hostKeyOf(c) !== hostKey) continue;
    const distance = gap(e, c);
    if (distance > SAME_MOMENT_MS) continue;
    const vm = vmNameOf(c.vmName!);
    if (!best || distance < best.distance) {
      best = { vm, distance, client: c };
      tie = false;
    } else if (distance === best.distance && vm !== best.vm) {
      tie = true;
    }
  }
  return best && !tie ? { vm: best.vm, client: best.client } : null;
}

/** How far apart two events' [first, last] spans are (0 when they overlap); lines without a time are far from all. */
function gap(a: L2SecEvent, b: L2SecEvent): number {
  if (a.firstTime === null || b.firstTime === null) return a.firstTime === b.firstTime ? 0 : Number.MAX_SAFE_INTEGER;
  const [a0, a1, b0, b1] = [a.firstTime, a.lastTime ?? a.firstTime, b.firstTime, b.lastTime ?? b.firstTime].map(Date.parse) as [number, number, number, number];
  return Math.max(0, b0 - a1, a0 - b1);
}

function toFinding(g: Group): Finding {
  const events = [...g.events].sort((a, b) => (a.firstTime ?? '\uffff').localeCompare(b.firstTime ?? '\uffff'));
  const macs = [...new Set(events.filter((e) => e.mac).map((e) => normalizeMac(e.mac)!))];
  const moreMacs = events.filter((e) => e.otherMacs).reduce((sum, e) => sum + e.count, 0);
  const ports = [...new Set(events.map((e) => e.port).filter(Boolean))];
  const vmkernelAdapter = g.vmName !== null && /^vmk\d+$/.test(g.vmName);
  const who = g.vmName === null ? `the VM on port ${ports.join(', ')}` : vmkernelAdapter ? `VMkernel adapter ${g.vmName}` : `VM "${g.vmName}"`;
  // Said only where nothing else names the VM: the port lines alone were tied to it.
  const tie = g.tiedBy === 'listing' && !events.some((e) => e.vmName) ? ` (port ${ports.join(', ')}, tied to it by what the host listed on that port)` : '';
  return {
    id: offlineId(g, null),
    kind: 'mac-change-blocked',
    severity: SEVERITY['mac-change-blocked'],
    summary: `ESXi blocked the port of ${who}${tie}${g.host ? ` on ${g.host}` : ''} because its guest changed the MAC${macsPhrase(macs, moreMacs)} while MAC address changes is Reject.`,
    vm: g.vmName !== null && !vmkernelAdapter ? { name: g.vmName, moref: null, powerState: null } : null,
    nic: null,
    host: g.host ? { name: g.host, moref: null } : null,
    datacenter: null,
    cluster: null,
    switch: null,
    portgroup: null,
    policy: { macChanges: 'reject', source: null },
    evidence: events.map(logEvidence),
    remedies: offlineRemedies(macs, moreMacs, vmkernelAdapter),
  };
}

/**
 * A finding is its host and its VM (or port), not the path its log was given by: the same block read
 * from `./vmkernel.log`, its absolute path or a folder holding it keeps its id. Only where logs that
 * name no host hold the same VM or port is each told apart by its log: its file name, else its path.
 */
function offlineId(g: Group, log: string | null): string {
  return findingId('mac-change-blocked', 'offline', g.host ?? '', g.vmName ?? g.port ?? '', ...(log === null ? [] : [log]));
}

function withDistinctIds(found: readonly { group: Group; finding: Finding }[]): Finding[] {
  let out = found;
  for (const log of [(g: Group) => basename(logOf(g)), logOf]) {
    const seen = new Map<string, number>();
    for (const { finding } of out) seen.set(finding.id, (seen.get(finding.id) ?? 0) + 1);
    out = out.map((f) => (seen.get(f.finding.id)! > 1 ? { ...f, finding: { ...f.finding, id: offlineId(f.group, log(f.group)) } } : f));
  }
  return out.map((f) => f.finding);
}

/** The log of a group's lines: the file, or the archive and its member (`archive!member`). */
function logOf(g: Group): string {
  return g.events[0]!.source;
}

function macsPhrase(macs: string[], moreMacs: number): string {
  if (moreMacs > 0) return ` to ${macs.length} different MACs and more (${moreMacs} further request(s) not kept), e.g. ${macs[0]}`;
  if (macs.length > 1) return ` to ${macs.length} different MACs (${macs.join(', ')})`;
  return macs.length ? ` to ${macs[0]}` : '';
}

const UNKNOWN_RADIUS = 'Run vmfix audit against vCenter to see which other VMs this would also affect.';

function offlineRemedies(macs: string[], moreMacs: number, vmkernelAdapter: boolean): Remedy[] {
  const out: Remedy[] = [];
  const many = moreMacs > 0 || macs.length > MANY_MACS;
  if (many) {
    out.push({
      strategy: 'mac-learning',
      summary: 'Enable MAC learning on the dvPortgroup of the NIC: a guest using this many MACs bridges or nests other machines.',
      blastRadius: { vms: [], portgroups: [] },
      notes: ['Needs a distributed switch of version 6.7 or later.', UNKNOWN_RADIUS],
    });
  }
  const mac = macs.length === 1 && moreMacs === 0 ? macs[0]! : null;
  if (mac && !vmkernelAdapter && !pinMacProblem(mac, new Map(), '')) {
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
