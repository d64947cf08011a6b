// Files as admins actually hand them over: saved as UTF-16 by a Windows tool,
// gzip with padding, a collector's file of many hosts, logs without a year,
// a guest flooding MACs, and files that hold nothing readable at all.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { UsageError } from '../../src/errors.js';
import { readLogFiles } from '../../src/evidence/files.js';
import { chatter, esxi8, macChange, peer, text, violation, writeBundleTgz } from '../helpers/bundles.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-inputs-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

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

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, content);
  return path;
}

const LOG = text([...chatter('2024-05-14T09:00:00.000Z', 20), esxi8('2024-05-14T09:21:07.123Z', macChange('web01', '02:00:00:00:00:01', '0x2000004'))]);
const found = async (path: string) => (await readLogFiles([path])).events.map((e) => [e.message, e.vmName, e.time]);
const WEB01 = [['mac-change-requested', 'web01', '2024-05-14T09:21:07.123Z']];

describe('encodings and gzip as zcat reads it', () => {
  it.each([
    ['UTF-16LE', () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(LOG, 'utf16le')])],
    ['UTF-16BE', () => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(LOG, 'utf16le').swap16()])],
    ['UTF-8 with a BOM', () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(LOG)])],
    ['UTF-16LE, gzipped', () => gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(LOG, 'utf16le')]))],
    // iconv -t UTF-16LE, .NET's UnicodeEncoding(false, false): no byte-order mark.
    ['UTF-16LE without a BOM', () => Buffer.from(LOG, 'utf16le')],
    ['UTF-16BE without a BOM', () => Buffer.from(LOG, 'utf16le').swap16()],
    ['UTF-16LE without a BOM, gzipped', () => gzipSync(Buffer.from(LOG, 'utf16le'))],
    // A crash's run of 0 bytes at the head of a log ESXi wrote: UTF-8 still.
    ['UTF-8 after a run of 0 bytes', () => Buffer.concat([Buffer.alloc(4096), Buffer.from(`\n${LOG}`)])],
  ])('reads a log saved as %s', async (name, content) => {
    expect(await found(await file(`${name.replace(/\W/g, '')}.log`, content()))).toEqual(WEB01);
  });

  it.each([1, 4096, 1 << 20])('reads a gzip followed by %i zero bytes of padding', async (bytes) => {
    const path = await file(`padded-${bytes}.gz`, Buffer.concat([gzipSync(LOG), Buffer.alloc(bytes)]));
    const logs = await readLogFiles([path]);
    expect(logs.events.map((e) => e.vmName)).toEqual(['web01']);
    expect(logs.problems).toEqual([]);
  });

  it('reads concatenated gzip members as one log', async () => {
    const [a, b] = [LOG.slice(0, 500), LOG.slice(500)];
    expect(await found(await file('members.gz', Buffer.concat([gzipSync(a), gzipSync(b)])))).toEqual(WEB01);
  });

  it.each([
    ['a small log', LOG],
    ['a log of many blocks', text([esxi8('2024-05-14T09:00:00.000Z', macChange('web01', '02:00:00:00:00:01', '0x2000004')), ...chatter('2024-05-14T09:00:01.000Z', 5000), esxi8('2024-05-14T10:00:00.000Z', peer('0x2000004'))])],
  ])('reads %s past trailing garbage as zcat does, every line of it, and says so', async (_name, log) => {
    const path = await file(`garbage-${log.length}.gz`, Buffer.concat([gzipSync(log), Buffer.from('this is not gzip')]));
    const logs = await readLogFiles([path]);
    expect(logs.sources[0]!.lines).toBe(log.split('\n').length - 1);
    expect(logs.problems).toEqual([]);
    expect(logs.notes).toEqual([`${path}: the gzip data is followed by data that is not gzip; it was ignored, as zcat does.`]);
  });

  it('reads a gzip that stores the file name and a comment in its header, as gzip(1) writes it', async () => {
    // FLG.FNAME | FLG.FCOMMENT | FLG.FEXTRA | FLG.FHCRC: the optional header fields of RFC 1952.
    const plain = gzipSync(LOG);
    const extra = Buffer.from([4, 0, 0x41, 0x42, 1, 2]);
    const header = Buffer.concat([plain.subarray(0, 3), Buffer.from([8 | 16 | 4 | 2]), plain.subarray(4, 10), extra, Buffer.from('vmkernel.log\0a comment\0'), Buffer.from([0, 0])]);
    expect(await found(await file('named.gz', Buffer.concat([header, plain.subarray(10)])))).toEqual(WEB01);
  });

  it.each([
    ['a damaged CRC-32', (gz: Buffer) => Buffer.concat([gz.subarray(0, -8), Buffer.from([gz.at(-8)! ^ 0xff]), gz.subarray(-7)]), 'incorrect data check'],
    ['a wrong length', (gz: Buffer) => Buffer.concat([gz.subarray(0, -4), Buffer.from([gz.at(-4)! ^ 1]), gz.subarray(-3)]), 'incorrect length check'],
    ['no trailer', (gz: Buffer) => gz.subarray(0, -8), 'unexpected end of file'],
    ['a second member cut short', (gz: Buffer) => Buffer.concat([gz, gz.subarray(0, 30)]), 'unexpected end of file'],
  ])('reads what came before gzip with %s, and says the file is damaged there', async (name, damage, says) => {
    const path = await file(`${name.replace(/\W/g, '')}.gz`, damage(gzipSync(LOG)));
    const logs = await readLogFiles([path]);
    expect(logs.events.map((e) => e.vmName)).toEqual(['web01']);
    expect(logs.problems).toEqual([
      `${path} is cut off or damaged (gzip data is corrupt (${says})): reading stopped, after a line stamped 2024-05-14T09:21:07.123Z; the lines before were read, whatever came after was not.`,
    ]);
  });

  it.each([
    ['an unknown method', (gz: Buffer) => Buffer.concat([gz.subarray(0, 2), Buffer.from([7]), gz.subarray(3)]), 'unknown compression method'],
  ])('refuses gzip with %s, naming the file', async (name, damage, says) => {
    const path = await file(`${name.replace(/\W/g, '')}.gz`, damage(gzipSync(LOG)));
    expect(await usageError(readLogFiles([path]))).toBe(`${path}: gzip data is corrupt (${says}).`);
  });

  it('refuses a gzip bomb with a clear error', async () => {
    const path = await file('bomb.gz', gzipSync(Buffer.alloc(100 << 20), { level: 9 }));
    expect(await usageError(readLogFiles([path]))).toMatch(
      new RegExp(`^${path}: it expands to more than 250 times its compressed size \\(.*\\): a gzip bomb, not a log\\.$`),
    );
  });
});

describe('files from which nothing readable comes', () => {
  it.each([
    ['random bytes named x.gz', 'x.gz', () => randomBytes(64 << 10), 'not gzip data despite its name, and no log line in it (binary data?).'],
    ['random bytes', 'random.bin', () => randomBytes(1 << 20), 'no log line in it (binary data, or not a vmkernel log).'],
    ['16-bit data (every other byte 0), taken for UTF-16 without a BOM', 'words.bin', () => Buffer.from(randomBytes(1 << 16).map((b, i) => (i % 2 ? 0 : b | 1))), 'no log line in it (binary data, or not a vmkernel log).'],
    ['a text file that is no log', 'hostname', () => 'esx01.lab.local\n', 'no log line in it (binary data, or not a vmkernel log).'],
    ['an empty file', 'vmkernel.log', () => '', 'the file is empty.'],
    ['a gzip of text that is no log', 'notes.gz', () => gzipSync('dear admin,\nplease read this\n'), 'no log line in its gzip data.'],
    ['bzip2', 'vmkernel.log.bz2', () => Buffer.from('BZh91AY&SY'), 'it is a bzip2 file, which vmfix does not read; decompress or extract it first.'],
    ['xz', 'vmkernel.log.xz', () => Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]), 'it is a xz file, which vmfix does not read; decompress or extract it first.'],
  ])('%s: an error naming the file', async (_name, name, content, says) => {
    const path = await file(name, content());
    expect(await usageError(readLogFiles([path]))).toBe(`${path}: ${says}`);
  });

  it('a procfs file (its size says 0, it holds text) is judged by what it holds, not called empty', async () => {
    expect(await usageError(readLogFiles(['/proc/self/status']))).toBe('/proc/self/status: no log line in it (binary data, or not a vmkernel log).');
  });

  it.each([
    ['ESXi 8', '2024-05-14T09:21:07.123Z In(166) Hostd[2099421]: [Originator@6876 sub=Vimsvc.TaskManager opID=5d1a-01] Task Created : haTask-4-vim.VirtualMachine.reconfigure-118'],
    ['ESXi 6.7', '2019-05-14T09:21:07.123Z info hostd[2099421] [Originator@6876 sub=Vimsvc.TaskManager opID=5d1a-01] Task Created : haTask-4-vim.VirtualMachine.reconfigure-118'],
    ['a collector', '<166>1 2024-05-14T09:21:07.123Z esx01.lab.local Hostd - - - [Originator@6876 sub=Vimsvc.TaskManager opID=5d1a-01] Task Created'],
  ])('a log of other programs than vmkernel (%s hostd.log): an error naming the file, not "No findings"', async (name, line) => {
    const path = await file(`hostd-${name.replace(/\W/g, '')}.log`, `${line}\n${line}\n`);
    expect(await usageError(readLogFiles([path]))).toBe(
      `${path}: none of its 2 log line(s) is from vmkernel (hostd.log, or another program's?), so it says nothing of blocked ports; give vmfix vmkernel.log or a vm-support bundle.`,
    );
  });

  it("a collector's vmkernel.log of other programs' lines, reached through its folder: the same verdict as named, not \"No findings\"", async () => {
    const hostd = '2024-05-14T09:21:07.123Z In(166) Hostd[2099421]: [Originator@6876 sub=Vimsvc.TaskManager opID=5d1a-01] Task Created';
    const folder = join(tmp, 'collector');
    await mkdir(join(folder, 'esx01'), { recursive: true });
    await mkdir(join(folder, 'esx02'));
    await writeFile(join(folder, 'esx02', 'vmkernel.log'), `${hostd}\n${hostd}\n`);
    const said = `${folder}/esx02/vmkernel.log: none of its 2 log line(s) is from vmkernel (hostd.log, or another program's?), so it says nothing of blocked ports`;
    expect(await usageError(readLogFiles([folder]))).toBe(`${folder}: no log line could be read from the vmkernel logs in this directory (${said}).`);
    // Beside another host's log: read, and a warning.
    await writeFile(join(folder, 'esx01', 'vmkernel.log'), LOG);
    const logs = await readLogFiles([folder]);
    expect(logs.events.map((e) => e.vmName)).toEqual(['web01']);
    expect(logs.problems).toEqual([`${said}.`]);
  });

  it('still finds a real line among binary junk', async () => {
    const path = await file('mixed.log', Buffer.concat([randomBytes(300_000), Buffer.from(`\n${LOG}`), randomBytes(300_000)]));
    const logs = await readLogFiles([path]);
    expect(logs.events.map((e) => e.vmName)).toEqual(['web01']);
    expect(logs.sources[0]!.lines).toBe(21);
  });
});

describe("a syslog collector's file, many hosts in one", () => {
  // ESXi 7/8 send RFC 5424; older hosts and relays RFC 3164 with ISO stamps. esx02's newest line is two days
  // before esx01's: the window runs back from each host's own newest line.
  const lines = [
    '<182>1 2024-05-12T09:00:00.000Z esx02.lab.local vmkernel - - - cpu1:2097700)etherswitch: L2Sec_EnforcePortCompliance:247: client db01 requested mac address change to 02:00:00:00:00:02 on port 0x2000006, disallowed by vswitch policy',
    '<182>1 2024-05-12T09:00:00.001Z esx02.lab.local vmkernel - - - cpu1:2097700)etherswitch: L2Sec_EnforcePortCompliance: 0x2000006: peer not allowed to change address, blocking port',
    '<14>1 2024-05-12T10:00:00.000Z esx02.lab.local Hostd - - - [Originator@6876 sub=Vimsvc] chatter',
    '<182>2024-05-01T00:00:00.000Z esx01.lab.local vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:155: client old01 has policy violations on port 0x2000009. Port is blocked',
    '<182>1 2024-05-14T09:21:07.123Z esx01.lab.local vmkernel - - [nsx@6876 comp="nsx-esx" subcomp="vswitch"] cpu3:2098131)cswitch: L2Sec_EnforcePortCompliance:247: client web01 requested mac address change to 02:00:00:00:00:01 on port 0x2000004, disallowed by vswitch policy',
    '2024-05-14T11:21:08.000+02:00 esx01.lab.local vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:155: client web01 has policy violations on port 0x2000004. Port is blocked',
  ];

  it('attributes every line to its host: one source per host, each with its own window', async () => {
    const path = await file('remote-vmkernel.log', text(lines));
    const logs = await readLogFiles([path], { since: { durationMs: 7 * 86_400_000 } });
    expect(logs.sources).toEqual([
      { name: path, hostName: 'esx02.lab.local', lines: 3, firstTime: '2024-05-12T09:00:00.000Z', lastTime: '2024-05-12T10:00:00.000Z', since: '2024-05-05T10:00:00.000Z' },
      { name: path, hostName: 'esx01.lab.local', lines: 3, firstTime: '2024-05-01T00:00:00.000Z', lastTime: '2024-05-14T09:21:08.000Z', since: '2024-05-07T09:21:08.000Z' },
    ]);
    expect(logs.events.map((e) => [e.hostName, e.vmName ?? e.port])).toEqual([
      ['esx02.lab.local', 'db01'],
      ['esx02.lab.local', '0x2000006'],
      ['esx01.lab.local', 'web01'],
      ['esx01.lab.local', 'web01'],
    ]);
    expect(logs.notes).toEqual([
      `${path}: 1 event(s) older than the window were left out (--since all reads them).`,
      'The vmkernel logs read of esx02.lab.local begin at 2024-05-12T09:00:00.000Z, 7 days after the start of the window (2024-05-05T10:00:00.000Z): blocks before that are not known (its older rotations, vmkernel.N.gz, or an earlier bundle hold them).',
    ]);
  });

  it('applies each host\'s window to its blocks when the collector names hosts by their IPv6 address', async () => {
    // rsyslog's %fromhost-ip% on an IPv6 management network.
    const path = await file('remote-v6.log', text([
      '2024-04-10T09:21:07.123Z fd00::11 vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:155: client old01 has policy violations on port 0x4000004. Port is blocked',
      '2024-05-14T09:21:07.123Z fd00::11 vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:155: client web01 has policy violations on port 0x4000005. Port is blocked',
      '2024-05-14T09:30:00.000Z fd00::11 vmkernel: cpu1:2098000)NetPort: 1879: disabled port 0x2000002',
    ]));
    const logs = await readLogFiles([path], { since: { durationMs: 7 * 86_400_000 } });
    expect(logs.events.map((e) => [e.hostName, e.vmName])).toEqual([['fd00::11', 'web01']]);
    expect(logs.sources.map((s) => [s.hostName, s.since])).toEqual([['fd00::11', '2024-05-07T09:30:00.000Z']]);
  });

  it('applies the window to blocks whose line a forwarder re-stamped (rsyslog imfile tailing a copied vmkernel.log)', async () => {
    const path = await file('remote-imfile.log', text([
      '2024-04-10T09:21:08.000Z esx02 vmkernel: 2024-04-10T09:21:07.123Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:155: client old01 has policy violations on port 0x4000004. Port is blocked',
      '2024-05-14T09:30:01.000Z esx02 vmkernel: 2024-05-14T09:30:00.000Z cpu1:2098000)NetPort: 1879: disabled port 0x2000002',
    ]));
    const logs = await readLogFiles([path], { since: { durationMs: 7 * 86_400_000 } });
    expect(logs.events).toEqual([]);
    expect(logs.notes).toEqual([`${path}: 1 event(s) older than the window were left out (--since all reads them).`]);
    const all = await readLogFiles([path], { since: { all: true } });
    expect(all.events.map((e) => [e.hostName, e.vmName, e.time])).toEqual([['esx02', 'old01', '2024-04-10T09:21:08.000Z']]);
  });

  it('applies a fixed start to every source alike', async () => {
    const path = await file('remote-2.log', text(lines));
    const logs = await readLogFiles([path], { since: { time: '2024-05-13T00:00:00.000Z' } });
    expect(logs.events.map((e) => [e.hostName, e.vmName ?? e.port])).toEqual([['esx01.lab.local', 'web01'], ['esx01.lab.local', 'web01']]);
    expect(logs.sources.map((s) => s.since)).toEqual(['2024-05-13T00:00:00.000Z', '2024-05-13T00:00:00.000Z']);
  });
});

describe('lines without a year (ESX 4.x syslog)', () => {
  const messages = [
    'Dec 31 23:59:50 esx40 vmkernel: 12:03:44:33.017 cpu1:4110)NetPort: 1426: enabled port 0x4000004 with mac 00:50:56:a1:12:34',
    'Dec 31 23:59:51 esx40 vmkernel: 12:03:44:43.502 cpu3:4099)etherswitch: L2Sec_EnforcePortCompliance: client web01 requested mac address change to 02:00:5E:10:00:01 on port 0x4000004, disallowed by vswitch policy',
    'Jan  1 00:00:10 esx40 vmkernel: 12:03:45:02.502 cpu3:4099)etherswitch: L2Sec_EnforcePortCompliance: client web01 requested mac address change to 02:00:5E:10:00:01 on port 0x4000004, disallowed by vswitch policy',
  ];

  it("places them by the bundle's date: a log collected on 1 January holds December's lines of the year before", async () => {
    const path = join(tmp, 'esx-esx40-2011-01-01--00.05-4711.tgz');
    await writeBundleTgz(path, { host: 'esx40', stamp: '2011-01-01--00.05', files: { 'var/log/vmkernel': text(messages) } });
    const logs = await readLogFiles([path]);
    expect(logs.events.map((e) => [e.count, e.firstTime, e.lastTime, e.yearInferred])).toEqual([[2, '2010-12-31T23:59:51.000Z', '2011-01-01T00:00:10.000Z', true]]);
    expect(logs.sources.map((s) => [s.firstTime, s.lastTime])).toEqual([['2010-12-31T23:59:50.000Z', '2011-01-01T00:00:10.000Z']]);
    expect(logs.notes).toEqual([
      `${path}: its lines carry no year; vmfix placed them in the year up to 2011-01-01 (when the log was collected), their times of day as written.`,
    ]);
  });

  it("places a loose file's lines by its modification time, never in the future", async () => {
    const path = await file('messages', text(messages));
    await utimes(path, new Date('2015-03-01T00:00:00Z'), new Date('2015-03-01T00:00:00Z'));
    expect((await readLogFiles([path])).events[0]!.firstTime).toBe('2014-12-31T23:59:51.000Z');
    await utimes(path, new Date('2099-03-01T00:00:00Z'), new Date('2099-03-01T00:00:00Z'));
    const now = new Date('2020-06-01T00:00:00Z');
    expect((await readLogFiles([path], { now })).events[0]!.firstTime).toBe('2019-12-31T23:59:51.000Z');
  });
});

describe('what ties ports to VMs in a plain log', () => {
  it('keeps the "connected … portID", "enabled port … with mac" and "disabled port" lines of ports an event names and of their clients, the log standing for its host', async () => {
    const path = await file('vmkernel-ports.log', text([
      esxi8('2024-05-14T08:00:00.000Z', 'Net: 2587: connected db02 eth0 to VM Network, portID 0x2000007'),
      esxi8('2024-05-14T08:00:01.000Z', 'NetPort: 1426: enabled port 0x2000007 with mac 00:50:56:9a:00:07'),
      esxi8('2024-05-14T08:00:02.000Z', 'Net: 2587: connected other eth0 to VM Network, portID 0x2000008'),
      esxi8('2024-05-14T09:00:00.000Z', peer('0x2000007')),
      esxi8('2024-05-14T09:10:00.000Z', 'NetPort: 1580: disabled port 0x2000007'),
      // Where db02's NIC went: no event names that port, but it says db02 left 0x2000007.
      esxi8('2024-05-14T09:20:00.000Z', 'Net: 2587: connected db02 eth0 to VM Network, portID 0x2000009'),
    ]));
    const logs = await readLogFiles([path]);
    expect(logs.portClients).toEqual([
      { port: '0x2000007', client: 'db02.eth0', mac: null, hostName: null, time: '2024-05-14T08:00:00.000Z', source: path },
      { port: '0x2000007', client: null, mac: '00:50:56:9a:00:07', hostName: null, time: '2024-05-14T08:00:01.000Z', source: path },
      { port: '0x2000007', client: null, mac: null, hostName: null, time: '2024-05-14T09:10:00.000Z', source: path },
      { port: '0x2000009', client: 'db02.eth0', mac: null, hostName: null, time: '2024-05-14T09:20:00.000Z', source: path },
    ]);
  });
});

describe('lines the parser does not understand', () => {
  it('counts and shows them, and splits two messages run together', async () => {
    const runTogether = esxi8('2024-05-14T09:21:07.123Z', macChange('web01', '02:00:00:00:00:01', '0x2000004')) + esxi8('2024-05-14T09:21:07.123Z', violation('web01', '0x2000004'));
    const kb = 'cpuN:cccc)etherswitch: L2Sec_EnforcePortCompliance: client <vmname> requested mac address change to <mac> on port 0xN nnnnnnn, disallowed by vswitch policy';
    const kbReal = '2024-05-14T09:21:07.124Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance: client web02 has policy violations on port 0xnnnnnnn. Port is blocked';
    const promiscuous = esxi8('2024-05-14T09:21:07.125Z', 'etherswitch: L2Sec_EnforcePortCompliance:226: client vmk0 requested promiscuous mode on port 0x1000003, disallowed by vswitch policy');
    const path = await file('odd.log', text([runTogether, kb, kbReal, promiscuous, esxi8('2024-05-14T09:21:08.000Z', peer('0x2000004'))]));
    const logs = await readLogFiles([path]);
    expect(logs.events.map((e) => [e.message, e.vmName ?? e.port])).toEqual([
      ['mac-change-requested', 'web01'],
      ['policy-violation-blocked', 'web01'],
      ['peer-blocked', '0x2000004'],
    ]);
    expect(logs.unparsed).toEqual({ count: 2, samples: [{ source: path, line: kb }, { source: path, line: kbReal }] });
  });
});

describe('a line longer than 64 KiB, read by its tail', () => {
  it('keeps both of two L2Sec messages run together at its end (a lost newline), as a short line does', async () => {
    const runTogether = esxi8('2024-05-14T09:21:07.123Z', macChange('web01', '02:00:00:00:00:01', '0x2000004')) + esxi8('2024-05-14T09:21:07.123Z', violation('web01', '0x2000004'));
    const path = await file('long-run-together.log', text([esxi8('2024-05-14T08:00:00.000Z', 'Net: 2587: chatter 0') + 'y'.repeat(70_000) + runTogether]));
    const logs = await readLogFiles([path]);
    expect(logs.events.map((e) => [e.message, e.vmName, e.mac ?? null])).toEqual([
      ['mac-change-requested', 'web01', '02:00:00:00:00:01'],
      ['policy-violation-blocked', 'web01', null],
    ]);
    expect(logs.unparsed.count).toBe(0);
  });
});

describe('memory is bounded by distinct events, not lines', () => {
  it('keeps a guest flooding 200,000 distinct MACs as a few events that count every line', async () => {
    const start = Date.parse('2024-05-14T00:00:00.000Z');
    const flood: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const mac = `02:00:${[i >> 16, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}:01`;
      flood.push(esxi8(new Date(start + i * 10).toISOString(), macChange('bridge01', mac, '0x2000004')));
    }
    const path = await file('flood.log', text(flood));
    const logs = await readLogFiles([path]);
    expect(logs.events).toHaveLength(17);
    expect(logs.events.filter((e) => e.otherMacs).map((e) => [e.vmName, e.mac, e.count])).toEqual([['bridge01', undefined, 200_000 - 16]]);
    expect(logs.events.reduce((sum, e) => sum + e.count, 0)).toBe(200_000);
  });
});
