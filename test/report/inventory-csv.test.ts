// `vmfix inventory --format csv` as a spreadsheet or script splits it: the VMs
// of a portgroup are one cell, and VM names hold spaces ("Web Server 01").
import { describe, expect, it } from 'vitest';
import type { PostureReport } from '../../src/inventory/posture.js';
import { inventoryCsv } from '../../src/report/inventory.js';
import { csvTable } from '../../src/report/table.js';
import { parseCsv } from '../e2e/scenarios/csv.js';

const reject = { macChanges: 'reject', forgedTransmits: 'reject', allowPromiscuous: 'reject' } as const;
const inherit = { macChanges: 'inherit', forgedTransmits: 'inherit', allowPromiscuous: 'inherit' } as const;

const REPORT = {
  schemaVersion: 1,
  endpoint: 'vc01',
  hosts: [{
    name: 'esx01', moref: 'host-1', datacenter: 'DC1', cluster: null, version: '8.0.2',
    vswitches: [{ name: 'vSwitch0', policy: reject }],
    portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0', vlanId: 0, policy: inherit, effective: reject, vms: ['Web Server 01', 'DB 02', 'web03'] }],
  }],
  dvSwitches: [{
    name: 'DSwitch01', moref: 'dvs-1', uuid: 'u', version: '8.0.0', datacenter: 'DC1', policy: reject, macLearning: false,
    portgroups: [{ name: 'DPG-App', moref: 'dvportgroup-1', key: 'dvportgroup-1', vlanId: 10, policy: inherit, effective: reject, macLearning: false, vms: ['App Server A', 'App Server B'] }],
  }],
} as unknown as PostureReport;

describe('inventory CSV', () => {
  it('keeps each VM of a portgroup one item of its vms cell, also when VM names hold spaces', () => {
    const [header, ...rows] = parseCsv(csvTable(inventoryCsv(REPORT)));
    const vms = header!.indexOf('vms');
    const cell = (portgroup: string) => rows.find((r) => r[4] === portgroup)![vms]!;
    expect(cell('VM Network').split('; ')).toEqual(['Web Server 01', 'DB 02', 'web03']);
    expect(cell('DPG-App').split('; ')).toEqual(['App Server A', 'App Server B']);
  });
});
