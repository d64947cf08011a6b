// What gatherEvidence says of each host's log beside its lines: a log whose
// newest line is older than the window gave no evidence for it (a host clock
// far behind stamps today's blocks weeks ago), a warning, not a note.
import { describe, expect, it } from 'vitest';
import { gatherEvidence } from '../../src/evidence/online.js';
import type { VimClient } from '../../src/vsphere/client.js';
import { host, inventory, vswitch } from '../helpers/inventory.js';

const T = '2026-11-10T09:21:07.000Z';
const lines = Array.from({ length: 40 }, (_, i) => `2026-11-10T09:${String(i).padStart(2, '0')}:00.000Z cpu1:2097)NetPort: 1580: disabled port 0x${i.toString(16)}`);

/** A vCenter whose host serves `log` as its vmkernel log. */
function vcenter(log: readonly string[]): VimClient {
  return {
    serviceContent: { diagnosticManager: { type: 'DiagnosticManager', value: 'DiagMgr' }, about: { apiType: 'VirtualCenter' } },
    read: async (_method: string, args: { start: number; lines: number }) => {
      const start = Math.min(args.start, log.length + 1);
      const text = log.slice(start - 1, start - 1 + args.lines);
      return { lineStart: start, lineEnd: text.length ? start + text.length - 1 : log.length, ...(text.length ? { lineText: text } : {}) };
    },
  } as unknown as VimClient;
}

const esx01 = inventory([host('host-1', 'esx01', [vswitch('vSwitch0', false)], [])], []);

describe('a host log whose newest line is older than the start of --since', () => {
  it('is a warning (exit 1): nothing inside the window came from it', async () => {
    const evidence = await gatherEvidence(vcenter(lines), esx01, { logLines: 1000, since: '2026-11-25T00:00:00.000Z', concurrency: 1 });
    expect(evidence.problems).toEqual([expect.stringMatching(/^The newest line of the vmkernel log of esx01 is older than the start of --since/)]);
    expect(evidence.notes.join('\n')).not.toMatch(/newest line/);
  });

  it('is not said when its newest line is inside the window', async () => {
    const evidence = await gatherEvidence(vcenter(lines), esx01, { logLines: 1000, since: T, concurrency: 1 });
    expect(evidence.problems).toEqual([]);
  });
});

describe('a host log that holds no line at all', () => {
  it('is a warning that nothing was read there, not a log that begins after --since', async () => {
    for (const since of ['2026-11-25T00:00:00.000Z', null]) {
      const evidence = await gatherEvidence(vcenter([]), esx01, { logLines: 1000, since, concurrency: 1 });
      expect(evidence.problems).toEqual([expect.stringMatching(/^The vmkernel log of esx01 holds no lines: nothing was read there/)]);
      expect(evidence.notes.join('\n')).not.toMatch(/begins after/);
    }
  });
});

describe('an endpoint whose ServiceContent names no DiagnosticManager (optional in the API)', () => {
  it('is a warning that no host log was read, not an audit that quietly read none', async () => {
    const client = { serviceContent: { about: { apiType: 'VirtualCenter' } }, read: async () => { throw new Error('not called'); } } as unknown as VimClient;
    const evidence = await gatherEvidence(client, esx01, { logLines: 1000, since: T, concurrency: 1 });
    expect(evidence.problems).toEqual([expect.stringMatching(/^vmkernel logs not read on esx01: .*DiagnosticManager/)]);
  });
});
