// --vm narrows which findings a ticket addresses, never who a change reaches:
// an Accept on a shared portgroup or vSwitch exposes the VMs out of scope too,
// and the change board must be told so, as the audit's blast radius does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';

const scenario = {
  datacenters: [{
    name: 'DC1',
    clusters: ['C1'],
    hosts: [{
      name: 'esx01.lab', cluster: 'C1', version: '8.0.2',
      vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: { allowPromiscuous: false, macChanges: false, forgedTransmits: false } }],
      portgroups: [{ name: 'Web', vswitch: 'vSwitch0', vlanId: 10 }, { name: 'Apps', vswitch: 'vSwitch0', vlanId: 20 }],
    }],
    vms: [
      { name: 'web01', host: 'esx01.lab', nics: [{ network: 'Web', guestMac: '02:00:00:00:00:01' }] },
      { name: 'web-bystander', host: 'esx01.lab', nics: [{ network: 'Web' }] },
      { name: 'app-bystander', host: 'esx01.lab', nics: [{ network: 'Apps' }] },
    ],
  }],
};

describe('fix --dry-run --vm NAME', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startScenario(scenario);
  });
  afterAll(() => lab?.stop());

  it('names the VMs out of scope that a shared Accept reaches, and rates the risk by them', async () => {
    const r = await vmfix(['fix', '--dry-run', '--vm', 'web01', '--strategy', 'vswitch-accept', '--format', 'json'], lab.env);
    expect(r.code).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(t.risk.level).toBe('high');
    expect(t.risk.reasons[0]).toContain('2 VMs not involved (app-bystander, web-bystander)');
    expect(t.affected.vms).toEqual(['app-bystander', 'web-bystander', 'web01']);
  });

  it('portgroup-accept likewise names the VM sharing the portgroup', async () => {
    const r = await vmfix(['fix', '--dry-run', '--vm', 'web01', '--strategy', 'portgroup-accept', '--format', 'json'], lab.env);
    const t = JSON.parse(r.stdout);
    expect(t.risk.reasons[0]).toContain('1 VM not involved (web-bystander)');
  });
});
