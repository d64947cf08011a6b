// vmfix watch when vCenter posts more events between two of its answers than
// the event collector's latestPage holds (100): an NLB failover across many
// VMs, a host's ports reconnecting, the power-ons that come with them. The
// oldest leave the page unseen; a dvPort blocked and released among them shows
// in no dvPort read and, where the host's log cannot be read, nowhere but in
// vCenter's event history. What a user would notice: the block reported all
// the same, once, both when the burst comes between two answers and while
// vCenter restarts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, type Lab } from '../helpers/lab.js';
import { startProxy, type Proxy } from '../helpers/proxy.js';
import { startWatch, type Line, type Watching } from '../helpers/watch.js';

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const HOST = 'esx-b1.plant.example';

const SCENARIO = {
  mode: 'vcenter',
  datacenters: [{
    name: 'DC-Burst',
    // The host's log needs a privilege this user lacks: the events are the only record of a block released since.
    hosts: [{ name: HOST, version: '8.0.2', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'Mgmt', vswitch: 'vSwitch0' }], vmkernelLog: { filler: 20 }, diagnosticLogs: false }],
    dvSwitches: [{ name: 'DSW-Burst', version: '8.0.0', hosts: [HOST], defaultPortConfig: reject, portgroups: [{ name: 'DPG-NLB', vlanId: 60 }] }],
    vms: [
      { name: 'nlb01', host: HOST, nics: [{ network: 'DPG-NLB', mac: '00:50:56:9a:b0:01' }] },
      { name: 'nlb02', host: HOST, nics: [{ network: 'DPG-NLB', mac: '00:50:56:9a:b0:02' }] },
      { name: 'nlb03', host: HOST, nics: [{ network: 'DPG-NLB', mac: '00:50:56:9a:b0:05' }] },
      { name: 'gw01', host: HOST, nics: [{ network: 'DPG-NLB', mac: '00:50:56:9a:b0:03' }] },
      { name: 'churn01', host: HOST, nics: [{ network: 'DPG-NLB', mac: '00:50:56:9a:b0:04' }] },
    ],
  }],
};

const about = (vm: string) => (l: Line) => ['new', 'changed'].includes(l.type) && l.finding?.vm?.name === vm;

describe('vmfix watch, a burst of events larger than latestPage', () => {
  let lab: Lab;
  let proxy: Proxy;

  beforeAll(async () => {
    lab = await startScenario(SCENARIO);
    proxy = await startProxy(lab);
  });
  afterAll(async () => {
    await proxy?.stop();
    await lab?.stop();
  });

  /** Blocked at failover, released at failback: in vCenter's events only. */
  const blockAndRelease = async (vm: string, mac: string, own: string) => {
    expect(await lab.guestMac(vm, 1, mac)).toMatchObject({ blocked: true });
    expect(await lab.guestMac(vm, 1, own)).toMatchObject({ blocked: false });
  };
  /** Each cycle posts VmPoweredOffEvent, VmPoweredOnEvent and DvsPortConnectedEvent, all watched: 50 push the block off a page of 100. */
  const churn = async (cycles: number) => {
    for (let i = 0; i < cycles; i++) {
      await lab.power('churn01', 'poweredOff');
      await lab.power('churn01', 'poweredOn');
    }
  };

  /** Watch through the proxy, its first long poll after the start held: what happens meanwhile reaches it in one answer. */
  const watchHeld = async (current: string[], logInterval = 60): Promise<{ watching: Watching; release: () => void }> => {
    proxy.clear();
    proxy.reset();
    proxy.inject({ method: 'WaitForUpdatesEx', nth: 2, fault: { kind: 'hold', stage: 'before' } });
    const watching = startWatch(['--format', 'json', '--log-interval', String(logInterval)], proxy.env);
    const held = await proxy.nextHold();
    const start = await watching.lines.next((l) => l.type === 'watching', 30_000, 'watching line');
    // What the user was told is missing: the host's log, not the events.
    expect(start.warnings).toEqual([expect.stringMatching(/vmkernel logs could not be read on esx-b1\.plant\.example \(NoPermission/)]);
    expect(watching.lines.all.filter((l) => l.type === 'current').map((l) => l.finding.vm.name)).toEqual(current);
    return { watching, release: () => held.release() };
  };

  it('between two answers: the block that left the page is reported, from the event history, once', async () => {
    const { watching, release } = await watchHeld([]);
    try {
      await blockAndRelease('nlb01', '02:bf:0a:00:b0:01', '00:50:56:9a:b0:01');
      await churn(50);
      release();
      const line = await watching.lines.next(about('nlb01'), 20_000, 'report of nlb01');
      expect(line.type).toBe('new');
      expect(line.finding).toMatchObject({ kind: 'mac-change-blocked', nic: { label: 'Network adapter 1' }, portgroup: { name: 'DPG-NLB' } });
      expect(line.finding.evidence.map((e: { type: string }) => e.type)).toEqual(['dvport-event']);
      // Nothing counted twice: the next answers (the page again, now reaching back to keys taken) change nothing.
      await churn(2);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(watching.lines.all.filter((l) => l.finding?.vm?.name === 'nlb01')).toHaveLength(1);
      expect(watching.lines.all.filter((l) => l.type === 'warning')).toEqual([]);
    } finally {
      expect(await watching.stop('SIGINT')).toBe(130);
    }
  });

  it('while vCenter restarts: the resync reads the history from before the new page, not from the newest block on it', async () => {
    const { watching, release } = await watchHeld(['nlb01']);
    try {
      await blockAndRelease('nlb02', '02:bf:0a:00:b0:02', '00:50:56:9a:b0:02');
      await churn(50);
      // A block at the end of the burst, still held: the new page has it, and it is newer than nlb02's.
      expect(await lab.guestMac('gw01', 1, '02:bf:0a:00:b0:03')).toMatchObject({ blocked: true });
      await lab.restart(0);
      release();
      const reported = [await watching.lines.next((l) => about('nlb02')(l) || about('gw01')(l), 60_000, 'a report after the restart')];
      reported.push(await watching.lines.next((l) => (about('nlb02')(l) || about('gw01')(l)) && !reported.includes(l), 10_000, 'the other report'));
      expect(reported.map((l) => [l.finding.vm.name, l.type, l.finding.kind]).sort()).toEqual([['gw01', 'new', 'mac-change-blocked'], ['nlb02', 'new', 'mac-change-blocked']]);
      expect(reported.find((l) => l.finding.vm.name === 'nlb02')!.finding.evidence.map((e: { type: string }) => e.type)).toEqual(['dvport-event']);
      expect(watching.stderr()).toContain('Reading vCenter again in full');
    } finally {
      expect(await watching.stop('SIGINT')).toBe(130);
    }
  });

  it('the history read refused: a warning, not the end of the watch; read at the next --log-interval once allowed, and the block reported', async () => {
    const { watching, release } = await watchHeld(['gw01', 'nlb01', 'nlb02'], 2);
    try {
      await blockAndRelease('nlb03', '02:bf:0a:00:b0:05', '00:50:56:9a:b0:05');
      await churn(50);
      proxy.inject({ method: 'CreateCollectorForEvents', fault: { kind: 'soap-fault', type: 'NoPermission', message: 'Permission to perform this operation was denied.' } });
      release();
      const warning = await watching.lines.next((l) => l.type === 'warning', 20_000, 'the warning that the events could not be read');
      expect(warning.warning).toMatch(/^vCenter's dvPort block events could not be read \(NoPermission\)/);
      expect(watching.lines.all.some(about('nlb03'))).toBe(false);
      proxy.clear();
      const line = await watching.lines.next(about('nlb03'), 20_000, 'report of nlb03 once the history is read');
      expect(line.finding.evidence.map((e: { type: string }) => e.type)).toEqual(['dvport-event']);
      expect(watching.child.exitCode).toBeNull();
    } finally {
      expect(await watching.stop('SIGINT')).toBe(130);
    }
  });
});
