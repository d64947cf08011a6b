// The same evidence read twice counts once: a bundle given twice under two names, a bundle beside the
// vmkernel.log extracted from it, rotations that overlap after logrotate's copytruncate. Lines that
// merely look alike stay apart.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { auditLogs } from '../../src/audit/offline.js';
import { readLogFiles } from '../../src/evidence/files.js';
import { bundleName, chatter, esxi8, macChange, peer, text, violation, writeBundleTgz, type BundleSpec } from '../helpers/bundles.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-twice-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const LIVE = text([
  ...chatter('2024-05-14T08:00:00.000Z', 100),
  esxi8('2024-05-14T09:00:00.000Z', macChange('web01', '02:00:00:00:00:01', '0x2000004')),
  esxi8('2024-05-14T09:00:00.000Z', violation('web01', '0x2000004')),
  esxi8('2024-05-14T09:05:00.000Z', macChange('web01', '02:00:00:00:00:01', '0x2000004')),
]);

function esx01(): BundleSpec {
  return { host: 'esx01.lab.local', stamp: '2024-05-14--09.12', files: { 'var/run/log/vmkernel.log': LIVE } };
}

const counts = (logs: Awaited<ReturnType<typeof readLogFiles>>) => logs.events.map((e) => [e.hostName ?? null, e.message, e.vmName ?? e.port, e.count]);
const ONCE = [
  ['esx01.lab.local', 'mac-change-requested', 'web01', 2],
  ['esx01.lab.local', 'policy-violation-blocked', 'web01', 1],
];

describe('the same evidence given twice', () => {
  let tgz: string;
  beforeAll(async () => {
    tgz = join(tmp, `${bundleName(esx01())}.tgz`);
    await writeBundleTgz(tgz, esx01());
  });

  it('counts a bundle given twice under two names once', async () => {
    const copy = join(tmp, 'esx01-download-again.tgz');
    await copyFile(tgz, copy);
    expect(counts(await readLogFiles([tgz, copy]))).toEqual(ONCE);
    const [finding] = auditLogs((await readLogFiles([tgz, copy])).events).findings;
    expect(finding!.summary).toContain('VM "web01" on esx01.lab.local');
    expect(finding!.evidence.map((e) => e.type === 'vmkernel-log' && e.count)).toEqual([2, 1]);
  });

  it('counts a bundle and the vmkernel.log extracted from it once, whichever comes first', async () => {
    const out = join(tmp, 'extracted');
    await mkdir(out);
    execFileSync('tar', ['-xzf', tgz, '-C', out]);
    const log = join(out, bundleName(esx01()), 'var/run/log/vmkernel.log');
    expect(counts(await readLogFiles([tgz, log]))).toEqual(ONCE);
    const logFirst = await readLogFiles([log, tgz]);
    expect(logFirst.events.map((e) => [e.message, e.count])).toEqual([['mac-change-requested', 2], ['policy-violation-blocked', 1]]);
  });

  it("counts the lines logrotate's copytruncate left in both vmkernel.0.gz and vmkernel.log once", async () => {
    const dir = join(tmp, 'copytruncate');
    await mkdir(dir);
    const block = esxi8('2024-05-14T09:00:00.000Z', peer('0x2000007'));
    const overlap = [block, ...chatter('2024-05-14T09:00:01.000Z', 20)];
    await writeFile(join(dir, 'vmkernel.0.gz'), gzipSync(text([esxi8('2024-05-14T08:00:00.000Z', peer('0x2000007')), ...chatter('2024-05-14T08:00:01.000Z', 20), ...overlap])));
    await writeFile(join(dir, 'vmkernel.log'), text([...overlap, esxi8('2024-05-14T10:00:00.000Z', peer('0x2000007'))]));
    for (const paths of [[dir], [join(dir, 'vmkernel.0.gz'), join(dir, 'vmkernel.log')]]) {
      const logs = await readLogFiles(paths);
      expect(logs.events.map((e) => [e.port, e.count, e.firstTime, e.lastTime])).toEqual([['0x2000007', 3, '2024-05-14T08:00:00.000Z', '2024-05-14T10:00:00.000Z']]);
    }
  });

  it('keeps lines that merely look alike apart: two blocks in the same second on two ports, a line a file repeats', async () => {
    const dir = join(tmp, 'alike');
    await mkdir(dir);
    const lines = [
      esxi8('2024-05-14T09:00:00.000Z', peer('0x2000007')),
      esxi8('2024-05-14T09:00:00.000Z', peer('0x2000008')),
      esxi8('2024-05-14T09:00:00.000Z', peer('0x2000008')),
    ];
    await writeFile(join(dir, 'vmkernel.log'), text(lines));
    await writeFile(join(tmp, 'vmkernel-copy.log'), text(lines.slice(0, 2)));
    const logs = await readLogFiles([join(dir, 'vmkernel.log'), join(tmp, 'vmkernel-copy.log')]);
    expect(logs.events.filter((e) => e.source === join(dir, 'vmkernel.log')).map((e) => [e.port, e.count])).toEqual([['0x2000007', 1], ['0x2000008', 2]]);
    expect(logs.events.filter((e) => e.source !== join(dir, 'vmkernel.log'))).toEqual([]);
  });

  it('keeps the same words from two hosts apart: two bundles, one line each', async () => {
    const other = join(tmp, 'esx02.tgz');
    await writeBundleTgz(other, { ...esx01(), host: 'esx02.lab.local' });
    const logs = await readLogFiles([tgz, other]);
    expect(counts(logs)).toEqual([...ONCE, ...ONCE.map(([, ...rest]) => ['esx02.lab.local', ...rest])]);
  });
});

describe('a vmkernel.log extracted from a bundle, given before the bundle (a glob: esx-*/var/run/log/vmkernel.log esx-*)', () => {
  /** The bundle's listing shows web01.eth0 on another port since the block: the block is history. */
  const moved = (): BundleSpec => ({
    ...esx01(),
    files: {
      ...esx01().files,
      'commands/net-stats_-l.txt': 'PortNum          Type SubType SwitchName       MACAddress         ClientName\n33554441            5       9 vSwitch0         00:50:56:9a:00:07  web01.eth0\n',
      'var/run/log/vmkernel.log': text([
        ...chatter('2024-05-14T08:00:00.000Z', 100),
        esxi8('2024-05-14T09:00:00.000Z', macChange('web01.eth0', '02:00:00:00:00:01', '0x2000004')),
        esxi8('2024-05-14T09:00:00.000Z', violation('web01.eth0', '0x2000004')),
      ]),
    },
  });

  it("is the bundle's host's, so the verdict is the bundle's whichever comes first: history, not a finding on a host the log does not name", async () => {
    const out = join(tmp, 'extracted-moved');
    await mkdir(out);
    const bundleTgz = join(tmp, `moved-${bundleName(moved())}.tgz`);
    await writeBundleTgz(bundleTgz, moved());
    execFileSync('tar', ['-xzf', bundleTgz, '-C', out]);
    const dir = join(out, bundleName(moved()));
    const log = join(dir, 'var/run/log/vmkernel.log');
    const verdict = async (paths: string[]) => {
      const logs = await readLogFiles(paths);
      const { findings, history } = auditLogs(logs.events, logs.portClients);
      return { findings: findings.map((f) => f.summary), history: history.map((h) => [h.vm?.name, h.host?.name]), problems: logs.problems };
    };
    const alone = await verdict([dir]);
    expect(alone).toEqual({ findings: [], history: [['web01', 'esx01.lab.local']], problems: [] });
    expect(await verdict([log, dir])).toEqual(alone);
    expect(await verdict([log, bundleTgz])).toEqual(alone);
    expect(await verdict([bundleTgz, log])).toEqual(alone);
    // Alone, the log is still the bundle's host's: its path says so.
    expect((await readLogFiles([log])).events.map((e) => e.hostName)).toEqual(['esx01.lab.local', 'esx01.lab.local']);
  });

  it("the same for the bundle's log folder given before the bundle (esx-*/var/run/log esx-*)", async () => {
    const out = join(tmp, 'extracted-moved-folder');
    await mkdir(out);
    const bundleTgz = join(tmp, `moved-folder-${bundleName(moved())}.tgz`);
    await writeBundleTgz(bundleTgz, moved());
    execFileSync('tar', ['-xzf', bundleTgz, '-C', out]);
    const dir = join(out, bundleName(moved()));
    const logs = await readLogFiles([join(dir, 'var/run/log'), dir]);
    const { findings, history } = auditLogs(logs.events, logs.portClients);
    expect([findings.length, history.map((h) => [h.vm?.name, h.host?.name]), logs.problems]).toEqual([0, [['web01', 'esx01.lab.local']], []]);
    expect((await readLogFiles([join(dir, 'var/run/log')])).events.map((e) => e.hostName)).toEqual(['esx01.lab.local', 'esx01.lab.local']);
  });
});

describe('SeenLines past what it remembers', () => {
  it('counts every line it no longer remembers, and says how many it did not check', async () => {
    const { SeenLines } = await import('../../src/evidence/seen-lines.js');
    const seen = new SeenLines(1);
    const [a, b] = [seen.file(), seen.file()];
    expect([a('esx01', 'one'), a('esx01', 'two'), b('esx01', 'one'), b('esx01', 'two')]).toEqual([true, true, false, true]);
    expect(seen.forgotten).toBe(2);
  });
});
