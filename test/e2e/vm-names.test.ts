// Against the lab as vCenter: a vmkernel line naming a VM the inventory does
// not have. Deleted (Destroy_Task: VmRemovedEvent) or renamed (Rename_Task:
// VmRenamedEvent) since, it is a note saying so; named by no VM and no
// event (a VM this vCenter user cannot see), it is a warning and exit 1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, vmMoref, type Lab } from '../helpers/lab.js';
import { startWatch } from '../helpers/watch.js';
import { RawSoap } from './fix-lab.js';

const l2sec = (client: string, port: string) => [
  `{{now-2h}} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client ${client} requested mac address change to 02:bf:0a:00:00:15 on port ${port}, disallowed by vswitch policy`,
  `{{now-2h}} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client ${client} has policy violations on port ${port}. Port is blocked`,
];
const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const host = (name: string, lines: string[]) => ({
  name, cluster: 'C1', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'PG-App', vswitch: 'vSwitch0' }],
  vmkernelLog: { filler: 50, lines },
});

const SCENARIO = {
  datacenters: [{
    name: 'DC1', clusters: ['C1'],
    hosts: [
      host('esx01.lab.local', [...l2sec('web09', '0x6000031'), ...l2sec('app09', '0x6000032')]),
      host('esx02.lab.local', l2sec('ghost01', '0x6000033')),
    ],
    vms: [
      { name: 'web09', host: 'esx01.lab.local', powerState: 'poweredOff', nics: [{ network: 'PG-App' }] },
      { name: 'app09', host: 'esx01.lab.local', nics: [{ network: 'PG-App' }] },
      { name: 'plain01', host: 'esx01.lab.local', nics: [{ network: 'PG-App' }] },
    ],
  }],
};

interface Report { warnings: string[]; notes: string[]; findings: { vm: { name: string } | null; summary: string }[] }

describe('lines naming VMs vCenter does not show', () => {
  let lab: Lab;
  let soap: RawSoap;
  const audit = async (...args: string[]) => {
    const run = await vmfix(['audit', '--format', 'json', ...args], lab.env);
    expect(run.stderr).not.toMatch(/Internal error|at .*\.js:\d+/);
    return { code: run.code, report: JSON.parse(run.stdout) as Report };
  };
  const moref = (name: string) => vmMoref(lab, name);
  beforeAll(async () => {
    lab = await startScenario(SCENARIO);
    soap = new RawSoap(lab);
    await soap.login();
  });
  afterAll(() => lab?.stop());

  it('a VM named by no VM and no removal or rename: a warning to check with an account that sees every VM, exit 1', async () => {
    const { code, report } = await audit('--host', 'esx02.lab.local');
    expect(code).toBe(1);
    expect(report.findings).toEqual([]);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(/^A VM named ghost01 that this vCenter user cannot see \(or that was deleted or renamed before the events read\) was blocked on host esx02\.lab\.local at \S+ \(port 0x6000033\): check with an account that sees every VM\.$/);
  });

  it('watch says the same from its first verdict: the warning, not a note that lets it start all clear', async () => {
    const watching = startWatch(['--format', 'json', '--host', 'esx02.lab.local'], lab.env);
    try {
      const start = await watching.lines.next((l) => l.type === 'watching', 60_000, 'watching line');
      expect(start.warnings).toEqual([expect.stringMatching(/^A VM named ghost01 that this vCenter user cannot see .* was blocked on host esx02\.lab\.local at /)]);
      expect(start.notes.join('\n')).not.toMatch(/ghost01/);
    } finally {
      expect(await watching.stop()).toBe(130);
    }
  });

  it('--vm naming only that VM is refused (exit 2) as matching nothing, in words that do not pass it off as a typo: a VM this user may not view is not listed', async () => {
    for (const command of [['audit'], ['fix', '--dry-run'], ['watch']]) {
      const run = await vmfix([...command, '--vm', 'ghost01'], lab.env);
      expect(run.code, command.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^vmfix: No VM matches --vm 'ghost01'\. If the name is right, check with an account that sees every VM: the inventory holds only the VMs this user may view\.$/m);
    }
  });

  it('vCenter refuses a rename to a name another VM of the folder has (DuplicateName)', async () => {
    await expect(soap.renameVm(await moref('plain01'), 'app09')).rejects.toThrow(/DuplicateName/);
  });

  it('after web09 is deleted and app09 renamed app10: notes saying so, app10 not blamed, exit 0', async () => {
    const app = await moref('app09');
    const web = await moref('web09');
    await soap.destroyVm(web);
    await soap.renameVm(app, 'app10');
    const { code, report } = await audit('--host', 'esx01.lab.local');
    expect(report.warnings).toEqual([]);
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
    expect(report.notes).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^esx01\\.lab\\.local: web09, blocked at \\S+ \\(port 0x6000031\\), was removed from vCenter at \\S+ \\(${web}\\): the line is history\\.$`)),
      expect.stringMatching(new RegExp(`^esx01\\.lab\\.local: app09, blocked at \\S+ \\(port 0x6000032\\), was renamed to app10 at \\S+: it is app10 \\(${app}\\) now, and the line is not tied to any of its NICs now\\.$`)),
    ]));
  });
});
