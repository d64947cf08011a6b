// Against the lab as vCenter: a VM renamed (Rename_Task) to a name with a /,
// which vCenter stores escaped (%2f). --vm takes the name as the vSphere
// Client shows it, and a glob's ? or * is not stopped by the /.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, vmMoref, type Lab } from '../helpers/lab.js';
import { RawSoap } from './fix-lab.js';

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const SCENARIO = {
  datacenters: [{
    name: 'DC1', clusters: ['C1'],
    hosts: [{
      name: 'esx01.lab.local', cluster: 'C1', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'PG-SQL', vswitch: 'vSwitch0' }],
      vmkernelLog: { filler: 50, lines: [] },
    }],
    // Both guests use a MAC other than their vNIC's under Reject: each is at risk.
    vms: ['sql-node-a', 'sql-node-b'].map((name, i) => ({ name, host: 'esx01.lab.local', nics: [{ network: 'PG-SQL', guestMac: `02:00:00:00:00:0${i + 1}` }] })),
  }],
};

interface Report { findings: { vm: { name: string } | null }[] }

describe('--vm and a VM whose name has a /', () => {
  let lab: Lab;
  const vms = async (...patterns: string[]) => {
    const run = await vmfix(['audit', '--format', 'json', ...patterns.flatMap((p) => ['--vm', p])], lab.env);
    expect(run.stderr).not.toMatch(/Internal error|at .*\.js:\d+/);
    return { code: run.code, names: (JSON.parse(run.stdout) as Report).findings.map((f) => f.vm?.name).sort() };
  };
  beforeAll(async () => {
    lab = await startScenario(SCENARIO);
    const soap = new RawSoap(lab);
    await soap.login();
    const moref = await vmMoref(lab, 'sql-node-a');
    await soap.renameVm(moref, 'sql/node-a');
  });
  afterAll(() => lab?.stop());

  it('is taken by its name as the vSphere Client shows it', async () => {
    expect(await vms('sql/node-a')).toEqual({ code: 1, names: ['sql%2fnode-a'] });
  });

  it('is taken by a glob whose ? stands for the /, with the VM it was meant beside', async () => {
    expect(await vms('sql?node-?')).toEqual({ code: 1, names: ['sql%2fnode-a', 'sql-node-b'] });
  });

  it('is still taken by the name vmfix prints', async () => {
    expect(await vms('sql%2fnode-a')).toEqual({ code: 1, names: ['sql%2fnode-a'] });
  });
});
