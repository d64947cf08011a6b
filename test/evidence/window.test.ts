// The offline window against what real logs do to time: a clock set wrong
// and corrected, and months of old blocks before today's.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLogFiles } from '../../src/evidence/files.js';

const block = (time: string, vm: string, port: string) =>
  `${time} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client ${vm} has policy violations on port ${port}. Port is blocked`;
const chatter = (time: string) => `${time} cpu1:2098000)NetPort: 1879: disabled port 0x2000002`;
const WEEK = { durationMs: 7 * 86_400_000 };

async function log(lines: string[]): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'vmfix-window-')), 'vmkernel.log');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

describe('the offline window', () => {
  it('is measured from the last line written: one line from a clock set wrong does not move it past the block', async () => {
    const path = await log([
      block('2024-05-14T09:21:07.123Z', 'web01', '0x4000004'),
      chatter('2025-06-01T00:00:01.000Z'), // before NTP set the clock right
      chatter('2024-05-14T09:31:00.000Z'),
    ]);
    const { events, sources } = await readLogFiles([path], { since: WEEK });
    expect(events.map((e) => e.vmName)).toEqual(['web01']);
    expect(sources[0]!.since).toBe('2024-05-07T09:31:00.000Z');
  });

  it('says so as a warning when a clock jump leaves blocks outside the window', async () => {
    const path = await log([
      block('2024-05-01T09:21:07.123Z', 'web01', '0x4000004'),
      chatter('2024-06-01T00:00:00.000Z'),
      chatter('2024-05-30T00:00:00.000Z'), // set back two days
    ]);
    const { events, problems } = await readLogFiles([path], { since: WEEK });
    expect(events).toEqual([]);
    expect(problems).toEqual([expect.stringMatching(/times jump back .* 1 event\(s\) fell before the window .* --since all/)]);
  });

  it('keeps today\'s block after months of distinct old ones (the cap lets the oldest go)', async () => {
    const old = Array.from({ length: 5200 }, (_, i) => block(new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(), 'web01', `0x${(0x4000000 + i).toString(16)}`));
    const path = await log([...old, block('2024-12-01T09:00:00.000Z', 'db01', '0x5000001')]);
    const { events, notes } = await readLogFiles([path], { since: WEEK });
    expect(events.map((e) => e.vmName)).toEqual(['db01']);
    expect(notes.join(' ')).toMatch(/the oldest made room for newer ones/);
  });
});
