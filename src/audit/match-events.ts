// Tying vCenter's dvPort block events to NICs, as log lines are tied
// (match-logs.ts): only through what identifies a NIC now. An event names a
// switch and a port; the NIC is the one that port is connected to now. The
// block is about that NIC only while the port still carries the same vNIC
// MAC and still rejects MAC changes; a port now connected to another NIC (or
// to none), a port connected anew since (its NIC came up again: power-on,
// "Connected" ticked, a move away and back), a NIC disconnected now, a NIC
// whose MAC has been pinned since, or a policy that allows it now, makes the
// event history: shown with its time, never a finding.
import type { DvPortEvent, DvPortState } from '../evidence/types.js';
import type { InventoryIndex } from '../inventory/lookup.js';
import type { DvSwitch, Vm, VmNic } from '../inventory/model.js';
import { acceptsMacChanges, networkName, type Attachments } from './attachment.js';
import type { Evidence, HistoryItem } from './finding.js';
import { beforePowerOn, nicKey } from './match-logs.js';

export interface MatchedPortEvents {
  /** Block events of the port each NIC is on now, keyed `${vm.moref}/${nic.key}`. */
  readonly byNic: ReadonlyMap<string, readonly Evidence[]>;
  readonly history: readonly HistoryItem[];
  /** Block events of ports connected now to a VM the inventory lacks (one this user cannot see): neither history nor a NIC's. */
  readonly unseen: readonly { readonly dvs: DvSwitch; readonly portKey: string; readonly vm: string; readonly evidence: readonly Evidence[] }[];
  /** The host's own ports (`${dvsUuid}/${portKey}`) whose block events were made history here. */
  readonly hostPorts: ReadonlySet<string>;
}

/**
 * Why a block of a host's own dvPort (its uplink, its vmkernel adapter) is history: no guest's NIC is
 * on it, so no guest changed a MAC there, and nothing of vmfix's remedies would release it.
 */
export function hostPortWhy(index: InventoryIndex, dvsName: string, portKey: string, hostPort: NonNullable<DvPortState['hostPort']>): string {
  const host = index.host(hostPort.host);
  const owner = host ? `${host.name}'s` : `host ${hostPort.host}'s`;
  const what = hostPort.type === 'pnic' ? 'uplink (a physical NIC)' : hostPort.type === 'hostVmkVnic' ? 'vmkernel adapter' : `own port${hostPort.type ? ` (${hostPort.type})` : ''}`;
  return `dvPort ${portKey} of ${dvsName} is ${owner} ${what}, not a VM's NIC: its block is no guest's MAC change, which is what vmfix audits`;
}

export function matchPortEvents(attachments: Attachments, events: readonly DvPortEvent[]): MatchedPortEvents {
  const { index } = attachments;
  const dvsByMoref = new Map(index.inventory.dvSwitches.map((d) => [d.moref, d]));
  const vms = new Map(index.inventory.vms.map((v) => [v.moref, v]));
  const byNic = new Map<string, Evidence[]>();
  const history: HistoryItem[] = [];
  const unseen: { dvs: DvSwitch; portKey: string; vm: string; evidence: Evidence[] }[] = [];
  const hostPorts = new Set<string>();

  for (const port of ports(events)) {
    const dvs = dvsByMoref.get(port.dvs);
    const state = dvs ? attachments.port(dvs.uuid, port.portKey) : undefined;
    const vm = state?.vm ? vms.get(state.vm) : undefined;
    const nic = vm?.nics.find((n) => n.key === state!.nicKey);
    const evidence = (port.blocks.length ? port.blocks : port.earlier).map((b) => blockEvidence(port, b));
    const past = (why: string, who?: { vm: Vm; nic: VmNic }) => {
      const host = index.host(who?.vm.host ?? null);
      history.push(historyItem(port, evidence, why, host ? { name: host.name, moref: host.moref } : null, who));
    };
    if (!dvs) {
      past(`the distributed switch ${port.dvsName} is no longer in the inventory`);
      continue;
    }
    // The host's own port (vCenter's connectee a HostSystem): said as what it is, neither a VM's nor one unseen.
    if (state?.hostPort) {
      hostPorts.add(`${dvs.uuid}/${port.portKey}`);
      const host = index.host(state.hostPort.host);
      history.push(historyItem(port, evidence, hostPortWhy(index, dvs.name, port.portKey, state.hostPort), host ? { name: host.name, moref: host.moref } : null));
      continue;
    }
    // vCenter names the VM on the port, and it is none of those this user is shown: nothing says the block is over.
    if (state?.vm && !vm && port.blocks.length) {
      unseen.push({ dvs, portKey: port.portKey, vm: state.vm, evidence });
      continue;
    }
    if (!vm || !nic) {
      past(`dvPort ${port.portKey} of ${dvs.name} is connected to no NIC vmfix sees now`);
      continue;
    }
    const why = notNow(attachments, dvs, port, vm, nic);
    if (why) past(why, { vm, nic });
    else byNic.set(nicKey(vm, nic), evidence);
  }
  return { byNic, history, unseen, hostPorts };
}

interface Block {
  readonly event: DvPortEvent;
  released: string | null;
}

interface PortHistory {
  readonly dvs: string;
  readonly dvsName: string;
  readonly portKey: string;
  /** Its block events since it was last connected anew, oldest first, each with the release that followed it, if any. */
  blocks: Block[];
  /** Those before: of an earlier connection. */
  readonly earlier: Block[];
  /** When a NIC last took it after a block (DvsPortConnectedEvent). */
  connected: string | null;
}

/**
 * The events grouped by port, in vCenter's order (its keys: one clock, no host's): a NIC taking the port
 * retires the blocks before it; a guest that still changes its MAC is blocked again after it. Ports never
 * blocked are left out.
 */
function ports(events: readonly DvPortEvent[]): PortHistory[] {
  const out = new Map<string, PortHistory>();
  for (const event of [...events].sort((a, b) => a.key - b.key)) {
    const id = `${event.dvs}/${event.portKey}`;
    let port = out.get(id);
    if (event.kind === 'blocked') {
      if (!port) out.set(id, (port = { dvs: event.dvs, dvsName: event.dvsName, portKey: event.portKey, blocks: [], earlier: [], connected: null }));
      port.blocks.push({ event, released: null });
    } else if (port && event.kind === 'unblocked') {
      const last = port.blocks.at(-1);
      if (last && last.released === null) last.released = event.time;
    } else if (port) {
      port.earlier.push(...port.blocks);
      port.blocks = [];
      port.connected = event.time;
    }
  }
  return [...out.values()];
}

/** Why the port's blocks no longer describe the NIC on it, or null if they do. */
function notNow(attachments: Attachments, dvs: DvSwitch, port: PortHistory, vm: Vm, nic: VmNic): string | null {
  if (nic.backing.kind !== 'distributed' || nic.backing.switchUuid !== dvs.uuid || nic.backing.portKey !== port.portKey) {
    return `dvPort ${port.portKey} of ${dvs.name} is no longer ${nic.label}'s port`;
  }
  if (!port.blocks.length) {
    return `dvPort ${port.portKey} of ${dvs.name} was connected anew at ${port.connected}: the block was of an earlier connection`;
  }
  if (beforePowerOn(vm, port.blocks.map((b) => b.event.time))) {
    return `the block is older than ${vm.name}'s power-on at ${vm.bootTime}: its ports were connected anew since`;
  }
  // A running VM's disconnected NIC is on no live port: nothing can be blocking it now. (Off, every NIC reads disconnected.)
  if (vm.powerState === 'poweredOn' && !nic.connected) return `${nic.label} is disconnected now`;
  const macs = new Set(port.blocks.map((b) => b.event.macAddress).filter((m): m is string => m !== null));
  if (nic.macAddress !== null && macs.size && !macs.has(nic.macAddress)) {
    return `${nic.label} had MAC ${[...macs].join(', ')} when the port was blocked; it has ${nic.macAddress} now`;
  }
  const att = attachments.attach(vm, nic);
  if (!att) return `${nic.label} is no longer on a portgroup vmfix can read`;
  if (acceptsMacChanges(att)) return `MAC address changes is Accept on "${networkName(att)}" now`;
  if (att.kind === 'distributed' && att.macLearning) return `its port on "${att.portgroup.name}" learns MACs now`;
  return null;
}

function blockEvidence(port: PortHistory, block: Block): Evidence {
  const { event, released } = block;
  const why = event.statusDetail ? `: ${event.statusDetail.replace(/\.$/, '')}` : '';
  return {
    type: 'dvport-event',
    detail: `vCenter: dvPort ${port.portKey} of ${event.dvsName} was blocked at ${event.time}${why}${released ? `; released at ${released}` : ''}.`,
    time: event.time,
    dvs: event.dvsName,
    portKey: port.portKey,
    releasedAt: released,
  };
}

function historyItem(port: PortHistory, evidence: readonly Evidence[], why: string, host: HistoryItem['host'], who?: { vm: Vm; nic: VmNic }): HistoryItem {
  return {
    vm: who ? { name: who.vm.name, moref: who.vm.moref } : null,
    nic: who ? { label: who.nic.label, key: who.nic.key } : null,
    host,
    port: port.portKey,
    lastTime: (port.blocks.at(-1) ?? port.earlier.at(-1)!).event.time,
    why,
    evidence,
  };
}
