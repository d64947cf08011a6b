import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MAX_LINE_BYTES, readLogFiles as readAll, type ReadOptions } from '../../src/evidence/files.js';
import { UsageError } from '../../src/errors.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/vmkernel');
const fixture = (name: string) => join(FIXTURES, name);

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-log-files-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const esxi8 = (time: string, body: string) => `${time} In(182) vmkernel: cpu3:2098131)etherswitch: ${body}`;
const macChange = (vm: string, mac: string, port: string) =>
  `L2Sec_EnforcePortCompliance:247: client ${vm} requested mac address change to ${mac} on port ${port}, disallowed by vswitch policy`;
const PEER = 'L2Sec_EnforcePortCompliance: 0x4000004: peer not allowed to change address, blocking port';

/** The events alone, as most of these tests look at them. */
const readLogFiles = async (paths: string[], options?: ReadOptions) => (await readAll(paths, options)).events;

/** Rejects with a UsageError (exit code 2) whose message is one line. */
async function usageError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => {
      throw new Error('expected a UsageError');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UsageError);
  expect((error as UsageError).exitCode).toBe(2);
  expect((error as UsageError).message).not.toContain('\n');
  return (error as UsageError).message;
}

describe('readLogFiles on plain files', () => {
  it('reads one file into events whose source is its path', async () => {
    const path = fixture('esxi55-vmkernel.log');
    const events = await readLogFiles([path]);
    expect(events.map((e) => [e.source, e.message, e.vmName, e.count, e.firstTime, e.lastTime])).toEqual([
      [path, 'mac-change-requested', 'nlb-node1', 2, '2014-03-02T11:05:51.002Z', '2014-03-02T11:06:51.010Z'],
      [path, 'policy-violation-blocked', 'nlb-node1', 1, '2014-03-02T11:05:51.002Z', '2014-03-02T11:05:51.002Z'],
      [path, 'peer-blocked', undefined, 1, '2014-03-02T11:05:51.002Z', '2014-03-02T11:05:51.002Z'],
    ]);
  });

  it('does not refuse as another program\'s a file of L2Sec lines a forwarder stripped of the vmkernel tag and world prefix: they are lines not understood', async () => {
    const path = join(tmp, 'forwarded.log');
    await writeFile(path, `2024-05-14T09:21:07.123Z esx01.corp.example etherswitch: ${macChange('web01', '02:00:5e:10:00:01', '0x4000004')}\n`);
    const read = await readAll([path]);
    expect(read.unparsed.count).toBe(1);
  });

  it('does not refuse as "no log line" an export whose lines start in a form it does not know (a CSV\'s quotes, a date without its T): an L2Sec line is vmkernel\'s, read untimed or shown as not understood', async () => {
    const csv = join(tmp, 'graylog-export.csv');
    await writeFile(csv, `"timestamp","source","message"\n"2024-05-14T09:21:07.123Z","esx01","cpu3:2098131)etherswitch: ${macChange('web01', '02:00:5e:10:00:01', '0x4000004')}"\n`);
    const fromCsv = await readAll([csv]);
    expect(fromCsv.unparsed.count).toBe(1);

    const spaced = join(tmp, 'splunk-export.log');
    await writeFile(spaced, `2024-05-14 09:21:07.123 esx01 vmkernel: cpu3:2098131)etherswitch: ${macChange('web01', '02:00:5e:10:00:01', '0x4000004')}\n`);
    const fromSpaced = await readAll([spaced]);
    expect(fromSpaced.events.map((e) => [e.vmName, e.mac, e.time])).toEqual([['web01', '02:00:5e:10:00:01', null]]);
    expect(fromSpaced.sources.map((s) => s.lines)).toEqual([1]);
  });

  it('handles CRLF files and keeps argument order across sources', async () => {
    const events = await readLogFiles([fixture('esxi67-vmkernel.log'), fixture('esx40-vmkernel')]);
    expect(events.map((e) => [e.source.split('/').at(-1), e.vmName ?? e.port, e.count])).toEqual([
      ['esxi67-vmkernel.log', 'Prüfstand-DB.01', 1],
      ['esxi67-vmkernel.log', 'Prüfstand-DB.01', 1],
      ['esxi67-vmkernel.log', '0x6000011', 1],
      ['esx40-vmkernel', 'Web Server (old)', 1],
      ['esx40-vmkernel', 'Web Server (old)', 1],
      ['esx40-vmkernel', '0x4000004', 5],
    ]);
    expect(events[0]!.line.endsWith('\r')).toBe(false);
  });

  it('parses a last line that has no newline', async () => {
    const path = join(tmp, 'no-final-newline.log');
    await writeFile(path, `noise\n${esxi8('2024-05-14T09:21:07.124Z', PEER)}`);
    expect((await readLogFiles([path])).map((e) => e.message)).toEqual(['peer-blocked']);
  });

  it('reads a file named twice, or reached through a directory too, only once', async () => {
    const dir = join(tmp, 'twice');
    await mkdir(dir);
    await copyFile(fixture('esxi80-vmkernel.log'), join(dir, 'vmkernel.log'));
    const once = await readLogFiles([join(dir, 'vmkernel.log')]);
    const twice = await readLogFiles([join(dir, 'vmkernel.log'), join(dir, '.', 'vmkernel.log'), dir]);
    expect(twice).toEqual(once);
  });

  it("reads what grep -rH saved of an ESXi 6.7 host's logs: each line behind the name of the file it came from", async () => {
    const path = join(tmp, 'l2sec-grep.txt');
    const esxi67 = (time: string, body: string) => `${time} cpu3:2098131)etherswitch: ${body}`;
    await writeFile(path, [
      `var/run/log/vmkernel.0.gz:${esxi67('2024-05-13T08:00:00.000Z', macChange('db01', '02:00:00:00:00:02', '0x4000005'))}`,
      `var/run/log/vmkernel.log:${esxi67('2024-05-14T09:21:07.124Z', PEER)}`,
      '',
    ].join('\n'));
    const logs = await readAll([path]);
    expect(logs.events.map((e) => [e.message, e.time])).toEqual([
      ['mac-change-requested', '2024-05-13T08:00:00.000Z'],
      ['peer-blocked', '2024-05-14T09:21:07.124Z'],
    ]);
    expect(logs.sources.map((s) => [s.lines, s.firstTime, s.lastTime])).toEqual([[2, '2024-05-13T08:00:00.000Z', '2024-05-14T09:21:07.124Z']]);
  });

  it('survives binary garbage and still finds the one real line in it', async () => {
    const events = await readLogFiles([fixture('binary.bin')]);
    expect(events.map((e) => [e.message, e.port, e.time, e.count])).toEqual([
      ['peer-blocked', '0x4000004', '2024-05-14T09:21:07.123Z', 1],
    ]);
  });

  it('reads a 200k-line log', async () => {
    const path = join(tmp, 'large.log');
    const start = Date.parse('2024-05-01T00:00:00.000Z');
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const time = new Date(start + i * 1000).toISOString();
      lines.push(
        i % 1000 === 999
          ? esxi8(time, macChange(`vm-${Math.floor(i / 1000) % 3}`, '02:00:5e:10:00:01', '0x4000004'))
          : `${time} In(182) vmkernel: cpu${i % 8}:2097${i % 1000})Net: 2587: line ${i} of the usual chatter`,
      );
    }
    await writeFile(path, lines.join('\n') + '\n');
    const events = await readLogFiles([path]);
    expect(events.map((e) => [e.vmName, e.count, e.firstTime, e.lastTime])).toEqual([
      ['vm-0', 67, '2024-05-01T00:16:39.000Z', '2024-05-03T07:16:39.000Z'],
      ['vm-1', 67, '2024-05-01T00:33:19.000Z', '2024-05-03T07:33:19.000Z'],
      ['vm-2', 66, '2024-05-01T00:49:59.000Z', '2024-05-03T06:59:59.000Z'],
    ]);
  });
});

describe('long lines', () => {
  // A mac-change line padded (in the VM name) to exactly `bytes` bytes.
  const withName = (vm: string) => esxi8('2024-05-14T09:21:07.123Z', macChange(vm, '02:00:5e:10:00:09', '0x4000009'));
  const bare = withName('').length;
  const padded = (bytes: number) => withName('x'.repeat(bytes - bare));
  const content = [
    padded(MAX_LINE_BYTES), // kept: at the limit
    padded(MAX_LINE_BYTES + 1), // one byte over: read by its last 64 KiB, which still hold the message
    padded(1 << 20), // spans many read chunks: its last 64 KiB are name padding alone, no message
    esxi8('2024-05-14T09:21:08.000Z', PEER),
  ].join('\n');

  it.each([
    ['plain', (data: string) => Buffer.from(data)],
    ['gzip', (data: string) => gzipSync(data)],
  ])('are read by their last %s 64 KiB, and the line after them still counts', async (kind, encode) => {
    const path = join(tmp, `long-lines-${kind}`);
    await writeFile(path, encode(content));
    const events = await readLogFiles([path]);
    expect(events.map((e) => [e.message, e.vmName?.length, e.count])).toEqual([
      ['mac-change-requested', MAX_LINE_BYTES - bare, 1],
      ['peer-blocked', undefined, 1],
      // Its head was cut off with the rest, so it has no time (and sorts last).
      ['mac-change-requested', MAX_LINE_BYTES + 1 - bare, 1],
    ]);
  });

  it('a block run onto the end of a crash\'s NUL bytes is still read', async () => {
    const path = join(tmp, 'nul-run.log');
    await writeFile(path, Buffer.concat([Buffer.alloc(70_000, 0), Buffer.from(`${withName('web01')}\n`)]));
    const events = await readLogFiles([path]);
    expect(events.map((e) => [e.message, e.vmName])).toEqual([['mac-change-requested', 'web01']]);
  });

  it.each([
    ['in one read', (data: Buffer) => data],
    ['across reads (gzip)', (data: Buffer) => gzipSync(data)],
  ])('a block line that a crash ran on into 70 KB of NUL bytes, with no newline, is said to be lost (%s), not noted as merely cut', async (kind, encode) => {
    // The block line is the head of a line whose last 64 KiB are NULs and the next message: vmfix reads only that tail.
    const path = join(tmp, `lost-head-${kind.replace(/\W/g, '')}.log`);
    const data = Buffer.concat([Buffer.from(withName('web01')), Buffer.alloc(70_000, 0), Buffer.from(`${esxi8('2024-05-14T09:21:08.000Z', 'Net: 1234: heartbeat')}\n`)]);
    await writeFile(path, encode(data));
    const { events, problems, notes } = await readAll([path]);
    expect(events).toEqual([]);
    expect(problems).toEqual([`${path}: 1 line(s) longer than 64 KiB held an L2Sec message in the part before their last 64 KiB, which vmfix does not read: look at them by hand.`]);
    expect(notes.join('\n')).not.toMatch(/read by their last 64 KiB/);
  });

  it('a 600 MiB line without a newline is streamed past, not held', async () => {
    // Longer than V8's longest string: anything that gathers the line before judging it fails.
    const path = join(tmp, 'no-newline.gz');
    const block = Buffer.alloc(1 << 20, 0x41);
    async function* data() {
      for (let i = 0; i < 600; i++) yield block;
      yield Buffer.from(`\n${esxi8('2024-05-14T09:21:08.000Z', PEER)}\n`);
    }
    await pipeline(data(), createGzip({ level: 1 }), createWriteStream(path));
    const events = await readLogFiles([path]);
    expect(events.map((e) => e.message)).toEqual(['peer-blocked']);
  });
});

describe('rotated logs', () => {
  it("joins a bundle's FRAG slices named as files (a glob over its var/run/log), as they are joined in the bundle", async () => {
    const dir = join(tmp, 'esx-esx01-2024-05-14--09.12-2101234', 'var', 'run', 'log');
    await mkdir(dir, { recursive: true });
    const chat = (from: number) => Array.from({ length: 50 }, (_, i) => `2024-05-14T0${from}:00:${String(i).padStart(2, '0')}.000Z cpu1:2097700)NetSched: chatter ${i}`);
    const live = Buffer.from([...chat(8), esxi8('2024-05-14T09:00:00.000Z', macChange('web01', '02:00:00:00:00:01', '0x4000004')), ...chat(9)].join('\n') + '\n');
    const rotation = gzipSync([...chat(7), esxi8('2024-05-14T07:30:00.000Z', macChange('app03', '02:00:00:00:00:03', '0x4000009'))].join('\n') + '\n');
    // vm-support cuts anywhere: here inside the marker itself, so neither slice alone holds it.
    const cut = live.indexOf('PortCompliance');
    const slices: [string, Buffer][] = [
      ['vmkernel.0.gz.FRAG-00000', rotation.subarray(0, 100)],
      ['vmkernel.0.gz.FRAG-00001', rotation.subarray(100)],
      ['vmkernel.log.FRAG-00000', live.subarray(0, cut)],
      ['vmkernel.log.FRAG-00001', live.subarray(cut)],
    ];
    for (const [name, body] of slices) await writeFile(join(dir, name), body);
    const logs = await readAll(slices.map(([name]) => join(dir, name)));
    expect(logs.events.map((e) => e.vmName)).toEqual(['app03', 'web01']);
    expect(logs.sources.map((s) => [s.name, s.lines])).toEqual([[join(dir, 'vmkernel.log'), 152]]);
    expect(logs.problems).toEqual([]);
    // The glob that missed the last slice: said, as in a bundle.
    const part = await readAll(slices.slice(0, 3).map(([name]) => join(dir, name)));
    expect(part.problems).toEqual([expect.stringMatching(/vmkernel\.log: it ends in the middle of a line at the end of FRAG-00000, so the slices after it are missing/)]);
  });

  it('reads a log once beside the file joined from its slices (cat vmkernel.log.FRAG-* > vmkernel.log), in a folder or named: no clock said set back, no line counted twice', async () => {
    const dir = join(tmp, 'joined-slices');
    await mkdir(dir, { recursive: true });
    const chat = Array.from({ length: 3000 }, (_, i) => `2024-05-13T${String(Math.floor(i / 120)).padStart(2, '0')}:${String(Math.floor(i / 2) % 60).padStart(2, '0')}:00.000Z cpu1:2097700)NetSched: chatter ${i}`);
    const live = Buffer.from([esxi8('2024-04-20T08:00:00.000Z', macChange('old01', '02:00:00:00:00:05', '0x4000005')), ...chat].join('\n') + '\n');
    await writeFile(join(dir, 'vmkernel.log'), live);
    await writeFile(join(dir, 'vmkernel.log.FRAG-00000'), live.subarray(0, 60_000));
    await writeFile(join(dir, 'vmkernel.log.FRAG-00001'), live.subarray(60_000));
    const week = { since: { durationMs: 7 * 86_400_000 } };
    for (const paths of [[dir], ['vmkernel.log', 'vmkernel.log.FRAG-00000', 'vmkernel.log.FRAG-00001'].map((name) => join(dir, name))]) {
      const logs = await readAll(paths, week);
      expect(logs.problems, paths[0]).toEqual([]);
      expect(logs.sources.map((s) => s.lines), paths[0]).toEqual([3001]);
    }
  });

  it('collapses one event across vmkernel.log and vmkernel.0.gz given as files, oldest read first', async () => {
    const live = fixture('rotated/vmkernel.log');
    const rotated = fixture('rotated/vmkernel.0.gz');
    const read: string[] = [];
    const events = await readLogFiles([live, rotated], { onFile: (p) => read.push(p) });
    expect(read).toEqual([rotated, live]);
    expect(events.map((e) => [e.source, e.vmName, e.message, e.count, e.firstTime, e.lastTime])).toEqual([
      [live, 'web-01', 'mac-change-requested', 2, '2024-05-13T22:14:03.550Z', '2024-05-14T09:21:07.123Z'],
      [live, 'web-01', 'policy-violation-blocked', 1, '2024-05-13T22:14:03.550Z', '2024-05-13T22:14:03.550Z'],
      [live, 'db-02', 'mac-change-requested', 1, '2024-05-14T00:00:04.120Z', '2024-05-14T00:00:04.120Z'],
    ]);
  });

  it('reads a syslog collector\'s logrotate rotations (dateext: vmkernel.log-20240513.gz) as the older files of vmkernel.log', async () => {
    // rsyslog writing /var/log/remote/<host>/vmkernel.log, logrotate's dateext as RHEL ships it.
    const dir = join(tmp, 'remote/esx01');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'vmkernel.log-20240420.gz'), gzipSync(esxi8('2024-04-19T10:00:00.000Z', macChange('old-01', '02:00:5e:10:00:09', '0x4000009')) + '\n'));
    await writeFile(join(dir, 'vmkernel.log-20240513.gz'), gzipSync(esxi8('2024-05-12T10:00:00.000Z', macChange('web-01', '02:00:5e:10:00:01', '0x4000004')) + '\n'));
    await writeFile(join(dir, 'vmkernel.log'), esxi8('2024-05-14T09:30:00.000Z', 'Net: 2587: some chatter') + '\n');
    const week = { since: { durationMs: 7 * 86_400_000 } };
    const files = ['vmkernel.log', 'vmkernel.log-20240513.gz', 'vmkernel.log-20240420.gz'].map((name) => join(dir, name));
    for (const paths of [[dir], files]) {
      const read: string[] = [];
      const { events, sources } = await readAll(paths, { ...week, onFile: (p) => read.push(p) });
      expect(read).toEqual([...files].reverse());
      expect(sources.map((s) => s.since)).toEqual(['2024-05-07T09:30:00.000Z']);
      expect(events.map((e) => e.vmName)).toEqual(['web-01']);
    }
  });

  it('joins a line cut across two rotations (a collector\'s copytruncate): the block keeps its time, and a 7-day window leaves last month\'s out', async () => {
    const dir = join(tmp, 'cut-across');
    await mkdir(dir, { recursive: true });
    const line = esxi8('2024-04-01T09:21:07.123Z', macChange('old-01', '02:00:5e:10:00:09', '0x4000009'));
    const at = line.indexOf('.123Z');
    await writeFile(join(dir, 'vmkernel.0.gz'), gzipSync(`${esxi8('2024-04-01T09:00:00.000Z', 'Net: 2587: chatter')}\n${line.slice(0, at)}`));
    await writeFile(join(dir, 'vmkernel.log'), `${line.slice(at)}\n${esxi8('2024-05-14T09:30:00.000Z', 'Net: 2587: chatter')}\n`);
    const week = await readAll([dir], { since: { durationMs: 7 * 86_400_000 } });
    expect(week.events).toEqual([]);
    expect(week.unparsed.count).toBe(0);
    const all = await readAll([dir], { since: { all: true } });
    expect(all.events.map((e) => [e.vmName, e.time, e.line])).toEqual([['old-01', '2024-04-01T09:21:07.123Z', line]]);
    expect(all.sources[0]!.lines).toBe(3);
  });

  it('says so when rotations are missing between two given (vmkernel.log and vmkernel.2.gz, not .0 and .1), where that time is in the window', async () => {
    const dir = join(tmp, 'rotation-gap');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'vmkernel.log'), `${esxi8('2024-05-14T00:00:00.000Z', 'Net: 2587: a')}\n${esxi8('2024-05-15T00:00:00.000Z', 'Net: 2587: b')}\n`);
    await writeFile(join(dir, 'vmkernel.2.gz'), gzipSync(`${esxi8('2024-05-01T00:00:00.000Z', 'Net: 2587: c')}\n${esxi8('2024-05-05T00:00:00.000Z', 'Net: 2587: d')}\n`));
    const week = await readAll([dir], { since: { durationMs: 7 * 86_400_000 } });
    expect(week.events).toEqual([]);
    expect(week.problems).toEqual([expect.stringMatching(/rotation\(s\) numbered 0, 1 .*nothing is known of 2024-05-05T00:00:00\.000Z to 2024-05-14T00:00:00\.000Z, inside the window/)]);
    // A window the newer file covers alone: the gap is before it, and says nothing of it.
    const day = await readAll([dir], { since: { durationMs: 86_400_000 } });
    expect(day.problems).toEqual([]);
    // Every rotation given: no gap.
    await writeFile(join(dir, 'vmkernel.0.gz'), gzipSync(`${esxi8('2024-05-10T00:00:00.000Z', 'Net: 2587: e')}\n`));
    await writeFile(join(dir, 'vmkernel.1.gz'), gzipSync(`${esxi8('2024-05-07T00:00:00.000Z', 'Net: 2587: f')}\n`));
    expect((await readAll([dir], { since: { durationMs: 7 * 86_400_000 } })).problems).toEqual([]);
  });

  it('does not join a file\'s last line without a newline to the next file\'s first line when that one is whole', async () => {
    const dir = join(tmp, 'no-newline');
    await mkdir(dir, { recursive: true });
    const blocked = esxi8('2024-05-13T09:21:07.123Z', macChange('web-01', '02:00:5e:10:00:01', '0x4000004'));
    await writeFile(join(dir, 'vmkernel.0.gz'), gzipSync(blocked));
    await writeFile(join(dir, 'vmkernel.log'), `${esxi8('2024-05-14T09:30:00.000Z', 'Net: 2587: chatter')}\n`);
    const logs = await readAll([dir]);
    expect(logs.events.map((e) => [e.vmName, e.time])).toEqual([['web-01', '2024-05-13T09:21:07.123Z']]);
    expect(logs.sources[0]!.lines).toBe(2);
  });

  it('detects gzip by its magic bytes, not its name', async () => {
    const path = join(tmp, 'vmkernel.txt');
    await writeFile(path, gzipSync(await readFile(fixture('esxi80-vmkernel.log'))));
    expect(await readLogFiles([path])).toEqual(
      (await readLogFiles([fixture('esxi80-vmkernel.log')])).map((e) => ({ ...e, source: path })),
    );
  });
});

describe('a vm-support bundle directory', () => {
  it('reads every vmkernel log inside, oldest first, as one source named for the bundle', async () => {
    const bundle = join(tmp, 'esx-esx01.lab.local-2024-05-14--09.21-12345');
    const logDir = join(bundle, 'var/run/log');
    await mkdir(logDir, { recursive: true });
    await mkdir(join(bundle, 'var/log'), { recursive: true });
    await mkdir(join(bundle, 'commands'), { recursive: true });
    await copyFile(fixture('rotated/vmkernel.log'), join(logDir, 'vmkernel.log'));
    await copyFile(fixture('rotated/vmkernel.0.gz'), join(logDir, 'vmkernel.0.gz'));
    await writeFile(
      join(logDir, 'vmkernel.1.gz'),
      gzipSync(esxi8('2024-05-13T10:00:00.000Z', macChange('web-01', '02:00:5e:10:00:01', '0x4000004')) + '\n'),
    );
    // vmkwarning repeats vmkernel's warnings (read; a line vmkernel.log has too counts once); the rest are other files.
    await writeFile(join(logDir, 'vmkwarning.log'), esxi8('2024-05-14T09:21:07.124Z', PEER) + '\n');
    await writeFile(join(logDir, 'hostd.log'), esxi8('2024-05-14T09:21:07.124Z', PEER) + '\n');
    await writeFile(join(bundle, 'commands/esxcfg-vswitch_-l.txt'), 'Switch Name  Num Ports\nvSwitch0     128\n');
    // As on a host, var/log/vmkernel.log is an absolute link; here it points at a file that is no part of the bundle.
    const outside = join(tmp, 'outside-vmkernel.log');
    await writeFile(outside, esxi8('2024-05-14T09:21:07.124Z', PEER) + '\n');
    await symlink(outside, join(bundle, 'var/log/vmkernel.log'));

    const read: string[] = [];
    const events = await readLogFiles([bundle], { onFile: (p) => read.push(p) });
    expect(read).toEqual(['vmkernel.1.gz', 'vmkernel.0.gz', 'vmkernel.log', 'vmkwarning.log'].map((f) => join(logDir, f)));
    expect(events.map((e) => [e.source, e.hostName, e.vmName, e.message, e.count, e.firstTime, e.lastTime])).toEqual([
      [bundle, 'esx01.lab.local', 'web-01', 'mac-change-requested', 3, '2024-05-13T10:00:00.000Z', '2024-05-14T09:21:07.123Z'],
      [bundle, 'esx01.lab.local', 'web-01', 'policy-violation-blocked', 1, '2024-05-13T22:14:03.550Z', '2024-05-13T22:14:03.550Z'],
      [bundle, 'esx01.lab.local', 'db-02', 'mac-change-requested', 1, '2024-05-14T00:00:04.120Z', '2024-05-14T00:00:04.120Z'],
      [join(logDir, 'vmkwarning.log'), 'esx01.lab.local', undefined, 'peer-blocked', 1, '2024-05-14T09:21:07.124Z', '2024-05-14T09:21:07.124Z'],
    ]);
  });

  it('keeps several bundles in one directory apart, and logs outside any bundle under their own directory', async () => {
    const root = join(tmp, 'support-cases');
    const line = esxi8('2024-05-14T09:21:07.123Z', macChange('web-01', '02:00:5e:10:00:01', '0x4000004')) + '\n';
    const bundles = ['esx-esx01-2024-05-14--09.21-111', 'esx-esx02-2024-05-14--09.30-222'];
    for (const bundle of bundles) {
      await mkdir(join(root, bundle, 'var/run/log'), { recursive: true });
      await writeFile(join(root, bundle, 'var/run/log/vmkernel.log'), line);
    }
    await mkdir(join(root, 'loose'));
    // Lines of its own: the same line as a bundle's would be that bundle's line given twice.
    const loose = line.replace('09:21:07.123Z', '09:25:00.000Z');
    await writeFile(join(root, 'loose/vmkernel.log'), loose + loose);
    const events = await readLogFiles([root]);
    expect(events.map((e) => [e.source, e.hostName, e.count])).toEqual([
      [join(root, bundles[0]!), 'esx01', 1],
      [join(root, bundles[1]!), 'esx02', 1],
      [join(root, 'loose'), undefined, 2],
    ]);
  });

  it('takes no host name from a directory not named like a bundle', async () => {
    const events = await readLogFiles([fixture('rotated')]);
    expect(events.map((e) => [e.source, e.hostName])).toEqual(Array(3).fill([fixture('rotated'), undefined]));
  });

  it('says so when a directory holds no vmkernel log', async () => {
    const dir = join(tmp, 'no-logs');
    await mkdir(join(dir, 'var/run/log'), { recursive: true });
    await writeFile(join(dir, 'var/run/log/hostd.log'), 'nothing here\n');
    expect(await usageError(readLogFiles([dir]))).toBe(
      `${dir}: no vmkernel logs in this directory (looked for vmkernel.log and its rotations).`,
    );
  });
});

describe('unreadable input', () => {
  it('names a path that does not exist', async () => {
    const path = join(tmp, 'missing', 'vmkernel.log');
    expect(await usageError(readLogFiles([fixture('esxi80-vmkernel.log'), path]))).toBe(
      `Cannot read ${path}: no such file or directory.`,
    );
  });

  it('names a path through a file', async () => {
    const path = join(fixture('esxi80-vmkernel.log'), 'x');
    expect(await usageError(readLogFiles([path]))).toBe(`Cannot read ${path}: a component of the path is not a directory.`);
  });

  it('refuses what is neither a file nor a directory', async () => {
    expect(await usageError(readLogFiles(['/dev/null']))).toBe('Cannot read /dev/null: not a regular file or directory.');
  });

  it('reads a truncated gzip up to the cut, and says where it stopped', async () => {
    const logs = await readAll([fixture('truncated.gz')]);
    expect(logs.events.map((e) => [e.message, e.vmName])).toEqual([['mac-change-requested', 'web-01'], ['policy-violation-blocked', 'web-01']]);
    expect(logs.problems).toEqual([
      `${fixture('truncated.gz')} is cut off or damaged (gzip data is corrupt (unexpected end of file)): reading stopped, after a line stamped 2024-05-14T09:21:07.123Z; the lines before were read, whatever came after was not.`,
    ]);
  });

  it.each([
    ['corrupt.gz', 'incorrect header check|invalid'],
  ])('names a corrupt gzip: %s', async (name, detail) => {
    const message = await usageError(readLogFiles([fixture(name)]));
    expect(message).toMatch(new RegExp(`^${fixture(name)}: gzip data is corrupt \\((${detail}).*\\)\\.$`));
  });
});
