// vmkwarning.log: the lines vmkernel logs as warnings or alerts, copied out of
// vmkernel.log by ESXi's syslog ("a summary of Warning and Alert log messages
// excerpted from the VMkernel logs"). It fills slowly, so it reaches back
// where vmkernel.log has rotated away: a block it holds is evidence, and the
// copy of a line vmkernel.log also holds counts once.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { auditLogs } from '../../src/audit/offline.js';
import { readLogFiles } from '../../src/evidence/files.js';
import { bundleName, chatter, macChange, peer, text, writeBundleTgz, type BundleSpec } from '../helpers/bundles.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-vmkwarning-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** As ESXi 8 writes a warning to both files: severity Wa, program vmkwarning. */
const warning = (time: string, body: string) => `${time} Wa(180) vmkwarning: cpu3:2098131)${body}`;
const BLOCK = warning('2026-12-03T09:30:00.000Z', peer('0x4000006'));
const LISTING = 'PortNum          Type SubType SwitchName       MACAddress         ClientName\n67108870          5       0 vSwitch0         00:50:56:9a:00:02  web02.eth0\n';

function esx01(warnings: string[], kernel: string[] = chatter('2026-12-03T10:00:00.000Z', 3)): BundleSpec {
  return {
    host: 'esx01.lab.local',
    stamp: '2026-12-03--20.00',
    files: { 'commands/net-stats_-l.txt': LISTING, 'var/run/log/vmkernel.log': text(kernel), 'var/run/log/vmkwarning.log': text(warnings) },
    symlinks: { 'var/log/vmkernel.log': '/var/run/log/vmkernel.log', 'var/log/vmkwarning.log': '/var/run/log/vmkwarning.log' },
  };
}

describe('vmkwarning.log in a vm-support bundle', () => {
  it('is read: a block only it still holds (vmkernel.log begins later) is found, tied to its VM by the listing', async () => {
    const path = join(tmp, `${bundleName(esx01([BLOCK]))}.tgz`);
    await writeBundleTgz(path, esx01([BLOCK]));
    const logs = await readLogFiles([path], { since: { durationMs: 7 * 86_400_000 } });
    expect(logs.events.map((e) => [e.hostName, e.message, e.port, e.time])).toEqual([['esx01.lab.local', 'peer-blocked', '0x4000006', '2026-12-03T09:30:00.000Z']]);
    expect(logs.portClients.map((p) => [p.port, p.client])).toEqual([['0x4000006', 'web02.eth0']]);
    expect(logs.problems).toEqual([]);
  });

  it('counts a line vmkernel.log also holds once', async () => {
    const spec = esx01([BLOCK], [...chatter('2026-12-03T09:00:00.000Z', 3), BLOCK]);
    const path = join(tmp, 'both.tgz');
    await writeBundleTgz(path, spec);
    const logs = await readLogFiles([path]);
    expect(logs.events.map((e) => [e.port, e.count])).toEqual([['0x4000006', 1]]);
  });

  it('counts a line once where the two files tag it each with its own program (vmkernel, vmkwarning)', async () => {
    const tagged = BLOCK.replace(' vmkwarning: ', ' vmkernel: ');
    const path = join(tmp, 'tags.tgz');
    await writeBundleTgz(path, esx01([BLOCK], [...chatter('2026-12-03T09:00:00.000Z', 3), tagged]));
    expect((await readLogFiles([path])).events.map((e) => [e.port, e.count])).toEqual([['0x4000006', 1]]);
  });
});

describe('vmkwarning.log named by itself', () => {
  it('is read, and a warning says vmkernel.log was not: most blocks are logged there only', async () => {
    const dir = await mkdtemp(join(tmp, 'alone-'));
    const path = join(dir, 'vmkwarning.log');
    await writeFile(path, text([BLOCK]));
    const logs = await readLogFiles([path]);
    expect(logs.events.map((e) => [e.message, e.port])).toEqual([['peer-blocked', '0x4000006']]);
    expect(logs.problems).toEqual([
      `${path}: vmkwarning.log holds only what vmkernel logs as warnings, and ESXi writes a blocked port's lines to vmkernel.log whatever their level: with no vmkernel.log of that host read, blocks may be missing; give vmfix its vmkernel.log or a vm-support bundle too.`,
    ]);
  });

  it('beside vmkernel.log, in a folder or named together: no warning, the shared line once', async () => {
    const dir = join(tmp, 'together');
    await mkdir(dir);
    await writeFile(join(dir, 'vmkwarning.log'), text([BLOCK]));
    await writeFile(join(dir, 'vmkernel.log'), text([...chatter('2026-12-03T09:00:00.000Z', 3), BLOCK]));
    for (const given of [[dir], [join(dir, 'vmkernel.log'), join(dir, 'vmkwarning.log')]]) {
      const logs = await readLogFiles(given);
      expect(logs.events.map((e) => [e.port, e.count])).toEqual([['0x4000006', 1]]);
      expect(logs.problems).toEqual([]);
    }
  });

  // Copied off one host together, the two files are one host's: its newest line, its port ids, its vmkernel.log.
  const plain = (time: string, body: string) => `${time} cpu1:1000)${body}`;
  const connected = (time: string, port: string) => plain(time, `Net: 2587: connected web01 eth0 to VM Network, portID ${port}`);

  it("beside vmkernel.log: its window counts back from the host's newest line, not its own", async () => {
    const dir = join(tmp, 'window');
    await mkdir(dir);
    await writeFile(join(dir, 'vmkwarning.log'), text([plain('2026-11-01T08:00:00.000Z', macChange('web01', '02:00:00:00:00:01', '0x2000004'))]));
    await writeFile(join(dir, 'vmkernel.log'), text([connected('2026-12-02T08:00:00.000Z', '0x2000007'), plain('2026-12-03T08:00:00.000Z', 'Net: 2587: chatter 0')]));
    for (const given of [[dir], [join(dir, 'vmkwarning.log'), join(dir, 'vmkernel.log')]]) {
      const logs = await readLogFiles(given, { since: { durationMs: 7 * 86_400_000 } });
      expect(logs.events).toEqual([]);
    }
  });

  it('beside vmkernel.log: a port the one names ties to a NIC the other shows', async () => {
    const dir = join(tmp, 'ties');
    await mkdir(dir);
    await writeFile(join(dir, 'vmkwarning.log'), text([plain('2026-12-02T10:00:00.000Z', macChange('web01.eth0', '02:00:00:00:00:01', '0x2000004'))]));
    await writeFile(join(dir, 'vmkernel.log'), text([connected('2026-12-02T08:00:00.000Z', '0x2000004'), connected('2026-12-03T08:00:00.000Z', '0x2000009')]));
    const logs = await readLogFiles([dir]);
    const verdict = auditLogs(logs.events, logs.portClients);
    expect(verdict.findings).toEqual([]);
    expect(verdict.history.map((h) => h.why)).toEqual(['web01.eth0 is on port 0x2000009 since 2026-12-03T08:00:00.000Z, not on port 0x2000004']);
  });

  it("in one host's folder, beside another host's vmkernel.log: the warning still says its own vmkernel.log was not read", async () => {
    const dir = join(tmp, 'apart');
    await mkdir(join(dir, 'esx01'), { recursive: true });
    await mkdir(join(dir, 'esx02'));
    await writeFile(join(dir, 'esx01', 'vmkwarning.log'), text([BLOCK]));
    await writeFile(join(dir, 'esx02', 'vmkernel.log'), text(chatter('2026-12-03T09:00:00.000Z', 3)));
    const logs = await readLogFiles([join(dir, 'esx01', 'vmkwarning.log'), join(dir, 'esx02', 'vmkernel.log')]);
    expect(logs.problems).toEqual([
      `${join(dir, 'esx01', 'vmkwarning.log')}: vmkwarning.log holds only what vmkernel logs as warnings, and ESXi writes a blocked port's lines to vmkernel.log whatever their level: with no vmkernel.log of that host read, blocks may be missing; give vmfix its vmkernel.log or a vm-support bundle too.`,
    ]);
  });
});
