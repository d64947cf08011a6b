// `vmfix inventory` as a table: one row per vSwitch, portgroup, DVS and
// dvPortgroup, grouped by host and switch; each policy as set -> in force.
import type { PostureReport } from '../inventory/posture.js';
import type { Row, Table } from './table.js';

const COLUMNS = ['host / DVS', 'switch', 'portgroup', 'vlan', 'MAC changes', 'forged transmits', 'promiscuous', 'VMs'];

/** "inherit (reject)" reads as: not set here, Reject in force. */
function shown(own: string, effective: string): string {
  return own === 'inherit' ? `inherit (${effective})` : own;
}

type PortgroupPosture = PostureReport['hosts'][number]['portgroups'][number] | PostureReport['dvSwitches'][number]['portgroups'][number];

function portgroupRow(owner: string, switchName: string, pg: PortgroupPosture): Row {
  return [
    owner, switchName, pg.name, pg.vlanId,
    shown(pg.policy.macChanges, pg.effective.macChanges),
    shown(pg.policy.forgedTransmits, pg.effective.forgedTransmits),
    shown(pg.policy.allowPromiscuous, pg.effective.allowPromiscuous),
    pg.vms.length,
  ];
}

export function inventoryTable(report: PostureReport): Table {
  const rows: Row[] = [];
  for (const host of report.hosts) {
    for (const vs of host.vswitches) {
      rows.push([host.name, vs.name, '', null, vs.policy.macChanges, vs.policy.forgedTransmits, vs.policy.allowPromiscuous, null]);
      for (const pg of host.portgroups.filter((p) => p.vswitch === vs.name)) rows.push(portgroupRow(host.name, vs.name, pg));
    }
  }
  for (const dvs of report.dvSwitches) {
    rows.push([`${dvs.name} (DVS ${dvs.version})`, dvs.name, '', null, dvs.policy.macChanges, dvs.policy.forgedTransmits, dvs.policy.allowPromiscuous, null]);
    for (const pg of dvs.portgroups) rows.push(portgroupRow(dvs.name, dvs.name, pg));
  }
  return { columns: COLUMNS, rows };
}

/** CSV wants one flat record per portgroup with the policy both ways. */
export function inventoryCsv(report: PostureReport): Table {
  const columns = [
    'scope', 'host', 'switch', 'switchType', 'portgroup', 'vlanId',
    'macChanges', 'macChangesEffective', 'forgedTransmits', 'forgedTransmitsEffective',
    'allowPromiscuous', 'allowPromiscuousEffective', 'vms',
  ];
  const rows: Row[] = [];
  for (const host of report.hosts) {
    for (const vs of host.vswitches) {
      const p = vs.policy;
      rows.push(['vswitch', host.name, vs.name, 'standard', '', null, p.macChanges, p.macChanges, p.forgedTransmits, p.forgedTransmits, p.allowPromiscuous, p.allowPromiscuous, '']);
    }
    for (const pg of host.portgroups) {
      const { policy: p, effective: e } = pg;
      rows.push(['portgroup', host.name, pg.vswitch, 'standard', pg.name, pg.vlanId, p.macChanges, e.macChanges, p.forgedTransmits, e.forgedTransmits, p.allowPromiscuous, e.allowPromiscuous, pg.vms.join(' ')]);
    }
  }
  for (const dvs of report.dvSwitches) {
    const p = dvs.policy;
    rows.push(['dvs', '', dvs.name, 'distributed', '', null, p.macChanges, p.macChanges, p.forgedTransmits, p.forgedTransmits, p.allowPromiscuous, p.allowPromiscuous, '']);
    for (const pg of dvs.portgroups) {
      const { policy: q, effective: e } = pg;
      rows.push(['dvportgroup', '', dvs.name, 'distributed', pg.name, pg.vlanId, q.macChanges, e.macChanges, q.forgedTransmits, e.forgedTransmits, q.allowPromiscuous, e.allowPromiscuous, pg.vms.join(' ')]);
    }
  }
  return { columns, rows };
}
