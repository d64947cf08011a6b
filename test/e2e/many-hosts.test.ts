// A datacenter of more than 255 hosts, as the bench's 500-host lab is: the
// lab gives each host a management address of its own (the 256th once got
// 198.18.0.256, which its own scenario check refused, so the 500-host bench
// could not start), and vmfix reads them all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';

const HOSTS = 300;
const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const name = (i: number) => `esx${String(i).padStart(3, '0')}.big.example`;

describe('a datacenter of 300 hosts', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startScenario({
      mode: 'vcenter',
      datacenters: [{
        name: 'DC-Big',
        hosts: Array.from({ length: HOSTS }, (_, i) => ({
          name: name(i + 1), vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0' }], vmkernelLog: { filler: 1 },
        })),
        vms: [],
      }],
    });
  }, 240_000);
  afterAll(async () => lab?.stop());

  it('starts, and vmfix reads every host', async () => {
    const run = await vmfix(['inventory', '--format', 'json'], lab.env);
    expect(run.code).toBe(0);
    const hosts = (JSON.parse(run.stdout) as { hosts: { name: string }[] }).hosts.map((h) => h.name);
    expect(hosts).toHaveLength(HOSTS);
    expect(hosts).toContain(name(256));
  }, 120_000);
});
