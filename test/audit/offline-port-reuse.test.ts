// A port id names a NIC only while that NIC holds it: ESXi gives the id of a
// NIC that moved or left to the next one. The real binary, on the files a
// tester sent (cases 151 and 40): a plain log, and a host bundle whose
// net-stats listing shows where the NIC is now.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { vmfix } from '../helpers/lab.js';
import { bundleName, esxi8, macChange, peer, text, violation, writeBundleDir, writeBundleTgz } from '../helpers/bundles.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-port-reuse-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const offline = (...args: string[]) => vmfix(['audit', '--format', 'json', '--vmkernel-log', ...args], { VMFIX_VCENTER: '' });
const json = (stdout: string) => JSON.parse(stdout) as { findings: any[]; history: any[]; summary: any };
const connected = (time: string, port: string) => esxi8(time, `Net: 2587: connected web01 eth0 to VM Network, portID ${port}`, 'cpu12:2097589');
const chatter = (time: string) => esxi8(time, 'Net: 2587: chatter 0', 'cpu1:2097700');

describe('offline, a port id another NIC holds now', () => {
  it('does not pin a later port-only block on the VM that moved off the port, and shows its own block as history', async () => {
    const log = join(tmp, 'vmkernel.log');
    await writeFile(log, text([
      connected('2026-11-27T08:00:00.000Z', '0x4000004'),
      esxi8('2026-11-27T09:00:00.000Z', macChange('web01', '02:00:5e:10:00:01', '0x4000004')),
      esxi8('2026-11-27T09:00:00.000Z', violation('web01', '0x4000004')),
      connected('2026-11-28T09:00:00.000Z', '0x4000009'),
      chatter('2026-11-29T09:00:00.000Z'),
      esxi8('2026-12-03T09:00:00.000Z', peer('0x4000004')),
      chatter('2026-12-03T19:00:00.000Z'),
    ]));
    const run = await offline(log);
    expect(run.code, run.stderr).toBe(1);
    const report = json(run.stdout);
    expect(report.findings.map((f) => [f.vm, f.summary, f.evidence.length])).toEqual([
      [null, 'ESXi blocked the port of the VM on port 0x4000004 because its guest changed the MAC while MAC address changes is Reject.', 1],
    ]);
    expect(report.history.map((h) => [h.vm?.name, h.port, h.why])).toEqual([
      ['web01', '0x4000004', 'web01.eth0 is on port 0x4000009 since 2026-11-28T09:00:00.000Z, not on port 0x4000004'],
    ]);
  });

  it("shows a block as history when the bundle's log and listing put the NIC on another port since (exit 0)", async () => {
    const tgz = join(tmp, 'esx-esx01.lab.local-2026-12-03--20.00-2101234.tgz');
    await writeBundleTgz(tgz, {
      host: 'esx01.lab.local',
      stamp: '2026-12-03--20.00',
      files: {
        'commands/net-stats_-l.txt': 'PortNum          Type SubType SwitchName       MACAddress         ClientName\n67108873          5       0 vSwitch0         00:50:56:9a:00:01  web01.eth0\n',
        'var/run/log/vmkernel.log': text([
          connected('2026-11-30T08:00:00.000Z', '0x4000004'),
          esxi8('2026-12-01T09:00:00.000Z', macChange('web01.eth0', '02:00:5e:10:00:01', '0x4000004')),
          esxi8('2026-12-01T09:00:00.000Z', violation('web01.eth0', '0x4000004')),
          esxi8('2026-12-01T09:00:00.001Z', peer('0x4000004')),
          connected('2026-12-02T08:00:00.000Z', '0x4000009'),
          chatter('2026-12-03T19:00:00.000Z'),
        ]),
      },
    });
    const run = await offline(tgz);
    expect(run.code, run.stdout).toBe(0);
    const report = json(run.stdout);
    expect(report.findings).toEqual([]);
    expect(report.history.map((h) => [h.vm?.name, h.host?.name, h.evidence.length, h.why])).toEqual([
      ['web01', 'esx01.lab.local', 3, 'web01.eth0 is on port 0x4000009 since 2026-12-02T08:00:00.000Z, not on port 0x4000004'],
    ]);
    expect(report.summary).toMatchObject({ findings: 0, history: 1 });
  });

  it("does not let an older bundle's listing retire a later block: the listing is of the day the bundle was collected", async () => {
    const dir = join(tmp, 'listing-older');
    const bundle = { host: 'esx01.lab.local', stamp: '2026-11-01--08.00' };
    await writeBundleDir(dir, {
      ...bundle,
      files: {
        'commands/net-stats_-l.txt': 'PortNum          Type SubType SwitchName       MACAddress         ClientName\n67108873          5       0 vSwitch0         00:50:56:9a:00:01  web01.eth0\n',
        'var/run/log/vmkernel.log': text([connected('2026-11-01T07:00:00.000Z', '0x4000009'), chatter('2026-11-01T07:59:00.000Z')]),
      },
    });
    // A collector's file a month on: web01 restarted, on a new port id, and was blocked there.
    const collector = join(tmp, 'collector.log');
    const line = (time: string, message: string) => `${time} esx01.lab.local vmkernel: cpu3:2098131)${message}`;
    await writeFile(collector, text([
      line('2026-12-03T09:00:00.000Z', macChange('web01.eth0', '02:00:5e:10:00:01', '0x400000c')),
      line('2026-12-03T09:00:00.000Z', violation('web01.eth0', '0x400000c')),
      `2026-12-03T19:00:00.000Z esx01.lab.local vmkernel: cpu1:2097700)Net: 2587: chatter 0`,
    ]));
    const run = await offline(collector, join(dir, bundleName(bundle as never)));
    expect(run.code, run.stdout).toBe(1);
    const report = json(run.stdout);
    expect(report.findings.map((f) => [f.vm?.name ?? f.vm, f.severity, f.evidence.length]), run.stdout).toEqual([['web01', 'critical', 2]]);
    expect(report.history).toEqual([]);
  });
});

describe('offline, a vmkwarning.log copied off a host beside its vmkernel.log', () => {
  it("is that host's: a block older than the host's window is left out, and one host is counted (exit 0)", async () => {
    const dir = join(tmp, 'copied');
    await mkdir(dir);
    await writeFile(join(dir, 'vmkwarning.log'), text([`2026-11-01T08:00:00.000Z cpu1:1000)${macChange('web01', '02:00:00:00:00:01', '0x2000004')}`]));
    await writeFile(join(dir, 'vmkernel.log'), text([connected('2026-12-02T08:00:00.000Z', '0x2000007'), chatter('2026-12-03T08:00:00.000Z')]));
    const run = await offline(dir, '--since', '7d');
    expect(run.code, run.stdout).toBe(0);
    expect(json(run.stdout).summary).toMatchObject({ findings: 0, hostsScanned: 1 });
  });
});
