// ESXi calls a host never given a name "localhost", and vm-support names its
// bundle so: two such bundles need not be one host. Merged, their port ids
// mixed and the newer bundle's last line set the older one's window, so a
// block in last month's bundle vanished behind a clean one of today.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readLogFiles } from '../../src/evidence/files.js';
import { bundleName, chatter, esxi8, macChange, text, violation, writeBundleTgz, writeVcenterZip, type BundleSpec } from '../helpers/bundles.js';

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
});
