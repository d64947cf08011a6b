// A dvPort blocked and released inside --since shows in vCenter's events
// alone. What keeps those events from being read must not end "No findings":
// a session lost between making the EventHistoryCollector and reading it
// (the collector goes with it) is read again; a refusal is a warning.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';
import { startProxy, type Proxy, type Rule } from '../helpers/proxy.js';

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };

describe('dvPort block events that could not be read', () => {
  let lab: Lab;
  let proxy: Proxy;
  let dir: string;
  beforeAll(async () => {
    [lab, dir] = await Promise.all([
      startScenario({
        mode: 'vcenter',
        datacenters: [{
          name: 'DC-Ev',
          hosts: [{ name: 'esx-e1', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'Mgmt', vswitch: 'vSwitch0' }] }],
          dvSwitches: [{ name: 'DSW-Ev', version: '8.0.0', hosts: ['esx-e1'], defaultPortConfig: reject, portgroups: [{ name: 'DPG-Ev' }] }],
          vms: [{ name: 'nlb01', host: 'esx-e1', nics: [{ network: 'DPG-Ev', mac: '00:50:56:9a:e0:01' }] }],
        }],
      }),
      mkdtemp(join(tmpdir(), 'vmfix-event-gaps-')),
    ]);
    proxy = await startProxy(lab);
    // Blocked at failover, released at failback: only vCenter's events still tell.
    await lab.guestMac('nlb01', 1, '02:bf:0a:00:e0:01');
    await lab.guestMac('nlb01', 1, '00:50:56:9a:e0:01');
  });
  afterAll(async () => {
    await proxy?.stop();
    await lab?.stop();
  });

  const audit = async (rule: Rule) => {
    proxy.clear();
    proxy.reset();
    proxy.inject(rule);
    // No log read: the events are the only evidence of the block.
    const run = await vmfix(['audit', '--format', 'json', '--log-lines', '0'], { ...proxy.env, VMFIX_TEST_CWD: dir });
    return { run, report: JSON.parse(run.stdout) as { findings: { vm?: { name: string }; kind: string; evidence: { type: string }[] }[]; warnings: string[]; notes: string[] } };
  };

  it('the session expiring between CreateCollectorForEvents and ReadNextEvents: logged in again, the history read again, the finding stands', async () => {
    const { run, report } = await audit({ method: 'ReadNextEvents', fault: { kind: 'expire' } });
    expect(run.code, run.stderr).toBe(1);
    expect(report.findings.map((f) => [f.vm?.name, f.kind, f.evidence.map((e) => e.type)])).toEqual([['nlb01', 'mac-change-blocked', ['dvport-event']]]);
    expect(report.warnings).toEqual([]);
    expect(proxy.count('Login')).toBe(2);
    // The blocks' collector twice (the second in the new session), then the connections' once: a port was blocked.
    expect(proxy.count('CreateCollectorForEvents')).toBe(3);
  });

  it('vCenter restarting while the history is read (503, then every session gone): the same finding, in a new session', async () => {
    proxy.clear();
    proxy.reset();
    proxy.inject({ method: 'ReadNextEvents', fault: { kind: 'hold', stage: 'before' } });
    const running = vmfix(['audit', '--format', 'json', '--log-lines', '0'], { ...proxy.env, VMFIX_TEST_CWD: dir });
    const held = await proxy.nextHold();
    await lab.restart(0.3);
    held.release();
    const run = await running;
    const report = JSON.parse(run.stdout) as { findings: { vm?: { name: string }; kind: string }[]; warnings: string[] };
    expect(run.code, run.stderr).toBe(1);
    expect(report.findings.map((f) => [f.vm?.name, f.kind])).toEqual([['nlb01', 'mac-change-blocked']]);
    expect(report.warnings).toEqual([]);
    expect(proxy.count('Login')).toBe(2);
  });

  it('events refused: a warning that says what is not known, exit 1, never "No findings" with exit 0', async () => {
    const { run, report } = await audit({
      method: 'CreateCollectorForEvents',
      fault: { kind: 'soap-fault', type: 'NoPermission', message: 'Permission to perform this operation was denied.', detail: '<object type="EventManager">EventManager</object><privilegeId>System.View</privilegeId>' },
    });
    expect(run.code, run.stderr).toBe(1);
    expect(report.findings).toEqual([]);
    expect(report.warnings).toEqual([expect.stringMatching(/^vCenter's dvPort block events could not be read \(NoPermission\); a dvPort blocked and released inside --since is not reported/)]);
  });

  it('dvPorts refused on the switch: a warning naming it (exit 1)', async () => {
    const { run, report } = await audit({
      method: 'FetchDVPorts',
      fault: { kind: 'soap-fault', type: 'NoPermission', message: 'Permission to perform this operation was denied.', detail: '<object type="VmwareDistributedVirtualSwitch">dvs-1</object><privilegeId>System.Read</privilegeId>' },
    });
    expect(run.code, run.stderr).toBe(1);
    expect(report.warnings).toEqual(['dvPort state of DSW-Ev could not be read (NoPermission); blocked dvPorts there are not reported.']);
  });
});
