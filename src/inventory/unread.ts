// What of the inventory vCenter did not show: VMs it has no configuration
// for (orphaned, inaccessible, invalid) and properties it answered with a
// fault (missingSet). Each is a warning: a VM vmfix cannot see the NICs of
// is not a VM without NICs, and a portgroup it cannot read does not reject.
import type { DvSwitch, Inventory, Unread, Vm, VmNic } from './model.js';

/** runtime.connectionState values for which vCenter holds no configuration of the VM. */
const NO_CONFIGURATION = ['orphaned', 'inaccessible', 'invalid'];

/** A VM vCenter holds no configuration for (a VM on a disconnected host keeps its last one). */
export function hasNoConfiguration(vm: Pick<Vm, 'connectionState'>): boolean {
  return NO_CONFIGURATION.includes(vm.connectionState);
}

const CONSEQUENCE: Record<string, string> = {
  VirtualMachine: 'NICs, guest MACs and power state there were not judged',
  HostSystem: 'vSwitches, portgroups and the NICs on them there were not judged',
  DistributedVirtualPortgroup: 'policies and the NICs on them there were not judged',
};

/** One warning per kind of gap, naming the objects in scope (`inventory`) it is about. */
export function unreadWarnings(inventory: Inventory): string[] {
  const warnings: string[] = [];
  for (const state of NO_CONFIGURATION) {
    const vms = inventory.vms.filter((vm) => vm.connectionState === state);
    if (vms.length) {
      warnings.push(`vCenter shows ${describe(vms.map(vmName))} as ${state}, with no configuration to read: ${vms.length === 1 ? 'its' : 'their'} NICs were not judged.`);
    }
  }
  const inScope = new Set([...inventory.vms.map((v) => v.moref), ...inventory.hosts.map((h) => h.moref), ...inventory.dvSwitches.flatMap((d) => [d.moref, ...d.portgroups.map((p) => p.moref)])]);
  const noConfig = new Set(inventory.vms.filter(hasNoConfiguration).map((vm) => vm.moref));
  const groups = new Map<string, Unread[]>();
  for (const u of inventory.unread ?? []) {
    // A dvPortgroup left out entirely (no config) is not in the model: said whatever the scope.
    if (noConfig.has(u.moref) || (!inScope.has(u.moref) && u.type !== 'DistributedVirtualPortgroup')) continue;
    const key = `${u.type}\u0000${u.fault ?? ''}\u0000${u.paths.join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), u]);
  }
  for (const group of groups.values()) {
    const { type, fault, paths } = group[0]!;
    const what = type === 'VirtualMachine' ? 'VM' : type === 'HostSystem' ? 'host' : type;
    warnings.push(`vCenter answered ${fault ?? 'nothing'} for ${paths.join(', ')} of ${what} ${describe(group.map((u) => `${u.name} (${u.moref})`))}: ${CONSEQUENCE[type] ?? 'what rests on it there was not judged'}; give vmfix's user System.Read there (a read-only role propagated to children) and audit again.`);
  }
  return warnings;
}

/** Whether a VM runs on a host the inventory does not list: one this user is not shown. */
export function onUnseenHost(inventory: Inventory): (vm: Vm) => boolean {
  const shown = new Set(inventory.hosts.map((h) => h.moref));
  return (vm) => vm.host !== null && !shown.has(vm.host);
}

/**
 * VMs on a host this user is not shown (a role on their folder, none on the host: vCenter gives the
 * VM's runtime.host, the ContainerView leaves the host out). Of those judged (`inventory`), what their
 * host holds (its vmkernel log, its portgroups) was not read; of those left out of a scope (`whole`,
 * `asked`: what the scope's --vm would take), whether they belong in it is not known.
 */
export function unseenHostWarnings(whole: Inventory, inventory: Inventory, asked: (vm: Vm) => boolean): string[] {
  const unseen = onUnseenHost(whole);
  const judged = inventory.vms.filter(unseen);
  const inScope = new Set(inventory.vms.map((v) => v.moref));
  const unplaced = whole === inventory ? [] : whole.vms.filter((vm) => unseen(vm) && !inScope.has(vm.moref) && asked(vm));
  const fix = "give vmfix's user System.Read on those hosts (a read-only role propagated from the datacenter) and audit again.";
  const on = (vms: readonly Vm[]) => describe(vms.map((vm) => `${vm.name} (${vm.moref}) on ${vm.host}`));
  return [
    ...(judged.length ? [`vCenter shows ${on(judged)}, a host this user is not shown: its vmkernel log and portgroups were not read, so ${judged.length === 1 ? 'that VM was' : 'those VMs were'} judged on guest MACs and dvPorts alone; ${fix}`] : []),
    ...(unplaced.length ? [`vCenter shows ${on(unplaced)}, a host this user is not shown, so whether ${unplaced.length === 1 ? 'it is' : 'they are'} in the scope is not known and ${unplaced.length === 1 ? 'it was' : 'they were'} left out; ${fix}`] : []),
  ];
}

/**
 * NICs (of the VMs judged, `inventory`) on a distributed switch or dvPortgroup this user is not shown
 * (a role on the VM, none on the network folder: the NIC's backing names the switch's uuid and the
 * portgroup's key, the ContainerView leaves both out), or, on a standalone host, on any distributed
 * switch (only vCenter shows one): the policy there and the port's state were not read. `whole`:
 * what the user is shown, whatever the scope. One warning per switch (or portgroup).
 */
export function unseenNetworkWarnings(whole: Inventory, inventory: Inventory): string[] {
  const standalone = whole.endpoint.apiType === 'HostAgent';
  const switches = new Map(whole.dvSwitches.map((d) => [d.uuid, d]));
  // A dvPortgroup shown without its config is said by unreadWarnings already.
  const unreadPortgroups = new Set((whole.unread ?? []).filter((u) => u.type === 'DistributedVirtualPortgroup').map((u) => u.moref));
  const groups = new Map<string, string[]>();
  for (const vm of inventory.vms) {
    for (const nic of vm.nics) {
      const where = unseenNetwork(nic, switches, unreadPortgroups, standalone);
      if (where) groups.set(where, [...(groups.get(where) ?? []), `${vm.name} (${vm.moref}) ${nic.label}`]);
    }
  }
  const fix = standalone
    ? 'audit through the vCenter that manages this host.'
    : "give vmfix's user System.Read on the distributed switch and its portgroups (a read-only role propagated from the network folder) and audit again.";
  return [...groups].map(([where, nics]) => {
    const one = nics.length === 1;
    const shown = nics.length > 5 ? `${nics.length} NICs (${nics.slice(0, 5).join(', ')}, …)` : nics.join(', ');
    return `${shown} ${one ? 'is' : 'are'} on ${where}: the MAC policy there and the state of ${one ? 'its dvPort' : 'their dvPorts'} were not read, so ${one ? 'that NIC was' : 'those NICs were'} judged on guest MACs and vmkernel lines alone; ${fix}`;
  });
}

function unseenNetwork(nic: VmNic, switches: ReadonlyMap<string, DvSwitch>, unreadPortgroups: ReadonlySet<string>, standalone: boolean): string | null {
  const backing = nic.backing;
  if (backing.kind !== 'distributed' || !backing.portgroupKey) return null;
  const dvs = switches.get(backing.switchUuid);
  if (!dvs) return `a distributed switch ${standalone ? 'which only vCenter shows' : 'this user is not shown'} (uuid ${backing.switchUuid})`;
  if (unreadPortgroups.has(backing.portgroupKey) || dvs.portgroups.some((pg) => pg.key === backing.portgroupKey)) return null;
  return `a dvPortgroup of ${dvs.name} this user is not shown (key ${backing.portgroupKey})`;
}

function vmName(vm: Vm): string {
  return `${vm.name} (${vm.moref})`;
}

function describe(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${names.length} objects (${shown}, …)` : shown;
}
