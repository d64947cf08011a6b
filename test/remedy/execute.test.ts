// executeChanges(): what it reports per change when the run stops. The journal of
// an interactive session holds several groups' changes, each group numbered
// c1, c2, … again, so "did this change apply?" must be asked of this run's
// entries, not of any entry with the same id.
import { describe, expect, it, vi } from 'vitest';
import { DriftError } from '../../src/errors.js';
import type { Change } from '../../src/remedy/schema.js';
import type { JournalEntry } from '../../src/remedy/schema.js';

vi.mock('../../src/remedy/write.js', () => ({
  writeChange: vi.fn(async () => {
    throw new DriftError('DC / DSW / DPG-Nested: its configVersion is 3, not the planned 2.');
  }),
}));

const { executeChanges } = await import('../../src/remedy/execute.js');

function change(id: string, path: string): Change {
  return {
    id, action: 'ReconfigureDVPortgroup', strategy: 'mac-learning', findings: ['f1'], path,
    target: { type: 'DistributedVirtualPortgroup', dvs: { name: 'DSW', moref: 'dvs-1', type: 'VmwareDistributedVirtualSwitch', uuid: 'u' }, portgroup: { name: 'DPG-Nested', moref: 'dvportgroup-2', key: 'dvportgroup-2' } },
    field: 'defaultPortConfig.macManagementPolicy', from: 'a', to: 'b', before: {}, after: {}, fingerprint: '0'.repeat(64), vms: [], dependsOn: [],
  };
}

describe('executeChanges', () => {
  it('reports a change that drifted before it was written as failed, even when an earlier group applied a change with the same id', async () => {
    // The first group of the session applied its c1 (a standard portgroup).
    const earlier = { change: { ...change('c1', 'DC / esx01 / vSwitch1 / NLB-Front') }, status: 'applied' } as unknown as JournalEntry;
    const journal = { entries: [earlier] };
    const options = { client: {}, journal, critical: (w: () => Promise<unknown>) => w() } as never;

    const result = await executeChanges(options, [change('c1', 'DC / DSW / DPG-Nested'), change('c2', 'DC / DSW / DPG-Other')]);

    expect(result.error).toBeInstanceOf(DriftError);
    expect(result.outcomes.map((o) => [o.change.path, o.status])).toEqual([
      ['DC / DSW / DPG-Nested', 'failed'],
      ['DC / DSW / DPG-Other', 'not-attempted'],
    ]);
  });
});
