// Online evidence: each host's vmkernel log over the --since window
// (host-logs.ts), the runtime state of every connected dvPort, and the
// dvPort block events vCenter recorded in the window (dvport-events.ts).
// Calls per host follow the window, one per DVS; hosts in parallel.
import type { DvSwitch, Host, Inventory } from '../inventory/model.js';
import { normalizeMac } from '../inventory/model.js';
import { phase } from '../profile.js';
import type { VimClient } from '../vsphere/client.js';
import type { ReturnSpec } from '../vsphere/decode.js';
import { SoapFault } from '../vsphere/faults.js';
import type { DistributedVirtualPort, MoRef, VMwareDVSPortSetting } from '../vsphere/types.js';
import type { DvPortEvent, DvPortState, EvidenceSet } from './types.js';
import { readDvPortEvents } from './dvport-events.js';
import { tailHostLog, type HostLog } from './host-logs.js';
import { connectionGap, describeGaps, describeHosts, gapOf, gapWords, refused, type LogGap } from './log-gaps.js';
import { pool } from './pool.js';
import type { SeenLines } from './seen-lines.js';

export interface GatherOptions {
  /** The most lines read from the end of each host's vmkernel log (0: no logs). */
  readonly logLines: number;
  /** The start of the --since window (ISO), or null for no window. */
  readonly since: string | null;
  /** Hosts read at once. */
  readonly concurrency: number;
  readonly onProgress?: (text: string) => void;
  /** Hosts (moref) of which --vmkernel-log files hold lines → the newest line's time: their live logs are read from it on. */
  readonly filesEnd?: ReadonlyMap<string, string>;
  /** The L2Sec lines those files counted: a line stamped at their newest that both hold counts once. */
  readonly filesSeen?: SeenLines;
}

/**
 * Files that end this close to now leave too little unseen for a live log that cannot be read to be a
 * warning: a bundle collected for this audit takes minutes to make and copy.
 */
export const FILES_FRESH_MS = 15 * 60_000;

/** A host whose log left something unknown, and what. */
export interface HostGap {
  readonly host: Host;
  readonly gap: LogGap;
}

/** A DVS whose dvPorts could not be read, and the fault. */
export interface DvPortsUnread {
  readonly dvs: DvSwitch;
  readonly fault: string;
}

/**
 * The evidence, each host's log as read (where watch goes on reading it),
 * and what could not be read by what it is about (its `problems` say the
 * same, host logs grouped), which watch keeps until a later read clears it.
 */
export interface GatheredEvidence extends EvidenceSet {
  readonly hostLogs: readonly HostLog[];
  readonly logGaps: readonly HostGap[];
  readonly dvPortsUnread: readonly DvPortsUnread[];
  /** The fault that kept vCenter's dvPort block events from being read, or null. */
  readonly eventsUnread: string | null;
}

export async function gatherEvidence(client: VimClient, inventory: Inventory, options: GatherOptions): Promise<GatheredEvidence> {
  const notes: string[] = [];
  const gaps: HostGap[] = [];
  const unread: DvPortsUnread[] = [];
  const [logs, dvPorts, events] = await Promise.all([
    phase('logs', () => tailVmkernelLogs(client, inventory, options, { notes, gaps })),
    phase('dvPorts', () => fetchDvPorts(client, inventory, unread)),
    phase('events', () => blockEvents(client, inventory, options.since)),
  ]);
  const words = gapWords(client, options.logLines);
  const fresh = new Date(Date.now() - FILES_FRESH_MS).toISOString();
  const excused = (g: HostGap) => (options.filesEnd?.get(g.host.moref) ?? '') >= fresh;
  for (const text of describeGaps(gaps.filter(excused).map((g) => ({ name: g.host.name, gap: g.gap })), words)) {
    notes.push(`${text} Not a warning: the --vmkernel-log files given end less than ${FILES_FRESH_MS / 60_000} minutes ago there.`);
  }
  const warned = gaps.filter((g) => !excused(g));
  const problems = [
    ...describeGaps(warned.map((g) => ({ name: g.host.name, gap: g.gap })), words),
    ...unread.map(dvPortsProblem),
    ...(events.unread ? [eventsProblem(events.unread)] : []),
  ];
  const count = logs.reduce((n, log) => n + log.unparsed.count, 0);
  const samples = logs.flatMap((log) => log.unparsed.samples.map((line) => ({ source: log.source.name, line })));
  return {
    vmkernel: logs.flatMap((log) => log.events),
    dvPorts,
    dvPortEvents: events.read,
    notes,
    problems,
    sources: logs.map((log) => log.source),
    portClients: [],
    unparsed: { count, samples: samples.slice(0, 5) },
    hostLogs: logs,
    logGaps: warned,
    dvPortsUnread: unread,
    eventsUnread: events.unread,
  };
}

async function tailVmkernelLogs(
  client: VimClient,
  inventory: Inventory,
  options: GatherOptions,
  { notes, gaps }: { notes: string[]; gaps: HostGap[] },
): Promise<HostLog[]> {
  const manager = client.serviceContent.diagnosticManager;
  if (options.logLines <= 0 || !inventory.hosts.length) return [];
  if (!manager) {
    for (const host of inventory.hosts) gaps.push({ host, gap: { about: 'no-manager' } });
    return [];
  }
  const onVcenter = client.serviceContent.about.apiType === 'VirtualCenter';
  const hosts: Host[] = [];
  for (const host of inventory.hosts) {
    const gap = connectionGap(host);
    if (gap) gaps.push({ host, gap });
    else hosts.push(host);
  }

  const logs: HostLog[] = [];
  let done = 0;
  let failed = 0;
  await pool(hosts, options.concurrency, async (host) => {
    try {
      const ref: MoRef = { type: 'HostSystem', value: host.moref };
      const after = options.filesEnd?.get(host.moref);
      logs.push(await tailHostLog(client, manager, onVcenter ? ref : undefined, host, { since: options.since, maxLines: options.logLines, ...(after ? { after } : {}), ...(options.filesSeen ? { seen: options.filesSeen } : {}) }));
    } catch (err) {
      if (!(err instanceof SoapFault)) throw err;
      gaps.push({ host, gap: refused(err) });
      failed++;
    }
    done++;
    options.onProgress?.(`vmkernel logs: ${done - failed}/${hosts.length} hosts read${failed ? `, ${failed} refused` : ''}`);
  });
  logs.sort((a, b) => a.source.name.localeCompare(b.source.name));
  // An empty log begins nowhere: that is a gap of its own (log-gaps.ts), not a rotation.
  // A host read only after the files' newest line of it was read back to that line, where it is inside the window.
  const cutAtFiles = (l: HostLog) => {
    const after = options.filesEnd?.get(l.host.moref);
    return after !== undefined && (options.since === null || after >= options.since);
  };
  const rotatedAll = logs.filter((l) => l.shortBy === 'rotated' && l.source.lines > 0);
  const rotated = rotatedAll.filter((l) => !cutAtFiles(l)).map((l) => l.source.name);
  const rotatedAfterFiles = rotatedAll.filter(cutAtFiles).map((l) => l.source.name);
  if (rotatedAfterFiles.length) {
    notes.push(`The live vmkernel log of ${describeHosts(rotatedAfterFiles)} begins after the newest line the --vmkernel-log files hold of it; the lines between are in its rotated logs (vmkernel.N.gz), which ${onVcenter ? 'vCenter' : 'the host'} does not serve through the API: give a newer support bundle with --vmkernel-log to read them.`);
  }
  if (rotated.length) {
    notes.push(`The live vmkernel log of ${describeHosts(rotated)} begins after the start of --since; older lines are in its rotated logs (vmkernel.N.gz), which ${onVcenter ? 'vCenter' : 'the host'} does not serve through the API: give a support bundle with --vmkernel-log to read them.`);
  }
  for (const log of logs) {
    const gap = gapOf(log, options.since);
    if (gap) gaps.push({ host: log.host, gap });
  }
  return logs;
}

async function fetchDvPorts(client: VimClient, inventory: Inventory, unread: DvPortsUnread[]): Promise<DvPortState[]> {
  const out: DvPortState[] = [];
  for (const dvs of inventory.dvSwitches) {
    try {
      out.push(...(await readDvPorts(client, dvs)));
    } catch (err) {
      if (!(err instanceof SoapFault)) throw err;
      unread.push({ dvs, fault: err.faultType });
    }
  }
  return out;
}

/** The connected ports of a DVS (FetchDVPorts), or of those of its ports given, and of a portgroup's. */
export async function readDvPorts(
  client: VimClient,
  dvs: Pick<DvSwitch, 'type' | 'moref'>,
  only: { readonly portKeys?: readonly string[]; readonly portgroupKeys?: readonly string[] } = {},
): Promise<DvPortState[]> {
  const criteria = {
    connected: true,
    uplinkPort: false,
    // portgroupKey counts only with inside set (DistributedVirtualSwitchPortCriteria).
    ...(only.portgroupKeys ? { inside: true, portgroupKey: [...only.portgroupKeys] } : {}),
    ...(only.portKeys ? { portKey: [...only.portKeys] } : {}),
  };
  const ports = await client.read<DistributedVirtualPort[]>(
    'FetchDVPorts',
    { _this: { type: dvs.type, value: dvs.moref }, criteria },
    DV_PORTS,
  );
  return ports.map(toPortState);
}

/**
 * FetchDVPorts as the audit reads it: of each port (some 40 objects, most of
 * them its setting), the fields toPortState reads; the rest is not built.
 */
export const DV_PORTS = {
  type: 'DistributedVirtualPort',
  array: true,
  keep: [
    'key', 'dvsUuid', 'portgroupKey',
    'connectee.connectedEntity', 'connectee.nicKey', 'connectee.type',
    'state.runtimeInfo.blocked', 'state.runtimeInfo.statusDetail', 'state.runtimeInfo.macAddress',
    'config.setting.blocked', 'config.setting.macManagementPolicy', 'config.setting.securityPolicy',
  ],
} as const satisfies ReturnSpec;

export function dvPortsProblem({ dvs, fault }: DvPortsUnread): string {
  return `dvPort state of ${dvs.name} could not be read (${fault}); blocked dvPorts there are not reported.`;
}

/**
 * A port blocked and released inside the window shows in vCenter's events
 * alone (its log may have rotated, the guest gone back to its own MAC): so
 * events that could not be read leave blocks unknown, not merely unexplained.
 */
export function eventsProblem(fault: string): string {
  return `vCenter's dvPort block events could not be read (${fault}); a dvPort blocked and released inside --since is not reported unless a vmkernel log line shows it: audit again.`;
}

/** Only vCenter keeps events about distributed switches; a standalone host has none. */
async function blockEvents(client: VimClient, inventory: Inventory, since: string | null): Promise<{ read: DvPortEvent[]; unread: string | null }> {
  if (!inventory.dvSwitches.length || !client.serviceContent.eventManager || client.serviceContent.about.apiType !== 'VirtualCenter') return { read: [], unread: null };
  try {
    return { read: await readDvPortEvents(client, since), unread: null };
  } catch (err) {
    if (!(err instanceof SoapFault)) throw err;
    return { read: [], unread: err.faultType };
  }
}

export function toPortState(port: DistributedVirtualPort): DvPortState {
  const runtime = port.state?.runtimeInfo;
  const nicKey = port.connectee?.nicKey;
  // The connectee is a VM's NIC, or the host's own port (uplink, vmkernel adapter): only a VM's is a guest's.
  const entity = port.connectee?.connectedEntity;
  return {
    dvsUuid: port.dvsUuid,
    portKey: port.key,
    portgroupKey: port.portgroupKey ?? null,
    blocked: runtime?.blocked ?? false,
    adminBlocked: port.config.setting?.blocked?.value === true,
    statusDetail: runtime?.statusDetail || null,
    macAddress: normalizeMac(runtime?.macAddress),
    vm: entity?.type === 'VirtualMachine' ? entity.value : null,
    nicKey: nicKey === undefined || entity?.type !== 'VirtualMachine' ? null : Number(nicKey),
    hostPort: entity?.type === 'HostSystem' ? { host: entity.value, type: port.connectee?.type ?? null } : null,
    setting: macPolicies(port.config.setting),
  };
}

/** What the audit reads of a port's setting (the MAC policies), without its `blocked`. */
function macPolicies(setting: VMwareDVSPortSetting | undefined): VMwareDVSPortSetting | null {
  if (!setting) return null;
  const { _typeName, macManagementPolicy, securityPolicy } = setting;
  return { _typeName, ...(macManagementPolicy ? { macManagementPolicy } : {}), ...(securityPolicy ? { securityPolicy } : {}) };
}
