// A standalone ESXi host keeps no VM removal and rename events vmfix reads:
// a blocked line naming a VM the inventory lacks may be a VM this user
// cannot see (ESXi has per-VM permissions), so it is no all-clear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';

const HOST = 'esx02.lab.local';
const l2sec = (n: number) => [
  `{{now-2h}} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client ghost01 requested mac address change to 02:00:00:00:00:99 on port 0x2000009, disallowed by vswitch policy`,
  `{{now-2h}} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client ghost01 has policy violations on port 0x2000009. Port is blocked`,
].slice(0, n);

describe('a standalone ESXi host whose log names a VM the inventory lacks', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startScenario({
      mode: 'esx',
      datacenters: [{
        name: 'ha-datacenter',
        hosts: [{
          name: HOST,
          vswitches: [{ name: 'vSwitch0', policy: { allowPromiscuous: false, macChanges: false, forgedTransmits: false } }],
          portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0' }],
          vmkernelLog: { filler: 5, lines: l2sec(2) },
        }],
        vms: [{ name: 'web01', host: HOST, nics: [{ network: 'VM Network' }] }],
      }],
    });
  }, 120_000);
  afterAll(() => lab?.stop());

  it('is not "No findings", exit 0: a warning says the VM may be one this user cannot see', async () => {
    expect(lab.about.apiType).toBe('HostAgent');
    const run = await vmfix(['audit'], lab.env);
    expect(run.stdout).toMatch(/No findings on \S+, but 1 piece\(s\) of evidence could not be read/);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toMatch(/warning: A standalone ESXi host keeps no VM removal and rename events.*cannot see/);
  }, 120_000);
});
