// Against the lab as vCenter: a VM this user holds no role on (vCenter's
// ContainerView leaves it out) whose dvPort vCenter shows blocked, its
// vmkernel line rotated away. FetchDVPorts still names the VM on the port.
// What a user would notice: not "No findings", exit 0, but a warning that
// names the port and the VM's moref and says to look with an account that
// sees every VM (exit 1), with --host too, where nothing says it is outside.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const HOST = 'esx-v1.vault.example';
const SCENARIO = {
  mode: 'vcenter',
  datacenters: [{
    name: 'DC-Vault', clusters: ['Strong'],
    hosts: [{ name: HOST, cluster: 'Strong', vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: reject }], portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0' }] }],
    dvSwitches: [{ name: 'DSW-Vault', hosts: [HOST], defaultPortConfig: reject, portgroups: [{ name: 'DPG-Teller' }] }],
    vms: [
      { name: 'teller01', host: HOST, nics: [{ network: 'DPG-Teller' }] },
      {
        name: 'ledger01', hidden: true, host: HOST,
        nics: [{ network: 'DPG-Teller', guestMac: '02:00:5e:77:00:01', port: { blocked: true, statusDetail: 'Port blocked: guest MAC address change disallowed by security policy' } }],
      },
    ],
  }, {
    name: 'DC-Branch',
    hosts: [{ name: 'esx-b1.branch.example', vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: reject }], portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0' }] }],
    vms: [{ name: 'kiosk01', host: 'esx-b1.branch.example', nics: [{ network: 'VM Network' }] }],
  }],
};

describe('a blocked dvPort of a VM this vCenter user cannot see', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startScenario(SCENARIO);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('is a warning naming the port and the VM (exit 1), not "No findings" with exit 0', async () => {
    // --vm cannot tell whether the VM is one of those asked about; --host and --datacenter take in its switch.
    for (const scope of [[], ['--host', HOST], ['--datacenter', 'DC-Vault'], ['--vm', 'teller01']]) {
      const run = await vmfix(['audit', '--format', 'json', ...scope], lab.env);
      const report = JSON.parse(run.stdout);
      expect(report.findings).toEqual([]);
      expect(report.warnings).toEqual([expect.stringMatching(/^dvPort \d+ of DSW-Vault is connected to vm-\d+, a VM this vCenter user cannot see \(or a template, which vmfix does not audit\), and was blocked \(dvPort \d+ is blocked: Port blocked: guest MAC address change disallowed by security policy\).*Check with an account that sees every VM\.$/)]);
      expect(run.code).toBe(1);
    }
    // A datacenter whose switches are others is known to be outside it.
    const branch = await vmfix(['audit', '--format', 'json', '--datacenter', 'DC-Branch'], lab.env);
    expect(JSON.parse(branch.stdout).warnings).toEqual([]);
    expect(branch.code).toBe(0);
    const table = await vmfix(['audit'], lab.env);
    expect(table.code).toBe(1);
    expect(table.stdout).not.toMatch(/^No findings on \S+ \(/m);
    expect(table.stdout).toMatch(/could not be read or understood/);
  });
});
