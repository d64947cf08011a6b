// Against the lab as vCenter: ESXi blocks web01 on a standard port, then web01
// is renamed web01-old and another VM is given the name web01. The line names
// web01 and a port web01-old holds now: the name says one VM, the port the
// other, and nothing in the inventory says which (a port given to another VM
// after the named one left it reads the same), so neither is picked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, vmMoref, type Lab } from '../helpers/lab.js';
import { RawSoap } from './fix-lab.js';

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const l2sec = (client: string, port: string) => [
  `{{now-2h}} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client ${client} requested mac address change to 02:bf:0a:00:00:41 on port ${port}, disallowed by vswitch policy`,
  `{{now-2h}} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client ${client} has policy violations on port ${port}. Port is blocked`,
];
const SCENARIO = {
  datacenters: [{
    name: 'DC1', clusters: ['C1'],
    hosts: [{
      name: 'esx01.lab.local', cluster: 'C1', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'PG-App', vswitch: 'vSwitch0' }],
      // Two hours ago, on web01's standard port and db01's dvPort (the renames come later, beyond any clock skew).
      vmkernelLog: { lines: [...l2sec('web01', '0x2000004'), ...l2sec('db01', '0x4000010')] },
    }],
    dvSwitches: [{ name: 'DSW', version: '8.0.0', hosts: ['esx01.lab.local'], defaultPortConfig: reject, portgroups: [{ name: 'DPG-App' }] }],
    // Tools not running: no guest MAC tells whose guest changed its MAC.
    vms: [
      { name: 'web01', host: 'esx01.lab.local', toolsStatus: 'toolsNotRunning', nics: [{ network: 'PG-App' }] },
      { name: 'web02', host: 'esx01.lab.local', nics: [{ network: 'PG-App' }] },
      { name: 'db01', host: 'esx01.lab.local', toolsStatus: 'toolsNotRunning', nics: [{ network: 'DPG-App', port: { blocked: true, statusDetail: 'Port blocked: guest MAC address change disallowed by security policy' } }] },
      { name: 'db02', host: 'esx01.lab.local', toolsStatus: 'toolsNotRunning', nics: [{ network: 'DPG-App' }] },
    ],
  }],
};

interface Report {
  warnings: string[];
  notes: string[];
  findings: { kind: string; severity: string; vm: { name: string } | null; candidates?: { name: string }[]; summary: string }[];
  history: { vm: { name: string } | null; why: string }[];
}

describe('a VM renamed and another given its name', () => {
  let lab: Lab;
  let soap: RawSoap;
  beforeAll(async () => {
    lab = await startScenario(SCENARIO);
    soap = new RawSoap(lab);
    await soap.login();
  });
  afterAll(() => lab?.stop());

  const swap = async (blocked: string, other: string) => {
    const [oldOne, newOne] = await Promise.all([vmMoref(lab, blocked), vmMoref(lab, other)]);
    await soap.renameVm(oldOne, `${blocked}-old`);
    await soap.renameVm(newOne, blocked);
  };
  const audit = async (...args: string[]) => {
    const run = await vmfix(['audit', '--format', 'json', ...args], lab.env);
    return { code: run.code, report: JSON.parse(run.stdout) as Report };
  };
  const found = (report: Report) => report.findings.map((f) => [f.kind, f.severity, f.vm?.name ?? null]);

  it('standard port: the line naming web01 is web01-old\'s, blocked, not history about the new web01 under "No findings"', async () => {
    await swap('web01', 'web02');
    const { code, report } = await audit('--vm', 'web*');
    expect(found(report)).toEqual([['mac-change-blocked', 'critical', 'web01-old']]);
    expect(report.history).toEqual([]);
    expect(code).toBe(1);
  });

  it('distributed port: the new db01 is not blamed for the old one\'s block; db01-old is the one blocked', async () => {
    await swap('db01', 'db02');
    const { report } = await audit('--vm', 'db*');
    expect(found(report)).toEqual([['mac-change-blocked', 'critical', 'db01-old']]);
    expect(report.notes).toEqual(expect.arrayContaining([expect.stringMatching(/^esx01\.lab\.local: db01, blocked at \S+ \(port 0x[0-9a-f]+\), was renamed to db01-old at \S+: it is db01-old \(vm-\d+\) now/)]));
  });
});
