// The verdict issue end to end, on the lab: a guest changes its MAC while
// the lab runs (ESXi logs it and blocks the port, as a real host does), vmfix
// fixes it, and the next audit says nothing about that NIC or its VM's other
// NICs, keeps the old lines as history, and gives the same ids after a
// rollback. A VM blocked and then powered off is reported; the window is
// stated and bounds the evidence; lines it cannot read make the exit non-zero.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';
import { workdir } from './fix-lab.js';

const NLB_MAC = '02:bf:0a:1e:00:50';
const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const HOSTS = ['esx-v1.corp.example', 'esx-v2.corp.example'];

function scenario(extraLines: string[] = []) {
  return {
    mode: 'vcenter',
    datacenters: [{
      name: 'DC-Verdict',
      clusters: ['CL'],
      hosts: HOSTS.map((name, i) => ({
        name, cluster: 'CL', version: '8.0.2',
        vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: reject }],
        portgroups: [
          { name: 'Management', vswitch: 'vSwitch0', vlanId: 10 },
          { name: 'NLB-Front', vswitch: 'vSwitch0', vlanId: 110 },
          { name: 'Apps', vswitch: 'vSwitch0', vlanId: 120 },
        ],
        vmkernelLog: { filler: 400, spanHours: 240, lines: i === 0 ? extraLines : [] },
      })),
      dvSwitches: [{
        name: 'DSW', version: '8.0.0', hosts: HOSTS,
        defaultPortConfig: reject,
        portgroups: [{ name: 'DPG-Nested', vlanId: 300 }, { name: 'DPG-Apps', vlanId: 310 }],
      }],
      vms: [
        { name: 'web01', host: HOSTS[0], nics: [{ network: 'NLB-Front' }, { network: 'Management', type: 'e1000e' }] },
        { name: 'web02', host: HOSTS[1], nics: [{ network: 'NLB-Front' }] },
        { name: 'lic01', host: HOSTS[0], nics: [{ network: 'Apps' }] },
        { name: 'db01', host: HOSTS[1], nics: [{ network: 'Apps' }] },
        { name: 'app01', host: HOSTS[0], nics: [{ network: 'DPG-Apps', guestMac: '02:00:00:00:00:d1' }] },
        { name: 'nested-esx', host: HOSTS[1], guestId: 'vmkernel8Guest', nics: [{ network: 'DPG-Nested', guestMac: '00:0c:29:aa:bb:01' }] },
      ],
    }],
  };
}

interface Report {
  findings: { id: string; kind: string; severity: string; summary: string; vm: { name: string } | null; nic: { label: string } | null; remedies: { strategy: string }[] }[];
  history: { vm: { name: string } | null; nic: { label: string } | null; why: string; lastTime: string | null }[];
  notes: string[];
  warnings: string[];
  evidence: { window: string; logs: number; lines: number };
}

async function audit(lab: Lab, dir: string, ...args: string[]): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await vmfix(['audit', '--format', 'json', ...args], { ...lab.env, VMFIX_TEST_CWD: dir });
  return { code: r.code, report: r.stdout ? (JSON.parse(r.stdout) as Report) : (undefined as never), stderr: r.stderr };
}

const about = (report: Report, vm: string) => report.findings.filter((f) => f.vm?.name === vm);

describe('a fix, then the next audit', () => {
  let lab: Lab;
  let dir: string;
  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('dedicated-portgroup: web01 is resolved, NIC 2 is not blamed, the old lines are history; a rollback brings back the same finding id', async () => {
    // web01's NLB guest takes the cluster MAC: ESXi refuses and blocks the port (and logs it, now).
    expect(await lab.guestMac('web01', 1, NLB_MAC)).toMatchObject({ blocked: true });
    const before = await audit(lab, dir, '--vm', 'web01');
    expect(before.code).toBe(1);
    expect(about(before.report, 'web01').map((f) => [f.kind, f.nic!.label])).toEqual([['mac-change-blocked', 'Network adapter 1']]);

    const fix = await vmfix(['fix', '--yes', '--strategy', 'dedicated-portgroup', '--vm', 'web01', '--format', 'json'], { ...lab.env, VMFIX_TEST_CWD: dir });
    expect(fix.code, fix.stderr).toBe(0);
    expect(JSON.parse(fix.stdout).verification).toEqual([expect.objectContaining({ resolved: true })]);

    const after = await audit(lab, dir, '--vm', 'web01');
    expect(after.code, JSON.stringify(after.report.findings)).toBe(0);
    expect(about(after.report, 'web01')).toEqual([]);
    expect(after.report.history).toEqual([expect.objectContaining({ vm: expect.objectContaining({ name: 'web01' }), nic: expect.objectContaining({ label: 'Network adapter 1' }), why: expect.stringMatching(/is no longer its port/) })]);

    const rollback = await vmfix(['rollback', join(dir, JSON.parse(fix.stdout).journal), '--yes'], { ...lab.env, VMFIX_TEST_CWD: dir });
    expect(rollback.code, rollback.stderr).toBe(0);
    // Back on its old portgroup, with the guest still sending the NLB MAC: blocked again, the same finding.
    await lab.guestMac('web01', 1, NLB_MAC);
    const again = await audit(lab, dir, '--vm', 'web01');
    expect(about(again.report, 'web01').map((f) => f.id)).toEqual(about(before.report, 'web01').map((f) => f.id));
  });

  it('portgroup-accept: no finding on web02 or anyone else on NLB-Front, and the lines about web02 are history', async () => {
    await lab.guestMac('web02', 1, NLB_MAC);
    const fix = await vmfix(['fix', '--yes', '--strategy', 'portgroup-accept', '--vm', 'web02', '--format', 'json'], { ...lab.env, VMFIX_TEST_CWD: dir });
    expect(fix.code, fix.stderr).toBe(0);
    const after = await audit(lab, dir);
    expect(after.report.findings.filter((f) => f.vm && f.severity !== 'info' && ['web01', 'web02'].includes(f.vm.name))).toEqual([]);
    expect(after.report.history.filter((h) => h.vm?.name === 'web02').map((h) => h.why)).toEqual(['MAC address changes is Accept on "NLB-Front" now']);
  });

  it('a nested ESXi: portgroup-accept sets forged transmits too, and only then is it said to be resolved', async () => {
    const before = await audit(lab, dir, '--vm', 'nested-esx');
    expect(about(before.report, 'nested-esx').map((f) => f.kind)).toEqual(['mac-change-at-risk']);
    const fix = await vmfix(['fix', '--yes', '--strategy', 'portgroup-accept', '--vm', 'nested-esx', '--format', 'json'], { ...lab.env, VMFIX_TEST_CWD: dir });
    expect(fix.code, fix.stderr).toBe(0);
    expect(JSON.parse(fix.stdout).verification).toEqual([expect.objectContaining({ resolved: true })]);
    const state = await lab.state();
    const dpg = state.dvPortgroups.find((p) => p.name === 'DPG-Nested')!;
    expect((dpg.config as any).defaultPortConfig.macManagementPolicy).toMatchObject({ macChanges: true, forgedTransmits: true });
  });
});

describe('a VM blocked, then powered off', () => {
  let lab: Lab;
  let dir: string;
  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('is reported as a warning with pin-mac first, and pinning its MAC while it is off resolves it', async () => {
    await lab.guestMac('lic01', 1, '00:50:56:3f:00:33');
    await lab.power('lic01', 'poweredOff');
    const off = await audit(lab, dir, '--vm', 'lic01');
    expect(off.code).toBe(1);
    const [finding, ...rest] = about(off.report, 'lic01');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ kind: 'mac-change-blocked', severity: 'warning' });
    expect(finding!.summary).toMatch(/will be blocked again when it runs/);
    expect(finding!.remedies[0]!.strategy).toBe('pin-mac');

    const fix = await vmfix(['fix', '--yes', '--strategy', 'pin-mac', '--vm', 'lic01', '--format', 'json'], { ...lab.env, VMFIX_TEST_CWD: dir });
    expect(fix.code, fix.stderr).toBe(0);
    const after = await audit(lab, dir, '--vm', 'lic01');
    expect(after.code).toBe(0);
    expect(after.report.history.map((h) => h.why)).toEqual(['the MAC it asked for, 00:50:56:3f:00:33, is now its configured MAC']);
  });
});

describe('the window and what cannot be read', () => {
  let lab: Lab;
  let dir: string;
  beforeAll(async () => {
    lab = await startScenario(scenario([
      '{{now-9d}} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client app01 requested mac address change to 02:00:00:00:00:d1 on port 0x6000009, disallowed by vswitch policy',
      // The KB's own template, as someone pasted it into a script's output: not a line vmfix can judge.
      '{{now-1h}} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance: client web01 requested mac address change to 0xN nnnnnnn on port 0xN nnnnnnn, disallowed by vswitch policy',
    ]));
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('counts only the last 7 days by default, says so, and warns (exit 1) about the line it cannot read', async () => {
    const { code, report } = await audit(lab, dir);
    expect(report.evidence).toMatchObject({ window: 'the last 7 days', logs: 2 });
    // app01's guest uses another MAC (at risk); the 9-day-old line saying ESXi blocked it is outside the window.
    expect(about(report, 'app01').map((f) => f.kind)).toEqual(['mac-change-at-risk']);
    expect(report.warnings).toEqual([expect.stringMatching(/^1 vmkernel line\(s\) mention L2Sec_EnforcePortCompliance in a form vmfix does not understand/)]);
    expect(code).toBe(1);
    const table = await vmfix(['audit', '--vm', 'app01'], { ...lab.env, VMFIX_TEST_CWD: dir });
    expect(table.stdout).toMatch(/but 1 piece\(s\) of evidence could not be read or understood/);
    expect(table.stdout).toMatch(/window the last 7 days/);
    // Asked about a VM on the other host, the line it cannot read is not in that verdict's evidence.
    const other = await vmfix(['audit', '--vm', 'db01', '--format', 'json'], { ...lab.env, VMFIX_TEST_CWD: dir });
    expect(JSON.parse(other.stdout).warnings).toEqual([]);
  });

  it('--since 14d reaches the older line; --since takes dates and refuses nonsense before connecting', async () => {
    const wide = await audit(lab, dir, '--since', '14d', '--vm', 'app01');
    expect(wide.report.findings.map((f) => [f.kind, f.vm?.name])).toEqual([['mac-change-blocked', 'app01']]);
    const bad = await vmfix(['audit', '--since', 'last tuesday'], lab.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^vmfix: --since takes a duration/m);
  });

  it('with --vm, notes speak only of what is in scope', async () => {
    const { report } = await audit(lab, dir, '--vm', 'db01', '--since', '14d');
    expect(report.notes.filter((n) => /web01|lic01|nested-esx/.test(n))).toEqual([]);
  });
});
