// auditOffline: the report and exit code an offline audit gives, with the
// --since window the CLI passes in, and what the logs could not give.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { auditExitCode, auditOffline } from '../../src/workflow/audit.js';
import type { Context } from '../../src/workflow/context.js';
import { chatter, esxi8, fragments, macChange, text, writeBundleTgz } from '../helpers/bundles.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-offline-workflow-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const progress: string[] = [];
const ctx = { ui: { progress: (text: string) => progress.push(text) } } as unknown as Context;

describe('auditOffline', () => {
  it('keeps a bundle read years later inside a 7-day window, measured from its newest line', async () => {
    const tgz = join(tmp, 'esx-esx01-2019-03-04--10.30-4711.tgz');
    await writeBundleTgz(tgz, {
      host: 'esx01',
      stamp: '2019-03-04--10.30',
      files: {
        'var/run/log/vmkernel.log': text([
          esxi8('2019-02-01T10:00:00.000Z', macChange('old01', '02:00:00:00:00:09', '0x2000009')),
          ...chatter('2019-03-04T10:00:00.000Z', 10),
          esxi8('2019-03-04T10:15:22.481Z', macChange('web01', '02:00:00:00:00:01', '0x2000004')),
        ]),
      },
    });
    const report = await auditOffline([tgz], ctx, { since: { durationMs: 7 * 86_400_000 } });
    expect(report.findings.map((f) => f.vm?.name)).toEqual(['web01']);
    expect(report.evidence).toMatchObject({ window: "the last 7 days back from each log's newest line", logs: 1, lines: 12 });
    expect(report.warnings).toEqual([]);
    expect(report.evidence.sources).toEqual([
      { name: tgz, hostName: 'esx01', lines: 12, firstTime: '2019-02-01T10:00:00.000Z', lastTime: '2019-03-04T10:15:22.481Z', since: '2019-02-25T10:15:22.481Z' },
    ]);
    expect(report.notes).toEqual([`${tgz}: 1 event(s) older than the window were left out (--since all reads them).`]);
    expect(auditExitCode(report)).toBe(1);
    expect(progress).toContain(`reading ${tgz}!esx-esx01-2019-03-04--10.30-2101234/var/run/log/vmkernel.log`);
  });

  it('does not pass as clean when --host or --vm leaves out a block the logs cannot say is outside the scope', async () => {
    const tgz = join(tmp, 'esx-esx01-2024-05-14--09.40-4711.tgz');
    await writeBundleTgz(tgz, {
      host: 'esx01',
      stamp: '2024-05-14--09.40',
      files: {
        'var/run/log/vmkernel.log': text([
          ...chatter('2024-05-14T08:00:00.000Z', 5),
          esxi8('2024-05-14T08:30:00.000Z', macChange('web01', '02:00:00:00:00:01', '0x2000004')),
          // A port-only line nothing ties to a VM: it may be web01's second NIC.
          esxi8('2024-05-14T09:00:00.000Z', 'etherswitch: L2Sec_EnforcePortCompliance: 0x2000007: peer not allowed to change address, blocking port'),
        ]),
      },
    });
    // vmkernel.log copied off a host by hand: it names no host, and the admin knows it is esx01's.
    const copied = join(tmp, 'copied-vmkernel.log');
    await writeFile(copied, text([esxi8('2024-05-14T09:10:00.000Z', macChange('db01', '02:00:00:00:00:02', '0x2000009'))]));

    const byHost = await auditOffline([tgz, copied], ctx, { host: ['esx01'] });
    expect(byHost.findings.map((f) => f.vm?.name ?? null)).toEqual([null, 'web01']);
    expect(byHost.warnings).toEqual([`1 blocked port in logs that name no host was left out by --host, which cannot tell whose it is: db01 in ${copied}.`]);

    const byVm = await auditOffline([tgz], ctx, { vm: ['web01'] });
    expect(byVm.findings.map((f) => f.vm?.name)).toEqual(['web01']);
    expect(byVm.warnings).toEqual([`1 blocked port no log line ties to a VM was left out by --vm, which cannot tell whose it is: port 0x2000007 on esx01.`]);
  });

  it("takes --vm by the VM's name or by ESXi's '<vm>.eth0' client name the lines give it, as online", async () => {
    const path = join(tmp, 'eth0.log');
    await writeFile(path, text([esxi8('2024-05-14T09:00:00.000Z', macChange('web01.eth0', '02:00:00:00:00:01', '0x2000004'))]));
    for (const vm of ['web01', 'web01.eth0', 'web0?.eth*']) {
      const report = await auditOffline([path], ctx, { vm: [vm] });
      expect(report.findings.map((f) => f.vm?.name)).toEqual(['web01']);
      expect(auditExitCode(report)).toBe(1);
    }
  });

  it('does not exit 0 when part of a bundle could not be read, and says which part', async () => {
    const tgz = join(tmp, 'esx-esx02-2024-05-14--09.12-4711.tgz');
    await writeBundleTgz(tgz, {
      host: 'esx02',
      stamp: '2024-05-14--09.12',
      files: {
        'var/run/log/vmkernel.log': text(chatter('2024-05-14T08:00:00.000Z', 10)),
        'var/run/log/vmkernel.0.gz': gzipSync(text(chatter('2024-05-13T08:00:00.000Z', 1000))).subarray(0, 200),
        ...fragments('var/run/log/vmkernel.1.gz', gzipSync(text(chatter('2024-05-12T08:00:00.000Z', 10))), 1),
      },
    });
    const report = await auditOffline([tgz], ctx);
    expect(report.findings).toEqual([]);
    const member = `${tgz}!esx-esx02-2024-05-14--09.12-2101234/var/run/log/vmkernel.0.gz`;
    expect(report.warnings).toEqual([
      `Not fully read: ${member} is cut off or damaged (gzip data is corrupt (unexpected end of file)): reading stopped before any line with a time; whatever came after was not read.`,
    ]);
    expect(auditExitCode(report)).toBe(1);
  });

  it('exits 0 on clean logs with nothing blocked', async () => {
    const path = join(tmp, 'vmkernel.log');
    await writeFile(path, text(chatter('2024-05-14T08:00:00.000Z', 10)));
    const report = await auditOffline([path], ctx);
    expect(report.summary).toMatchObject({ findings: 0, hostsScanned: 1 });
    expect(auditExitCode(report)).toBe(0);
  });
});
