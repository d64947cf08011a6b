// A distributed switch older than 6.6.0 has no MAC learning: vCenter's
// capability.featuresSupported.macLearningSupported (a "version-specific"
// feature) says so, and fix must not offer a remedy the switch cannot take.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const SCENARIO = {
  datacenters: [{
    name: 'DC1', clusters: ['C1'],
    hosts: [{ name: 'esx01.lab.local', cluster: 'C1', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [], vmkernelLog: { filler: 5, lines: [] } }],
    dvSwitches: [{ name: 'DSwitch65', version: '6.5.0', hosts: ['esx01.lab.local'], defaultPortConfig: reject, portgroups: [{ name: 'DPG-Web' }] }],
    vms: [
      { name: 'web01', host: 'esx01.lab.local', nics: [{ network: 'DPG-Web', mac: '00:50:56:aa:00:01' }] },
      { name: 'web02', host: 'esx01.lab.local', nics: [{ network: 'DPG-Web', mac: '00:50:56:aa:00:02' }] },
    ],
  }],
};

describe('a DVS 6.5.0', () => {
  let lab: Lab;
  beforeAll(async () => { lab = await startScenario(SCENARIO); }, 120_000);
  afterAll(async () => { await lab?.stop(); });

  it('fix --dry-run offers no mac-learning for its NICs, and says why', async () => {
    await lab.guestMac('web01', 1, '02:00:00:00:00:01');
    const json = await vmfix(['audit', '--format', 'json'], lab.env);
    const finding = JSON.parse(json.stdout).findings.find((f: { vm: { name: string } }) => f.vm.name === 'web01');
    expect(finding.remedies.map((r: { strategy: string }) => r.strategy)).not.toContain('mac-learning');
    expect(finding.notOffered).toContainEqual({ strategy: 'mac-learning', reason: 'DSwitch65 is DVS 6.5.0; MAC learning needs 6.6+' });
    const dry = await vmfix(['fix', '--dry-run', '--yes'], lab.env);
    expect(dry.stdout + dry.stderr).not.toMatch(/mac-learning(?! not offered)/);
  }, 120_000);
});
