// A syslog collector's folder as admins keep it (/var/log/remote/<host>/…):
// what is in it is read, or said not to be.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readLogFiles } from '../../src/evidence/files.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-collector-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** RFC 5424, as rsyslog stores what ESXi forwards. */
const rfc5424 = (host: string, message: string) => `<182>1 2026-12-03T10:00:00Z ${host} vmkernel - - - ${message}`;
const chatter = (host: string) => rfc5424(host, 'cpu1:2097700)Net: 2587: chatter');
const blocked = (host: string, vm: string) => [
  rfc5424(host, `cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client ${vm} requested mac address change to 02:00:5e:10:00:01 on port 0x4000004, disallowed by vswitch policy`),
  rfc5424(host, `cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:155: client ${vm} has policy violations on port 0x4000004. Port is blocked`),
];

async function put(path: string, lines: string[]): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, `${lines.join('\n')}\n`);
}

describe('a symbolic link to a directory in a folder given', () => {
  it('is not followed, and said: its logs were not read', async () => {
    const root = join(tmp, 'linked');
    await put(join(root, 'remote/esx01/vmkernel.log'), [chatter('esx01')]);
    await put(join(root, 'store/esx02/vmkernel.log'), blocked('esx02', 'web02'));
    await symlink('../store/esx02', join(root, 'remote/esx02'));
    const logs = await readLogFiles([join(root, 'remote')]);
    expect(logs.events).toEqual([]);
    expect(logs.problems).toEqual([
      `${join(root, 'remote/esx02')} is a symbolic link to the directory ../store/esx02, which vmfix does not follow: the logs in it were not read (give vmfix that directory too).`,
    ]);
  });

  it('hides nothing when the directory it points to is read anyway (given too, or inside the folder)', async () => {
    const root = join(tmp, 'linked-read');
    await put(join(root, 'remote/esx01/vmkernel.log'), [chatter('esx01')]);
    await put(join(root, 'store/esx02/vmkernel.log'), blocked('esx02', 'web02'));
    await symlink('../store/esx02', join(root, 'remote/esx02'));
    await symlink('esx01', join(root, 'remote/today'));
    const logs = await readLogFiles([join(root, 'remote'), join(root, 'store')]);
    expect(logs.events.map((e) => [e.hostName, e.vmName])).toEqual([
      ['esx02', 'web02'],
      ['esx02', 'web02'],
    ]);
    expect(logs.problems).toEqual([]);
  });
});
