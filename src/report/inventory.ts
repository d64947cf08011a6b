// `vmfix inventory` as a table: one row per vSwitch, portgroup, DVS and
// dvPortgroup, grouped by host and switch; each policy as set -> in force.
import type { PostureReport } from '../inventory/posture.js';
import type { Row, Table } from './table.js';

const COLUMNS = ['datacenter', 'cluster', 'host / DVS', 'switch', 'portgroup', 'vlan', 'MAC changes', 'forged transmits', 'promiscuous', 'MAC learning', 'VMs'];

/** "inherit (reject)" reads as: not set here, Reject in force. */
function shown(own: string, effective: string): string {
  return own === 'inherit' ? `inherit (${effective})` : own;
}

type PortgroupPosture = PostureReport['hosts'][number]['portgroups'][number] | PostureReport['dvSwitches'][number]['portgroups'][number];

/** Standard switches have no MAC learning to set (it is a DVS 6.6+ policy). */
const learning = (pg: PortgroupPosture | PostureReport['dvSwitches'][number]) => ('macLearning' in pg ? (pg.macLearning ? 'on' : 'off') : 'n/a');

function portgroupRow(where: readonly (string | null)[], owner: string, switchName: string, pg: PortgroupPosture): Row {
  // An NSX segment's policies are its profiles in NSX: what vCenter shows for them is in the JSON.
  if ('backingType' in pg) return [...where, owner, switchName, pg.name, pg.vlanId, 'set in NSX', 'set in NSX', 'set in NSX', 'set in NSX', pg.vms.length];
  return [
    ...where, owner, switchName, pg.name, pg.vlanId,
    shown(pg.policy.macChanges, pg.effective.macChanges),
    shown(pg.policy.forgedTransmits, pg.effective.forgedTransmits),
    shown(pg.policy.allowPromiscuous, pg.effective.allowPromiscuous),
    learning(pg),
    pg.vms.length,
  ];
}

export function inventoryTable(report: PostureReport): Table {
  const rows: Row[] = [];
  for (const host of report.hosts) {
    const where = [host.datacenter, host.cluster];
    for (const vs of host.vswitches) {
      rows.push([...where, host.name, vs.name, '', null, vs.policy.macChanges, vs.policy.forgedTransmits, vs.policy.allowPromiscuous, 'n/a', null]);
      for (const pg of host.portgroups.filter((p) => p.vswitch === vs.name)) rows.push(portgroupRow(where, host.name, vs.name, pg));
    }
  }
  for (const dvs of report.dvSwitches) {
    const where = [dvs.datacenter, null];
    rows.push([...where, `${dvs.name} (DVS ${dvs.version})`, dvs.name, '', null, dvs.policy.macChanges, dvs.policy.forgedTransmits, dvs.policy.allowPromiscuous, learning(dvs), null]);
    for (const pg of dvs.portgroups) rows.push(portgroupRow(where, dvs.name, dvs.name, pg));
  }
  return { columns: COLUMNS, rows };
}

/** Between the VMs of one CSV cell: VM names hold spaces ("Web Server 01"), rarely "; ". */
const VM_LIST = '; ';

/** CSV wants one flat record per portgroup with the policy both ways; columns added later go last, so older spreadsheets still line up. */
export function inventoryCsv(report: PostureReport): Table {
  const columns = [
    'scope', 'host', 'switch', 'switchType', 'portgroup', 'vlanId',
    'macChanges', 'macChangesEffective', 'forgedTransmits', 'forgedTransmitsEffective',
    'allowPromiscuous', 'allowPromiscuousEffective', 'vms', 'datacenter', 'cluster', 'macLearning',
  ];
  const rows: Row[] = [];
  for (const host of report.hosts) {
    const where = [host.datacenter, host.cluster];
    for (const vs of host.vswitches) {
      const p = vs.policy;
      rows.push(['vswitch', host.name, vs.name, 'standard', '', null, p.macChanges, p.macChanges, p.forgedTransmits, p.forgedTransmits, p.allowPromiscuous, p.allowPromiscuous, '', ...where, 'n/a']);
    }
    for (const pg of host.portgroups) {
      const { policy: p, effective: e } = pg;
      rows.push(['portgroup', host.name, pg.vswitch, 'standard', pg.name, pg.vlanId, p.macChanges, e.macChanges, p.forgedTransmits, e.forgedTransmits, p.allowPromiscuous, e.allowPromiscuous, pg.vms.join(VM_LIST), ...where, 'n/a']);
    }
  }
  for (const dvs of report.dvSwitches) {
    const p = dvs.policy;
    rows.push(['dvs', '', dvs.name, 'distributed', '', null, p.macChanges, p.macChanges, p.forgedTransmits, p.forgedTransmits, p.allowPromiscuous, p.allowPromiscuous, '', dvs.datacenter, null, learning(dvs)]);
    for (const pg of dvs.portgroups) {
      const { policy: q, effective: e } = pg;
      rows.push(['dvportgroup', '', dvs.name, 'distributed', pg.name, pg.vlanId, q.macChanges, e.macChanges, q.forgedTransmits, e.forgedTransmits, q.allowPromiscuous, e.allowPromiscuous, pg.vms.join(VM_LIST), dvs.datacenter, null, learning(pg)]);
    }
  }
  return { columns, rows };
}
