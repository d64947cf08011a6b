import { describe, expect, it } from 'vitest';

import { LineHeadReader } from '../../src/evidence/line-head.js';
import { inferYear } from '../../src/evidence/log-time.js';

const REFERENCE = Date.parse('2011-01-01T00:05:00Z');

describe('LineHeadReader', () => {
  const reader = new LineHeadReader(REFERENCE);
  it.each([
    ['ESXi 5-7 file', '2019-03-04T10:15:22.481Z cpu2:2097624)Net: 2587: x', { time: '2019-03-04T10:15:22.481Z', yearInferred: false }],
    ['ESXi 7 opID', '2022-04-19T17:46:40.897Z cpu10:266351 opID=936118c3)World: 12075: x', { time: '2022-04-19T17:46:40.897Z', yearInferred: false }],
    ['ESXi 8 file', '2025-12-11T16:41:48.486Z In(182) vmkernel: cpu1:131211)NRandomHwrng: 500: x', { time: '2025-12-11T16:41:48.486Z', yearInferred: false }],
    ['RFC 3164 collector', '<182>2024-05-14T09:21:07.123Z esx01.lab.local vmkernel: cpu3:1)x', { time: '2024-05-14T09:21:07.123Z', yearInferred: false, hostName: 'esx01.lab.local' }],
    ['RFC 5424 from ESXi 7/8', '<182>1 2024-05-14T09:21:07.123Z esx01 vmkernel - - - cpu3:1)x', { time: '2024-05-14T09:21:07.123Z', yearInferred: false, hostName: 'esx01' }],
    ['collector, other program', '2015-06-21T00:12:21.836Z PRD-ESX-04.adm Hostd: info', { time: '2015-06-21T00:12:21.836Z', yearInferred: false, hostName: 'PRD-ESX-04.adm' }],
    ['collector, IPv6 sender', '<182>2024-05-14T09:21:07.123Z fd00:6::6 vmkernel: cpu3:1)x', { time: '2024-05-14T09:21:07.123Z', yearInferred: false, hostName: 'fd00:6::6' }],
    ['collector on a dual-stack socket, IPv4 sender', '<182>2024-05-14T09:21:07.123Z ::ffff:10.0.0.5 vmkernel: cpu3:1)x', { time: '2024-05-14T09:21:07.123Z', yearInferred: false, hostName: '::ffff:10.0.0.5' }],
    ['collector, +02:00', '2024-05-14T11:21:09.000+02:00 esx01 vmkernel: cpu3:1)x', { time: '2024-05-14T09:21:09.000Z', yearInferred: false, hostName: 'esx01' }],
    ['ESX 4.x with host', 'Dec 31 23:59:50 esx40 vmkernel: 12:03:44:33.017 cpu1:4110)x', { time: '2010-12-31T23:59:50.000Z', yearInferred: true, hostName: 'esx40' }],
    ['ESXi 4.1 messages', 'Jan  1 00:00:10 vmkernel: 3:03:44:59.871 cpu2:4151)x', { time: '2011-01-01T00:00:10.000Z', yearInferred: true }],
    ['sysklogd repeat', 'Jan  1 00:00:11 esx40 last message repeated 4 times', { time: '2011-01-01T00:00:11.000Z', yearInferred: true, hostName: 'esx40' }],
    ['KB form, no head', 'cpu2:4151)etherswitch: L2Sec_EnforcePortCompliance: x', { time: null, yearInferred: false }],
    ['ISO without a zone', '2024-05-14T09:21:07.123 esx01 vmkernel: x', { time: null, yearInferred: false, hostName: 'esx01' }],
    ['grep -H of an ESXi 5-7 file', 'var/run/log/vmkernel.log:2019-03-04T10:15:22.481Z cpu2:2097624)Net: 2587: x', { time: '2019-03-04T10:15:22.481Z', yearInferred: false }],
    ['grep -H of an ESXi 7 opID line', 'vmkernel.0.gz:2022-04-19T17:46:40.897Z cpu10:266351 opID=936118c3)World: 12075: x', { time: '2022-04-19T17:46:40.897Z', yearInferred: false }],
  ])('%s', (_name, line, head) => {
    expect(reader.read(line)).toEqual(head);
  });

  it.each([['binary', '\u0000\u0001\uFFFD'], ['prose', 'dear admin, the host rebooted'], ['blank', ''], ['a number', '12345']])('%s is no log line', (_name, line) => {
    expect(reader.read(line)).toBeNull();
  });

  it('leaves year-less lines without a time when it has no reference', () => {
    expect(new LineHeadReader().read('Dec 31 23:59:50 esx40 vmkernel: x')).toEqual({ time: null, yearInferred: false, hostName: 'esx40' });
  });
});

describe('inferYear', () => {
  it('never places a line more than a day after the reference', () => {
    expect(inferYear('Jan  1 23:00:00', REFERENCE)).toBe('2011-01-01T23:00:00.000Z');
    expect(inferYear('Jan  2 01:00:00', REFERENCE)).toBe('2010-01-02T01:00:00.000Z');
    expect(inferYear('Feb 29 00:00:00', Date.parse('2013-03-01T00:00:00Z'))).toBe('2012-02-29T00:00:00.000Z');
    expect(inferYear('Feb 30 00:00:00', REFERENCE)).toBeNull();
    expect(inferYear('Foo  1 00:00:00', REFERENCE)).toBeNull();
  });
});
