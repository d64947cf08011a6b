// Which dvPorts to read again after an update (pure): the ports a changed
// VM's NICs were and are on, every port of a changed dvPortgroup (a port
// repeats its portgroup's policy as its own setting, so those copies go
// stale), every port of a changed switch, and the ports events name.
import type { DvPortEvent } from '../../evidence/types.js';
import type { PortRefresh } from '../../evidence/live.js';
import type { Touched } from '../../inventory/live.js';
import type { DvSwitch, Inventory } from '../../inventory/model.js';

export function portRefreshes(before: Inventory, after: Inventory, touched: Touched, events: readonly DvPortEvent[]): PortRefresh[] {
  const byUuid = new Map(after.dvSwitches.map((d) => [d.uuid, d]));
  const byMoref = new Map(after.dvSwitches.map((d) => [d.moref, d]));
  const wanted = new Map<DvSwitch, { all: boolean; ports: Set<string>; groups: Set<string> }>();
  const want = (dvs: DvSwitch | undefined) => {
    if (!dvs) return undefined;
    let w = wanted.get(dvs);
    if (!w) wanted.set(dvs, (w = { all: false, ports: new Set(), groups: new Set() }));
    return w;
  };

  for (const inventory of [before, after]) {
    for (const vm of inventory.vms) {
      if (!touched.vms.has(vm.moref)) continue;
      for (const nic of vm.nics) {
        if (nic.backing.kind === 'distributed' && nic.backing.portKey !== null) want(byUuid.get(nic.backing.switchUuid))?.ports.add(nic.backing.portKey);
      }
    }
  }
  for (const dvs of after.dvSwitches) {
    if (touched.dvSwitches.has(dvs.moref)) want(dvs)!.all = true;
    for (const pg of dvs.portgroups) if (touched.dvPortgroups.has(pg.moref)) want(dvs)!.groups.add(pg.key);
  }
  for (const event of events) want(byMoref.get(event.dvs))?.ports.add(event.portKey);

  const out: PortRefresh[] = [];
  for (const [dvs, w] of wanted) {
    if (w.all) out.push({ dvs });
    else {
      if (w.groups.size) out.push({ dvs, portgroupKeys: [...w.groups] });
      if (w.ports.size) out.push({ dvs, portKeys: [...w.ports] });
    }
  }
  return out;
}
