// A role on a VM and none on the distributed switch its NIC is on: vCenter
// gives the NIC's backing (the switch's uuid, the portgroup's key) and leaves
// the switch and its portgroups out of the user's view. The policy there and
// the port's state are then unknown; "No findings", exit 0 would vouch for them.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };

describe('a NIC on a distributed switch this user is not shown', () => {
  let lab: Lab;
  let dir: string;
  beforeAll(async () => {
    [lab, dir] = await Promise.all([
      startScenario({
        mode: 'vcenter',
        datacenters: [{
          name: 'DC-Hid',
          hosts: [{ name: 'esx-h1', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'Mgmt', vswitch: 'vSwitch0' }] }],
          dvSwitches: [
            { name: 'DSW-Seen', version: '8.0.0', hosts: ['esx-h1'], defaultPortConfig: reject, portgroups: [{ name: 'DPG-Seen' }] },
            { name: 'DSW-Hidden', uuid: '50 0a 0b 0c 0d 0e 0f 10-11 12 13 14 15 16 17 18', version: '8.0.0', hosts: ['esx-h1'], defaultPortConfig: reject, hidden: true, portgroups: [{ name: 'DPG-Hidden' }] },
          ],
          vms: [
            { name: 'app01', host: 'esx-h1', nics: [{ network: 'DPG-Seen' }] },
            { name: 'nlb01', host: 'esx-h1', nics: [{ network: 'Mgmt' }, { network: 'DPG-Hidden' }] },
          ],
        }],
      }),
      mkdtemp(join(tmpdir(), 'vmfix-unseen-network-')),
    ]);
  });
  afterAll(() => lab?.stop());

  const audit = async (...args: string[]) => {
    const run = await vmfix(['audit', '--format', 'json', ...args], { ...lab.env, VMFIX_TEST_CWD: dir });
    return { run, report: JSON.parse(run.stdout) as { findings: unknown[]; warnings: string[] } };
  };

  it('is a warning naming the VM, its NIC and the switch (exit 1), not "No findings" with exit 0', async () => {
    const { run, report } = await audit();
    expect(run.code, run.stderr).toBe(1);
    expect(report.findings).toEqual([]);
    expect(report.warnings).toEqual([
      "nlb01 (vm-*) Network adapter 2 is on a distributed switch this user is not shown (uuid 50 0a 0b 0c 0d 0e 0f 10-11 12 13 14 15 16 17 18): the MAC policy there and the state of its dvPort were not read, so that NIC was judged on guest MACs and vmkernel lines alone; give vmfix's user System.Read on the distributed switch and its portgroups (a read-only role propagated from the network folder) and audit again.".replace('vm-*', report.warnings[0]?.match(/\((vm-\d+)\)/)?.[1] ?? 'vm-?'),
    ]);
  });

  it('a scope without that VM says nothing of it', async () => {
    const { run, report } = await audit('--vm', 'app01');
    expect(run.code, run.stderr).toBe(0);
    expect(report.warnings).toEqual([]);
  });
});
