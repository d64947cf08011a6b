// vm-support bundles and vCenter's download, built here in their real layout
// (real tar.gz and zip files, FRAG slices, symbolic links) and read as given.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { create as createTar, Header as TarHeader } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { UsageError } from '../../src/errors.js';
import { readLogFiles } from '../../src/evidence/files.js';
import {
  bundleName,
  chatter,
  esxi8,
  fragments,
  macChange,
  peer,
  text,
  violation,
  writeBundleDir,
  writeBundleTgz,
  writeVcenterZip,
  writeZip,
  type BundleSpec,
} from '../helpers/bundles.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-bundles-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A .tgz of files (content) and hard links (the path of the member they name), in that order. */
async function hardLinkTar(name: string, members: [string, Buffer | string][]): Promise<string> {
  const mtime = new Date('2024-05-14T09:13:00Z');
  const blocks = members.flatMap(([path, body]) => {
    const header = Buffer.alloc(512);
    if (typeof body === 'string') {
      new TarHeader({ path, type: 'Link', linkpath: body, size: 0, mode: 0o644, mtime }).encode(header, 0);
      return [header];
    }
    new TarHeader({ path, type: 'File', size: body.length, mode: 0o644, mtime }).encode(header, 0);
    return [header, body, Buffer.alloc((512 - (body.length % 512)) % 512)];
  });
  const file = join(tmp, name);
  await writeFile(file, gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)])));
  return file;
}

async function usageError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error('expected a UsageError');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  expect((error as UsageError).message).not.toContain('\n');
  return (error as UsageError).message;
}

const NET_STATS = `PortNum          Type SubType SwitchName       MACAddress         ClientName
2214592518          4       0 DvsPortset-0     00:50:56:01:10:01  vmnic0
33554434            3       0 vSwitch0         00:50:56:01:10:02  vmk0
33554439            5       9 vSwitch0         00:50:56:9a:00:07  db 02.eth0
33554440            5       9 vSwitch0         00:50:56:9a:00:08  NSX Manager.eth0
`;

/**
 * An ESXi 8 host's bundle: the live log split by vm-support into two FRAG slices with the newest block
 * (web01's MAC change) in the second; rotations vmkernel.0.gz and vmkernel.1.gz, the older split in gzip
 * slices; var/log/vmkernel.log a link to /var/run/log/vmkernel.log as on the host.
 */
function esx01(): BundleSpec {
  const older = text([...chatter('2024-05-12T00:00:00.000Z', 200), esxi8('2024-05-12T08:00:00.000Z', macChange('app03', '02:00:00:00:00:03', '0x2000009'))]);
  const rotated = text([...chatter('2024-05-13T00:00:00.000Z', 300), esxi8('2024-05-13T10:00:00.000Z', peer('0x2000007'))]);
  const live = text([
    ...chatter('2024-05-14T00:00:00.000Z', 2000),
    esxi8('2024-05-14T09:00:00.000Z', macChange('web01.eth0', '02:00:00:00:00:01', '0x2000004')),
    esxi8('2024-05-14T09:00:00.000Z', violation('web01.eth0', '0x2000004')),
    esxi8('2024-05-14T09:00:00.001Z', peer('0x2000004')),
  ]);
  return {
    host: 'esx01.lab.local',
    stamp: '2024-05-14--09.12',
    files: {
      'commands/net-stats_-l.txt': NET_STATS,
      ...fragments('var/run/log/vmkernel.log', Buffer.from(live), 2),
      'var/run/log/vmkernel.0.gz': gzipSync(rotated),
      ...fragments('var/run/log/vmkernel.1.gz', gzipSync(older), 3),
      // vmkwarning repeats vmkernel's warnings: read, its copy of a line counts once.
      'var/run/log/vmkwarning.log': text([esxi8('2024-05-14T09:00:00.001Z', peer('0x2000004'))]),
      // Not a vmkernel log.
      'var/run/log/hostd.log': 'hostd chatter\n',
    },
    symlinks: { 'var/log/vmkernel.log': '/var/run/log/vmkernel.log', 'var/log/hostd.log': '/var/run/log/hostd.log' },
  };
}

function esx02(): BundleSpec {
  return {
    host: 'esx02',
    stamp: '2024-05-14--09.13',
    files: { 'var/run/log/vmkernel.log': text([...chatter('2024-05-14T08:00:00.000Z', 50), esxi8('2024-05-14T08:30:00.000Z', macChange('web01', '02:00:00:00:00:99', '0x2000004'))]) },
  };
}

const summary = (events: Awaited<ReturnType<typeof readLogFiles>>['events']) =>
  events.map((e) => [e.hostName, e.message, e.vmName ?? e.port, e.mac ?? null, e.count]);

describe('a host bundle .tgz, as downloaded', () => {
  let path: string;
  beforeAll(async () => {
    path = join(tmp, `${bundleName(esx01())}.tgz`);
    await writeBundleTgz(path, esx01());
  });

  it('compressed once more (a browser that kept the server\'s Content-Encoding: gzip): read as the .tgz is', async () => {
    const twice = join(tmp, `${bundleName(esx01())}-twice.tgz`);
    await writeFile(twice, gzipSync(await readFile(path)));
    expect(summary((await readLogFiles([twice])).events)).toEqual(summary((await readLogFiles([path])).events));
  });

  it('reads every vmkernel log in it, fragments joined, links not followed', async () => {
    const read: string[] = [];
    const logs = await readLogFiles([path], { onFile: (name) => read.push(name) });
    expect(summary(logs.events)).toEqual([
      ['esx01.lab.local', 'mac-change-requested', 'app03', '02:00:00:00:00:03', 1],
      ['esx01.lab.local', 'peer-blocked', '0x2000007', null, 1],
      ['esx01.lab.local', 'mac-change-requested', 'web01.eth0', '02:00:00:00:00:01', 1],
      ['esx01.lab.local', 'policy-violation-blocked', 'web01.eth0', null, 1],
      ['esx01.lab.local', 'peer-blocked', '0x2000004', null, 1],
    ]);
    expect(logs.events.every((e) => e.source === path)).toBe(true);
    expect(read.map((name) => name.slice(path.length))).toEqual(
      expect.arrayContaining([`!${bundleName(esx01())}/var/run/log/vmkernel.log`, `!${bundleName(esx01())}/var/run/log/vmkernel.1.gz`, `!${bundleName(esx01())}/var/run/log/vmkernel.0.gz`]),
    );
    expect(logs.sources).toEqual([
      { name: path, hostName: 'esx01.lab.local', lines: 2000 + 3 + 300 + 1 + 200 + 1, firstTime: '2024-05-12T00:00:00.000Z', lastTime: '2024-05-14T09:00:00.001Z', since: null },
      { name: `${path}!${bundleName(esx01())}/var/run/log/vmkwarning.log`, hostName: 'esx01.lab.local', lines: 1, firstTime: '2024-05-14T09:00:00.001Z', lastTime: '2024-05-14T09:00:00.001Z', since: null },
    ]);
    expect(logs.problems).toEqual([]);
    expect(logs.unparsed).toEqual({ count: 0, samples: [] });
  });

  it('ties ports to clients with the bundle\'s net-stats listing', async () => {
    const logs = await readLogFiles([path]);
    // The listing's decimal 33554439 is the log's 0x2000007; only ports an event names are kept. It is of the bundle's collection.
    expect(logs.portClients).toEqual([
      { hostName: 'esx01.lab.local', port: '0x2000007', client: 'db 02.eth0', mac: '00:50:56:9a:00:07', time: null, listedAt: '2024-05-14T09:12:00.000Z', source: `${path}!${bundleName(esx01())}/commands/net-stats_-l.txt` },
    ]);
  });

  it('reads the same from the extracted directory, the directory itself or its parent', async () => {
    const parent = join(tmp, 'extracted');
    await mkdir(parent);
    const dir = await writeBundleDir(parent, esx01());
    const fromTgz = summary((await readLogFiles([path])).events);
    for (const given of [dir, parent]) {
      const logs = await readLogFiles([given]);
      expect(summary(logs.events)).toEqual(fromTgz);
      expect(logs.sources.map((s) => [s.name, s.hostName, s.lines])).toEqual([
        [dir, 'esx01.lab.local', 2505],
        [join(dir, 'var/run/log/vmkwarning.log'), 'esx01.lab.local', 1],
      ]);
    }
  });

  it('never follows a link in the archive to a file of this machine', async () => {
    const outside = join(tmp, 'outside-vmkernel.log');
    await writeFile(outside, text([esxi8('2024-05-14T09:00:00.000Z', macChange('intruder', '02:00:00:00:00:66', '0x2000066'))]));
    const tgz = join(tmp, 'links.tgz');
    await writeBundleTgz(tgz, { ...esx02(), symlinks: { 'var/log/vmkernel.1': outside, 'var/run/log/vmkernel.2.gz': outside } });
    const logs = await readLogFiles([tgz]);
    expect(logs.events.map((e) => e.vmName)).toEqual(['web01']);
    expect(logs.sources.map((s) => s.lines)).toEqual([51]);
  });

  it('says so when a vmkernel log of the bundle is only a symbolic link: its lines were not read, however clean the rest', async () => {
    // The live log a link (to the host's scratch), only a quiet rotation stored: "No findings" alone would hide the live log.
    const quiet = gzipSync(text(chatter('2024-05-13T00:00:00.000Z', 20)));
    const spec: BundleSpec = { host: 'esx02', stamp: '2024-05-14--09.13', files: { 'var/run/log/vmkernel.0.gz': quiet }, symlinks: { 'var/run/log/vmkernel.log': '/scratch/log/vmkernel.log' } };
    const tgz = join(tmp, 'live-linked.tgz');
    await writeBundleTgz(tgz, spec);
    const linked = `${bundleName(spec)}/var/run/log/vmkernel.log`;
    expect((await readLogFiles([tgz])).problems).toEqual([
      `${tgz}!${linked} is a symbolic link to /scratch/log/vmkernel.log, which vmfix does not follow, and the bundle holds no other vmkernel.log: its lines were not read.`,
    ]);
    const parent = join(tmp, 'live-linked');
    await mkdir(parent);
    await writeBundleDir(parent, spec);
    expect((await readLogFiles([parent])).problems).toEqual([
      `${join(parent, linked)} is a symbolic link to /scratch/log/vmkernel.log, which vmfix does not follow, and the bundle holds no other vmkernel.log: its lines were not read.`,
    ]);
  });

  it('says so when a vmkernel log of the bundle is a FIFO or a device, not a file', async () => {
    const root = bundleName(esx02());
    const quiet = gzipSync(text(chatter('2024-05-13T00:00:00.000Z', 20)));
    const header = Buffer.alloc(512);
    new TarHeader({ path: `${root}/var/run/log/vmkernel.log`, type: 'FIFO', size: 0, mode: 0o644, mtime: new Date('2024-05-14T09:13:00Z') }).encode(header, 0);
    const rotation = Buffer.alloc(512);
    new TarHeader({ path: `${root}/var/run/log/vmkernel.0.gz`, type: 'File', size: quiet.length, mode: 0o644, mtime: new Date('2024-05-14T09:13:00Z') }).encode(rotation, 0);
    const tgz = join(tmp, 'fifo.tgz');
    await writeFile(tgz, gzipSync(Buffer.concat([header, rotation, quiet, Buffer.alloc((512 - (quiet.length % 512)) % 512), Buffer.alloc(1024)])));
    expect((await readLogFiles([tgz])).problems).toEqual([`${tgz}!${root}/var/run/log/vmkernel.log is a FIFO, not a file: its lines were not read.`]);
  });

  it('says so when the live log is stored as a hard link to a member of another name, and reads one under a log name once', async () => {
    // Written header by header as GNU tar stores a second name of an inode (a 'Link' entry naming the first).
    const root = bundleName(esx02());
    const log = Buffer.from(text([esxi8('2024-05-14T09:00:00.000Z', macChange('web01', '02:00:00:00:00:99', '0x2000004'))]));
    const only = await hardLinkTar('hard-only.tgz', [[`${root}/scratch/log/vmk.keep`, log], [`${root}/var/run/log/vmkernel.log`, `${root}/scratch/log/vmk.keep`]]);
    expect(await usageError(readLogFiles([only]))).toMatch(/vmkernel\.log is a hard link to .*scratch\/log\/vmk\.keep in the archive, which vmfix does not read back: extract the archive/);

    const twice = await hardLinkTar('hard-twice.tgz', [[`${root}/var/log/vmkernel.log`, log], [`${root}/var/run/log/vmkernel.log`, `${root}/var/log/vmkernel.log`]]);
    const logs = await readLogFiles([twice]);
    expect(logs.events.map((e) => [e.vmName, e.count])).toEqual([['web01', 1]]);
    expect(logs.problems).toEqual([]);

    // A link to a log's name that the archive does not hold (deleted from it since): nothing was read under either name.
    const missing = await hardLinkTar('hard-missing.tgz', [[`${root}/var/run/log/vmkernel.log`, `${root}/old/vmkernel.log`]]);
    expect(await usageError(readLogFiles([missing]))).toMatch(/vmkernel\.log is a hard link to .*old\/vmkernel\.log in the archive, which vmfix does not read back/);
  });

  it('reads a second regular copy of the live log that holds lines the first does not, and says so', async () => {
    const older = text([esxi8('2024-05-14T08:00:00.000Z', peer('0x2000009'))]);
    const newer = text([esxi8('2024-05-14T08:00:00.000Z', peer('0x2000009')), esxi8('2024-05-14T09:00:00.000Z', macChange('web01', '02:00:00:00:00:99', '0x2000004'))]);
    const root = bundleName({ host: 'esx02', stamp: '2024-05-14--09.13', files: {} });
    // In tar order: var/log's copy first, then var/run/log's.
    const copies = async (name: string, varLog: string, varRunLog: string) => {
      const work = join(tmp, `${name}-dir`);
      await writeBundleDir(work, { host: 'esx02', stamp: '2024-05-14--09.13', files: { 'var/log/vmkernel.log': varLog, 'var/run/log/vmkernel.log': varRunLog } });
      const tgz = join(tmp, `${name}.tar`);
      await createTar({ file: tgz, cwd: work }, [`${root}/var/log/vmkernel.log`, `${root}/var/run/log/vmkernel.log`]);
      return readLogFiles([tgz]);
    };
    const both = await copies('newer-second', older, newer);
    expect(both.events.map((e) => e.vmName)).toContain('web01');
    expect(both.notes.join('\n')).toMatch(/var\/run\/log holds a second vmkernel log of .*newer-second\.tar, with lines the other does not have: both were read/);
    // The other way round, the older copy adds nothing: read once, nothing said.
    const once = await copies('older-second', newer, older);
    expect(once.events.map((e) => e.vmName)).toContain('web01');
    expect(once.sources).toHaveLength(1);
    expect(once.notes.join('\n')).not.toMatch(/second vmkernel log/);
  });

  it('reads a bundle extracted where links cannot be made (Windows): var/log/vmkernel.log a file holding its target\'s path, the live log under var/run/log', async () => {
    const spec = { host: 'esx06', stamp: '2024-05-14--09.13', files: { 'var/log/vmkernel.log': '/var/run/log/vmkernel.log', 'var/run/log/vmkernel.log': text(chatter('2024-05-14T08:00:00.000Z', 20)) } };
    const dir = await writeBundleDir(await mkdtemp(join(tmp, 'windows-')), spec);
    const logs = await readLogFiles([dir]);
    // A clean host: its 20 lines were read, and nothing says otherwise.
    expect(logs.sources.reduce((n, s) => n + s.lines, 0)).toBe(20);
    expect(logs.problems).toEqual([]);
  });

  it('keeps several bundles in one tar apart, each named under the archive', async () => {
    const work = join(tmp, 'several');
    await mkdir(work);
    await writeBundleDir(work, esx01());
    await writeBundleDir(work, esx02());
    const tarPath = join(tmp, 'cases.tar');
    await createTar({ file: tarPath, cwd: work }, [bundleName(esx01()), bundleName(esx02())]);
    const logs = await readLogFiles([tarPath]);
    expect(logs.sources.map((s) => [s.name, s.hostName])).toEqual([
      [tarPath, 'esx01.lab.local'],
      [`${tarPath}!${bundleName(esx01())}/var/run/log/vmkwarning.log`, 'esx01.lab.local'],
      [`${tarPath}!${bundleName(esx02())}`, 'esx02'],
    ]);
  });

  it('reads a bundle whose var/log holds a copy of the live log once', async () => {
    const spec = esx01();
    const copy: BundleSpec = { ...spec, symlinks: {}, files: { ...spec.files, 'var/log/vmkernel.log': Buffer.concat(Object.entries(spec.files).filter(([p]) => p.startsWith('var/run/log/vmkernel.log.FRAG')).map(([, c]) => Buffer.from(c))) } };
    const tgz = join(tmp, 'copy.tgz');
    await writeBundleTgz(tgz, copy);
    expect(summary((await readLogFiles([tgz])).events)).toEqual(summary((await readLogFiles([path])).events));
  });

  it('reports a missing fragment, and reads what it can', async () => {
    const spec = esx01();
    const files = Object.fromEntries(Object.entries(spec.files).filter(([p]) => !p.endsWith('vmkernel.1.gz.FRAG-00001')));
    const tgz = join(tmp, 'gap.tgz');
    await writeBundleTgz(tgz, { ...spec, files });
    const logs = await readLogFiles([tgz]);
    expect(logs.problems).toEqual([`${tgz}!${bundleName(spec)}/var/run/log/vmkernel.1.gz: FRAG-00001 is missing; what came after it was not read.`]);
    // vmkernel.1.gz cannot be read past the gap (its first slice ends mid-stream): app03's line is in its tail.
    expect(summary(logs.events).map((e) => e[2])).toEqual(['0x2000007', 'web01.eth0', 'web01.eth0', '0x2000004']);
  });

  it('says so when the last slices of the live log are missing: FRAG-00000 alone ends mid-line, and nothing says what followed', async () => {
    const spec = esx01();
    const files = Object.fromEntries(Object.entries(spec.files).filter(([p]) => !p.endsWith('vmkernel.log.FRAG-00001')));
    const tgz = join(tmp, 'last-slice.tgz');
    await writeBundleTgz(tgz, { ...spec, files });
    const logs = await readLogFiles([tgz]);
    // web01's block was in the missing slice: what is left must not pass for the whole log. Its peer
    // line is also in vmkwarning.log, which keeps it.
    expect(logs.events.map((e) => e.vmName ?? e.port)).toEqual(['app03', '0x2000007', '0x2000004']);
    expect(logs.problems).toEqual([
      `${tgz}!${bundleName(spec)}/var/run/log/vmkernel.log: it ends in the middle of a line at the end of FRAG-00000, so the slices after it are missing (vm-support cuts a log anywhere, the log itself ends with a whole line); what they held was not read.`,
    ]);
  });

  const MiB = 2 ** 20;
  /** A live log whose first 2 MiB end on a line's end (the last line before padded to end there), web01's block after them. */
  function liveOfTwoMiB(): Buffer {
    const head = text(chatter('2024-05-14T00:00:00.000Z', Math.floor((2 * MiB) / 100)));
    const before = head.slice(0, head.lastIndexOf('\n', 2 * MiB - 200) + 1);
    const pad = esxi8('2024-05-14T08:59:59.000Z', 'NetSched: 717: padding ');
    const filler = pad + 'x'.repeat(2 * MiB - before.length - pad.length - 1) + '\n';
    const after = text([esxi8('2024-05-14T09:00:00.000Z', macChange('web01', '02:00:00:00:00:01', '0x2000004')), ...chatter('2024-05-14T09:00:01.000Z', 100)]);
    const live = Buffer.from(before + filler + after);
    expect(live.subarray(0, 2 * MiB).at(-1)).toBe(10);
    return live;
  }

  it('says so when the last slices of the live log are missing and the cut fell on a line end: every slice left is a full 1 MiB, as only a last one is not', async () => {
    const live = liveOfTwoMiB();
    const slices = { 'var/run/log/vmkernel.log.FRAG-00000': live.subarray(0, MiB), 'var/run/log/vmkernel.log.FRAG-00001': live.subarray(MiB, 2 * MiB) };
    const dir = await writeBundleDir(await mkdtemp(join(tmp, 'full-')), { host: 'esx05', stamp: '2024-05-14--09.12', files: slices });
    const logs = await readLogFiles([dir]);
    expect(logs.events).toEqual([]);
    expect(logs.problems).toEqual([
      `${dir}/var/run/log/vmkernel.log: its last slice, FRAG-00001, is a full 1 MiB like every one before it, and vm-support leaves what is left of a file in a shorter last slice, so the slices after it are missing; what they held was not read.`,
    ]);
    // The same log with its last slice: whole, and nothing said.
    const whole = await writeBundleDir(await mkdtemp(join(tmp, 'full-')), {
      host: 'esx05',
      stamp: '2024-05-14--09.12',
      files: { ...slices, 'var/run/log/vmkernel.log.FRAG-00002': live.subarray(2 * MiB) },
    });
    const read = await readLogFiles([whole]);
    expect(read.problems).toEqual([]);
    expect(read.events.map((e) => e.vmName)).toEqual(['web01']);
  });

  it('says so when a slice before the last is not a full 1 MiB (emptied or cut as the bundle was extracted): part of the log is missing there', async () => {
    const live = liveOfTwoMiB();
    const dir = await writeBundleDir(await mkdtemp(join(tmp, 'short-')), {
      host: 'esx05',
      stamp: '2024-05-14--09.12',
      files: {
        'var/run/log/vmkernel.log.FRAG-00000': live.subarray(0, MiB),
        'var/run/log/vmkernel.log.FRAG-00001': live.subarray(MiB, MiB + 4096),
        'var/run/log/vmkernel.log.FRAG-00002': live.subarray(2 * MiB),
      },
    });
    const logs = await readLogFiles([dir]);
    expect(logs.events.map((e) => e.vmName)).toEqual(['web01']);
    expect(logs.problems).toEqual([
      `${dir}/var/run/log/vmkernel.log: FRAG-00001 holds 4096 bytes where vm-support puts 1 MiB in every slice but the last, so part of the log is missing there; the lines around the gap were read.`,
    ]);
  });

  it.each([0, 4096])('says so when FRAG-00000 itself is short (%i bytes) before full 1 MiB slices: the oldest part of the log is missing (was: joined without a word)', async (bytes) => {
    const live = liveOfTwoMiB();
    const dir = await writeBundleDir(await mkdtemp(join(tmp, 'short-first-')), {
      host: 'esx05',
      stamp: '2024-05-14--09.12',
      files: {
        'var/run/log/vmkernel.log.FRAG-00000': live.subarray(0, bytes),
        'var/run/log/vmkernel.log.FRAG-00001': live.subarray(MiB, 2 * MiB),
        'var/run/log/vmkernel.log.FRAG-00002': live.subarray(2 * MiB),
      },
    });
    const logs = await readLogFiles([dir]);
    expect(logs.problems).toEqual([
      `${dir}/var/run/log/vmkernel.log: FRAG-00000 holds ${bytes} bytes where vm-support puts 1 MiB in every slice but the last, so part of the log is missing there; the lines around the gap were read.`,
    ]);
  });

  it('says so when the slices of an extracted bundle stop at FRAG-00000, even on a whole line: vm-support slices only what is longer than one slice', async () => {
    const live = Buffer.from(text(chatter('2024-05-14T00:00:00.000Z', 4000)));
    const cut = live.subarray(0, live.indexOf('\n', live.length >> 1) + 1);
    const dir = await writeBundleDir(await mkdtemp(join(tmp, 'lone-')), { host: 'esx05', stamp: '2024-05-14--09.12', files: { 'var/run/log/vmkernel.log.FRAG-00000': cut } });
    const logs = await readLogFiles([dir]);
    expect(logs.problems).toEqual([
      `${dir}/var/run/log/vmkernel.log: FRAG-00000 is its only slice, and vm-support slices only a file longer than one slice, so the slices after it are missing; what they held was not read.`,
    ]);
  });

  it.each(['directory', 'tgz'])('reads a fragmented rotation before the logs after it (%s): the window runs from the live log, no clock is said set back', async (form) => {
    // A rotation six weeks older than the live log, big enough to be sliced, its block at its very end.
    const rotation = gzipSync(text([...chatter('2024-04-01T00:00:00.000Z', 20_000), esxi8('2024-04-01T12:00:00.000Z', macChange('app03', '02:00:00:00:00:03', '0x2000009'))]));
    const spec = { host: 'esx07', stamp: '2024-05-14--09.12', files: { ...fragments('var/run/log/vmkernel.0.gz', rotation, 3), 'var/run/log/vmkernel.log': text(chatter('2024-05-14T00:00:00.000Z', 3000)) } };
    const work = await mkdtemp(join(tmp, 'sliced-rotation-'));
    let path = await writeBundleDir(work, spec);
    if (form === 'tgz') {
      path = join(work, 'sorted.tgz');
      execFileSync('tar', ['--sort=name', '-czf', path, '-C', work, bundleName(spec)]);
    }
    const logs = await readLogFiles([path], { since: { durationMs: 7 * 86_400_000 } });
    expect(logs.events).toEqual([]);
    expect(logs.sources.map((s) => [s.lastTime, s.since])).toEqual([['2024-05-14T00:49:59.000Z', '2024-05-07T00:49:59.000Z']]);
    expect(logs.problems).toEqual([]);
    expect(logs.notes).toEqual([`${path.endsWith('.tgz') ? path : join(work, bundleName(spec))}: 1 event(s) older than the window were left out (--since all reads them).`]);
  });

  it.each(['directory', 'tgz'])('reads the live log once where its slices were joined beside them (cat vmkernel.log.FRAG-* > vmkernel.log), %s: no clock said set back, no line counted twice', async (form) => {
    // A block three weeks old, then a day of chatter: the same lines twice in one log made its times jump back.
    const live = Buffer.from(text([esxi8('2024-04-20T08:00:00.000Z', violation('old01', '0x2000005')), ...chatter('2024-05-13T00:00:00.000Z', 30_000)]));
    const spec = { host: 'esx08', stamp: '2024-05-14--09.12', files: { 'var/run/log/vmkernel.log': live, ...fragments('var/run/log/vmkernel.log', live, 3) } };
    const work = await mkdtemp(join(tmp, 'joined-'));
    let path = await writeBundleDir(work, spec);
    if (form === 'tgz') {
      path = join(work, 'joined.tgz');
      execFileSync('tar', ['--sort=name', '-czf', path, '-C', work, bundleName(spec)]);
    }
    const logs = await readLogFiles([path], { since: { durationMs: 7 * 86_400_000 } });
    expect(logs.problems).toEqual([]);
    expect(logs.events).toEqual([]);
    expect(logs.sources.map((s) => [s.hostName, s.lines])).toEqual([['esx08', 30_001]]);
  });

  it("reads a rotation's slices that an archive holds around the live log (a bundle tarred again in the folder's own order) as the rotation's", async () => {
    const rotation = gzipSync(text([...chatter('2024-04-01T00:00:00.000Z', 20_000), esxi8('2024-04-01T12:00:00.000Z', macChange('app03', '02:00:00:00:00:03', '0x2000009'))]));
    const spec = { host: 'esx07', stamp: '2024-05-14--09.12', files: { ...fragments('var/run/log/vmkernel.0.gz', rotation, 2), 'var/run/log/vmkernel.log': text(chatter('2024-05-14T00:00:00.000Z', 3000)) } };
    const work = await mkdtemp(join(tmp, 'around-'));
    await writeBundleDir(work, spec);
    const tgz = join(work, 'around.tgz');
    const log = (name: string) => `${bundleName(spec)}/var/run/log/${name}`;
    await createTar({ gzip: true, file: tgz, cwd: work }, [log('vmkernel.0.gz.FRAG-00000'), log('vmkernel.log'), log('vmkernel.0.gz.FRAG-00001')]);
    const logs = await readLogFiles([tgz], { since: { durationMs: 7 * 86_400_000 } });
    expect(logs.events).toEqual([]);
    expect(logs.sources.map((s) => s.since)).toEqual(['2024-05-07T00:49:59.000Z']);
    expect(logs.problems).toEqual([]);
  });

  it('joins fragments an archive holds out of order (a bundle extracted and tarred again), as in order', async () => {
    const spec = esx01();
    const inOrder = await readLogFiles([await (async () => {
      const path = join(tmp, 'in-order.tgz');
      await writeBundleTgz(path, spec);
      return path;
    })()]);
    // The slices of each file, last first.
    const entries = Object.entries(spec.files);
    const slices = entries.filter(([p]) => /\.FRAG-\d{5}$/.test(p)).reverse();
    const shuffled = Object.fromEntries([...entries.filter(([p]) => !/\.FRAG-\d{5}$/.test(p)), ...slices]);
    const tgz = join(tmp, 'reversed.tgz');
    await writeBundleTgz(tgz, { ...spec, files: shuffled });
    const logs = await readLogFiles([tgz]);
    expect(logs.problems).toEqual([]);
    expect(summary(logs.events)).toEqual(summary(inOrder.events));
  });

  it('reads a tgz cut short up to the cut, and says it is cut off, naming it', async () => {
    const whole = await readFile(path);
    const cut = join(tmp, 'cut.tgz');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const logs = await readLogFiles([cut]);
    expect(logs.sources[0]!.lines).toBeGreaterThan(0);
    expect(logs.problems).toEqual([expect.stringMatching(new RegExp(`^${cut} is cut off or damaged \\(.+\\): reading stopped in ${cut}!${bundleName(esx01())}/.+; the lines before were read, whatever came after was not\\.$`))]);
  });

  it('refuses a tar archive with no vmkernel log in it', async () => {
    const tgz = join(tmp, 'no-logs.tgz');
    await writeBundleTgz(tgz, { host: 'esx09', stamp: '2024-05-14--09.12', files: { 'var/run/log/hostd.log': 'x\n' } });
    expect(await usageError(readLogFiles([tgz]))).toBe(
      `${tgz}: no vmkernel log in this archive (looked for var/run/log/vmkernel.log and its rotations, vmkernel.N.gz).`,
    );
  });
});

describe("vCenter's Export System Logs .zip", () => {
  let path: string;
  beforeAll(async () => {
    path = join(tmp, 'VMware-vCenter-support-2024-05-14@09-12-40.zip');
    // vCenter names members after the host as it knows it; the bundle inside names the host as ESXi does.
    await writeVcenterZip(path, [
      { memberHost: 'esx01.lab.local', spec: esx01() },
      { memberHost: '10.0.0.12', spec: esx02() },
    ]);
  });

  it('reads each host bundle in it as its own source, named from the bundle', async () => {
    const logs = await readLogFiles([path]);
    expect(logs.sources.map((s) => [s.name, s.hostName, s.lines])).toEqual([
      [`${path}!esx01.lab.local-vm2024-14-05@09-12-41.tgz`, 'esx01.lab.local', 2505],
      [`${path}!esx01.lab.local-vm2024-14-05@09-12-41.tgz!${bundleName(esx01())}/var/run/log/vmkwarning.log`, 'esx01.lab.local', 1],
      [`${path}!10.0.0.12-vm2024-14-05@09-12-41.tgz`, 'esx02', 51],
    ]);
    // The same VM name and port on two hosts stay two events.
    expect(summary(logs.events).filter((e) => e[2] === 'web01' || e[2] === 'web01.eth0').map((e) => [e[0], e[3]])).toEqual([
      ['esx01.lab.local', '02:00:00:00:00:01'],
      ['esx01.lab.local', null],
      ['esx02', '02:00:00:00:00:99'],
    ]);
    expect(logs.notes).toEqual([`${path}!vcsa01.lab.local-vcsupport2024-14-05@09-12-40.tgz is vCenter's own support bundle (no host's vmkernel log in it): not read.`]);
    expect(logs.problems).toEqual([]);
  });

  it('reads the other hosts when one host bundle is damaged, and says which', async () => {
    const work = join(tmp, 'damaged');
    await mkdir(work);
    const good = join(work, 'good.tgz');
    await writeBundleTgz(good, esx02());
    const whole = await readFile(good);
    const zip = join(work, 'VMware-vCenter-support-2024-05-14@10-00-00.zip');
    await writeZip(zip, [
      { name: 'esx01.lab.local-vm2024-14-05@10-00-01.tgz', content: whole.subarray(0, 100), compress: false },
      { name: 'esx02-vm2024-14-05@10-00-01.tgz', content: whole, compress: false },
    ]);
    const logs = await readLogFiles([zip]);
    expect(logs.sources.map((s) => s.hostName)).toEqual(['esx02']);
    expect(logs.problems).toEqual([expect.stringMatching(new RegExp(`^${zip}!esx01.lab.local-vm2024-14-05@10-00-01.tgz: gzip data is corrupt \\(unexpected end of file\\)`))]);
  });

  it('says so, as a warning, when host bundles sit an archive deeper than it reads (a download tarred again and zipped with another)', async () => {
    const work = join(tmp, 'three-deep');
    await mkdir(join(work, 'VMware-vCenter-support-2024-05-14@09-12-40'), { recursive: true });
    await writeBundleTgz(join(work, 'VMware-vCenter-support-2024-05-14@09-12-40/esx02-vm2024-14-05@09-12-41.tgz'), esx02());
    await createTar({ gzip: true, file: join(work, 'old-download.tgz'), cwd: work }, ['VMware-vCenter-support-2024-05-14@09-12-40']);
    const esx03: BundleSpec = { host: 'esx03', stamp: '2024-05-14--09.12', files: { 'var/run/log/vmkernel.log': text(chatter('2024-05-14T08:00:00.000Z', 5)) } };
    const hostTgz = join(work, 'esx03.tgz');
    await writeBundleTgz(hostTgz, esx03);
    const zip = join(work, 'case-00123.zip');
    await writeZip(zip, [
      { name: 'esx03-vm2024-14-05@09-12-41.tgz', content: await readFile(hostTgz), compress: false },
      { name: 'old-download.tgz', content: await readFile(join(work, 'old-download.tgz')), compress: false },
    ]);
    const logs = await readLogFiles([zip]);
    expect(logs.sources.map((s) => s.hostName)).toEqual(['esx03']);
    expect(logs.problems).toEqual([
      `${zip}!old-download.tgz!VMware-vCenter-support-2024-05-14@09-12-40/esx02-vm2024-14-05@09-12-41.tgz is an archive inside an archive inside an archive: not read; extract the outer archives and give vmfix what they hold.`,
    ]);
  });

  it.each(['esx03-vm2024-14-05@09-12-41.tar.xz', 'esx-esx03-2024-05-14--09.12-2101234.tbz2', 'esx-esx03-2024-05-14--09.12-2101234.7z'])(
    'says so, as a warning, when a host bundle in it (or in its directory) is compressed in a form vmfix does not read: %s',
    async (member) => {
      const work = join(tmp, `packed-${member}`);
      await mkdir(join(work, 'dir'), { recursive: true });
      const good = join(work, 'esx02.tgz');
      await writeBundleTgz(good, esx02());
      const packed = Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(64)]);
      const zip = join(work, 'VMware-vCenter-support-2024-05-14@09-12-40.zip');
      await writeZip(zip, [
        { name: 'esx02-vm2024-14-05@09-12-41.tgz', content: await readFile(good), compress: false },
        { name: member, content: packed, compress: false },
      ]);
      await writeFile(join(work, 'dir/esx02-vm2024-14-05@09-12-41.tgz'), await readFile(good));
      await writeFile(join(work, 'dir', member), packed);
      for (const [given, where] of [[zip, `${zip}!${member}`], [join(work, 'dir'), join(work, 'dir', member)]] as const) {
        const logs = await readLogFiles([given]);
        expect(logs.sources.map((s) => s.hostName)).toEqual(['esx02']);
        expect(logs.problems).toEqual([`${where}: a host bundle compressed in a form vmfix does not read; decompress it and give vmfix what it holds.`]);
      }
    },
  );

  it('says so, as a warning, when a collector\'s rotated vmkernel log is compressed with xz (logrotate\'s compresscmd)', async () => {
    const dir = join(tmp, 'remote/esx04');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'vmkernel.log'), text(chatter('2024-05-14T08:00:00.000Z', 5)));
    await writeFile(join(dir, 'vmkernel.log-20240513.xz'), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
    const logs = await readLogFiles([dir]);
    expect(logs.problems).toEqual([`${join(dir, 'vmkernel.log-20240513.xz')}: a vmkernel log compressed in a form vmfix does not read; decompress it and give vmfix what it holds.`]);
  });

  it('says so when a host bundle in it holds no vmkernel log', async () => {
    const zip = join(tmp, 'VMware-vCenter-support-2024-05-14@11-00-00.zip');
    const empty: BundleSpec = { host: 'esx03', stamp: '2024-05-14--09.12', files: { 'commands/net-stats_-l.txt': NET_STATS } };
    await writeVcenterZip(zip, [
      { memberHost: 'esx02', spec: esx02() },
      { memberHost: 'esx03', spec: empty },
    ]);
    const logs = await readLogFiles([zip]);
    expect(logs.problems).toEqual([`${zip}!esx03-vm2024-14-05@09-12-41.tgz: no vmkernel log line in it, so nothing is known of esx03.`]);
  });

  it('says a host bundle in it is empty (a host vCenter could not collect), not that it holds text', async () => {
    const zip = join(tmp, 'VMware-vCenter-support-2024-05-14@12-00-00.zip');
    await writeVcenterZip(zip, [{ memberHost: 'esx02', spec: esx02() }], [{ name: 'esx04-vm2024-14-05@09-12-41.tgz', content: Buffer.alloc(0), compress: false }]);
    const logs = await readLogFiles([zip]);
    expect(logs.problems).toEqual([`${zip}!esx04-vm2024-14-05@09-12-41.tgz: it is empty; what was read before that counts.`]);
  });

  it('refuses a zip with no host bundle or vmkernel log in it', async () => {
    const zip = join(tmp, 'empty-ish.zip');
    await writeZip(zip, [{ name: 'README.txt', content: Buffer.from('nothing\n') }]);
    expect(await usageError(readLogFiles([zip]))).toBe(
      `${zip}: no vmkernel log in this archive (looked for var/run/log/vmkernel.log and its rotations, vmkernel.N.gz).`,
    );
  });

  it('reads plain logs zipped, and skips a zipped symbolic link', async () => {
    const zip = join(tmp, 'logs.zip');
    const line = esxi8('2024-05-14T09:00:00.000Z', macChange('web01', '02:00:00:00:00:01', '0x2000004'));
    await writeZip(zip, [
      { name: 'esx07/vmkernel.log', content: Buffer.from(text([line])) },
      { name: 'esx07/vmkernel.0.gz', content: Buffer.from('/etc/passwd'), mode: 0o120777 },
    ]);
    const logs = await readLogFiles([zip]);
    expect(logs.sources.map((s) => [s.name, s.lines])).toEqual([[`${zip}!esx07`, 1]]);
    expect(logs.events.map((e) => e.vmName)).toEqual(['web01']);
  });

  it('refuses to inflate a member whose declared size is a zip bomb, and says so', async () => {
    const zip = join(tmp, 'bomb.zip');
    await writeZip(zip, [{ name: 'esx07/vmkernel.log', content: Buffer.alloc(65 << 20) }]);
    expect(await usageError(readLogFiles([zip]))).toBe(
      `${zip}: nothing could be read from it (${zip}!esx07/vmkernel.log: not read: it would expand to ${65 << 20} bytes from ${(await import('node:zlib')).deflateRawSync(Buffer.alloc(65 << 20)).length} bytes: a zip bomb, not a log).`,
    );
  });

  it('reads a zip that lost the end of its central directory by its members\' own headers, and says it is cut short', async () => {
    const whole = await readFile(path);
    const cut = join(tmp, 'cut.zip');
    await writeFile(cut, whole.subarray(0, whole.length - 30));
    const logs = await readLogFiles([cut]);
    expect(summary(logs.events)).toEqual(summary((await readLogFiles([path])).events));
    expect(logs.problems).toEqual([
      `${cut} is cut off or damaged (the zip's central directory, at its end, is missing (a download that stopped?); its members were read by their own headers): reading stopped in ${cut}!vcsa01.lab.local-vcsupport2024-14-05@09-12-40.tgz; the lines before were read, whatever came after was not.`,
    ]);
  });

  it('finds the host bundles of an unzipped download in its directory', async () => {
    const dir = join(tmp, 'unzipped');
    await mkdir(dir);
    await writeBundleTgz(join(dir, 'esx01.lab.local-vm2024-14-05@09-12-41.tgz'), esx01());
    await writeFile(join(dir, 'manifest.txt'), 'not read\n');
    const logs = await readLogFiles([join(dir, 'esx01.lab.local-vm2024-14-05@09-12-41.tgz')]);
    expect(logs.sources.map((s) => s.hostName)).toEqual(['esx01.lab.local', 'esx01.lab.local']);
    const fromDir = await readLogFiles([dir]);
    expect(fromDir.sources.map((s) => [s.name, s.hostName, s.lines])).toEqual([
      [join(dir, 'esx01.lab.local-vm2024-14-05@09-12-41.tgz'), 'esx01.lab.local', 2505],
      [`${join(dir, 'esx01.lab.local-vm2024-14-05@09-12-41.tgz')}!${bundleName(esx01())}/var/run/log/vmkwarning.log`, 'esx01.lab.local', 1],
    ]);
  });
});
