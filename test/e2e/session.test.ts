// The interactive session when one change covers more than the portgroup it
// was chosen for, and when things change under it: an admin's outage, in a
// real terminal, against a lab of its own.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';
import { startProxy } from '../helpers/proxy.js';
import { Terminal } from '../helpers/terminal.js';
import { diffState, modifyingCalls, RawSoap, readJson, workdir } from './fix-lab.js';

const HOST = 'esx-r1.lab.corp';

function scenario() {
  return {
    mode: 'vcenter',
    datacenters: [{
      name: 'DC-R',
      clusters: ['CL-R'],
      hosts: [{
        name: HOST,
        cluster: 'CL-R',
        version: '8.0.2',
        vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: { allowPromiscuous: false, macChanges: false, forgedTransmits: false } }],
        portgroups: [
          { name: 'PG-Pair', vswitch: 'vSwitch0', vlanId: 11 },
          { name: 'PG-Solo', vswitch: 'vSwitch0', vlanId: 12 },
        ],
        vmkernelLog: { filler: 20, lines: [] },
      }],
      vms: [
        { name: 'pair-1', host: HOST, nics: [{ network: 'PG-Pair' }] },
        { name: 'pair-2', host: HOST, nics: [{ network: 'PG-Pair' }] },
        { name: 'solo-1', host: HOST, nics: [{ network: 'PG-Solo' }] },
      ],
    }],
  };
}

describe('the interactive session, one change covering several portgroups', () => {
  let lab: Lab;
  let dir: string;
  let terminal: Terminal | undefined;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
    // The guests change their MACs while the lab runs: ESXi blocks all three ports.
    await lab.guestMac('pair-1', 1, '02:00:00:00:11:01');
    await lab.guestMac('pair-2', 1, '02:00:00:00:11:02');
    await lab.guestMac('solo-1', 1, '02:00:00:00:12:01');
  });
  afterAll(async () => {
    terminal?.close();
    await lab?.stop();
  });

  it('--strategy on a terminal puts the cursor on that remedy, still narrowest first, and still asks', async () => {
    const before = await lab.state();
    terminal = new Terminal(dir);
    await terminal.start(lab.env, ['fix', '--strategy', 'vswitch-accept', '--journal', join(dir, 'strategy.json')]);
    const screen = await terminal.waitFor(/How do you want to fix it\?[\s\S]*quit: stop here/);
    const menu = screen.split('\n').filter((l) => /^[❯ ] (dedicated-portgroup|portgroup-accept|vswitch-accept|pin-mac)/.test(l));
    expect(menu.map((l) => l.slice(2, l.indexOf(':')))).toEqual(['dedicated-portgroup', 'portgroup-accept', 'vswitch-accept', 'pin-mac (once powered off)']);
    expect(menu.find((l) => l.startsWith('❯ '))).toMatch(/^❯ vswitch-accept:/);
    // pin-mac pins each NIC to its own guest's MAC, and says so for both, not just the first.
    expect(menu.find((l) => l.includes('pin-mac'))).toContain('Give each NIC the manual MAC its guest uses: pair-1 Network adapter 1 02:00:00:00:11:01, pair-2 Network adapter 1 02:00:00:00:11:02.');
    terminal.keys('C-c');
    expect(await terminal.waitFor(/VMFIX-EXIT=\d+/)).toContain('VMFIX-EXIT=130');
    expect(diffState(before, await lab.state())).toEqual([]);
    terminal.close();
  });

  it('a write vCenter refuses (NoPermission): says which privilege on which host, leaves that portgroup not fixed, offers the next; exit 4 at the end', async () => {
    const before = await lab.state();
    const host = before.hosts.find((h) => h.name === HOST) as unknown as { moref: string };
    const proxy = await startProxy(lab);
    try {
      // As vCenter words it: the privilege and the object it was checked on (the host, for a HostNetworkSystem method).
      proxy.inject({
        method: 'UpdatePortGroup',
        fault: { kind: 'soap-fault', type: 'NoPermission', message: 'Permission to perform this operation was denied.', detail: `<object type="HostSystem">${host.moref}</object><privilegeId>Host.Config.Network</privilegeId>` },
      });
      terminal = new Terminal(dir);
      await terminal.start(proxy.env, ['fix', '--journal', join(dir, 'refused.json')]);
      let screen = await terminal.waitFor(/\[1\/2\] (.*)[\s\S]*How do you want to fix it\?[\s\S]*quit: stop here/);
      const first = /\[1\/2\] CL-R \/ (PG-\w+)/.exec(screen)![1]!;
      await terminal.choose('portgroup-accept');
      await terminal.waitFor(/Apply 1 change\(s\)\?/);
      await terminal.choose('Yes, apply 1 change(s)');
      screen = await terminal.waitFor(/\[2\/2\][\s\S]*quit: stop here/, 60_000);
      expect(screen).toMatch(new RegExp(`Not fixed: .*${first}: The vCenter user lacks the privilege Host\\.Config\\.Network on host ${HOST.replace(/\./g, '\\.')}`));
      // The next portgroup's change goes through (the fault was for one write).
      await terminal.choose('portgroup-accept');
      await terminal.waitFor(/(Apply 1 change\(s\)\?[\s\S]*){2}/);
      await terminal.choose('Yes, apply 1 change(s)');
      screen = await terminal.waitFor(/VMFIX-EXIT=\d+/, 60_000);
      expect(screen).toContain('VMFIX-EXIT=4');
      expect(screen).toMatch(/fix on .*: 1 applied, 1 failed, \d finding\(s\) skipped\. Journal: .*refused\.json/);
      expect(screen).toMatch(/skipped pair-1: not fixed: .*Host\.Config\.Network|skipped solo-1: not fixed: .*Host\.Config\.Network/);
      expect(screen).not.toMatch(/\n\s+at /);
      const journal = await readJson(join(dir, 'refused.json'));
      expect(journal.entries.map((e: { status: string }) => e.status)).toEqual(['failed', 'applied']);
      const second = first === 'PG-Pair' ? 'PG-Solo' : 'PG-Pair';
      expect(diffState(before, await lab.state())).toEqual([
        `hosts[${HOST}].networkInfo.portgroup[${second}].computedPolicy.security.macChanges: false → true`,
        `hosts[${HOST}].networkInfo.portgroup[${second}].spec.policy.security.macChanges: (absent) → true`,
      ]);
      // Put back for the next test, which starts from every portgroup under Reject.
      const undo = await vmfix(['rollback', join(dir, 'refused.json'), '--yes', '--journal', join(dir, 'refused-undo.json')], { ...lab.env, VMFIX_TEST_CWD: dir });
      expect(undo.code, undo.stderr).toBe(0);
      expect(diffState(before, await lab.state())).toEqual([]);
    } finally {
      terminal?.close();
      await proxy.stop();
    }
  });

  it('after vswitch-accept, the portgroups it covered are not offered again, and the session ends with exit 0', async () => {
    const before = await lab.state();
    terminal = new Terminal(dir);
    await terminal.start(lab.env, ['fix', '--journal', join(dir, 'vswitch.json')]);
    let screen = await terminal.waitFor(/How do you want to fix it\?[\s\S]*quit: stop here/);
    expect(screen).toContain('3 finding(s) to fix on 2 portgroup(s).');
    await terminal.choose('vswitch-accept');
    await terminal.waitFor(/Apply 1 change\(s\)\?/);
    await terminal.choose('Yes, apply 1 change(s)');
    screen = await terminal.waitFor(/VMFIX-EXIT=\d+|\[2\/2\][\s\S]*quit: stop here/);
    // Every portgroup inherits from the vSwitch: nothing is left to fix.
    expect(screen).not.toContain('[2/2]');
    expect(screen).toContain('VMFIX-EXIT=0');
    expect(existsSync(join(dir, 'vswitch.json'))).toBe(true);
    const journal = await readJson(join(dir, 'vswitch.json'));
    expect(journal.entries.map((e: { status: string }) => e.status)).toEqual(['applied']);
    expect(diffState(before, await lab.state())).toEqual([
      `hosts[${HOST}].networkInfo.portgroup[PG-Pair].computedPolicy.security.macChanges: false → true`,
      `hosts[${HOST}].networkInfo.portgroup[PG-Solo].computedPolicy.security.macChanges: false → true`,
      `hosts[${HOST}].networkInfo.vswitch[vSwitch0].spec.policy.security.macChanges: false → true`,
    ]);
  });
});

describe('someone else changes the portgroup while the session asks', () => {
  let lab: Lab;
  let dir: string;
  let terminal: Terminal | undefined;
  let other: RawSoap;
  let networkSystem: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
    other = new RawSoap(lab);
    await other.login();
    await lab.guestMac('solo-1', 1, '02:00:00:00:12:01');
    // The host's HostNetworkSystem, which the other admin's client calls, as vmfix's own plan names it.
    const planned = await vmfix(['fix', '--strategy', 'portgroup-accept', '--plan-out', join(dir, 'plan.json')], { ...lab.env, VMFIX_TEST_CWD: dir });
    expect(planned.code, planned.stderr).toBe(0);
    networkSystem = (await readJson(join(dir, 'plan.json'))).changes[0].target.host.networkSystem.value;
  });
  afterAll(async () => {
    terminal?.close();
    await lab?.stop();
  });

  /** Starts a session, picks portgroup-accept for its one portgroup, and lets `meanwhile` happen before saying yes. */
  async function acceptWhile(journal: string, meanwhile: () => Promise<void>): Promise<void> {
    terminal = new Terminal(dir);
    await terminal.start(lab.env, ['fix', '--journal', join(dir, journal)]);
    await terminal.waitFor(/\[1\/1\][\s\S]*quit: stop here/);
    await terminal.choose('portgroup-accept');
    await terminal.waitFor(/Apply 1 change\(s\)\?/);
    await meanwhile();
    await terminal.choose('Yes, apply 1 change(s)');
  }

  it('to the value the change sets: "not applied: changed meanwhile", not failed, and exit 0: the portgroup accepts', async () => {
    await acceptWhile('same.json', () =>
      other.updatePortGroup(networkSystem, 'PG-Solo', '<name>PG-Solo</name><vlanId>12</vlanId><vswitchName>vSwitch0</vswitchName><policy><security><macChanges>true</macChanges></security></policy>'));
    const screen = await terminal!.waitFor(/VMFIX-EXIT=\d+/, 60_000);
    expect(screen).toMatch(/c1 already-set: .*PG-Solo: not applied: changed meanwhile \(already accept\)/);
    expect(screen).toMatch(/✔ resolved: solo-1/);
    expect(screen).toMatch(/fix on .*: 0 applied, 1 already set meanwhile\. Journal: .*same\.json/);
    expect(screen).not.toMatch(/failed/);
    expect(screen).toContain('VMFIX-EXIT=0');
    expect((await readJson(join(dir, 'same.json'))).entries).toEqual([]);
    terminal!.close();
  });

  it('to something else: failed, the portgroup is offered again as it is now, and the session exits 5 even once it is fixed', async () => {
    await lab.guestMac('pair-1', 1, '02:00:00:00:11:01');
    // The network team re-VLANs PG-Pair; MAC changes stay as they were (Reject, inherited).
    await acceptWhile('other.json', () => other.updatePortGroup(networkSystem, 'PG-Pair', '<name>PG-Pair</name><vlanId>111</vlanId><vswitchName>vSwitch0</vswitchName><policy/>'));
    let screen = await terminal!.waitFor(/Reading the current state again\.[\s\S]*quit: stop here/, 60_000);
    expect(screen).toMatch(/c1 failed: .*PG-Pair/);
    await terminal!.choose('portgroup-accept');
    await terminal!.waitFor(/(Apply 1 change\(s\)\?[\s\S]*){2}/);
    await terminal!.choose('Yes, apply 1 change(s)');
    screen = await terminal!.waitFor(/VMFIX-EXIT=\d+/, 60_000);
    expect(screen).toMatch(/fix on .*: 1 applied, 1 failed\. Journal: .*other\.json/);
    expect(screen).toContain('VMFIX-EXIT=5');
    terminal!.close();
  });
});

describe('the interactive session, a NIC moved off its portgroup while the change is confirmed', () => {
  let lab: Lab;
  let dir: string;
  let terminal: Terminal | undefined;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
    await lab.guestMac('solo-1', 1, '02:00:00:00:12:01');
  });
  afterAll(async () => {
    terminal?.close();
    await lab?.stop();
  });

  // PG-Solo itself is untouched, so its own drift check passes: opening it now would fix nothing.
  it('applies nothing, says where the NIC is now, reads the state again, and exits 5', async () => {
    terminal = new Terminal(dir);
    await terminal.start(lab.env, ['fix', '--journal', join(dir, 'moved.json')]);
    await terminal.waitFor(/\[1\/1\][\s\S]*quit: stop here/);
    await terminal.choose('portgroup-accept');
    await terminal.waitFor(/Apply 1 change\(s\)\?/);
    const solo = (await lab.state()).vms.find((v) => v.name === 'solo-1') as unknown as { moref: string; nics: { _typeName: string; key: number; macAddress: string }[] };
    const card = solo.nics[0]!;
    const other = new RawSoap(lab);
    await other.login();
    await other.editDevice(
      solo.moref,
      `<device xsi:type="${card._typeName}"><key>${card.key}</key><backing xsi:type="VirtualEthernetCardNetworkBackingInfo"><deviceName>PG-Pair</deviceName></backing>` +
        `<addressType>assigned</addressType><macAddress>${card.macAddress}</macAddress></device>`,
    );
    const state = await lab.state();
    const writes = (await modifyingCalls(lab)).length;
    await terminal.choose('Yes, apply 1 change(s)');
    const screen = (await terminal.waitFor(/VMFIX-EXIT=\d+/, 60_000)).replace(/\s+/g, ' ');
    expect(screen).toContain('Nothing was applied: solo-1 Network adapter 1, which c1 is for: it is on "PG-Pair" now, not "PG-Solo". Reading the current state again.');
    expect(screen).not.toMatch(/c1 applied/);
    expect(screen).toContain('VMFIX-EXIT=5');
    expect(await modifyingCalls(lab)).toHaveLength(writes);
    expect(diffState(state, await lab.state())).toEqual([]);
    expect(existsSync(join(dir, 'moved.json'))).toBe(false);
    terminal.close();
  });
});

/** A VM that ESXi blocked and that was then powered off, with two NICs under Reject: the log cannot say which one. */
function offScenario() {
  const host = { ...scenario().datacenters[0]!.hosts[0]!, vmkernelLog: { filler: 20, lines: [
    '{{now-2h}} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client app-off01 requested mac address change to 02:00:00:00:21:01 on port 0x4000020, disallowed by vswitch policy',
    '{{now-2h}} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client app-off01 has policy violations on port 0x4000020. Port is blocked',
  ] } };
  return {
    mode: 'vcenter',
    datacenters: [{ ...scenario().datacenters[0]!, hosts: [host], vms: [
      { name: 'app-off01', host: HOST, powerState: 'poweredOff', nics: [{ network: 'PG-Pair' }, { network: 'PG-Solo' }] },
    ] }],
  };
}

describe('a finding no change can be aimed at', () => {
  let lab: Lab;
  let dir: string;
  let terminal: Terminal | undefined;

  beforeAll(async () => {
    lab = await startScenario(offScenario());
    dir = await workdir();
  });
  afterAll(async () => {
    terminal?.close();
    await lab?.stop();
  });

  it('is not "nothing to fix": the session names it and exits 1, as audit does', async () => {
    const audit = await vmfix(['audit'], { ...lab.env, VMFIX_TEST_CWD: dir });
    expect(audit.code, audit.stderr).toBe(1);
    expect(audit.stdout).toContain('app-off01 was blocked by ESXi');
    terminal = new Terminal(dir);
    await terminal.start(lab.env, ['fix', '--journal', join(dir, 'none.json')]);
    const screen = await terminal.waitFor(/VMFIX-EXIT=\d+/);
    expect(screen).toContain('VMFIX-EXIT=1');
    expect(screen).toMatch(/app-off01: no change can be aimed at it/);
    terminal.close();
  });

  it('fix --yes reports it as not fixed, exit 1', async () => {
    const r = await vmfix(['fix', '--yes', '--strategy', 'portgroup-accept'], { ...lab.env, VMFIX_TEST_CWD: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/app-off01: no change can be aimed at it/);
    expect(await modifyingCalls(lab)).toEqual([]);
  });
});

/** One more portgroup, and a quiet VM on it, for a run of its own. */
function spareScenario() {
  const s = scenario();
  const dc = s.datacenters[0]!;
  dc.hosts[0]!.portgroups.push({ name: 'PG-Spare', vswitch: 'vSwitch0', vlanId: 13 });
  dc.vms.push({ name: 'spare-1', host: HOST, nics: [{ network: 'PG-Spare' }] });
  return s;
}

describe('vCenter stops answering in the middle of a session', () => {
  let lab: Lab;
  let dir: string;
  let terminal: Terminal | undefined;

  beforeAll(async () => {
    lab = await startScenario(spareScenario());
    dir = await workdir();
    await lab.guestMac('pair-1', 1, '02:00:00:00:11:01');
    await lab.guestMac('solo-1', 1, '02:00:00:00:12:01');
  });
  afterAll(async () => {
    terminal?.close();
    await lab?.stop();
  });

  it('what applied before is reported with its journal, not hidden behind the connection error', async () => {
    const proxy = await startProxy(lab);
    try {
      terminal = new Terminal(dir);
      await terminal.start(proxy.env, ['fix', '--journal', join(dir, 'lost.json')]);
      await terminal.waitFor(/\[1\/2\][\s\S]*quit: stop here/);
      await terminal.choose('portgroup-accept');
      await terminal.waitFor(/Apply 1 change\(s\)\?/);
      await terminal.choose('Yes, apply 1 change(s)');
      await terminal.waitFor(/\[2\/2\][\s\S]*quit: stop here/);
      await terminal.choose('portgroup-accept');
      await terminal.waitFor(/(Apply 1 change\(s\)\?[\s\S]*){2}/);
      // vCenter restarts: every read answers 503 from now on.
      proxy.inject({ method: 'RetrievePropertiesEx', times: Infinity, fault: { kind: 'http', status: 503 } });
      await terminal.choose('Yes, apply 1 change(s)');
      const screen = await terminal.waitFor(/VMFIX-EXIT=\d+/, 60_000);
      expect(screen).toContain('VMFIX-EXIT=3');
      expect(screen).toMatch(/fix on .*: 1 applied, 1 failed\. Journal: .*lost\.json/);
      expect(screen).toMatch(/not answering properly right now/);
      const journal = await readJson(join(dir, 'lost.json'));
      expect(journal.entries.map((e: { status: string }) => e.status)).toEqual(['applied']);
    } finally {
      terminal?.close();
      await proxy.stop();
    }
  });

  it('lost while verifying a change that applied: the change is reported applied, with its journal', async () => {
    const proxy = await startProxy(lab);
    try {
      terminal = new Terminal(dir);
      await terminal.start(proxy.env, ['fix', '--journal', join(dir, 'verify.json')]);
      await terminal.waitFor(/\[1\/1\] CL-R \/ PG-Solo[\s\S]*quit: stop here/);
      await terminal.choose('portgroup-accept');
      await terminal.waitFor(/Apply 1 change\(s\)\?/);
      proxy.inject({ method: 'UpdatePortGroup', fault: { kind: 'hold', stage: 'after' } });
      await terminal.choose('Yes, apply 1 change(s)');
      const held = await proxy.nextHold();
      // The write applied; its read-back is answered; everything after it answers 503.
      proxy.inject({ method: 'RetrievePropertiesEx', nth: proxy.count('RetrievePropertiesEx') + 2, times: Infinity, fault: { kind: 'http', status: 503 } });
      held.release();
      const screen = await terminal.waitFor(/VMFIX-EXIT=\d+/, 60_000);
      expect(screen).toContain('VMFIX-EXIT=3');
      expect(screen).toMatch(/fix on .*: 1 applied\. Journal: .*verify\.json/);
      const journal = await readJson(join(dir, 'verify.json'));
      expect(journal.entries.map((e: { status: string }) => e.status)).toEqual(['applied']);
    } finally {
      terminal?.close();
      await proxy.stop();
    }
  });

  it('fix --yes lost while verifying: the changes are reported applied, with the journal, exit 3', async () => {
    await lab.guestMac('spare-1', 1, '02:00:00:00:13:01');
    const proxy = await startProxy(lab);
    try {
      proxy.inject({ method: 'UpdatePortGroup', fault: { kind: 'hold', stage: 'after' } });
      const running = vmfix(['fix', '--yes', '--strategy', 'portgroup-accept', '--journal', join(dir, 'yes.json')], { ...proxy.env, VMFIX_TEST_CWD: dir });
      const held = await proxy.nextHold();
      proxy.inject({ method: 'RetrievePropertiesEx', nth: proxy.count('RetrievePropertiesEx') + 2, times: Infinity, fault: { kind: 'http', status: 503 } });
      held.release();
      const r = await running;
      expect(r.code, r.stderr).toBe(3);
      expect(r.stdout).toMatch(/fix on .*: 1 applied\. Journal: .*yes\.json/);
      expect(r.stderr).toMatch(/not answering properly right now/);
      const journal = await readJson(join(dir, 'yes.json'));
      expect(journal.entries.map((e: { status: string }) => e.status)).toEqual(['applied']);
    } finally {
      await proxy.stop();
    }
  });
});
