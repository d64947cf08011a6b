// Against the lab as vCenter: a syslog collector's file given with
// --vmkernel-log names hosts as they call themselves, while vCenter may know
// them by IP address (or the other way round). A line is tied to a host
// through its own DNS name or its management address (the vmk NICs
// config.virtualNicManagerInfo selects for management) when exactly one host
// answers to it; a name several hosts answer to ties to none, and so does a
// vMotion or storage vmk's address, which networks kept apart reuse.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const host = (name: string, extra: object = {}) => ({
  name, cluster: 'C1', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'PG-App', vswitch: 'vSwitch0' }], ...extra,
});

const SCENARIO = {
  datacenters: [{
    name: 'DC1', clusters: ['C1'],
    hosts: [
      // Added to vCenter by IP address; it calls itself esx05.lab.local.
      host('10.0.0.5', { dnsConfig: { hostName: 'esx05', domainName: 'lab.local' } }),
      // Added by name; its management addresses are 10.0.0.6 and, on vmk2, fd00:6::6; vmk1 is for vMotion.
      host('esx06.lab.local', {
        vmkernelNics: [{ ipAddress: '10.0.0.6' }, { ipAddress: '172.16.0.6', nicType: ['vmotion'] }, { ipV6Address: ['fd00:6:0:0::6', 'fe80::250:56ff:fe6a:1'], nicType: ['management'] }],
      }),
      // Two hosts added by IP that were never given a name: both are localhost.localdomain.
      host('10.0.0.7', { vmkernelNics: [{ ipAddress: '10.0.0.7' }] }),
      // Its vMotion and vSAN NICs, on networks kept apart, have addresses another site's hosts may be managed at.
      host('10.0.0.8', { vmkernelNics: [{ ipAddress: '10.0.0.8' }, { ipAddress: '192.168.50.8', netStackInstanceKey: 'vmotion', nicType: ['vmotion'] }, { ipAddress: '192.168.60.8', nicType: ['vsan'] }] }),
    ],
    vms: ['05', '06', '07', '08'].map((n) => ({ name: `web${n}`, host: n === '06' ? 'esx06.lab.local' : `10.0.0.${Number(n)}`, nics: [{ network: 'PG-App' }] })),
  }],
};

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
const blocked = (head: string, client: string) => [
  `<182>${at(5)} ${head} vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client ${client} requested mac address change to 02:bf:0a:00:00:15 on port 0x2000004, disallowed by vswitch policy`,
  `<182>${at(5)} ${head} vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client ${client} has policy violations on port 0x2000004. Port is blocked`,
];

interface Report { warnings: string[]; findings: { kind: string; vm: { name: string } | null; host: { name: string } | null }[] }

describe('hosts a log names otherwise than vCenter does', () => {
  let lab: Lab;
  let dir: string;
  const audit = async (lines: string[], ...args: string[]) => {
    const file = join(dir, `collector-${Math.random().toString(36).slice(2)}.log`);
    await writeFile(file, `${lines.join('\n')}\n`);
    const run = await vmfix(['audit', '--format', 'json', '--vcenter', lab.url, '--vmkernel-log', file, ...args], lab.env);
    expect(run.stderr).not.toMatch(/Internal error|at .*\.js:\d+/);
    return { code: run.code, report: JSON.parse(run.stdout) as Report };
  };
  const blocks = (report: Report) => report.findings.filter((f) => f.kind === 'mac-change-blocked').map((f) => [f.vm?.name ?? null, f.host?.name ?? null]);
  beforeAll(async () => {
    lab = await startScenario(SCENARIO);
    dir = await mkdtemp(join(tmpdir(), 'vmfix-aliases-'));
  });
  afterAll(() => lab?.stop());

  it('a host vCenter knows as 10.0.0.5 whose lines name it esx05.lab.local (its DNS name): a blocked finding on its VM, no warning', async () => {
    const { code, report } = await audit(blocked('esx05.lab.local', 'web05'));
    expect(blocks(report)).toEqual([['web05', '10.0.0.5']]);
    expect(report.warnings).toEqual([]);
    expect(code).toBe(1);
    // Its short name, as many syslog heads carry it, is the same host.
    expect(blocks((await audit(blocked('esx05', 'web05'))).report)).toEqual([['web05', '10.0.0.5']]);
  });

  it('a host vCenter knows by name whose lines name it by its management address: tied to it, and --host takes them', async () => {
    const { report } = await audit(blocked('10.0.0.6', 'web06'), '--host', 'esx06.lab.local');
    expect(blocks(report)).toEqual([['web06', 'esx06.lab.local']]);
    expect(report.warnings).toEqual([]);
  });

  it('a line naming an address only a vMotion or vSAN vmk has here (another site\'s host on a shared collector): no finding on our host, the warning, and --host elsewhere keeps it', async () => {
    for (const address of ['192.168.50.8', '192.168.60.8', '172.16.0.6']) {
      const { code, report } = await audit(blocked(address, 'web08'));
      expect(blocks(report)).toEqual([]);
      expect(report.warnings).toEqual([expect.stringMatching(new RegExp(`about web08 name host ${address.replaceAll('.', '\\.')}, which this vCenter does not have`))]);
      expect(code).toBe(1);
    }
    const scoped = await audit(blocked('192.168.50.8', 'web08'), '--host', 'esx06.lab.local');
    expect(scoped.report.warnings).toEqual([expect.stringMatching(/about web08 name host 192\.168\.50\.8, which this vCenter does not have/)]);
  });

  it('a management vmk\'s IPv6 address, and an IPv4 address as a dual-stack collector writes it (::ffff:10.0.0.5), name the host', async () => {
    for (const head of ['fd00:6::6', 'FD00:6:0:0:0:0:0:6']) expect(blocks((await audit(blocked(head, 'web06'))).report)).toEqual([['web06', 'esx06.lab.local']]);
    expect(blocks((await audit(blocked('::ffff:10.0.0.5', 'web05'))).report)).toEqual([['web05', '10.0.0.5']]);
    expect(blocks((await audit(blocked('::ffff:10.0.0.6', 'web06'))).report)).toEqual([['web06', 'esx06.lab.local']]);
    // Link-local addresses are every host's.
    expect(blocks((await audit(blocked('fe80::250:56ff:fe6a:1', 'web06'))).report)).toEqual([]);
  });

  it('a name two hosts answer to (both localhost): tied to neither, and the warning stays', async () => {
    const { code, report } = await audit(blocked('localhost', 'web07'));
    expect(blocks(report)).toEqual([]);
    expect(report.warnings).toEqual([expect.stringMatching(/vmkernel L2Sec line\(s\) about web07 name host localhost, which this vCenter does not have under that name/)]);
    expect(code).toBe(1);
  });
});
