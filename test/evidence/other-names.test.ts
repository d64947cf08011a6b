// Files in a bundle or directory named like a vmkernel log but under no name ESXi or logrotate gives
// one (vmkernel.log.bak, vmkernel.log.old, vmkernel.log~: an admin's copy, an editor's backup) are
// read when they hold vmkernel's lines, and named either way: none is passed over unsaid.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { auditLogs } from '../../src/audit/offline.js';
import { UsageError } from '../../src/errors.js';
import { readLogFiles } from '../../src/evidence/files.js';
import { bundleName, chatter, esxi8, macChange, peer, text, writeBundleDir, writeZip, type BundleSpec } from '../helpers/bundles.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-names-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const LIVE_BLOCK = esxi8('2024-05-14T09:00:00.000Z', macChange('web01', '02:00:00:00:00:01', '0x2000004'));

function esx03(): BundleSpec {
  return {
    host: 'esx03.lab.local',
    stamp: '2024-05-14--09.12',
    files: {
      'var/run/log/vmkernel.log': text([...chatter('2024-05-14T08:00:00.000Z', 10), LIVE_BLOCK]),
      // An admin's copy taken before a host rebuild: an older block, and the live log's block again.
      'var/run/log/vmkernel.log.bak': text([esxi8('2024-05-10T07:00:00.000Z', peer('0x2000009')), LIVE_BLOCK]),
      'var/run/log/vmkernel.log~': text([esxi8('2024-05-11T07:00:00.000Z', macChange('db02', '02:00:00:00:00:02', '0x2000005'))]),
      'var/run/log/vmkernel.log.old': '2024-05-14T09:00:00.000Z hostd[2099]: Vmsvc: a hostd line\n',
    },
    symlinks: { 'var/log/vmkernel.log.bak': '/var/run/log/vmkernel.log.bak' },
  };
}

const dir = (name: string) => `${bundleName(esx03())}/var/run/log/${name}`;

describe('files named like a vmkernel log under another name', () => {
  it.each(['tgz', 'directory'])('reads those holding vmkernel lines and names every one (%s)', async (form) => {
    const work = await mkdtemp(join(tmp, 'tree-'));
    await writeBundleDir(work, esx03());
    let path = join(work, bundleName(esx03()));
    let at = `${work}/`;
    if (form === 'tgz') {
      path = join(tmp, `${bundleName(esx03())}.tgz`);
      execFileSync('tar', ['--sort=name', '-czf', path, '-C', work, bundleName(esx03())]);
      at = `${path}!`;
    }
    const logs = await readLogFiles([path]);
    expect(logs.events.map((e) => [e.vmName ?? e.port, e.count])).toEqual([
      ['0x2000009', 1],
      ['db02', 1],
      ['web01', 1],
    ]);
    expect(logs.notes).toEqual(
      expect.arrayContaining([
        `${at}${dir('vmkernel.log.bak')}: named like a vmkernel log but by no name ESXi or logrotate gives one (an admin's copy?); it holds vmkernel's lines, so they were read (a line another file also has counts once).`,
        `${at}${dir('vmkernel.log~')}: named like a vmkernel log but by no name ESXi or logrotate gives one (an admin's copy?); it holds vmkernel's lines, so they were read (a line another file also has counts once).`,
        `${at}${dir('vmkernel.log.old')}: named like a vmkernel log but by no name ESXi or logrotate gives one, and no line in it is vmkernel's: not evidence.`,
        `${at}${bundleName(esx03())}/var/log/vmkernel.log.bak: named like a vmkernel log, and a symbolic link to /var/run/log/vmkernel.log.bak, which vmfix does not follow: not read.`,
      ]),
    );
    expect(logs.problems).toEqual([]);
  });

  it("says, as a warning, that a symbolic link under such a name was not read when no file of its name was: an admin's folder of links to each host's log", async () => {
    const folder = join(tmp, 'links');
    await mkdir(folder);
    const target = join(tmp, 'esx01-live.log');
    await writeFile(target, text([...chatter('2024-05-14T08:00:00.000Z', 10), LIVE_BLOCK]));
    await writeFile(join(folder, 'esx02-vmkernel.log'), text(chatter('2024-05-14T08:00:00.000Z', 10)));
    await symlink(target, join(folder, 'esx01-vmkernel.log'));
    const logs = await readLogFiles([folder]);
    expect(logs.events).toEqual([]);
    expect(logs.problems).toEqual([`${folder}/esx01-vmkernel.log is a symbolic link to ${target}, which vmfix does not follow (give vmfix the file it points to): its lines were not read.`]);
  });

  it("does not warn of a collector's link to the day's file when that file was read (vmkernel.log -> vmkernel-2024-05-14.log)", async () => {
    const folder = join(tmp, 'current');
    await mkdir(folder);
    await writeFile(join(folder, 'vmkernel-2024-05-14.log'), text([...chatter('2024-05-14T08:00:00.000Z', 10), LIVE_BLOCK]));
    await symlink('vmkernel-2024-05-14.log', join(folder, 'vmkernel.log'));
    const logs = await readLogFiles([folder]);
    expect(logs.events.map((e) => e.vmName)).toEqual(['web01']);
    expect(logs.problems).toEqual([]);
  });

  it("reads a bundle a Mac zipped (AppleDouble '._' files beside each file, under __MACOSX/) as the bundle alone: no second bundle of nothing, no note", async () => {
    const spec = { host: 'esx04', stamp: '2024-05-14--09.12', files: { 'var/run/log/vmkernel.log': text(chatter('2024-05-14T08:00:00.000Z', 10)) } };
    const appleDouble = Buffer.concat([Buffer.from([0, 5, 0x16, 0x07, 0, 2, 0, 0]), Buffer.from('Mac OS X        '), Buffer.alloc(60)]);
    const root = bundleName(spec);
    const zip = join(tmp, 'from-a-mac.zip');
    await writeZip(zip, [
      { name: `${root}/var/run/log/vmkernel.log`, content: Buffer.from(spec.files['var/run/log/vmkernel.log']) },
      { name: `__MACOSX/${root}/var/run/log/._vmkernel.log`, content: appleDouble },
      { name: `__MACOSX/${root}/var/run/log/._vmkernel.0.gz`, content: appleDouble },
    ]);
    const logs = await readLogFiles([zip]);
    expect(logs.sources.map((s) => [s.hostName, s.lines])).toEqual([['esx04', 10]]);
    expect(logs.problems).toEqual([]);
    expect(logs.notes).toEqual([]);
  });

  it("keeps hosts apart whose copies a folder holds under names of their own (esx01-vmkernel.log, esx02-vmkernel.log): one host's port is not another's (was: esx02's block filed on esx01's VM)", async () => {
    const folder = join(tmp, 'per-host-copies');
    await mkdir(folder);
    // esx01's web01 held port 0x2000004 on esx01; esx02 blocked its own port 0x2000004, whose NIC no line names.
    await writeFile(join(folder, 'esx01-vmkernel.log'), text([...chatter('2024-05-14T08:00:00.000Z', 10), esxi8('2024-05-14T08:30:00.000Z', 'Net: 2587: connected web01 eth0 to VM Network, portID 0x2000004')]));
    await writeFile(join(folder, 'esx02-vmkernel.log'), text([...chatter('2024-05-14T08:00:00.000Z', 10), esxi8('2024-05-14T09:00:00.000Z', peer('0x2000004'))]));
    const zip = join(tmp, 'per-host-copies.zip');
    execFileSync('zip', ['-qr', zip, 'per-host-copies'], { cwd: tmp });
    for (const path of [folder, zip, [join(folder, 'esx01-vmkernel.log'), join(folder, 'esx02-vmkernel.log')]]) {
      const logs = await readLogFiles([path].flat());
      const { findings } = auditLogs(logs.events, logs.portClients);
      expect(findings.map((f) => f.summary), String(path)).toEqual([
        'ESXi blocked the port of the VM on port 0x2000004 because its guest changed the MAC while MAC address changes is Reject.',
      ]);
    }
  });

  it('does not take a directory whose only such file holds no vmkernel line for one read clean', async () => {
    const only = join(tmp, 'only-old');
    await mkdir(only);
    await writeFile(join(only, 'vmkernel.log.old'), '2024-05-14T09:00:00.000Z hostd[2099]: Vmsvc: a hostd line\n');
    await expect(readLogFiles([only])).rejects.toThrow(new UsageError(`${only}: no vmkernel logs in this directory (looked for vmkernel.log and its rotations).`));
  });
});
