// NSX segments on a vSphere 7 distributed switch, end to end. NSX Manager
// creates the segment's dvPortgroup (backingType "nsx", ephemeral) and ESXi
// takes "MAC change" from the segment's MAC discovery profile, whatever MAC
// policy vCenter shows for the portgroup. Here vCenter shows Accept and NSX
// refuses: vmfix must report the block, set in NSX, offer only pin-mac, and
// neither change nor clone the segment's portgroup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';
import { dvPortgroup, modifyingCalls, nic, workdir } from './fix-lab.js';

const HOSTS = ['esx-n1.corp.example', 'esx-n2.corp.example'];
const GUEST_MAC = '02:00:5e:10:00:21';
const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };

const scenario = {
  mode: 'vcenter',
  datacenters: [{
    name: 'DC-NSX',
    clusters: ['CL'],
    hosts: HOSTS.map((name) => ({ name, cluster: 'CL', version: '7.0.3', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'Management', vswitch: 'vSwitch0' }] })),
    dvSwitches: [{
      name: 'VDS-NSX', version: '7.0.3', hosts: HOSTS, defaultPortConfig: reject,
      portgroups: [
        { name: 'seg-web', policy: { macChanges: true }, nsx: { macChange: false } },
        { name: 'DPG-App', vlanId: 20 },
      ],
    }],
    vms: [
      { name: 'web01', host: HOSTS[0], nics: [{ network: 'seg-web' }] },
      { name: 'web02', host: HOSTS[1], nics: [{ network: 'seg-web' }] },
      { name: 'app01', host: HOSTS[1], nics: [{ network: 'DPG-App' }] },
    ],
  }],
};

interface Finding {
  kind: string;
  summary: string;
  vm: { name: string } | null;
  portgroup: { name: string } | null;
  policy: { macChanges: string; source: string | null };
  remedies: { strategy: string }[];
  notOffered?: { strategy: string; reason: string }[];
}

let lab: Lab;
let dir: string;

beforeAll(async () => {
  lab = await startScenario(scenario);
  dir = await workdir();
  // The guest moves to another MAC: NSX's profile refuses it, so ESXi blocks the port and logs why.
  expect(await lab.guestMac('web01', 1, GUEST_MAC)).toMatchObject({ blocked: true });
});
afterAll(async () => lab?.stop());

const run = (args: string[]) => vmfix(args, { ...lab.env, VMFIX_TEST_CWD: dir });

describe('a NIC blocked on an NSX segment that vCenter shows as Accept', () => {
  it('is reported blocked, set in NSX, with pin-mac alone and NSX named for the rest', async () => {
    const r = await run(['audit', '--format', 'json']);
    const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
    const web = findings.filter((f) => f.vm?.name === 'web01');
    expect(web).toHaveLength(1);
    expect(web[0]).toMatchObject({ kind: 'mac-change-blocked', policy: { macChanges: 'reject', source: 'nsx' }, portgroup: { name: 'seg-web' } });
    expect(web[0]!.summary).toMatch(/NSX segment "seg-web".*MAC discovery profile/);
    expect(web[0]!.remedies.map((x) => x.strategy)).toEqual(['pin-mac']);
    expect(web[0]!.notOffered!.find((n) => n.strategy === 'dedicated-portgroup')!.reason).toMatch(/NSX Manager/);
    // The Accept vCenter shows on the segment is not an Accept vSphere could tighten.
    expect(findings.filter((f) => f.kind === 'mac-accept-unneeded').map((f) => f.portgroup?.name)).not.toContain('seg-web');
    expect(r.code).toBe(1);
    // As vCenter 7 shows a segment NSX Manager made (what the lab's govmomi client reads back).
    expect(dvPortgroup(await lab.state(), 'seg-web')).toMatchObject({ backingType: 'nsx', type: 'ephemeral', segmentId: '/infra/segments/seg-web' });
  });

  it('says in the table that the policy is set in NSX', async () => {
    const r = await run(['audit']);
    expect(r.stdout).toMatch(/seg-web\s+\(MAC changes reject, set in NSX\)/);
  });

  it('gets no dvPortgroup change or copy of the segment when a vSphere strategy is asked for', async () => {
    for (const strategy of ['portgroup-accept', 'dedicated-portgroup', 'mac-learning']) {
      const r = await run(['fix', '--yes', '--strategy', strategy, '--format', 'json']);
      expect(r.stdout + r.stderr).toMatch(/NSX/);
    }
    expect(await modifyingCalls(lab)).toEqual([]);
  });

  it('is fixed by pin-mac once powered off: the NIC gets the guest MAC and the port forwards at power-on', async () => {
    await lab.power('web01', 'poweredOff');
    const r = await run(['fix', '--yes', '--strategy', 'pin-mac', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(nic(await lab.state(), 'web01')).toMatchObject({ addressType: 'manual', macAddress: GUEST_MAC });
    await lab.power('web01', 'poweredOn');
    const after = JSON.parse((await run(['audit', '--format', 'json'])).stdout) as { findings: Finding[] };
    expect(after.findings.filter((f) => f.vm?.name === 'web01' && f.kind !== 'mac-accept-unneeded')).toEqual([]);
  });
});
