// vmfix watch end to end, on the lab: guests change their MACs while it
// runs (ESXi blocks and logs, vCenter posts its events), another vmfix fixes
// them, vCenter restarts under it, and Ctrl-C stops it. What a user would
// notice: each change reported once, within seconds, on stdout as JSON Lines
// and at the webhook; nothing reported twice after the restart, nothing
// missed while vCenter was down; exit 130 with no collector left behind.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_PASSWORD, startScenario, vmfix, type Lab } from '../helpers/lab.js';
import { startReceiver, startWatch, WEBHOOK_CA_FILE, type Line, type Receiver, type Watching } from '../helpers/watch.js';

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const HOSTS = ['esx-w1.plant.example', 'esx-w2.plant.example'];
/** Reported within this long of the lab's change: the "within a few seconds". */
const PROMPTLY_MS = 5000;

const SCENARIO = {
  mode: 'vcenter',
  datacenters: [{
    name: 'DC-Plant',
    clusters: ['Line-A'],
    hosts: HOSTS.map((name) => ({
      name, cluster: 'Line-A', version: '8.0.2',
      vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: reject }],
      portgroups: [{ name: 'SCADA-NLB', vswitch: 'vSwitch0', vlanId: 40 }, { name: 'Office', vswitch: 'vSwitch0', vlanId: 41 }],
      vmkernelLog: { filler: 200, spanHours: 48 },
    })),
    dvSwitches: [{
      name: 'DSW-Plant', version: '8.0.0', hosts: HOSTS, defaultPortConfig: reject,
      portgroups: [{ name: 'DPG-Historian', vlanId: 50 }, { name: 'DPG-MES', vlanId: 51 }],
    }],
    vms: [
      { name: 'hmi01', host: HOSTS[0], nics: [{ network: 'SCADA-NLB' }, { network: 'Office', type: 'e1000e' }] },
      { name: 'hmi02', host: HOSTS[1], nics: [{ network: 'SCADA-NLB' }] },
      { name: 'hist01', host: HOSTS[0], nics: [{ network: 'DPG-Historian' }] },
      { name: 'hist02', host: HOSTS[1], nics: [{ network: 'DPG-Historian' }] },
      { name: 'mes01', host: HOSTS[1], nics: [{ network: 'DPG-MES' }] },
      { name: 'eng01', host: HOSTS[1], nics: [{ network: 'Office' }] },
      // Blocked before watch starts: its guest already sends from another MAC.
      { name: 'gw01', host: HOSTS[0], nics: [{ network: 'DPG-MES', guestMac: '02:00:5e:10:00:01', port: { blocked: true, statusDetail: 'Port blocked: guest MAC address change disallowed by security policy' } }] },
    ],
  }],
};

const about = (vm: string, type: string) => (l: Line) => l.type === type && l.finding?.vm?.name === vm;
const withoutSeenAt = ({ seenAt: _, ...rest }: Line) => rest;
/** The expected lines in the order they came (two changes of one verdict may come in either order). */
const byOrderIn = (lines: Line[]) => (a: string, b: string) => {
  const at = (text: string) => lines.findIndex((l) => text.endsWith(l.finding.vm?.name ?? l.finding.host?.name) && text.startsWith(`${l.type} ${l.finding.kind}`));
  return at(a) - at(b);
};

describe('vmfix watch', () => {
  let lab: Lab;
  let receiver: Receiver;
  let dir: string;
  let watching: Watching;

  beforeAll(async () => {
    [lab, receiver, dir] = await Promise.all([startScenario(SCENARIO), startReceiver(), mkdtemp(join(tmpdir(), 'vmfix-watch-'))]);
    watching = startWatch(['--format', 'json', '--log-interval', '1', '--webhook', receiver.url, '--webhook-ca-file', WEBHOOK_CA_FILE], lab.env);
    await watching.lines.next((l) => l.type === 'watching', 60_000, 'watching line');
  });
  afterAll(async () => {
    watching?.child.kill('SIGKILL');
    await Promise.all([lab?.stop(), receiver?.close()]);
  });

  it('starts with the current state, one line per finding, then a line that says it watches', () => {
    const [first, start] = [watching.lines.all.filter((l) => l.type === 'current'), watching.lines.all.find((l) => l.type === 'watching')!];
    expect(first.map((l) => [l.finding.vm.name, l.finding.kind])).toEqual([['gw01', 'mac-change-blocked']]);
    expect(first[0]).toMatchObject({ schemaVersion: 1, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(start).toMatchObject({ schemaVersion: 1, summary: { findings: 1, critical: 1, vmsScanned: 7, hostsScanned: 2 }, evidence: { logs: 2, dvSwitches: 1 } });
    // The initial state is not a change: nothing was posted.
    expect(receiver.bodies.all).toEqual([]);
  });

  it('a guest that changes its MAC on a dvPort is reported blocked within seconds, on stdout and at the webhook, with the evidence and the narrowest fix', async () => {
    const injected = Date.now();
    expect(await lab.guestMac('hist01', 1, '02:00:5e:10:00:11')).toMatchObject({ blocked: true });
    const line = await watching.lines.next(about('hist01', 'new'), PROMPTLY_MS, 'report of hist01');
    expect(line.seenAt - injected).toBeLessThan(PROMPTLY_MS);
    expect(line.finding).toMatchObject({
      kind: 'mac-change-blocked', severity: 'critical',
      nic: { label: 'Network adapter 1', guestMac: '02:00:5e:10:00:11' },
      portgroup: { name: 'DPG-Historian' }, policy: { macChanges: 'reject', source: 'dvs' },
    });
    expect(line.finding.evidence.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['dvport-blocked', 'dvport-event', 'guest-mac-mismatch']));
    expect(line.finding.remedies[0].strategy).toBe('pin-mac');
    const posted = await receiver.bodies.next(about('hist01', 'new'), PROMPTLY_MS, 'webhook post of hist01');
    expect(withoutSeenAt(posted)).toEqual(withoutSeenAt(line));
  });

  it('on a standard port the block is reported once, as blocked, with the vmkernel lines ESXi wrote', async () => {
    const injected = Date.now();
    await lab.guestMac('hmi01', 1, '02:bf:0a:28:00:15');
    const line = await watching.lines.next(about('hmi01', 'new'), PROMPTLY_MS, 'report of hmi01');
    expect(line.seenAt - injected).toBeLessThan(PROMPTLY_MS);
    expect(line.finding).toMatchObject({ kind: 'mac-change-blocked', nic: { label: 'Network adapter 1' }, portgroup: { name: 'SCADA-NLB' }, policy: { source: 'vswitch' } });
    expect(line.finding.evidence.some((e: { type: string; line?: string }) => e.type === 'vmkernel-log' && e.line!.includes('client hmi01 requested mac address change to 02:bf:0a:28:00:15'))).toBe(true);
  });

  it('fixes made by another vmfix are reported resolved; an Accept opened where no guest needs it is reported too', async () => {
    const fix = (vm: string, strategy: string) => vmfix(['fix', '--yes', '--strategy', strategy, '--vm', vm, '--format', 'json'], { ...lab.env, VMFIX_TEST_CWD: dir });
    expect((await fix('hist01', 'dedicated-portgroup')).code).toBe(0);
    const hist = await watching.lines.next(about('hist01', 'resolved'), 10_000, 'hist01 resolved');
    expect(hist.finding.kind).toBe('mac-change-blocked');
    await receiver.bodies.next(about('hist01', 'resolved'), PROMPTLY_MS, 'webhook post of hist01 resolved');

    // portgroup-accept opens SCADA-NLB on every host of the cluster (so vMotion keeps working): on
    // esx-w2 no guest changes its MAC, and the audit says that Accept is not needed there.
    expect((await fix('hmi01', 'portgroup-accept')).code).toBe(0);
    await watching.lines.next(about('hmi01', 'resolved'), 10_000, 'hmi01 resolved');
    // An unneeded Accept is reported once it has held for 10 s (a fix in progress passes through such states).
    await watching.lines.next((l) => l.type === 'new' && l.finding.kind === 'mac-accept-unneeded', 15_000, 'the unneeded Accept');
    const changes = watching.lines.all.filter((l) => l.type !== 'current' && l.type !== 'watching');
    // The new dvPortgroup was Accept for a moment before hist01's NIC moved to it: not worth a report.
    expect(changes.map((l) => `${l.type} ${l.finding.kind} ${l.finding.vm?.name ?? l.finding.host?.name}`)).toEqual([
      'new mac-change-blocked hist01', 'new mac-change-blocked hmi01', 'resolved mac-change-blocked hist01',
      'new mac-accept-unneeded esx-w2.plant.example', 'resolved mac-change-blocked hmi01',
    ].sort(byOrderIn(changes)));
    // hmi01's other NIC and hmi02 (on the same portgroup, on the other host) were never blamed.
    expect(watching.lines.rest().filter((l) => l.type === 'new' && l.finding.vm)).toEqual([]);
  });

  it('a vCenter restart in the middle: what changed while it was down is reported once, nothing is reported twice, and it keeps watching', async () => {
    await lab.restart(4);
    // While vCenter is down, guests go on changing MACs (ESXi still blocks and logs).
    await lab.guestMac('eng01', 1, '02:bf:0a:28:00:16');
    await lab.guestMac('mes01', 1, '02:00:5e:10:00:21');
    const either = (l: Line) => about('eng01', 'new')(l) || about('mes01', 'new')(l);
    const reported = [await watching.lines.next(either, 60_000, 'a change after the restart'), await watching.lines.next(either, 10_000, 'the other change')];
    expect(reported.map((l) => `${l.finding.vm.name} ${l.finding.kind}`).sort()).toEqual(['eng01 mac-change-blocked', 'mes01 mac-change-blocked']);
    // The logs may tell first; the full resync of vCenter follows, and must report nothing again.
    for (let waited = 0; !/Reading vCenter again in full/.test(watching.stderr()) && waited < 30_000; waited += 250) await new Promise((r) => setTimeout(r, 250));
    expect(watching.stderr()).toMatch(/Reading vCenter again in full/);
    await new Promise((r) => setTimeout(r, 3000));
    expect(watching.lines.rest()).toEqual([]);

    const injected = Date.now();
    await lab.guestMac('hist02', 1, '02:00:5e:10:00:12');
    const line = await watching.lines.next(about('hist02', 'new'), PROMPTLY_MS, 'hist02 after the restart');
    expect(line.seenAt - injected).toBeLessThan(PROMPTLY_MS);
    await receiver.bodies.next(about('hist02', 'new'), PROMPTLY_MS, 'webhook post of hist02');
    // Every change was posted once: none twice after the restart.
    const posted = receiver.bodies.all.map((b) => `${b.type} ${b.finding.id}`);
    expect(new Set(posted).size).toBe(posted.length);
    expect(posted.length).toBe(watching.lines.all.filter((l) => l.type !== 'current' && l.type !== 'watching').length);
  }, 120_000);

  it('SIGINT: collectors destroyed before the logout, exit 130, no collector left in vCenter; nothing secret printed or posted', async () => {
    const mine = (await lab.collectors()).filter((c) => c.user === lab.username);
    expect(mine.map((c) => [c.type, c.filters])).toEqual(expect.arrayContaining([['PropertyCollector', 2], ['EventHistoryCollector', undefined]]));
    const before = (await lab.calls()).length;
    expect(await watching.stop('SIGINT')).toBe(130);
    expect(await lab.collectors()).toEqual([]);
    const calls = (await lab.calls()).slice(before).map((c) => `${c.method} ${c.this}`);
    const pc = mine.find((c) => c.type === 'PropertyCollector')!.moref;
    const events = mine.find((c) => c.type === 'EventHistoryCollector')!.moref;
    const logout = calls.findIndex((c) => c.startsWith('Logout'));
    expect(calls.indexOf(`DestroyPropertyCollector ${pc}`)).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf(`DestroyCollector ${events}`)).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf(`DestroyPropertyCollector ${pc}`)).toBeLessThan(logout);
    expect(calls.indexOf(`DestroyCollector ${events}`)).toBeLessThan(logout);

    const everything = [watching.stdout(), watching.stderr(), ...receiver.raw].join('\n');
    expect(everything).not.toContain(LAB_PASSWORD);
    expect(everything).not.toMatch(/vmware_soap_session/);
    expect(watching.stderr()).not.toContain('T0KEN-in-the-path');
  });
});

describe('vmfix watch, other ways', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startScenario({
      mode: 'esx',
      datacenters: [{
        name: 'ha-datacenter',
        hosts: [{ name: 'esx-edge.plant.example', version: '7.0.3', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0' }], vmkernelLog: { filler: 50 } }],
        vms: [{ name: 'edge-fw01', host: 'esx-edge.plant.example', nics: [{ network: 'VM Network' }] }],
      }],
    });
  });
  afterAll(() => lab?.stop());

  it('on a terminal-style output (no --format), against a standalone ESXi host: the audit once, then a readable line per change', async () => {
    const watching = startWatch(['--log-interval', '1'], lab.env);
    try {
      await watching.lines.next((l) => l.type === 'text' && /No findings on/.test(l.text), 30_000, 'the audit text');
      await lab.guestMac('edge-fw01', 1, '02:00:00:00:0e:01');
      const line = await watching.lines.next((l) => l.type === 'text' && l.text.includes('edge-fw01'), PROMPTLY_MS, 'the change line');
      expect(line.text).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}BLOCKED {2}edge-fw01 Network adapter 1 on "VM Network" \(MAC changes reject, set on the vswitch\) · /);
      expect(line.text).toContain('client edge-fw01 requested mac address change to 02:00:00:00:0e:01');
      expect(line.text).toMatch(/fix: pin-mac .*\[[0-9a-f]{12}\]$/);
    } finally {
      expect(await watching.stop('SIGTERM')).toBe(130);
    }
    expect(await lab.collectors()).toEqual([]);
  });

  it('refuses what cannot work before connecting (exit 2), and a wrong password with exit 3', async () => {
    const plain = await vmfix(['watch', '--webhook', 'http://127.0.0.1:9/hook'], lab.env);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/--webhook must be an https:\/\/ URL/);
    const interval = await vmfix(['watch', '--log-interval', '0'], lab.env);
    expect(interval.code).toBe(2);
    const wrong = await vmfix(['watch'], { ...lab.env, VMFIX_PASSWORD: 'not-it' });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/refused the user name or password/);
  });
});

describe('vmfix watch --format json, where some evidence cannot be read', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startScenario({
      mode: 'vcenter',
      datacenters: [{
        name: 'DC-Plant',
        hosts: ['esx-r1.plant.example', 'esx-r2.plant.example'].map((name, i) => ({
          name, version: '8.0.2', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0' }],
          vmkernelLog: { filler: 20 }, diagnosticLogs: i === 0,
        })),
        vms: [{ name: 'plc01', host: 'esx-r2.plant.example', nics: [{ network: 'VM Network' }] }],
      }],
    });
  });
  afterAll(() => lab?.stop());

  it('the watching line says what was not read (a host whose log needs a privilege the user lacks), as the audit does', async () => {
    const watching = startWatch(['--format', 'json'], lab.env);
    try {
      const start = await watching.lines.next((l) => l.type === 'watching', 30_000, 'watching line');
      expect(start.warnings).toEqual([expect.stringMatching(/vmkernel logs could not be read on esx-r2\.plant\.example \(NoPermission/)]);
      expect(start.notes).toEqual(expect.any(Array));
    } finally {
      expect(await watching.stop('SIGINT')).toBe(130);
    }
  });

  it('a log that can no longer be read while watching is said once, on stdout as a warning line, on stderr and at the webhook, and again if it recurs', async () => {
    const receiver = await startReceiver();
    const watching = startWatch(['--format', 'json', '--log-interval', '1', '--webhook', receiver.url, '--webhook-ca-file', WEBHOOK_CA_FILE], lab.env);
    try {
      const start = await watching.lines.next((l) => l.type === 'watching', 30_000, 'watching line');
      expect(start.warnings.join('\n')).not.toContain('esx-r1');
      await lab.diagnostics('esx-r1.plant.example', false);
      const lost = await watching.lines.next((l) => l.type === 'warning', PROMPTLY_MS, 'the warning line');
      expect(lost.warning).toMatch(/vmkernel log of esx-r1\.plant\.example could not be read \(NoPermission\)/);
      expect(watching.stderr()).toContain('vmkernel log of esx-r1.plant.example could not be read (NoPermission)');
      expect(await receiver.bodies.next((b) => b.type === 'warning', PROMPTLY_MS, 'the warning posted')).toEqual({ ...lost, seenAt: expect.any(Number) });
      // Said once: the next reads fail the same way and add nothing.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await lab.diagnostics('esx-r1.plant.example', true);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await lab.diagnostics('esx-r1.plant.example', false);
      await watching.lines.next((l) => l.type === 'warning' && l !== lost, PROMPTLY_MS, 'the warning again, once the log was read in between');
      expect(watching.lines.all.filter((l) => l.type === 'warning')).toHaveLength(2);
    } finally {
      await lab.diagnostics('esx-r1.plant.example', true);
      expect(await watching.stop('SIGINT')).toBe(130);
      await receiver.close();
    }
  });

  it('a host whose log was refused at the start is said once, not again at each verdict; its log read once the privilege is back, and the block it holds reported', async () => {
    const watching = startWatch(['--format', 'json', '--log-interval', '1'], lab.env);
    try {
      const start = await watching.lines.next((l) => l.type === 'watching', 30_000, 'watching line');
      expect(start.warnings).toEqual([expect.stringMatching(/vmkernel logs could not be read on esx-r2\.plant\.example \(NoPermission/)]);
      // A verdict: the guest's new MAC reaches vCenter; ESXi logs the block in a log this user cannot read yet.
      await lab.guestMac('plc01', 1, '02:00:00:00:0c:01');
      await watching.lines.next((l) => ['new', 'changed'].includes(l.type) && l.finding.vm?.name === 'plc01', PROMPTLY_MS, 'the verdict on the new MAC');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(watching.lines.all.filter((l) => l.type === 'warning')).toEqual([]);

      await lab.diagnostics('esx-r2.plant.example', true);
      // Tried again at doubling waits from --log-interval (1, 2, 4, 8 s here): seen at the next try.
      const seen = await watching.lines.next((l) => l.finding?.vm?.name === 'plc01' && l.finding.evidence.some((e: { type: string }) => e.type === 'vmkernel-log'), 20_000, 'the block from the log now read');
      expect(seen.finding.evidence.find((e: { type: string }) => e.type === 'vmkernel-log').line).toContain('client plc01 requested mac address change to 02:00:00:00:0c:01');
      // Read once, it is followed: taken away again, that is said.
      await lab.diagnostics('esx-r2.plant.example', false);
      const lost = await watching.lines.next((l) => l.type === 'warning', PROMPTLY_MS, 'the warning once the log is refused again');
      expect(lost.warning).toMatch(/vmkernel log of esx-r2\.plant\.example could not be read \(NoPermission\); its newer lines were not seen/);
    } finally {
      await lab.diagnostics('esx-r2.plant.example', false);
      expect(await watching.stop('SIGINT')).toBe(130);
    }
  });

  it('logs refused on every host are tried again at doubling waits from --log-interval, not at every interval', async () => {
    await lab.diagnostics('esx-r1.plant.example', false);
    const watching = startWatch(['--format', 'json', '--log-interval', '1'], lab.env);
    try {
      await watching.lines.next((l) => l.type === 'watching', 30_000, 'watching line');
      const before = (await lab.calls()).length;
      await new Promise((resolve) => setTimeout(resolve, 7500));
      const reads = (await lab.calls()).slice(before).filter((c) => c.method === 'BrowseDiagnosticLog');
      // Both hosts at 1, 3 and 7 s after the start: 6 reads at most (one a host a second was 14).
      expect(reads.length).toBeGreaterThanOrEqual(2);
      expect(reads.length).toBeLessThanOrEqual(6);
    } finally {
      await lab.diagnostics('esx-r1.plant.example', true);
      expect(await watching.stop('SIGINT')).toBe(130);
    }
  });
});

describe('vmfix watch --format json, on a host vCenter gets back', () => {
  let lab: Lab;
  beforeAll(async () => {
    const host = (name: string, extra: object) => ({ name, version: '8.0.2', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0' }], ...extra });
    lab = await startScenario({
      mode: 'vcenter',
      datacenters: [{
        name: 'DC-Plant',
        hosts: [
          host('esx-d1.plant.example', {
            connectionState: 'disconnected',
            vmkernelLog: { filler: 20, lines: [
              '{{now-1h}} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client far01 requested mac address change to 02:00:00:00:0d:01 on port 0x2000004, disallowed by vswitch policy',
              '{{now-1h}} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client far01 has policy violations on port 0x2000004. Port is blocked',
            ] },
          }),
          host('esx-d2.plant.example', { vmkernelLog: { filler: 20 } }),
        ],
        vms: [{ name: 'far01', host: 'esx-d1.plant.example', nics: [{ network: 'VM Network' }] }, { name: 'near01', host: 'esx-d2.plant.example', nics: [{ network: 'VM Network' }] }],
      }],
    });
  });
  afterAll(() => lab?.stop());

  it('a host not connected at the start has its log read once it is connected, and the block there is reported; lost again, that is said', async () => {
    const watching = startWatch(['--format', 'json', '--log-interval', '1'], lab.env);
    try {
      const start = await watching.lines.next((l) => l.type === 'watching', 30_000, 'watching line');
      expect(start.warnings).toEqual(['vmkernel logs not read on esx-d1.plant.example: not connected to vCenter.']);
      await lab.connection('esx-d1.plant.example', 'connected');
      const found = await watching.lines.next((l) => l.type === 'new' && l.finding.vm?.name === 'far01', PROMPTLY_MS, 'the block in the log read once connected');
      expect(found.finding.evidence.find((e: { type: string }) => e.type === 'vmkernel-log').line).toContain('client far01 requested mac address change to 02:00:00:00:0d:01');
      await lab.connection('esx-d1.plant.example', 'disconnected');
      const lost = await watching.lines.next((l) => l.type === 'warning', PROMPTLY_MS, 'the warning once it is lost again');
      expect(lost.warning).toBe('vmkernel log of esx-d1.plant.example could not be read (HostNotConnected); its newer lines were not seen.');
      expect(watching.lines.all.filter((l) => l.type === 'resolved')).toEqual([]);
    } finally {
      expect(await watching.stop('SIGINT')).toBe(130);
    }
  });
});

describe('vmfix watch --format json, on a host whose log is behind the window', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startScenario({
      mode: 'vcenter',
      datacenters: [{
        name: 'DC-Plant',
        hosts: [{
          name: 'esx-c1.plant.example', version: '8.0.2', vswitches: [{ name: 'vSwitch0', policy: reject }], portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0' }],
          // Its newest line three days old: a clock behind, or logging that stopped.
          vmkernelLog: { filler: 30, spanHours: 2, lines: ['{{now-3d}} In(182) vmkernel: cpu1:2097)NetPort: 1580: disabled port 0x2000004'] },
        }],
        vms: [{ name: 'clk01', host: 'esx-c1.plant.example', nics: [{ network: 'VM Network' }] }],
      }],
    });
  });
  afterAll(() => lab?.stop());

  it('the warning holds until the log brings a line inside the window, and is said again when the window passes its newest line', async () => {
    const watching = startWatch(['--format', 'json', '--since', '1m', '--log-interval', '1'], lab.env);
    const stale = /The newest line of the vmkernel log of esx-c1\.plant\.example is older than the start of --since/;
    try {
      const start = await watching.lines.next((l) => l.type === 'watching', 30_000, 'watching line');
      expect(start.warnings).toEqual([expect.stringMatching(stale)]);
      await lab.guestMac('clk01', 1, '02:00:00:00:0c:c1');
      await watching.lines.next((l) => l.type === 'new' && l.finding.kind === 'mac-change-blocked' && l.finding.vm?.name === 'clk01', PROMPTLY_MS, 'the block, from lines inside the window');
      // A minute on, the window has passed the log's newest line: the log is behind it again, and that is said.
      const again = await watching.lines.next((l) => l.type === 'warning', 75_000, 'the warning said again');
      expect(again.warning).toMatch(stale);
      expect(watching.lines.all.filter((l) => l.type === 'warning')).toHaveLength(1);
    } finally {
      expect(await watching.stop('SIGINT')).toBe(130);
    }
  }, 120_000);
});
