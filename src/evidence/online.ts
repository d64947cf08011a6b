// Online evidence: the tail of each host's vmkernel log through vCenter's
// DiagnosticManager, and the runtime state of every connected dvPort.
// A bounded number of calls per host and per DVS, hosts in parallel.
import type { Host, Inventory } from '../inventory/model.js';
import { normalizeMac } from '../inventory/model.js';
import { phase } from '../profile.js';
import type { VimClient } from '../vsphere/client.js';
import { SoapFault } from '../vsphere/faults.js';
import type { DistributedVirtualPort, MoRef, VMwareDVSPortSetting } from '../vsphere/types.js';
import type { DvPortState, EvidenceSet } from './types.js';
import { L2SecCollector, type L2SecEvent } from './vmkernel-log.js';

/** BrowseDiagnosticLog serves at most this many lines a call. */
export const LOG_PAGE = 500;

export interface GatherOptions {
  /** Lines from the end of each host's vmkernel log. */
  readonly logLines: number;
  /** Hosts read at once. */
  readonly concurrency: number;
  readonly onProgress?: (text: string) => void;
}

interface LogHeader {
  lineStart: number;
  lineEnd: number;
  lineText?: string[];
}

export async function gatherEvidence(client: VimClient, inventory: Inventory, options: GatherOptions): Promise<EvidenceSet> {
  const notes: string[] = [];
  const [vmkernel, dvPorts] = await Promise.all([
    phase('logs', () => tailVmkernelLogs(client, inventory, options, notes)),
    phase('dvPorts', () => fetchDvPorts(client, inventory, notes)),
  ]);
  return { vmkernel, dvPorts, notes, sources: [], portClients: [], unparsed: { count: 0, samples: [] } };
}

async function tailVmkernelLogs(client: VimClient, inventory: Inventory, options: GatherOptions, notes: string[]): Promise<L2SecEvent[]> {
  const manager = client.serviceContent.diagnosticManager;
  if (!manager || options.logLines <= 0) return [];
  const onVcenter = client.serviceContent.about.apiType === 'VirtualCenter';
  const hosts = inventory.hosts.filter((h) => h.connectionState === 'connected');
  const skipped = inventory.hosts.filter((h) => h.connectionState !== 'connected').map((h) => h.name);
  if (skipped.length) notes.push(`vmkernel logs not read on ${describeHosts(skipped)}: not connected to vCenter.`);

  const refused = new Map<string, string[]>();
  const events: L2SecEvent[] = [];
  let done = 0;
  await pool(hosts, options.concurrency, async (host) => {
    try {
      const ref: MoRef = { type: 'HostSystem', value: host.moref };
      events.push(...(await tail(client, manager, onVcenter ? ref : undefined, host, options.logLines)));
    } catch (err) {
      if (!(err instanceof SoapFault)) throw err;
      const why = err.faultType === 'NoPermission' ? `NoPermission (needs ${err.privilegeId ?? 'Global.Diagnostics'})` : err.faultType;
      refused.set(why, [...(refused.get(why) ?? []), host.name]);
    }
    options.onProgress?.(`vmkernel logs: ${++done}/${hosts.length} hosts`);
  });
  for (const [why, names] of refused) {
    notes.push(`vmkernel logs could not be read on ${describeHosts(names)} (${why}); the audit used the other evidence there.`);
  }
  return events;
}

/** The last `lines` lines of the host's vmkernel log, collapsed into events. */
async function tail(client: VimClient, manager: MoRef, hostRef: MoRef | undefined, host: Host, lines: number): Promise<L2SecEvent[]> {
  const browse = (start: number, count: number) =>
    client.read<LogHeader>(
      'BrowseDiagnosticLog',
      { _this: manager, ...(hostRef ? { host: hostRef } : {}), key: 'vmkernel', start, lines: count },
      { type: 'DiagnosticManagerLogHeader' },
    );
  // A start past the end answers with no lines but says where the end is
  // (govc's DiagnosticLog.Seek does the same against real vCenters).
  const { lineEnd } = await browse(2 ** 31 - 1, 0);
  const collector = new L2SecCollector(host.name);
  let start = Math.max(1, lineEnd - lines + 1);
  while (start <= lineEnd) {
    const page = await browse(start, Math.min(LOG_PAGE, lineEnd - start + 1));
    const text = page.lineText ?? [];
    for (const line of text) collector.add(line);
    if (!text.length) break;
    start += text.length;
  }
  collector.endOfStream();
  return collector.events();
}

async function fetchDvPorts(client: VimClient, inventory: Inventory, notes: string[]): Promise<DvPortState[]> {
  const out: DvPortState[] = [];
  for (const dvs of inventory.dvSwitches) {
    try {
      const ports = await client.read<DistributedVirtualPort[]>(
        'FetchDVPorts',
        { _this: { type: dvs.type, value: dvs.moref }, criteria: { connected: true, uplinkPort: false } },
        { type: 'DistributedVirtualPort', array: true },
      );
      for (const port of ports) out.push(toPortState(port));
    } catch (err) {
      if (!(err instanceof SoapFault)) throw err;
      notes.push(`dvPort state of ${dvs.name} could not be read (${err.faultType}); blocked dvPorts there are not reported.`);
    }
  }
  return out;
}

function toPortState(port: DistributedVirtualPort): DvPortState {
  const runtime = port.state?.runtimeInfo;
  const nicKey = port.connectee?.nicKey;
  return {
    dvsUuid: port.dvsUuid,
    portKey: port.key,
    portgroupKey: port.portgroupKey ?? null,
    blocked: runtime?.blocked ?? false,
    adminBlocked: port.config.setting?.blocked?.value === true,
    statusDetail: runtime?.statusDetail || null,
    macAddress: normalizeMac(runtime?.macAddress),
    vm: port.connectee?.connectedEntity?.value ?? null,
    nicKey: nicKey === undefined ? null : Number(nicKey),
    setting: macPolicies(port.config.setting),
  };
}

/** What the audit reads of a port's setting; the whole of it is some 40 objects a port, 40 MB at 10,000 ports. */
function macPolicies(setting: VMwareDVSPortSetting | undefined): VMwareDVSPortSetting | null {
  if (!setting) return null;
  const { _typeName, macManagementPolicy, securityPolicy } = setting;
  return { _typeName, ...(macManagementPolicy ? { macManagementPolicy } : {}), ...(securityPolicy ? { securityPolicy } : {}) };
}

function describeHosts(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${names.length} hosts (${shown}, …)` : names.length === 1 ? shown : `${names.length} hosts (${shown})`;
}

/** Runs `work` over items with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
