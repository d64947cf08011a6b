// Two vCenters' "Export System Logs" downloads, one per site, each holding a host called esx01 (a
// short name, as hosts set up without a domain are called). Read as one host, site B's clean log of
// today set site A's window, and site A's block of last week was left out with a note: "No findings",
// exit 0. Their esx.conf UUIDs tell the two hosts apart: a warning says so.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readLogFiles } from '../../src/evidence/files.js';
import { vmfix } from '../helpers/lab.js';
import { chatter, esxi8, macChange, text, violation, writeVcenterZip, type BundleSpec } from '../helpers/bundles.js';

let tmp: string;
const zips: string[] = [];
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-sites-'));
  for (const [site, stamp, spec] of [['siteA', '2026-11-20@20-00-00', siteA], ['siteB', '2026-12-03@20-00-00', siteB]] as const) {
    await mkdir(join(tmp, site));
    const path = join(tmp, site, `VMware-vCenter-support-${stamp}.zip`);
    await writeVcenterZip(path, [{ memberHost: 'esx01', spec }]);
    zips.push(path);
  }
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const esxConf = (uuid: string) => `/adv/Misc/HostName = "esx01"\n/system/uuid = "${uuid}"\n`;
const WEEK = { durationMs: 7 * 86_400_000 };
const siteA: BundleSpec = {
  host: 'esx01',
  stamp: '2026-11-20--20.00',
  files: {
    'etc/vmware/esx.conf': esxConf('5f1a2b3c-0000-1111-2222-0050569a0001'),
    'var/run/log/vmkernel.log': text([
      esxi8('2026-11-20T09:00:00.000Z', macChange('web09.eth0', '02:00:5e:10:00:01', '0x4000004')),
      esxi8('2026-11-20T09:00:00.000Z', violation('web09.eth0', '0x4000004')),
      ...chatter('2026-11-20T19:00:00.000Z', 1),
    ]),
  },
};
const siteB: BundleSpec = {
  host: 'esx01',
  stamp: '2026-12-03--20.00',
  files: {
    'etc/vmware/esx.conf': esxConf('6a7b8c9d-3333-4444-5555-0050569b0002'),
    'var/run/log/vmkernel.log': text(chatter('2026-12-03T19:00:00.000Z', 1)),
  },
};

describe('two sites, each with a host called esx01', () => {
  it('warns that the name is two hosts (two system UUIDs), naming both downloads', async () => {
    const logs = await readLogFiles(zips, { since: WEEK });
    const warning = logs.problems.find((p) => p.startsWith('esx01 is the name of 2 hosts'));
    expect(warning).toContain('5f1a2b3c-0000-1111-2222-0050569a0001 in ');
    expect(warning).toContain('siteA');
    expect(warning).toContain('siteB');
  });

  it('is no all-clear at the command line', async () => {
    const run = await vmfix(['audit', '--vmkernel-log', ...zips]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toContain('could not be read or understood');
    expect(run.stdout + run.stderr).toContain('esx01 is the name of 2 hosts');
  });

  it('one host in two downloads (one UUID) is one host, with no warning', async () => {
    const again: BundleSpec = { ...siteB, files: { ...siteB.files, 'etc/vmware/esx.conf': esxConf('5f1a2b3c-0000-1111-2222-0050569a0001') } };
    const path = join(tmp, 'again.zip');
    await writeVcenterZip(path, [{ memberHost: 'esx01', spec: again }]);
    const logs = await readLogFiles([zips[0]!, path], { since: WEEK });
    expect(logs.problems).toEqual([]);
  });
});
