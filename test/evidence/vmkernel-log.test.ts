import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  classifyL2SecLine,
  isoToUtc,
  L2SecCollector,
  MAX_MACS_PER_PORT,
  parseVmkernelLine,
  type L2SecLine,
} from '../../src/evidence/vmkernel-log.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/vmkernel');

function fixtureLines(name: string): string[] {
  return readFileSync(join(FIXTURES, name), 'utf8').split('\n');
}

type Expected = Omit<L2SecLine, 'line'>;

// Every fixture line not listed here must parse to null. Line numbers are 1-based.
// Where each form comes from:
//   KB 344495 (ESX 4.0 - ESXi 5.5): the three message texts, "cpuN:W)etherswitch: " prefix, no line number
//   ESX 4.x sysklogd lines "Mon dd hh:mm:ss host vmkernel: D:HH:MM:SS.mmm cpuN:W)" (ESX 4.0 forum posts),
//     ESXi 4.1 /var/log/messages without host name (VMware patch notes)
//   ESXi 5.x: "ISO cpuN:W)etherswitch: L2Sec_EnforcePortCompliance:226: ..." (blog, 5.1 promiscuous message)
//   ESXi 7.0 on NSX: "cswitch: ... :209: [nsx@6876 ...]client ..." and "cpuN:W opID=X)" (mailing-list paste, 7.0U3)
//   ESXi 8.0: "ISO In(182) vmkernel: cpuN:W)" and Wa/Er severities (KB 421596, vSphere 8 log format ABNF)
//   Forwarded: "<PRI>ISO host vmkernel: ..." RFC 3164 with RFC 3339 stamps, RFC 5424 "<PRI>1 ISO host app - - -"
//     (vSphere 8 syslog transmission formats), collector-rewritten "+02:00" and BSD-dated lines
const CORPUS: { version: string; file: string; expected: Record<number, Expected> }[] = [
  {
    version: 'ESX 4.0 (service console /var/log/vmkernel)',
    file: 'esx40-vmkernel',
    expected: {
      2: {
        message: 'mac-change-requested',
        time: null,
        vmName: 'Web Server (old)',
        mac: '02:00:5e:10:00:01',
        port: '0x4000004',
        hostName: 'esx01',
      },
      3: {
        message: 'policy-violation-blocked',
        time: null,
        vmName: 'Web Server (old)',
        port: '0x4000004',
        hostName: 'esx01',
      },
      4: { message: 'peer-blocked', time: null, port: '0x4000004', hostName: 'esx01' },
    },
  },
  {
    version: 'ESXi 4.1 (/var/log/messages, no host name)',
    file: 'esxi41-messages',
    expected: {
      2: {
        message: 'mac-change-requested',
        time: null,
        vmName: 'lab-dc01.corp',
        mac: '00:15:5d:01:02:03',
        port: '0x100000f',
      },
      3: { message: 'policy-violation-blocked', time: null, vmName: 'lab-dc01.corp', port: '0x100000f' },
      4: { message: 'peer-blocked', time: null, port: '0x100000f' },
    },
  },
  {
    version: 'ESXi 5.5',
    file: 'esxi55-vmkernel.log',
    expected: {
      3: {
        message: 'mac-change-requested',
        time: '2014-03-02T11:05:51.002Z',
        vmName: 'nlb-node1',
        mac: '02:bf:0a:00:00:15',
        port: '0x200000a',
      },
      4: {
        message: 'policy-violation-blocked',
        time: '2014-03-02T11:05:51.002Z',
        vmName: 'nlb-node1',
        port: '0x200000a',
      },
      5: { message: 'peer-blocked', time: '2014-03-02T11:05:51.002Z', port: '0x200000a' },
      6: {
        message: 'mac-change-requested',
        time: '2014-03-02T11:06:51.010Z',
        vmName: 'nlb-node1',
        mac: '02:bf:0a:00:00:15',
        port: '0x200000a',
      },
    },
  },
  {
    version: 'ESXi 6.7 (CRLF line ends, non-ASCII VM name)',
    file: 'esxi67-vmkernel.log',
    expected: {
      2: {
        message: 'mac-change-requested',
        time: '2019-11-07T16:42:18.930Z',
        vmName: 'Prüfstand-DB.01',
        mac: '00:0c:29:aa:bb:cc',
        port: '0x6000011',
      },
      3: {
        message: 'policy-violation-blocked',
        time: '2019-11-07T16:42:18.930Z',
        vmName: 'Prüfstand-DB.01',
        port: '0x6000011',
      },
      4: { message: 'peer-blocked', time: '2019-11-07T16:42:18.931Z', port: '0x6000011' },
    },
  },
  {
    version: 'ESXi 7.0 (NSX cswitch with structured data, opID in world prefix)',
    file: 'esxi70-vmkernel.log',
    expected: {
      3: {
        message: 'mac-change-requested',
        time: '2022-04-19T17:47:02.410Z',
        vmName: '生产-数据库',
        mac: '52:54:00:ab:cd:ef',
        port: '0x400001c',
      },
      4: {
        message: 'policy-violation-blocked',
        time: '2022-04-19T17:47:02.410Z',
        vmName: '生产-数据库',
        port: '0x400001c',
      },
      5: { message: 'peer-blocked', time: '2022-04-19T17:47:02.411Z', port: '0x400001c' },
    },
  },
  {
    version: 'ESXi 8.0 (severity and program tag)',
    file: 'esxi80-vmkernel.log',
    expected: {
      2: {
        message: 'mac-change-requested',
        time: '2024-05-14T09:21:07.123Z',
        vmName: 'web-01',
        mac: '02:00:5e:10:00:01',
        port: '0x4000004',
      },
      3: {
        message: 'policy-violation-blocked',
        time: '2024-05-14T09:21:07.123Z',
        vmName: 'web-01',
        port: '0x4000004',
      },
      4: { message: 'peer-blocked', time: '2024-05-14T09:21:07.124Z', port: '0x4000004' },
      7: {
        message: 'mac-change-requested',
        time: '2024-05-14T09:22:07.311Z',
        vmName: 'web-01',
        mac: '02:00:5e:10:00:01',
        port: '0x4000004',
      },
    },
  },
  {
    version: 'ESXi 6.x-8.0 forwarded to a syslog collector',
    file: 'syslog-collector.log',
    expected: {
      1: {
        message: 'mac-change-requested',
        time: '2024-05-14T09:21:07.123Z',
        vmName: 'web-01',
        mac: '02:00:5e:10:00:01',
        port: '0x4000004',
        hostName: 'esx01.lab.local',
      },
      2: {
        message: 'mac-change-requested',
        time: '2024-05-14T09:21:07.000Z',
        vmName: 'web-01',
        mac: '02:00:5e:10:00:01',
        port: '0x4000004',
        hostName: 'esx02.lab.local',
      },
      4: { message: 'peer-blocked', time: '2024-05-14T09:21:08.500Z', port: '0x2000006', hostName: 'esx03.lab.local' },
      5: {
        message: 'policy-violation-blocked',
        time: '2024-05-14T09:21:09.000Z',
        vmName: 'web-01',
        port: '0x4000004',
        hostName: 'esx01',
      },
      6: {
        message: 'policy-violation-blocked',
        time: null,
        vmName: 'app (blue)',
        port: '0x3000002',
        hostName: 'esx04.lab.local',
      },
    },
  },
  {
    version: 'ESXi 7.0-8.0 forwarded as RFC 5424 (NILVALUEs, an SD element, a PROCID, a zone offset, an IP as host)',
    file: 'forwarded-rfc5424.log',
    expected: {
      1: {
        message: 'mac-change-requested',
        time: '2024-05-14T09:21:07.123Z',
        vmName: 'web01.eth0',
        mac: '02:00:00:00:00:01',
        port: '0x2000004',
        hostName: 'esx01.lab.local',
      },
      2: { message: 'policy-violation-blocked', time: '2024-05-14T09:21:07.124Z', vmName: 'web01.eth0', port: '0x2000004', hostName: 'esx01.lab.local' },
      3: { message: 'peer-blocked', time: '2024-05-14T09:21:07.125Z', port: '0x2000007', hostName: 'esx02' },
      6: {
        message: 'mac-change-requested',
        time: '2024-05-14T09:21:10.000Z',
        vmName: 'app (blue)',
        mac: '52:54:00:ab:cd:ef',
        port: '0x3000002',
        hostName: '10.0.0.12',
      },
    },
  },
  // Other L2Sec messages (promiscuous, forged transmits), truncated lines, malformed MAC/port,
  // other subsystems, and the message quoted outside a vmkernel world prefix.
  { version: 'near misses', file: 'near-misses.log', expected: {} },
];

describe('parseVmkernelLine over the per-version corpus', () => {
  it.each(CORPUS)('$version: $file', ({ file, expected }) => {
    const lines = fixtureLines(file);
    const parsed: Record<number, L2SecLine> = {};
    lines.forEach((line, i) => {
      const result = parseVmkernelLine(line);
      if (result) parsed[i + 1] = result;
    });
    const withLines = Object.fromEntries(
      Object.entries(expected).map(([n, fields]) => [n, { ...fields, line: lines[Number(n) - 1]!.replace(/\r$/, '') }]),
    );
    expect(parsed).toEqual(withLines);
  });

  it('has a near-miss file in which every line names L2Sec_EnforcePortCompliance or the blocked port', () => {
    // Guards the near-miss test against passing because its lines are trivially unrelated.
    const lines = fixtureLines('near-misses.log').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThanOrEqual(12);
    for (const line of lines) expect(line).toMatch(/L2Sec_EnforcePortCompliance|0x4000004/);
  });
});

const MAC_LINE =
  'cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client web-01 requested mac address change to 02:00:5E:10:00:01 on port 0x04000004, disallowed by vswitch policy';

describe('parseVmkernelLine heads and normalisation', () => {
  it.each([
    ['no head at all (as quoted in KB 344495)', '', null, undefined],
    ['ISO with millis', '2024-05-14T09:21:07.123Z ', '2024-05-14T09:21:07.123Z', undefined],
    ['ISO without millis', '2024-05-14T09:21:07Z ', '2024-05-14T09:21:07.000Z', undefined],
    ['ISO with microseconds', '2024-05-14T09:21:07.123456Z ', '2024-05-14T09:21:07.123Z', undefined],
    ['ISO with +00:00', '2024-05-14T09:21:07.123+00:00 esx01 vmkernel: ', '2024-05-14T09:21:07.123Z', 'esx01'],
    ['ISO with -0500', '2024-05-14T04:21:07.123-0500 esx01 vmkernel: ', '2024-05-14T09:21:07.123Z', 'esx01'],
    ['ISO across midnight', '2024-05-15T01:30:00.000+02:00 esx01 vmkernel: ', '2024-05-14T23:30:00.000Z', 'esx01'],
    ['ISO without a zone', '2024-05-14T09:21:07.123 esx01 vmkernel: ', null, 'esx01'],
    ['impossible date', '2024-04-31T09:21:07.123Z ', null, undefined],
    ['ESXi 8 Er(179)', '2024-05-14T09:21:07.123Z Er(179) vmkernel: ', '2024-05-14T09:21:07.123Z', undefined],
    ['ESXi 8 continuation marker', '2024-05-14T09:21:07.123Z In(182)+ vmkernel: ', '2024-05-14T09:21:07.123Z', undefined],
    ['<PRI> RFC 3164', '<166>2024-05-14T09:21:07.123Z esx01.lab.local vmkernel: ', '2024-05-14T09:21:07.123Z', 'esx01.lab.local'],
    [
      'RFC 5424 with structured data',
      '<182>1 2024-05-14T09:21:07.123Z esx01.lab.local vmkernel - - [Originator@6876 sub=vmkernel] ',
      '2024-05-14T09:21:07.123Z',
      'esx01.lab.local',
    ],
    ['BSD date, single-digit day', 'Jan  9 22:13:13 groucho vmkernel: 0:01:32:55.713 ', null, 'groucho'],
    ['a head of an unknown collector', 'ts=1715678467 host=esx01 msg=', null, undefined],
  ])('%s', (_name, head, time, hostName) => {
    const parsed = parseVmkernelLine(head + MAC_LINE);
    const expected: L2SecLine = {
      message: 'mac-change-requested',
      time,
      line: head + MAC_LINE,
      vmName: 'web-01',
      mac: '02:00:5e:10:00:01',
      port: '0x4000004',
    };
    if (hostName) expected.hostName = hostName;
    expect(parsed).toEqual(expected);
  });

  it('strips \\r\\n from the line it keeps and tolerates trailing blanks', () => {
    const parsed = parseVmkernelLine(`2024-05-14T09:21:07.123Z ${MAC_LINE}  \r\n`);
    expect(parsed?.line).toBe(`2024-05-14T09:21:07.123Z ${MAC_LINE}  `);
    expect(parsed?.mac).toBe('02:00:5e:10:00:01');
  });

  it('takes the whole client name, however odd', () => {
    const line = MAC_LINE.replace('web-01', 'SQL (prod) v2.1 — Zürich ');
    expect(parseVmkernelLine(line)?.vmName).toBe('SQL (prod) v2.1 — Zürich ');
  });

  it('never throws, whatever it is given', () => {
    const nasty = [
      '',
      '\u0000\uFFFD\uD800',
      'L2Sec_EnforcePortCompliance',
      `cpu1:1)${'L2Sec_EnforcePortCompliance: '.repeat(500)}`,
      `cpu1:1)etherswitch: L2Sec_EnforcePortCompliance: ${' '.repeat(60_000)}x`,
      `9999-99-99T99:99:99.999Z ${MAC_LINE}`,
      MAC_LINE.replace('0x04000004', `0x${'f'.repeat(40)}`),
    ];
    for (const line of nasty) expect(() => parseVmkernelLine(line)).not.toThrow();
    expect(parseVmkernelLine(`9999-99-99T99:99:99.999Z ${MAC_LINE}`)?.time).toBeNull();
  });
});

describe('isoToUtc', () => {
  it.each([
    ['2024-05-14T09:21:07Z', '2024-05-14T09:21:07.000Z'],
    ['2024-02-29T23:59:59.9+01:00', '2024-02-29T22:59:59.900Z'],
    ['2023-02-29T00:00:00Z', null],
    ['0024-01-01T00:00:00Z', '0024-01-01T00:00:00.000Z'],
    ['2024-05-14T09:21:07.999Z', '2024-05-14T09:21:07.999Z'],
    ['2024-05-14T09:21:07.999-00:30', '2024-05-14T09:51:07.999Z'],
    ['2024-13-01T00:00:00.000Z', null],
    ['2100-02-29T00:00:00.000Z', null],
    ['2000-02-29T00:00:00.000Z', '2000-02-29T00:00:00.000Z'],
    ['2024-05-14T24:00:00Z', null],
    ['2024-05-14T09:21:07', null],
  ])('%s → %s', (stamp, utc) => {
    expect(isoToUtc(stamp)).toBe(utc);
  });
});

describe('L2SecCollector', () => {
  const at = (time: string, body: string) => `${time} In(182) vmkernel: cpu3:2098131)etherswitch: ${body}`;
  const macChange = (vm: string, mac: string, port: string) =>
    `L2Sec_EnforcePortCompliance:247: client ${vm} requested mac address change to ${mac} on port ${port}, disallowed by vswitch policy`;
  const blocked = (vm: string, port: string) =>
    `L2Sec_EnforcePortCompliance:155: client ${vm} has policy violations on port ${port}. Port is blocked`;

  it('collapses repeats by message, VM, MAC and port, keeping first appearance order and widest times', () => {
    const c = new L2SecCollector('esx01');
    c.add(at('2024-05-14T09:21:07.123Z', macChange('web-01', '02:00:5E:10:00:01', '0x4000004')));
    c.add(at('2024-05-14T09:21:07.123Z', blocked('web-01', '0x4000004')));
    c.add(at('2024-05-14T09:25:00.000Z', macChange('web-01', '02:00:5e:10:00:01', '0x04000004')));
    c.add(at('2024-05-14T09:20:00.000Z', macChange('web-01', '02:00:5e:10:00:01', '0x4000004')));
    c.add(at('2024-05-14T09:26:00.000Z', macChange('web-01', '02:00:5e:10:00:02', '0x4000004')));
    c.add(at('2024-05-14T09:27:00.000Z', macChange('web-02', '02:00:5e:10:00:01', '0x4000004')));
    c.add('2024-05-14T09:28:00.000Z In(182) vmkernel: cpu3:2098131)Net: 2587: unrelated');

    const events = c.events();
    expect(events.map((e) => [e.message, e.vmName, e.mac, e.count, e.firstTime, e.lastTime])).toEqual([
      ['mac-change-requested', 'web-01', '02:00:5e:10:00:01', 3, '2024-05-14T09:20:00.000Z', '2024-05-14T09:25:00.000Z'],
      ['policy-violation-blocked', 'web-01', undefined, 1, '2024-05-14T09:21:07.123Z', '2024-05-14T09:21:07.123Z'],
      ['mac-change-requested', 'web-01', '02:00:5e:10:00:02', 1, '2024-05-14T09:26:00.000Z', '2024-05-14T09:26:00.000Z'],
      ['mac-change-requested', 'web-02', '02:00:5e:10:00:01', 1, '2024-05-14T09:27:00.000Z', '2024-05-14T09:27:00.000Z'],
    ]);
    // The event shows its oldest line and that line's time, whatever order the lines came in.
    expect(events[0]).toMatchObject({ source: 'esx01', time: '2024-05-14T09:20:00.000Z', port: '0x4000004' });
    expect(events[0]!.line).toContain('T09:20:00.000Z');
  });

  it('keeps the same VM and port on different hosts apart (a collector file mixes hosts)', () => {
    const c = new L2SecCollector('/var/log/remote/vmkernel.log');
    for (const line of fixtureLines('syslog-collector.log')) c.add(line);
    expect(c.events().map((e) => [e.hostName, e.message, e.count])).toEqual([
      ['esx01.lab.local', 'mac-change-requested', 1],
      ['esx02.lab.local', 'mac-change-requested', 1],
      ['esx03.lab.local', 'peer-blocked', 1],
      ['esx01', 'policy-violation-blocked', 1],
      // sysklogd's notice from the same host counts; the one from another host does not
      ['esx04.lab.local', 'policy-violation-blocked', 10],
    ]);
  });

  it('counts "last message repeated" notices only right after a matching line', () => {
    const c = new L2SecCollector('esx01');
    for (const line of fixtureLines('esx40-vmkernel')) c.add(line);
    expect(c.events().map((e) => [e.message, e.count])).toEqual([
      ['mac-change-requested', 1],
      ['policy-violation-blocked', 1],
      ['peer-blocked', 5], // the notice after the VMotion line repeats VMotion, not this
    ]);
  });

  it('counts ESXi vmsyslogd "--- last message repeated N times ---" and takes its time as last seen', () => {
    const c = new L2SecCollector('esx01');
    for (const line of fixtureLines('esxi80-vmkernel.log')) c.add(line);
    expect(c.events().find((e) => e.message === 'peer-blocked')).toMatchObject({
      count: 3,
      firstTime: '2024-05-14T09:21:07.124Z',
      lastTime: '2024-05-14T09:21:09.000Z',
    });
  });

  it('does not carry a repeat notice across endOfStream()', () => {
    const c = new L2SecCollector('bundle');
    c.add(at('2024-05-14T09:21:07.123Z', blocked('web-01', '0x4000004')));
    c.endOfStream();
    c.add('May 14 09:21:12 esx01 last message repeated 9 times');
    expect(c.events()[0]!.count).toBe(1);
  });

  it('gives lines without a host the collector host name, and lines with one keep theirs', () => {
    const c = new L2SecCollector('/tmp/bundle', 'esx09.lab.local');
    c.add(at('2024-05-14T09:21:07.123Z', blocked('web-01', '0x4000004')));
    c.add(`<182>2024-05-14T09:21:07.123Z esx01.lab.local vmkernel: cpu3:2098131)etherswitch: ${blocked('web-01', '0x4000004')}`);
    expect(c.events().map((e) => e.hostName)).toEqual(['esx09.lab.local', 'esx01.lab.local']);
  });

  it('hands out copies: adding more lines does not change events already returned', () => {
    const c = new L2SecCollector('esx01');
    c.add(at('2024-05-14T09:21:07.123Z', blocked('web-01', '0x4000004')));
    const before = c.events();
    c.add(at('2024-05-14T09:22:07.123Z', blocked('web-01', '0x4000004')));
    expect(before[0]!.count).toBe(1);
    expect(c.events()[0]!.count).toBe(2);
  });

  it('keeps time null when no line of an event has a full date', () => {
    const c = new L2SecCollector('esx01');
    for (const line of fixtureLines('esxi41-messages')) c.add(line);
    expect(c.events().every((e) => e.firstTime === null && e.lastTime === null && e.time === null)).toBe(true);
    expect(c.events()).toHaveLength(3);
  });
});

describe('classifyL2SecLine', () => {
  const line = (time: string, body: string) => `${time} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:${body}`;
  const change = line('2024-05-14T09:21:07.123Z', '247: client web01 requested mac address change to 02:00:00:00:00:01 on port 0x2000004, disallowed by vswitch policy');
  const block = line('2024-05-14T09:21:07.123Z', '155: client web01 has policy violations on port 0x2000004. Port is blocked');

  it('splits two messages run together where a newline was lost, and keeps each whole', () => {
    const { lines, unparsed } = classifyL2SecLine(change + block);
    expect(lines.map((l) => [l.message, l.vmName, l.time, l.line])).toEqual([
      ['mac-change-requested', 'web01', '2024-05-14T09:21:07.123Z', change],
      ['policy-violation-blocked', 'web01', '2024-05-14T09:21:07.123Z', block],
    ]);
    expect(unparsed).toEqual([]);
    // Without the second head's timestamp, the world prefix still starts it.
    const bare = block.slice('2024-05-14T09:21:07.123Z '.length);
    expect(classifyL2SecLine(change + bare).lines.map((l) => l.message)).toEqual(['mac-change-requested', 'policy-violation-blocked']);
  });

  it.each([
    ["KB 344495's template port", 'cpuN:cccc)etherswitch: L2Sec_EnforcePortCompliance: client <vmname> requested mac address change to <mac> on port 0xN nnnnnnn, disallowed by vswitch policy'],
    ['a truncated line', change.slice(0, -20)],
    ['the message quoted by another program', '2024-05-14T09:21:07.125Z In(182) Hostd[2098450]: L2Sec_EnforcePortCompliance: client web-01 has policy violations on port 0x4000004. Port is blocked'],
    ['a message of a later ESXi', line('2024-05-14T09:21:07.123Z', '300: client web01 changed its mind on port 0x2000004')],
  ])('returns %s as unparsed, to be counted and shown', (_name, text) => {
    expect(classifyL2SecLine(text)).toEqual({ lines: [], unparsed: [text] });
  });

  it.each([
    ['promiscuous mode', line('2014-03-02T11:05:44.518Z', '226: client vmk0 requested promiscuous mode on port 0x1000003, disallowed by vswitch policy')],
    ['forged transmits', line('2014-03-02T11:05:44.518Z', '281: client web01 requested forged transmits on port 0x1000003, disallowed by vswitch policy')],
  ])('understands %s as another policy, neither an event nor unparsed', (_name, text) => {
    expect(classifyL2SecLine(text)).toEqual({ lines: [], unparsed: [] });
  });

  it('places a year-less line with a reference, and marks it', () => {
    const old = 'Dec 31 23:59:51 esx40 vmkernel: 12:03:44:43.502 cpu3:4099)etherswitch: L2Sec_EnforcePortCompliance: 0x4000004: peer not allowed to change address, blocking port';
    expect(classifyL2SecLine(old, Date.parse('2011-01-01T00:05:00Z')).lines).toEqual([
      { message: 'peer-blocked', time: '2010-12-31T23:59:51.000Z', line: old, port: '0x4000004', hostName: 'esx40', yearInferred: true },
    ]);
  });
});

describe('L2SecCollector bounds', () => {
  const at = (i: number, mac: string) =>
    `2024-05-14T09:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z cpu3:1)etherswitch: L2Sec_EnforcePortCompliance:247: client br01 requested mac address change to ${mac} on port 0x2000004, disallowed by vswitch policy`;

  it('keeps the first MACs of a flooding guest and folds the rest into one event that counts them', () => {
    const c = new L2SecCollector('esx01');
    for (let i = 0; i < 1000; i++) c.add(at(i, `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`));
    const events = c.events();
    expect(events).toHaveLength(MAX_MACS_PER_PORT + 1);
    expect(events.at(-1)).toMatchObject({ vmName: 'br01', otherMacs: true, count: 1000 - MAX_MACS_PER_PORT });
    expect(events.at(-1)!.mac).toBeUndefined();
  });

  it('at its cap lets the oldest events go for newer ones (the window wants the newest), and counts their lines', () => {
    const c = new L2SecCollector('esx01', undefined, { maxEvents: 3 });
    for (let i = 0; i < 10; i++) c.add(at(i, '02:00:00:00:00:01').replace('client br01', `client vm${i}`));
    expect(c.events().map((e) => e.vmName)).toEqual(['vm7', 'vm8', 'vm9']);
    expect(c.linesNotKept).toBe(7);
  });

  it('counts unparsed lines with a few samples', () => {
    const c = new L2SecCollector('esx01');
    for (let i = 0; i < 8; i++) c.add(`cpu1:1)etherswitch: L2Sec_EnforcePortCompliance: odd line ${i}`);
    expect(c.unparsed()).toEqual({ count: 8, samples: [0, 1, 2, 3, 4].map((i) => `cpu1:1)etherswitch: L2Sec_EnforcePortCompliance: odd line ${i}`) });
  });

  it('gives every line the bundle host when the host is fixed', () => {
    const c = new L2SecCollector('/b.tgz', 'esx01.lab.local', { fixedHost: true });
    c.add(`May 14 09:20:51 esx01 vmkernel: 12:03:44:43.503 cpu3:4099)etherswitch: L2Sec_EnforcePortCompliance: 0x4000004: peer not allowed to change address, blocking port`);
    expect(c.events().map((e) => e.hostName)).toEqual(['esx01.lab.local']);
  });
});
