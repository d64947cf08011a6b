// A syslog collector's folder as admins keep it (/var/log/remote/<host>/…):
// what is in it is read, or said not to be.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
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

describe('files a collector names its own way', () => {
  it('are read by their content: a host filed as syslog.log or esx03.log is read, not skipped for its name', async () => {
    const remote = join(tmp, 'remote');
    await put(join(remote, 'esx01/vmkernel.log'), [chatter('esx01')]);
    await put(join(remote, 'esx02/syslog.log'), blocked('esx02', 'web02'));
    await put(join(remote, 'esx03.log'), blocked('esx03', 'web03'));
    const logs = await readLogFiles([remote]);
    expect(logs.events.map((e) => [e.hostName, e.vmName, e.message])).toEqual([
      ['esx02', 'web02', 'mac-change-requested'],
      ['esx02', 'web02', 'policy-violation-blocked'],
      ['esx03', 'web03', 'mac-change-requested'],
      ['esx03', 'web03', 'policy-violation-blocked'],
    ]);
    expect(logs.problems).toEqual([]);
    expect(logs.notes).toEqual([`2 file(s) not named as vmkernel logs hold vmkernel lines, which were read (${join(remote, 'esx02/syslog.log')}, ${join(remote, 'esx03.log')}).`]);
  });

  it('count as evidence in a folder of no vmkernel.log at all (was: no vmkernel logs, exit 2)', async () => {
    const remote = join(tmp, 'remote-only');
    await put(join(remote, 'esx02/syslog.log'), blocked('esx02', 'web02'));
    expect((await readLogFiles([remote])).events.map((e) => e.hostName)).toEqual(['esx02', 'esx02']);
  });

  it("leave out other programs' logs by name, and what holds no vmkernel line, saying so: not evidence, no log of the Evidence line", async () => {
    const remote = join(tmp, 'remote-mixed');
    await put(join(remote, 'esx01/vmkernel.log'), blocked('esx01', 'web01'));
    await put(join(remote, 'esx01/hostd.log'), blocked('esx01', 'hostd-would-be-read'));
    await put(join(remote, 'esx01/rsyslog-stats.log'), ['2026-12-03T10:00:00Z collector rsyslogd: stats']);
    const logs = await readLogFiles([remote]);
    expect(logs.events.map((e) => e.vmName)).toEqual(['web01', 'web01']);
    expect(logs.sources.map((s) => s.name)).toEqual([join(remote, 'esx01')]);
    expect(logs.notes).toEqual([
      `1 other file(s) in the folders given hold no vmkernel line: not evidence (${join(remote, 'esx01/rsyslog-stats.log')}).`,
      `1 file(s) named as other ESXi programs' logs were not read, vmkernel writing none of its lines there (${join(remote, 'esx01/hostd.log')}).`,
    ]);
  });
});

describe("a collector's folder packed as a .tgz or .zip (sent by mail, attached to a ticket)", () => {
  async function folder(name: string): Promise<string> {
    const remote = join(tmp, name, 'remote');
    await put(join(remote, 'esx01/vmkernel.log'), [chatter('esx01')]);
    await put(join(remote, 'esx02/syslog.log'), blocked('esx02', 'web02'));
    await put(join(remote, 'esx02/hostd.log'), blocked('esx02', 'hostd-would-be-read'));
    return remote;
  }

  it('is read as the folder is: a host filed as syslog.log is read by its content, not skipped without a word (was: "No findings", exit 0)', async () => {
    for (const kind of ['tgz', 'zip'] as const) {
      const remote = await folder(`packed-${kind}`);
      const archive = join(remote, '..', `remote.${kind}`);
      if (kind === 'tgz') execFileSync('tar', ['-czf', archive, '-C', join(remote, '..'), 'remote']);
      else execFileSync('zip', ['-qr', archive, 'remote'], { cwd: join(remote, '..') });
      const logs = await readLogFiles([archive]);
      expect(logs.events.map((e) => [e.hostName, e.vmName, e.message]), kind).toEqual([
        ['esx02', 'web02', 'mac-change-requested'],
        ['esx02', 'web02', 'policy-violation-blocked'],
      ]);
      expect(logs.notes, kind).toEqual([
        `1 file(s) not named as vmkernel logs hold vmkernel lines, which were read (${archive}!remote/esx02/syslog.log).`,
        `1 file(s) named as other ESXi programs' logs were not read, vmkernel writing none of its lines there (${archive}!remote/esx02/hostd.log).`,
      ]);
      expect((await readLogFiles([remote])).events.map((e) => [e.hostName, e.vmName]), kind).toEqual(logs.events.map((e) => [e.hostName, e.vmName]));
    }
  });

  it('says a member read by its content damaged, though it holds no vmkernel line now: the damage took them (was: "No findings", exit 0)', async () => {
    const remote = await folder('packed-damaged');
    const archive = join(remote, '..', 'remote.zip');
    execFileSync('zip', ['-q0r', archive, 'remote'], { cwd: join(remote, '..') });
    // Its bytes zeroed after the zip was made (unzip -t: bad CRC); hostd.log's too, which is never read.
    const zip = await readFile(archive);
    for (const file of ['esx02/syslog.log', 'esx02/hostd.log']) {
      const data = await readFile(join(remote, file));
      zip.fill(0, zip.indexOf(data), zip.indexOf(data) + data.length);
    }
    await writeFile(archive, zip);
    const logs = await readLogFiles([archive]);
    expect(logs.events).toEqual([]);
    expect(logs.problems).toEqual([expect.stringContaining(`${archive}!remote/esx02/syslog.log is damaged: its data does not match its CRC-32 (unzip -t: bad CRC `)]);
    expect(logs.problems[0]).toContain('any line of it may be (a VM\'s name, a MAC, a port) or be missing');
  });
});

describe('a symbolic link to a file, or to nothing, in a folder given', () => {
  it('is not followed, and said: a collector file linked from elsewhere was not read (was: skipped without a word)', async () => {
    const root = join(tmp, 'file-linked');
    await put(join(root, 'given/esx02.log'), [chatter('esx02')]);
    await put(join(root, 'store/esx03-2026-12-03.log'), blocked('esx03', 'web03'));
    await symlink('../store/esx03-2026-12-03.log', join(root, 'given/esx03.log'));
    const logs = await readLogFiles([join(root, 'given')]);
    expect(logs.events).toEqual([]);
    expect(logs.problems).toEqual([
      `${join(root, 'given/esx03.log')} is a symbolic link to ../store/esx03-2026-12-03.log, which vmfix does not follow: its lines were not read (give vmfix the file it points to).`,
    ]);
  });

  it('hides nothing when the file it points to is read anyway', async () => {
    const root = join(tmp, 'file-linked-read');
    await put(join(root, 'given/esx02.log'), [chatter('esx02')]);
    await put(join(root, 'store/esx03-2026-12-03.log'), blocked('esx03', 'web03'));
    await symlink('../store/esx03-2026-12-03.log', join(root, 'given/esx03.log'));
    await symlink('esx02.log', join(root, 'given/today.log'));
    const logs = await readLogFiles([join(root, 'given'), join(root, 'store/esx03-2026-12-03.log')]);
    expect(logs.events.map((e) => e.hostName)).toEqual(['esx03', 'esx03']);
    expect(logs.problems).toEqual([]);
  });

  it('to nothing (a directory or file gone) is said, not dropped', async () => {
    const root = join(tmp, 'dangling');
    await put(join(root, 'given/esx02.log'), [chatter('esx02')]);
    await symlink('/nonexistent/dir', join(root, 'given/esx04'));
    await symlink('../store/gone.log', join(root, 'given/esx05.log'));
    const logs = await readLogFiles([join(root, 'given')]);
    expect(logs.problems).toEqual([
      `${join(root, 'given/esx04')} is a symbolic link to /nonexistent/dir, which leads nowhere (vmfix does not follow links): whatever it stood for was not read.`,
      `${join(root, 'given/esx05.log')} is a symbolic link to ../store/gone.log, which leads nowhere (vmfix does not follow links): whatever it stood for was not read.`,
    ]);
  });

  it('to nothing, alone in the folder, is named in the error (was: "no vmkernel logs in this directory" alone)', async () => {
    const root = join(tmp, 'dangling-alone');
    await mkdir(root, { recursive: true });
    await symlink('/var/log/remote/esx05/syslog.log', join(root, 'esx05.log'));
    await expect(readLogFiles([root])).rejects.toThrow(
      `${root}: no vmkernel logs in this directory; ${join(root, 'esx05.log')} is a symbolic link to /var/log/remote/esx05/syslog.log, which leads nowhere (vmfix does not follow links): whatever it stood for was not read.`,
    );
  });
});

describe('a FIFO, socket or device node of an ordinary name in a folder given', () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  it('is never opened (a FIFO would hang), and said: whatever it stands for was not read', async () => {
    const root = join(tmp, 'special');
    await put(join(root, 'esx01/syslog.log'), [chatter('esx01')]);
    await mkdir(join(root, 'esx02'), { recursive: true });
    execFileSync('mkfifo', [join(root, 'esx02/syslog.log')]);
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(join(root, 'esx03.log'), resolve));
    const logs = await readLogFiles([root]);
    expect(logs.events).toEqual([]);
    expect(logs.problems).toEqual([
      `${join(root, 'esx02/syslog.log')} is a FIFO, not a file: vmfix does not open it, so whatever it stands for was not read.`,
      `${join(root, 'esx03.log')} is a socket, not a file: vmfix does not open it, so whatever it stands for was not read.`,
    ]);
  });

  it('alone in the folder, is named in the error', async () => {
    const root = join(tmp, 'special-alone');
    await mkdir(root, { recursive: true });
    execFileSync('mkfifo', [join(root, 'messages')]);
    await expect(readLogFiles([root])).rejects.toThrow(`${join(root, 'messages')} is a FIFO, not a file`);
  });
});
