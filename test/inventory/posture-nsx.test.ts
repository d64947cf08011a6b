// `vmfix inventory` on an NSX segment's dvPortgroup (VDS 7+, backingType
// "nsx"): what vCenter shows as set there is listed, but nothing is claimed
// in force, since ESXi follows the segment's profiles in NSX.
import { describe, expect, it } from 'vitest';
import { posture } from '../../src/inventory/posture.js';
import { inventoryTable } from '../../src/report/inventory.js';
import type { DvPortgroup } from '../../src/inventory/model.js';
import { dvPortgroup, dvSwitch, host, inventory, macPolicy, vswitch } from '../helpers/inventory.js';

const pg = dvPortgroup('dvportgroup-20', 'seg-web', macPolicy(true));
const segment: DvPortgroup = { ...pg, config: { ...pg.config, type: 'ephemeral', backingType: 'nsx', segmentId: '/infra/segments/seg-web' } };
const report = posture(inventory([host('host-1', 'esx01', [vswitch('vSwitch0', false)], [])], [], [dvSwitch([segment, dvPortgroup('dvportgroup-21', 'DPG-App', macPolicy(undefined))])]));
const rows = report.dvSwitches[0]!.portgroups;

describe('an NSX segment in vmfix inventory', () => {
  it('says it is one and claims no policy in force, while an ordinary dvPortgroup is unchanged', () => {
    expect(rows.find((r) => r.name === 'seg-web')).toMatchObject({
      backingType: 'nsx',
      policy: { macChanges: 'accept' },
      effective: { macChanges: 'unset', forgedTransmits: 'unset', allowPromiscuous: 'unset' },
    });
    expect(rows.find((r) => r.name === 'DPG-App')).not.toHaveProperty('backingType');
    expect(rows.find((r) => r.name === 'DPG-App')!.effective.macChanges).toBe('reject');
  });

  it('reads "set in NSX" in the table', () => {
    const row = inventoryTable(report).rows.find((r) => r.includes('seg-web'))!;
    expect(row).toContain('set in NSX');
  });
});
