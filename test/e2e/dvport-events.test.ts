// The online audit reads vCenter's DvsPortBlockedEvent history inside
// --since: a port blocked and released since is still a finding on the NIC
// it is connected to (the next failover blocks it again), with nothing else
// to show it (no log read here); once the VM is powered on anew or the
// policy allows the MAC, the block is history; a NIC unticked "Connected" is
// on no live port, but ticked again its block stands.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };

describe('dvPort block events in the audit', () => {
  let lab: Lab;
  let dir: string;
  beforeAll(async () => {
    [lab, dir] = await Promise.all([
      startScenario({
        mode: 'vcenter',
        datacenters: [{
          name: 'DC-Port',
          hosts: [{ name: 'esx-p1.port.example', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'Mgmt', vswitch: 'vSwitch0' }] }],
          dvSwitches: [{ name: 'DSW-Port', version: '8.0.0', hosts: ['esx-p1.port.example'], defaultPortConfig: reject, portgroups: [{ name: 'DPG-Cluster' }] }],
          vms: [
            { name: 'sql-n1', host: 'esx-p1.port.example', nics: [{ network: 'DPG-Cluster', mac: '00:50:56:9a:00:01' }] },
            { name: 'sql-n2', host: 'esx-p1.port.example', nics: [{ network: 'DPG-Cluster', mac: '00:50:56:9a:00:02' }] },
            { name: 'sql-n3', host: 'esx-p1.port.example', nics: [{ network: 'DPG-Cluster', mac: '00:50:56:9a:00:03' }] },
          ],
        }],
      }),
      mkdtemp(join(tmpdir(), 'vmfix-events-')),
    ]);
  });
  afterAll(() => lab?.stop());

  const audit = async () => {
    const run = await vmfix(['audit', '--format', 'json', '--log-lines', '0'], { ...lab.env, VMFIX_TEST_CWD: dir });
    return { code: run.code, report: JSON.parse(run.stdout) as { findings: any[]; history: any[] } };
  };

  it('a port blocked at failover and released since is a finding on its NIC, from the event alone', async () => {
    await lab.guestMac('sql-n1', 1, '02:bf:0a:00:00:31');
    await lab.guestMac('sql-n1', 1, '00:50:56:9a:00:01'); // failed back: the port is released
    const { code, report } = await audit();
    expect(code).toBe(1);
    expect(report.findings.map((f) => [f.vm?.name, f.kind])).toEqual([['sql-n1', 'mac-change-blocked']]);
    const evidence = report.findings[0].evidence;
    expect(evidence.map((e: { type: string }) => e.type)).toEqual(['dvport-event']);
    expect(evidence[0]).toMatchObject({ dvs: 'DSW-Port', releasedAt: expect.stringMatching(/^\d{4}-/) });
  });

  it('a port blocked and released before the VM was powered off and on again is history, not a finding: its ports were connected anew', async () => {
    await lab.guestMac('sql-n2', 1, '02:bf:0a:00:00:32');
    await lab.guestMac('sql-n2', 1, '00:50:56:9a:00:02');
    // Beyond the minute a host's clock may trail vCenter's (runtime.bootTime is the host's), as for log lines.
    await new Promise((done) => setTimeout(done, 62_000));
    await lab.power('sql-n2', 'poweredOff');
    await lab.power('sql-n2', 'poweredOn');
    const { report } = await audit();
    expect(report.findings.filter((f) => f.vm?.name === 'sql-n2')).toEqual([]);
    expect(report.history).toEqual([expect.objectContaining({ vm: expect.objectContaining({ name: 'sql-n2' }), why: expect.stringContaining("older than sql-n2's power-on") })]);
  }, 120_000);

  it('"Connected" unticked: the block is history; ticked again (the link comes up, no NIC takes the port anew), it stands, and a new block joins it', async () => {
    await lab.guestMac('sql-n3', 1, '02:bf:0a:00:00:33');
    await lab.guestMac('sql-n3', 1, '00:50:56:9a:00:03');
    await lab.nicConnected('sql-n3', 1, false);
    const off = await audit();
    expect(off.report.findings.filter((f) => f.vm?.name === 'sql-n3')).toEqual([]);
    expect(off.report.history).toEqual(expect.arrayContaining([expect.objectContaining({ vm: expect.objectContaining({ name: 'sql-n3' }), why: 'Network adapter 1 is disconnected now' })]));

    // The guest that changed its MAC at failover still will at the next: a link coming up retires nothing.
    await lab.nicConnected('sql-n3', 1, true);
    const back = await audit();
    expect(back.report.findings.filter((f) => f.vm?.name === 'sql-n3').map((f) => f.kind)).toEqual(['mac-change-blocked']);

    await lab.guestMac('sql-n3', 1, '02:bf:0a:00:00:34');
    await lab.guestMac('sql-n3', 1, '00:50:56:9a:00:03');
    const again = await audit();
    const found = again.report.findings.filter((f) => f.vm?.name === 'sql-n3');
    expect(found.map((f) => f.kind)).toEqual(['mac-change-blocked']);
    expect(found[0].evidence.map((e: { type: string }) => e.type)).toEqual(['dvport-event', 'dvport-event']);
  });

  it('once the dvPortgroup accepts MAC changes, the block is history', async () => {
    expect((await vmfix(['fix', '--yes', '--strategy', 'portgroup-accept', '--vm', 'sql-n1', '--format', 'json'], { ...lab.env, VMFIX_TEST_CWD: dir })).code).toBe(0);
    const { report } = await audit();
    expect(report.findings.filter((f) => f.vm)).toEqual([]);
    expect(report.history).toEqual(expect.arrayContaining([expect.objectContaining({ vm: expect.objectContaining({ name: 'sql-n1' }), why: expect.stringContaining('Accept') })]));
  });
});
