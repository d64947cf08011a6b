// The offline window against what real logs do to time: a clock set wrong
// and corrected, and months of old blocks before today's.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { create } from 'tar';
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
  it('says so when blocks carry no time it can read (an export that dropped the zone), which it keeps whatever the window', async () => {
    const path = await log([block('2024-05-14T09:21:07.123', 'web01', '0x4000004'), chatter('2024-05-14T09:31:00.000Z')]);
    const { events, notes } = await readLogFiles([path], { since: WEEK });
    expect(events.map((e) => [e.vmName, e.time])).toEqual([['web01', null]]);
    expect(notes).toEqual([
      `${path}: 1 event(s) carry no time vmfix can read (a stamp without its zone?), so --since could not judge them: they were kept.`,
      `The vmkernel logs read of ${path} begin at 2024-05-14T09:31:00.000Z, 7 days after the start of the window (2024-05-07T09:31:00.000Z): blocks before that are not known (its older rotations, vmkernel.N.gz, or an earlier bundle hold them).`,
    ]);
  });

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

  it('is not measured from a last line stamped after the time of reading (a host clock still ahead when the bundle was taken)', async () => {
    const path = await log([
      block('2024-05-14T09:21:07.123Z', 'web01', '0x4000004'),
      chatter('2024-05-14T09:31:00.000Z'),
      chatter('2031-01-01T00:00:00.000Z'), // NTP lost, the clock years ahead, and never set back
    ]);
    const { events, sources, notes } = await readLogFiles([path], { since: WEEK, now: new Date('2026-12-03T12:00:00Z') });
    expect(events.map((e) => e.vmName)).toEqual(['web01']);
    expect(sources[0]!.since).toBe('2024-05-07T09:31:00.000Z');
    expect(notes).toEqual([expect.stringMatching(/1 line\(s\) .* stamped after .* 2031-01-01T00:00:00.000Z/), expect.stringMatching(/begin at 2024-05-14T09:21:07.123Z, 7 days after the start of the window \(2024-05-07T09:31:00.000Z\)/)]);
  });

  it('says, as a note, where the logs of a host begin after the start of the window: blocks before are unknown', async () => {
    const path = await log([chatter('2026-12-03T10:00:00.000Z'), chatter('2026-12-03T19:00:00.000Z')]);
    const { notes, problems } = await readLogFiles([path], { since: WEEK });
    expect(notes).toEqual([
      `The vmkernel logs read of ${path} begin at 2026-12-03T10:00:00.000Z, 6.6 days after the start of the window (2026-11-26T19:00:00.000Z): blocks before that are not known (its older rotations, vmkernel.N.gz, or an earlier bundle hold them).`,
    ]);
    expect(problems).toEqual([]);
    // Older lines that reach the window's start leave nothing unknown.
    const covered = await log([chatter('2026-11-20T10:00:00.000Z'), chatter('2026-12-03T19:00:00.000Z')]);
    expect((await readLogFiles([covered], { since: WEEK })).notes).toEqual([]);
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

  it('says so as a warning when a fixed --since starts after a log\'s newest line: the log says nothing of that time', async () => {
    const path = await log([block('2024-05-14T09:21:07.123Z', 'web01', '0x4000004'), chatter('2024-05-14T09:31:00.000Z')]);
    const { events, problems } = await readLogFiles([path], { since: { time: '2024-06-01T00:00:00.000Z' } });
    expect(events).toEqual([]);
    expect(problems).toEqual([`${path}: its newest line (2024-05-14T09:31:00.000Z) is before the window (since 2024-06-01T00:00:00.000Z), so it says nothing of that time; --since all reads it.`]);
    expect((await readLogFiles([path], { since: { time: '2024-05-14T09:30:00.000Z' } })).problems).toEqual([]);
  });

  it('keeps today\'s block after months of distinct old ones (the cap lets the oldest go)', async () => {
    const old = Array.from({ length: 5200 }, (_, i) => block(new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(), 'web01', `0x${(0x4000000 + i).toString(16)}`));
    const path = await log([...old, block('2024-12-01T09:00:00.000Z', 'db01', '0x5000001')]);
    const { events, notes } = await readLogFiles([path], { since: WEEK });
    expect(events.map((e) => e.vmName)).toEqual(['db01']);
    expect(notes.join(' ')).toMatch(/the oldest made room for newer ones/);
  });
});

describe('the offline window over two bundles of one host', () => {
  it('is measured from the host\'s newest line in either: last month\'s bundle does not bring back last month\'s blocks', async () => {
    const work = await mkdtemp(join(tmpdir(), 'vmfix-window-two-'));
    const bundle = async (stamp: string, lines: string[]) => {
      const root = `esx-esx01.lab.local-${stamp}-2101234`;
      await mkdir(join(work, root, 'var/run/log'), { recursive: true });
      await writeFile(join(work, root, 'var/run/log/vmkernel.log'), `${lines.join('\n')}\n`);
      const tgz = join(work, `${root}.tgz`);
      await create({ gzip: true, file: tgz, cwd: work }, [root]);
      return tgz;
    };
    const april = await bundle('2024-04-20--09.00', [block('2024-04-19T10:00:00.000Z', 'web01', '0x4000004'), chatter('2024-04-20T08:59:00.000Z')]);
    const may = await bundle('2024-05-14--09.40', [chatter('2024-05-14T09:30:00.000Z'), block('2024-05-14T09:31:00.000Z', 'db01', '0x4000007')]);
    const { events, sources, notes } = await readLogFiles([april, may], { since: WEEK });
    expect(events.map((e) => e.vmName)).toEqual(['db01']);
    expect(sources.map((s) => s.since)).toEqual(['2024-05-07T09:31:00.000Z', '2024-05-07T09:31:00.000Z']);
    expect(notes).toEqual([`${april}: 1 event(s) older than the window were left out (--since all reads them).`]);
  });
});

describe('the offline window in a bundle re-tarred with its newest log first', () => {
  it('is measured from the live log, whatever order the archive holds the rotations in', async () => {
    const work = await mkdtemp(join(tmpdir(), 'vmfix-window-tar-'));
    const root = 'esx-esx01.lab.local-2024-05-14--09.40-2101234';
    await mkdir(join(work, root, 'var/run/log'), { recursive: true });
    const write = (name: string, lines: string[], gz: boolean) =>
      writeFile(join(work, root, 'var/run/log', name), gz ? gzipSync(`${lines.join('\n')}\n`) : `${lines.join('\n')}\n`);
    await write('vmkernel.log', [chatter('2024-05-14T00:00:00.000Z'), block('2024-05-14T09:00:00.000Z', 'now01', '0x4000011'), chatter('2024-05-14T09:30:00.000Z')], false);
    await write('vmkernel.0.gz', [chatter('2024-05-10T00:00:00.000Z'), chatter('2024-05-12T00:00:00.000Z')], true);
    await write('vmkernel.1.gz', [block('2024-04-20T00:00:00.000Z', 'old02', '0x4000022'), chatter('2024-04-21T00:00:00.000Z')], true);
    const verdicts = [];
    for (const order of [['vmkernel.log', 'vmkernel.0.gz', 'vmkernel.1.gz'], ['vmkernel.1.gz', 'vmkernel.0.gz', 'vmkernel.log']]) {
      const tgz = join(work, `${order[0]}-first.tgz`);
      await create({ gzip: true, file: tgz, cwd: work }, order.map((name) => `${root}/var/run/log/${name}`));
      const { events, sources, notes, problems } = await readLogFiles([tgz], { since: WEEK });
      verdicts.push({ vms: events.map((e) => e.vmName), since: sources[0]!.since, notes: notes.map((n) => n.slice(tgz.length)), problems });
    }
    expect(verdicts[0]).toEqual({ vms: ['now01'], since: '2024-05-07T09:30:00.000Z', notes: [': 1 event(s) older than the window were left out (--since all reads them).'], problems: [] });
    expect(verdicts[1]).toEqual(verdicts[0]);
  });
});
