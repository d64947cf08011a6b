// Tying vmkernel log events to NICs: to the VM by the line's client name
// (preferring a VM on the host that wrote it), to the NIC by the MAC the
// guest asked for or by the port id, which the host lists with the MACs on
// it (HostPortGroupPort key "key-vim.host.PortGroup.Port-<decimal id>").
import type { Host, Vm, VmNic } from '../inventory/model.js';
import type { L2SecEvent } from '../evidence/vmkernel-log.js';
import type { InventoryIndex } from '../inventory/lookup.js';
import type { Attachments } from './attachment.js';

export interface MatchedLogs {
  /** Events per NIC, keyed `${vm.moref}/${nic.key}`. */
  readonly byNic: ReadonlyMap<string, readonly L2SecEvent[]>;
  readonly unmatched: readonly L2SecEvent[];
}

export const nicKey = (vm: Vm, nic: VmNic) => `${vm.moref}/${nic.key}`;

export function matchLogEvents(attachments: Attachments, events: readonly L2SecEvent[]): MatchedLogs {
  const { index } = attachments;
  const hostsByName = new Map<string, Host>();
  for (const host of index.inventory.hosts) hostsByName.set(host.name.toLowerCase(), host);
  const byNic = new Map<string, L2SecEvent[]>();
  const unmatched: L2SecEvent[] = [];

  for (const event of events) {
    const host = hostsByName.get((event.hostName ?? event.source).toLowerCase());
    const match = event.vmName ? byClient(attachments, event, event.vmName, host) : byPort(index, event, host);
    if (!match) {
      unmatched.push(event);
      continue;
    }
    const key = nicKey(match.vm, match.nic);
    byNic.set(key, [...(byNic.get(key) ?? []), event]);
  }
  return { byNic, unmatched };
}

function byClient(attachments: Attachments, event: L2SecEvent, vmName: string, host: Host | undefined) {
  const candidates = attachments.index.vmsByName.get(vmName) ?? [];
  const vm = candidates.find((v) => host && v.host === host.moref) ?? candidates[0];
  if (!vm) return undefined;
  const nic =
    (event.mac && vm.nics.find((n) => guestMac(vm, n) === event.mac || n.macAddress === event.mac)) ||
    (host && event.port && nicOnPort(vm, host, event.port)) ||
    (vm.nics.length === 1 ? vm.nics[0] : undefined) ||
    onlyRejecting(attachments, vm);
  return nic ? { vm, nic } : undefined;
}

/** "0x100000f: peer not allowed to change address" names only the port. */
function byPort(index: InventoryIndex, event: L2SecEvent, host: Host | undefined) {
  if (!host || !event.port) return undefined;
  for (const vm of index.inventory.vms) {
    if (vm.host !== host.moref) continue;
    const nic = nicOnPort(vm, host, event.port);
    if (nic) return { vm, nic };
  }
  return undefined;
}

function nicOnPort(vm: Vm, host: Host, port: string): VmNic | undefined {
  const id = String(parseInt(port, 16));
  for (const pg of host.portgroups) {
    for (const p of pg.ports) {
      if (p.key.slice(p.key.lastIndexOf('-') + 1) !== id) continue;
      return vm.nics.find((n) => n.macAddress !== null && p.macs.includes(n.macAddress));
    }
  }
  return undefined;
}

function onlyRejecting(attachments: Attachments, vm: Vm): VmNic | undefined {
  const rejecting = vm.nics.filter((n) => attachments.attach(vm, n)?.macChanges.value === false);
  return rejecting.length === 1 ? rejecting[0] : undefined;
}

export function guestMac(vm: Vm, nic: VmNic): string | null {
  return vm.guestNics.find((g) => g.deviceConfigId === nic.key)?.macAddress ?? null;
}
