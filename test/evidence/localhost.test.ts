// ESXi calls a host never given a name "localhost", and vm-support names its
// bundle so: two such bundles need not be one host. Merged, their port ids
// mixed and the newer bundle's last line set the older one's window, so a
// block in last month's bundle vanished behind a clean one of today.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readLogFiles } from '../../src/evidence/files.js';
import { auditLogs } from '../../src/audit/offline.js';
import { bundleName, chatter, esxi8, macChange, text, violation, writeBundleDir, writeBundleTgz, writeVcenterZip, type BundleSpec } from '../helpers/bundles.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-localhost-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const WEEK = { durationMs: 7 * 86_400_000 };
const older: BundleSpec = {
  host: 'localhost',
  stamp: '2026-11-20--20.00',
  files: {
    'var/run/log/vmkernel.log': text([
      esxi8('2026-11-20T09:00:00.000Z', macChange('web09.eth0', '02:00:5e:10:00:01', '0x4000004')),
      esxi8('2026-11-20T09:00:00.000Z', violation('web09.eth0', '0x4000004')),
      ...chatter('2026-11-20T19:00:00.000Z', 1),
    ]),
  },
};
const newer: BundleSpec = { host: 'localhost', stamp: '2026-12-03--20.00', files: { 'var/run/log/vmkernel.log': text(chatter('2026-12-03T19:00:00.000Z', 1)) } };

describe('bundles of hosts called localhost', () => {
  it('are two hosts, each named after its bundle: the older block stays inside its own window', async () => {
    const paths = [join(tmp, `${bundleName(older)}.tgz`), join(tmp, `${bundleName(newer)}.tgz`)];
    await writeBundleTgz(paths[0]!, older);
    await writeBundleTgz(paths[1]!, newer);
    const logs = await readLogFiles(paths, { since: WEEK });
    expect(logs.sources.map((s) => s.hostName)).toEqual([`localhost (${bundleName(older)})`, `localhost (${bundleName(newer)})`]);
    expect(logs.events.map((e) => [e.hostName, e.vmName, e.message])).toEqual([
      [`localhost (${bundleName(older)})`, 'web09.eth0', 'mac-change-requested'],
      [`localhost (${bundleName(older)})`, 'web09.eth0', 'policy-violation-blocked'],
    ]);
  });

  it("take vCenter's name for the host where its download names the member", async () => {
    const path = join(tmp, 'VMware-vCenter-support-2026-12-03@20-00-00.zip');
    await writeVcenterZip(path, [
      { memberHost: 'esx21.lab.local', spec: older },
      { memberHost: 'esx22.lab.local', spec: newer },
    ]);
    const logs = await readLogFiles([path], { since: WEEK });
    expect(logs.sources.map((s) => s.hostName)).toEqual(['esx21.lab.local', 'esx22.lab.local']);
    expect(logs.events.map((e) => e.hostName)).toEqual(['esx21.lab.local', 'esx21.lab.local']);
  });

  // ESXi's esx.conf holds the host's system UUID, as vm-support copies /etc/vmware/* into the bundle.
  const esxConf = (uuid: string) => `/adv/Misc/HostName = "localhost"\n/system/uuid = "${uuid}"\n/adv/Net/FollowHardwareMac = "0"\n`;
  const ofHost = (spec: BundleSpec, uuid: string): BundleSpec => ({ ...spec, files: { ...spec.files, 'etc/vmware/esx.conf': esxConf(uuid) } });
  const ONE = '473027ac-5705f21d-6d09-000c2918f3dd';

  it('of one host (the same system UUID in etc/vmware/esx.conf) are one host: today\'s bundle sets the window, and last month\'s block is left out', async () => {
    const paths = [join(tmp, `one-${bundleName(older)}.tgz`), join(tmp, `one-${bundleName(newer)}.tgz`)];
    await writeBundleTgz(paths[0]!, ofHost(older, ONE));
    await writeBundleTgz(paths[1]!, ofHost(newer, ONE));
    const logs = await readLogFiles(paths, { since: WEEK });
    const host = `localhost (system uuid ${ONE})`;
    expect(logs.sources.map((s) => s.hostName)).toEqual([host, host]);
    expect(logs.events).toEqual([]);
    expect(auditLogs(logs.events, logs.portClients).findings).toEqual([]);
    expect(logs.notes.join('\n')).toContain(`${paths[0]} and ${paths[1]} are bundles of one host (the same /system/uuid in etc/vmware/esx.conf): read as one, ${host}`);
    expect(logs.notes.join('\n')).toMatch(/2 event\(s\) older than the window were left out/);
  });

  it('of one host, extracted to directories, are one host whatever order the files come in', async () => {
    const dir = join(tmp, 'extracted');
    await writeBundleDir(dir, ofHost(older, ONE));
    await writeBundleDir(dir, ofHost(newer, ONE));
    const logs = await readLogFiles([dir], { since: WEEK });
    expect(new Set(logs.sources.map((s) => s.hostName))).toEqual(new Set([`localhost (system uuid ${ONE})`]));
    expect(logs.events).toEqual([]);
  });

  it('of one host, the newer holding the older one\'s log among its rotations: each line counts once', async () => {
    const rotated: BundleSpec = { ...newer, files: { ...newer.files, 'var/run/log/vmkernel.0.gz': gzipSync(older.files['var/run/log/vmkernel.log']!) } };
    const paths = [join(tmp, `rotated-${bundleName(older)}.tgz`), join(tmp, `rotated-${bundleName(newer)}.tgz`)];
    await writeBundleTgz(paths[0]!, ofHost(older, ONE));
    await writeBundleTgz(paths[1]!, ofHost(rotated, ONE));
    const logs = await readLogFiles(paths, { since: { all: true } });
    const host = `localhost (system uuid ${ONE})`;
    expect(logs.events.map((e) => [e.hostName, e.message, e.count])).toEqual([
      [host, 'mac-change-requested', 1],
      [host, 'policy-violation-blocked', 1],
    ]);
    expect(auditLogs(logs.events, logs.portClients).findings.map((f) => f.evidence.length)).toEqual([2]);
  });

  it('of two hosts (two system UUIDs) stay two hosts, each with its own window', async () => {
    const paths = [join(tmp, `two-${bundleName(older)}.tgz`), join(tmp, `two-${bundleName(newer)}.tgz`)];
    await writeBundleTgz(paths[0]!, ofHost(older, ONE));
    await writeBundleTgz(paths[1]!, ofHost(newer, '5a1b2c3d-1111-2222-3333-000c29aabbcc'));
    const logs = await readLogFiles(paths, { since: WEEK });
    expect(logs.sources.map((s) => s.hostName)).toEqual([`localhost (${bundleName(older)})`, `localhost (${bundleName(newer)})`]);
    expect(logs.events.map((e) => [e.hostName, e.message])).toEqual([
      [`localhost (${bundleName(older)})`, 'mac-change-requested'],
      [`localhost (${bundleName(older)})`, 'policy-violation-blocked'],
    ]);
    expect(logs.notes.join('\n')).not.toContain('bundles of one host');
  });
});
