// Against the lab as vCenter: ESXi blocks web01 on a standard port, then web01
// is renamed web01-old and another VM is given the name web01. The line names
// web01 and a port web01-old holds now: the name says one VM, the port the
// other, and nothing in the inventory says which (a port given to another VM
// after the named one left it reads the same), so neither is picked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, vmMoref, type Lab } from '../helpers/lab.js';
import { RawSoap } from './fix-lab.js';

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const SCENARIO = {
  datacenters: [{
    name: 'DC1', clusters: ['C1'],
    hosts: [{ name: 'esx01.lab.local', cluster: 'C1', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'PG-App', vswitch: 'vSwitch0' }] }],
    vms: [
      // Tools not running: no guest MAC tells that its guest changed its MAC.
      { name: 'web01', host: 'esx01.lab.local', toolsStatus: 'toolsNotRunning', nics: [{ network: 'PG-App' }] },
      { name: 'web02', host: 'esx01.lab.local', nics: [{ network: 'PG-App' }] },
    ],
  }],
};

interface Report {
  warnings: string[];
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

  it('a line naming web01 on the port web01-old holds now: a warning naming both, never "No findings" or history about the new web01', async () => {
    expect((await lab.guestMac('web01', 1, '02:bf:0a:00:00:41')).blocked).toBe(true);
    const [oldOne, newOne] = await Promise.all([vmMoref(lab, 'web01'), vmMoref(lab, 'web02')]);
    await soap.renameVm(oldOne, 'web01-old');
    await soap.renameVm(newOne, 'web01');
    const run = await vmfix(['audit', '--format', 'json'], lab.env);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.findings.map((f) => [f.kind, f.severity, f.vm?.name ?? null, f.candidates?.map((c) => c.name)])).toEqual([
      ['mac-change-blocked', 'warning', null, ['web01-old', 'web01']],
    ]);
    expect(report.findings[0]!.summary).toMatch(/^ESXi blocked port 0x[0-9a-f]+ on esx01\.lab\.local \(last at \S+\) of a VM named web01, because its guest changed its MAC; web01-old \(vm-\d+\) holds that port now, and web01 \(vm-\d+\) on esx01\.lab\.local is named web01: .*cannot tell which: check each of them\.$/);
    expect(report.history).toEqual([]);
    expect(run.code).toBe(1);
    // Either VM asked about keeps it.
    for (const vm of ['web01', 'web01-old']) expect((await vmfix(['audit', '--format', 'json', '--vm', vm], lab.env)).code).toBe(1);
  });
});
