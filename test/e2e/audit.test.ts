// Issue 3 acceptance: `vmfix audit` against an estate the code was never
// tuned to (scenarios/rotterdam.ts says what is wrong in it and what only
// looks wrong), as an admin runs it: the real binary, the lab as vCenter.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';
import { parseCsv } from './scenarios/csv.js';
import {
  ERP_OLD_LINE, LEGACY_APP_LINES, LEGACY_APP_REQUESTED, MULTICAST_LINE, NESTED_STATUS, NLB_MAC, NLB_WEB_01_MAC,
  NOISE_AFTER_ERP, P1, P1_LINES, P2, P2_LINES, P3, P4, ROTTERDAM, SIP_GUEST_MAC,
} from './scenarios/rotterdam.js';

interface Evidence { type: string; detail: string; time?: string | null; line?: string; vmName?: string; mac?: string; port?: string; [k: string]: unknown }
interface Remedy { strategy: string; summary: string; blastRadius: { vms: string[]; portgroups: string[] }; notes: string[]; mac?: string }
interface Finding {
  id: string; kind: string; severity: string; summary: string;
  vm: { name: string; moref: string | null; powerState: string | null } | null;
  nic: { label: string; key: number; configuredMac: string | null; addressType: string; guestMac: string | null } | null;
  host: { name: string; moref: string | null } | null;
  datacenter: string | null; cluster: string | null;
  switch: { type: string; name: string } | null;
  portgroup: { name: string; moref: string | null; portKey: string | null } | null;
  policy: { macChanges: string; source: string | null };
  evidence: Evidence[]; remedies: Remedy[];
}
interface Report { schemaVersion: number; endpoint: string; summary: Record<string, number>; notes: string[]; warnings: string[]; findings: Finding[] }

const parse = (stdout: string) => JSON.parse(stdout) as Report;
const nicFindings = (r: Report) => r.findings.filter((f) => f.vm);
const byVm = (r: Report, name: string) => {
  const found = r.findings.filter((f) => f.vm?.name === name);
  expect(found, `findings for ${name}`).toHaveLength(1);
  return found[0]!;
};
const strategies = (f: Finding) => f.remedies.map((r) => r.strategy);
const remedy = (f: Finding, strategy: string) => f.remedies.find((r) => r.strategy === strategy);

// What each NIC finding must say: where the NIC is, which policy blocks it and where that is set.
const NIC_FINDINGS = {
  'nlb-web-01': ['mac-change-blocked', P1, 'standard', 'vSwitch1', 'NLB-Front', 'portgroup'],
  'lb-appliance-02': ['mac-change-blocked', P2, 'standard', 'vSwitch0', 'App-Tier', 'vswitch'],
  'nested-esx-01': ['mac-change-blocked', P4, 'distributed', 'DVS-Prod', 'DPG-Nested', 'dvs'],
  'legacy-app-01': ['mac-change-blocked', P3, 'standard', 'vSwitch0', 'VM Network', 'vswitch'],
  'nlb-legacy-03': ['mac-change-blocked', P3, 'standard', 'vSwitch0', 'VM Network', 'vswitch'],
  'erp-01': ['mac-change-blocked', P3, 'standard', 'vSwitch0', 'ERP', 'vswitch'],
  'nlb-web-02': ['mac-change-at-risk', P2, 'standard', 'vSwitch1', 'NLB-Front', 'portgroup'],
  'sip-proxy-01': ['mac-change-at-risk', P2, 'standard', 'vSwitch0', 'App-Tier', 'vswitch'],
  'k8s-worker-03': ['mac-change-at-risk', P1, 'distributed', 'DVS-Prod', 'DPG-K8s', 'dvportgroup'],
  'vpn-gw-01': ['mac-change-at-risk', P2, 'distributed', 'DVS-Prod', 'DPG-Edge', 'dvport'],
  'rac-node-02': ['mac-change-at-risk', P3, 'distributed', 'DVS-Old', 'Legacy-DB', 'dvportgroup'],
} as const;
const DECOYS = ['test-clone-01', 'nested-esx-lab', 'db-01', 'app-02', 'web-03', 'mon-01', 'jump-01', 'old-nlb-04', 'app-04'];

/** One comparable line per NIC finding. */
function shape(f: Finding) {
  return [f.kind, f.host?.name, f.switch?.type, f.switch?.name, f.portgroup?.name, f.policy.source];
}

describe('vmfix audit on a cluster with NLB, appliances, nested ESXi and an old DVS', () => {
  let lab: Lab;
  let report: Report;
  let stdout: string;

  beforeAll(async () => {
    lab = await startScenario(ROTTERDAM);
    const run = await vmfix(['audit', '--since', '2024-05-01', '--format', 'json'], lab.env);
    expect(run.stderr).not.toMatch(/Internal error|at .*\.js:\d+/);
    expect(run.code).toBe(1);
    stdout = run.stdout;
    report = parse(run.stdout);
  });
  afterAll(() => lab?.stop());

  it('reports exactly the blocked and at-risk NICs, with where the Reject is set, and none of the decoys', () => {
    const got = Object.fromEntries(nicFindings(report).map((f) => [f.vm!.name, shape(f)]));
    expect(got).toEqual(Object.fromEntries(Object.entries(NIC_FINDINGS).map(([vm, s]) => [vm, [...s]])));
    for (const f of nicFindings(report)) {
      expect(f.severity).toBe(f.kind === 'mac-change-blocked' ? 'critical' : 'warning');
      expect(f.nic!.key).toBe(4000);
      expect(f.policy.macChanges).toBe('reject');
    }
    for (const decoy of DECOYS) expect(report.findings.map((f) => f.vm?.name)).not.toContain(decoy);
    expect(report.schemaVersion).toBe(1);
    expect(report.summary).toEqual({ findings: 15, critical: 6, warning: 5, info: 4, vmsScanned: 20, hostsScanned: 4, history: 0 });
  });

  it('shapes a finding as the contract says, field by field', () => {
    const f = byVm(report, 'nlb-web-01');
    expect(f).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8,}$/),
      kind: 'mac-change-blocked',
      severity: 'critical',
      summary: expect.stringContaining('nlb-web-01'),
      vm: { name: 'nlb-web-01', moref: expect.stringMatching(/^vm-\d+$/), powerState: 'poweredOn' },
      nic: { label: 'Network adapter 1', key: 4000, configuredMac: NLB_WEB_01_MAC, addressType: 'assigned', guestMac: NLB_MAC },
      host: { name: P1, moref: expect.stringMatching(/^host-\d+$/) },
      datacenter: 'DC-Rotterdam',
      cluster: 'CL-Prod',
      switch: { type: 'standard', name: 'vSwitch1' },
      portgroup: { name: 'NLB-Front', moref: expect.stringMatching(/^network-\d+$/), portKey: null },
      policy: { macChanges: 'reject', source: 'portgroup' },
      evidence: [
        {
          type: 'vmkernel-log', detail: expect.any(String), source: P1,
          time: '2024-05-14T09:21:07.123Z', line: P1_LINES[0], vmName: 'nlb-web-01', mac: NLB_MAC, port: '0x4000004',
          count: 2, firstTime: '2024-05-14T09:21:07.123Z', lastTime: '2024-05-14T11:02:45.310Z',
        },
        {
          type: 'vmkernel-log', detail: expect.any(String), source: P1,
          time: '2024-05-14T09:21:07.123Z', line: P1_LINES[1], vmName: 'nlb-web-01', port: '0x4000004',
          count: 1, firstTime: '2024-05-14T09:21:07.123Z', lastTime: '2024-05-14T09:21:07.123Z',
        },
        { type: 'guest-mac-mismatch', detail: expect.stringContaining(NLB_MAC), guestMac: NLB_MAC, configuredMac: NLB_WEB_01_MAC },
      ],
      remedies: [
        {
          strategy: 'dedicated-portgroup', summary: expect.stringContaining('NLB-Front-macchg'),
          blastRadius: { vms: [], portgroups: ['NLB-Front-macchg'] }, notes: expect.any(Array),
        },
        {
          strategy: 'portgroup-accept', summary: expect.stringContaining('NLB-Front'),
          blastRadius: { vms: ['nlb-web-02', 'old-nlb-04', 'web-03'], portgroups: ['NLB-Front'] }, notes: expect.any(Array),
        },
      ],
      // Every other remedy, with why it does not fit.
      notOffered: [
        { strategy: 'pin-mac', reason: expect.stringMatching(/^its MAC is also used by nlb-web-02/) },
        { strategy: 'mac-learning', reason: 'MAC learning is for distributed switches (6.6+)' },
        { strategy: 'vswitch-accept', reason: 'portgroup "NLB-Front" sets Reject itself' },
      ],
    });
    // A standard portgroup change covers the cluster's hosts that have it (vMotion).
    expect(remedy(f, 'portgroup-accept')!.summary).toContain(P1);
    expect(remedy(f, 'portgroup-accept')!.summary).toContain(P2);
    expect(remedy(f, 'portgroup-accept')!.summary).not.toContain(P4);
  });

  it('reads every form of the vmkernel lines and ties each to its NIC', () => {
    // ESX 4.x / BSD syslog head (no year, so no time) and a bare "cpuN:" line.
    const legacy = byVm(report, 'legacy-app-01');
    expect(legacy.evidence).toEqual([
      expect.objectContaining({ type: 'vmkernel-log', time: null, line: LEGACY_APP_LINES[0], vmName: 'legacy-app-01', mac: LEGACY_APP_REQUESTED, port: '0x2000005' }),
      expect.objectContaining({ type: 'vmkernel-log', time: null, line: LEGACY_APP_LINES[1], vmName: 'legacy-app-01', port: '0x2000005' }),
    ]);
    // No client name: only the port id ties it, and the VM has no Tools to show its MAC.
    const appliance = byVm(report, 'lb-appliance-02');
    expect(appliance.evidence).toEqual([
      { type: 'vmkernel-log', detail: expect.any(String), source: P2, time: '2024-05-14T10:15:33.019Z', line: P2_LINES[1], port: '0x2000005', count: 1, firstTime: '2024-05-14T10:15:33.019Z', lastTime: '2024-05-14T10:15:33.019Z' },
    ]);
    expect(appliance.nic!.guestMac).toBeNull();
    // Logs unreadable on esx-p4: the blocked dvPort and the guest's MAC still tell.
    const nested = byVm(report, 'nested-esx-01');
    expect(nested.evidence.map((e) => e.type).sort()).toEqual(['dvport-blocked', 'guest-mac-mismatch']);
    expect(nested.evidence.find((e) => e.type === 'dvport-blocked')).toEqual({ type: 'dvport-blocked', detail: expect.stringContaining(NESTED_STATUS), portKey: '3', statusDetail: NESTED_STATUS });
    expect(nested.portgroup).toEqual({ name: 'DPG-Nested', moref: expect.stringMatching(/^dvportgroup-\d+$/), portKey: '3' });
    expect(byVm(report, 'erp-01').evidence.map((e) => e.line ?? e.type)).toEqual([ERP_OLD_LINE, 'guest-mac-mismatch']);
    expect(byVm(report, 'nlb-legacy-03').evidence).toEqual([expect.objectContaining({ line: MULTICAST_LINE, mac: '03:bf:0a:14:00:63', time: '2024-05-14T13:30:00.002Z' })]);
    // At risk: nothing but the guest's MAC.
    for (const vm of ['nlb-web-02', 'sip-proxy-01', 'k8s-worker-03', 'vpn-gw-01', 'rac-node-02']) {
      expect(byVm(report, vm).evidence.map((e) => e.type)).toEqual(['guest-mac-mismatch']);
    }
  });

  it('the progress lines end with what the notes say: three hosts read, one refused', async () => {
    const run = await vmfix(['audit', '--since', '2024-05-01'], lab.env);
    const progress = run.stderr.split('\n').filter((l) => l.startsWith('vmkernel logs:'));
    expect(progress.at(-1)).toBe('vmkernel logs: 3/4 hosts read, 1 refused');
    expect(run.stderr).not.toMatch(/4\/4 hosts read/);
  });

  it('says once that esx-p4\'s logs were unreadable, and warns of a line about a VM it cannot see (no removal on record)', () => {
    // Evidence it could not read is a warning (the exit code is not 0 for it), said once.
    expect(report.warnings.filter((n) => n.includes(P4))).toHaveLength(1);
    expect(report.warnings.find((n) => n.includes(P4))).toMatch(/NoPermission|permission/i);
    // vCenter's events hold no removal of decom-ftp-02: to vmfix it may be a VM this user cannot see.
    expect(report.warnings.filter((n) => n.includes('decom-ftp-02'))).toEqual([expect.stringMatching(/cannot see/)]);
    expect(report.notes.join('\n')).not.toContain('decom-ftp-02');
    // And that the live logs do not reach back to the start of --since (2024-05-01): the rest is in rotated files.
    expect(report.notes.filter((n) => /begins after the start of --since/.test(n))).toHaveLength(1);
    expect(report.notes).toHaveLength(1);
    expect(report.findings.map((f) => f.vm?.name)).not.toContain('decom-ftp-02');
  });

  it('lists remedies narrowest first, each with who else it touches', () => {
    for (const f of nicFindings(report)) {
      const radius = f.remedies.map((r) => r.blastRadius.vms.length);
      const nested = f.vm!.name === 'nested-esx-01';
      // A nested ESXi is best served by MAC learning, whatever it touches; otherwise fewest VMs first.
      expect(nested ? radius.slice(1) : radius, f.vm!.name).toEqual([...(nested ? radius.slice(1) : radius)].sort((a, b) => a - b));
      expect(f.remedies.length, f.vm!.name).toBeGreaterThanOrEqual(2);
      if (strategies(f).includes('vswitch-accept')) expect(strategies(f).at(-1)).toBe('vswitch-accept');
    }
    expect(strategies(byVm(report, 'sip-proxy-01'))).toEqual(['pin-mac', 'dedicated-portgroup', 'portgroup-accept', 'vswitch-accept']);
    expect(strategies(byVm(report, 'nested-esx-01'))).toEqual(['mac-learning', 'portgroup-accept', 'dedicated-portgroup']);
    expect(strategies(byVm(report, 'k8s-worker-03'))).toEqual(['pin-mac', 'portgroup-accept', 'dedicated-portgroup', 'mac-learning']);
    // The port overrides its portgroup: changing the portgroup would not help.
    expect(strategies(byVm(report, 'vpn-gw-01'))).toEqual(['pin-mac', 'dedicated-portgroup', 'mac-learning']);
    expect(remedy(byVm(report, 'vpn-gw-01'), 'mac-learning')!.blastRadius.vms).toEqual(['nested-esx-lab']);

    // portgroup-accept names the other VMs on the portgroup across the cluster; vswitch-accept the inheriting portgroups.
    const sip = byVm(report, 'sip-proxy-01');
    expect(remedy(sip, 'portgroup-accept')!.blastRadius).toEqual({ vms: ['app-02', 'app-04', 'db-01', 'lb-appliance-02'], portgroups: ['App-Tier'] });
    expect(remedy(sip, 'vswitch-accept')!.blastRadius).toEqual({
      vms: ['app-02', 'app-04', 'db-01', 'jump-01', 'lb-appliance-02', 'nlb-web-01'],
      portgroups: ['App-Tier', 'Management Network', 'VM Network'],
    });
    expect(remedy(byVm(report, 'erp-01'), 'vswitch-accept')!.blastRadius).toEqual({ vms: ['legacy-app-01', 'nlb-legacy-03'], portgroups: ['ERP', 'VM Network'] });
    // Reject set on the portgroup itself: opening the vSwitch would change nothing for it.
    expect(strategies(byVm(report, 'nlb-web-02'))).not.toContain('vswitch-accept');
  });

  it('offers pin-mac only for a MAC of the guest\'s own that is unicast and unused elsewhere', () => {
    const pin = (vm: string) => remedy(byVm(report, vm), 'pin-mac');
    expect(pin('sip-proxy-01')).toMatchObject({ mac: SIP_GUEST_MAC, blastRadius: { vms: [], portgroups: [] } });
    expect(pin('sip-proxy-01')!.notes.join(' ')).toMatch(/power/i);
    expect(pin('legacy-app-01')?.mac).toBe(LEGACY_APP_REQUESTED); // from the log line: Tools report nothing else
    expect(pin('erp-01')?.mac).toBe('00:50:56:3a:20:01');
    expect(pin('nlb-web-01')).toBeUndefined(); // NLB unicast: both nodes use it
    expect(pin('nlb-web-02')).toBeUndefined();
    expect(pin('nlb-legacy-03')).toBeUndefined(); // multicast
    expect(pin('lb-appliance-02')).toBeUndefined(); // no MAC known
    expect(pin('nested-esx-01')).toBeUndefined(); // a nested hypervisor uses many MACs
  });

  it('offers MAC learning only on a DVS that has it (6.6 and later)', () => {
    for (const vm of ['nested-esx-01', 'k8s-worker-03', 'vpn-gw-01']) expect(strategies(byVm(report, vm))).toContain('mac-learning');
    for (const vm of ['rac-node-02', 'nlb-web-01', 'sip-proxy-01', 'legacy-app-01']) expect(strategies(byVm(report, vm))).not.toContain('mac-learning');
  });

  it('flags the Accepts nobody needs, as info, and not those a VM relies on', () => {
    const info = report.findings.filter((f) => f.kind === 'mac-accept-unneeded');
    const got = info.map((f) => [f.host?.name ?? null, f.switch?.name, f.portgroup?.name ?? null, f.policy.source]);
    expect(got.sort()).toEqual([
      [null, 'DVS-Prod', 'DPG-Spare', 'dvportgroup'],
      [P1, 'vSwitch1', null, 'vswitch'],
      [P2, 'vSwitch0', 'Lab-Accept', 'portgroup'],
      [P2, 'vSwitch1', null, 'vswitch'],
    ].sort());
    for (const f of info) {
      expect(f).toMatchObject({ severity: 'info', vm: null, nic: null, policy: { macChanges: 'accept' }, evidence: [], remedies: [] });
    }
    expect(info.find((f) => f.portgroup?.name === 'DPG-Spare')!.portgroup!.moref).toMatch(/^dvportgroup-\d+$/);
  });

  it('gives the same finding the same id on the next run', async () => {
    const again = parse((await vmfix(['audit', '--since', '2024-05-01', '--format', 'json'], lab.env)).stdout);
    const ids = (r: Report) => Object.fromEntries(r.findings.map((f) => [f.id, `${f.kind} ${f.vm?.name ?? ''} ${f.nic?.key ?? ''} ${f.host?.name ?? ''} ${f.switch?.name} ${f.portgroup?.name ?? ''}`]));
    expect(ids(again)).toEqual(ids(report));
    expect(new Set(report.findings.map((f) => f.id)).size).toBe(report.findings.length);
  });

  it('reads only the last --log-lines lines of each host\'s log', async () => {
    // esx-p3's log ends with erp-01's line, then NOISE_AFTER_ERP lines, then three more.
    const after = NOISE_AFTER_ERP + LEGACY_APP_LINES.length + 1;
    const short = parse((await vmfix(['audit', '--since', '2024-05-01', '--format', 'json', '--host', P3, '--log-lines', String(after)], lab.env)).stdout);
    expect(byVm(short, 'erp-01')).toMatchObject({ kind: 'mac-change-at-risk', evidence: [{ type: 'guest-mac-mismatch' }] });
    expect(byVm(short, 'legacy-app-01').kind).toBe('mac-change-blocked');
    const enough = parse((await vmfix(['audit', '--since', '2024-05-01', '--format', 'json', '--host', P3, '--log-lines', String(after + 1)], lab.env)).stdout);
    expect(byVm(enough, 'erp-01').kind).toBe('mac-change-blocked');
  });

  it('--host keeps that host\'s findings, and reads only its logs', async () => {
    const run = await vmfix(['audit', '--since', '2024-05-01', '--format', 'json', '--host', 'esx-p3.*'], lab.env);
    expect(run.code).toBe(1);
    const scoped = parse(run.stdout);
    expect(nicFindings(scoped).map((f) => f.vm!.name).sort()).toEqual(['erp-01', 'legacy-app-01', 'nlb-legacy-03', 'rac-node-02']);
    for (const f of scoped.findings) if (f.host) expect(f.host.name).toBe(P3);
    expect(scoped.notes.join('\n')).not.toContain(P4);
    expect([...scoped.notes, ...scoped.warnings].join('\n')).not.toContain('decom-ftp-02');
  });

  it('--vm matches names case-sensitively, as vSphere has them, and says what was meant', async () => {
    const run = await vmfix(['audit', '--since', '2024-05-01', '--vm', 'K8S-*'], lab.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^vmfix: No VM matches --vm 'K8S-\*' \(names are case-sensitive; did you mean 'k8s-worker-0\d'/m);
    expect(run.stdout).toBe('');
  });

  it('--vm keeps those VMs\' findings, judged against the whole estate', async () => {
    const run = await vmfix(['audit', '--since', '2024-05-01', '--format', 'json', '--vm', '*web*', '--vm', 'k8s-*'], lab.env);
    expect(run.code).toBe(1);
    const scoped = parse(run.stdout);
    expect(nicFindings(scoped).map((f) => f.vm!.name).sort()).toEqual(['k8s-worker-03', 'nlb-web-01', 'nlb-web-02']);
    // The same finding as unscoped, down to who else a portgroup change would touch.
    expect(byVm(scoped, 'nlb-web-01')).toEqual(byVm(report, 'nlb-web-01'));
    // Lines about VMs out of scope are not "unknown VMs"; Accepts used by VMs out of scope are not "unneeded".
    expect(scoped.notes.filter((n) => /legacy-app-01|erp-01|nlb-legacy-03|0x2000005/.test(n))).toEqual([]);
    expect(scoped.findings.filter((f) => f.kind === 'mac-accept-unneeded').map((f) => f.portgroup?.name)).not.toContain('DPG-Edge');
    expect(scoped.findings.filter((f) => f.kind === 'mac-accept-unneeded').map((f) => `${f.host?.name}/${f.portgroup?.name}`)).not.toContain(`${P1}/Lab-Accept`);
  });

  it('exits 0 for a VM whose changed MAC an Accept portgroup allows; asked about VMs, it shows no switch-only findings', async () => {
    const run = await vmfix(['audit', '--since', '2024-05-01', '--format', 'json', '--vm', 'test-clone-01'], lab.env);
    expect(run.code).toBe(0);
    expect(parse(run.stdout).findings).toEqual([]);
    // The same host audited whole has info findings about its portgroups: still exit 0 only if nothing worse.
    const host = await vmfix(['audit', '--since', '2024-05-01', '--format', 'json', '--host', P1], lab.env);
    expect(parse(host.stdout).findings.some((f) => f.severity === 'info')).toBe(true);
  });

  it('writes Markdown for a ticket: grouped by host and portgroup, with the log lines and every finding', async () => {
    const run = await vmfix(['audit', '--since', '2024-05-01', '--format', 'markdown'], lab.env);
    expect(run.code).toBe(1);
    const md = run.stdout;
    expect(md).toMatch(/^# vmfix audit/);
    expect(md).toContain(`## ${P1} / NLB-Front`);
    expect(md).toContain(`## ${P3} / VM Network`);
    expect(md).toContain(`\`${P1_LINES[0]}\``);
    expect(md).toContain(`\`${P2_LINES[1]}\``);
    for (const f of report.findings) expect(md).toContain(f.id);
    expect(md).toMatch(/## Warnings[\s\S]*decom-ftp-02[\s\S]*## Notes/);
  });

  it('writes CSV with one row per finding, matching the JSON', async () => {
    const run = await vmfix(['audit', '--since', '2024-05-01', '--format', 'csv'], lab.env);
    expect(run.code).toBe(1);
    const [header, ...rows] = parseCsv(run.stdout);
    const col = (name: string) => header!.indexOf(name);
    for (const name of ['id', 'severity', 'kind', 'vm', 'nic', 'host', 'portgroup', 'macChanges', 'policySource']) expect(header).toContain(name);
    expect(rows).toHaveLength(report.findings.length);
    for (const f of report.findings) {
      const row = rows.find((r) => r[col('id')] === f.id);
      expect(row, f.id).toBeDefined();
      expect([row![col('severity')], row![col('kind')], row![col('vm')], row![col('host')], row![col('portgroup')], row![col('policySource')]]).toEqual([
        f.severity, f.kind, f.vm?.name ?? '', f.host?.name ?? '', f.portgroup?.name ?? '', f.policy.source ?? '',
      ]);
    }
    // A log line holds commas: the row must still have every column.
    for (const r of rows) expect(r).toHaveLength(header!.length);
  });

  it('prints the table by default, grouped, with the evidence one line each', async () => {
    const run = await vmfix(['audit', '--since', '2024-05-01'], lab.env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^15 finding\(s\) on .*: 6 critical, 5 warning, 4 info/);
    expect(run.stdout).toContain(`${P1} / NLB-Front`);
    expect(run.stdout).toContain(P1_LINES[0]);
    expect(run.stdout).not.toContain('\x1b[');
    expect(stdout).not.toBe(run.stdout);
  });
});

describe('vmfix audit where nothing is wrong', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startScenario({
      mode: 'vcenter',
      datacenters: [{
        name: 'DC-Quiet',
        hosts: [{
          name: 'esx-q1.corp.example',
          vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: { allowPromiscuous: false, macChanges: false, forgedTransmits: false } }],
          portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0' }, { name: 'Backup', vswitch: 'vSwitch0', vlanId: 30 }],
          vmkernelLog: { filler: 800, spanHours: 240, lines: ['{{now-1h}} cpu12:2097682)NetPort: 1580: disabled port 0x2000004'] },
        }],
        vms: [
          { name: 'file-01', host: 'esx-q1.corp.example', nics: [{ network: 'VM Network' }, { network: 'Backup' }] },
          { name: 'file-02', host: 'esx-q1.corp.example', powerState: 'poweredOff', nics: [{ network: 'VM Network', guestMac: '00:50:56:3a:00:01' }] },
        ],
      }],
    });
  });
  afterAll(() => lab?.stop());

  it('exits 0 and says so', async () => {
    const json = await vmfix(['audit', '--format', 'json'], lab.env);
    expect(json.code).toBe(0);
    expect(parse(json.stdout)).toMatchObject({ findings: [], notes: [], summary: { findings: 0, vmsScanned: 2, hostsScanned: 1 } });
    const table = await vmfix(['audit'], lab.env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^No findings on /);
    // What the all-clear rests on: the window and what was read.
    expect(table.stdout).toMatch(/^Evidence: vmkernel logs: \d+ line\(s\) from 1 log\(s\), .* window the last 7 days; dvPort state of 0 distributed switches/m);
  });
});

describe('vmfix audit on a standalone ESXi host', () => {
  const HOST = 'esx-branch-07.retail.example';
  const LINE = '2024-06-01T07:00:00.000Z In(182) vmkernel: cpu1:2099000)etherswitch: L2Sec_EnforcePortCompliance:247: client pos-01 requested mac address change to 02:00:00:00:00:07 on port 0x2000004, disallowed by vswitch policy';
  let lab: Lab;
  beforeAll(async () => {
    lab = await startScenario({
      mode: 'esx',
      datacenters: [{
        name: 'ha-datacenter',
        hosts: [{
          name: HOST, version: '7.0.3', build: '21930508',
          vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: { allowPromiscuous: false, macChanges: false, forgedTransmits: false } }],
          portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0' }, { name: 'POS', vswitch: 'vSwitch0', vlanId: 42 }],
          vmkernelLog: { filler: 1200, lines: [LINE] },
        }],
        vms: [
          { name: 'pos-01', host: HOST, toolsStatus: 'toolsNotRunning', nics: [{ network: 'VM Network' }] },
          { name: 'pos-02', host: HOST, nics: [{ network: 'POS' }] },
        ],
      }],
    });
  });
  afterAll(() => lab?.stop());

  it('reads the host\'s own vmkernel log (no vCenter in between) and ties the line to the VM', async () => {
    expect(lab.about.apiType).toBe('HostAgent');
    const run = await vmfix(['audit', '--since', '2024-06-01', '--format', 'json'], lab.env);
    expect(run.code).toBe(1);
    const esx = parse(run.stdout);
    expect(esx.notes).toEqual([]);
    expect(esx.findings.map((f) => [f.kind, f.vm?.name, f.host?.name, f.portgroup?.name, f.policy.source])).toEqual([
      ['mac-change-blocked', 'pos-01', HOST, 'VM Network', 'vswitch'],
    ]);
    expect(esx.findings[0]!.evidence).toEqual([expect.objectContaining({ line: LINE, vmName: 'pos-01', mac: '02:00:00:00:00:07', port: '0x2000004' })]);
    expect(esx.findings[0]!.nic).toMatchObject({ addressType: 'generated', guestMac: null });
  });
});

describe('vmfix audit --vmkernel-log, offline', () => {
  let dir: string;
  const SQL = [
    '2024-05-14T09:21:07.123Z In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client sql-02 requested mac address change to 00:50:56:3a:99:02 on port 0x2000007, disallowed by vswitch policy',
    '2024-05-14T09:21:07.123Z In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client sql-02 has policy violations on port 0x2000007. Port is blocked',
  ];
  const OLDER_SQL = SQL[0]!.replace('2024-05-14T09:21:07.123Z', '2024-05-13T18:00:00.500Z');
  const PEER = '2024-05-14T10:00:00.000Z Wa(180) vmkernel: cpu8:2099001)etherswitch: L2Sec_EnforcePortCompliance: 0x400000c: peer not allowed to change address, blocking port';
  const NESTED = '2024-05-14T11:11:11.111Z cpu1:2100001)etherswitch: L2Sec_EnforcePortCompliance:247: client nested-lab-9 requested mac address change to 00:0c:29:aa:bb:09 on port 0x6000003, disallowed by vswitch policy';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vmfix-offline-'));
    await mkdir(join(dir, 'collected'));
    await writeFile(join(dir, 'collected', 'vmkernel.log'), ['2024-05-14T09:20:58.402Z In(182) vmkernel: cpu12:2097589)Net: 2587: connected sql-02 eth0 to VM Network, portID 0x2000007', ...SQL, PEER, ''].join('\n'));
    await writeFile(join(dir, 'collected', 'vmkernel.0.gz'), gzipSync(`${OLDER_SQL}\n2024-05-13T18:00:01.000Z cpu2:2097152)NetPort: 1580: disabled port 0x2000007\n`));
    const bundle = join(dir, 'esx-esx-lab09.corp.example-2024-05-14--11.20-48811', 'var', 'run', 'log');
    await mkdir(bundle, { recursive: true });
    await writeFile(join(bundle, 'vmkernel.log'), `${NESTED}\n`);
  });

  it('finds the blocked ports from the logs alone, without any vCenter', async () => {
    const run = await vmfix([
      'audit', '--format', 'json',
      '--vmkernel-log', join(dir, 'collected', 'vmkernel.log'), join(dir, 'collected', 'vmkernel.0.gz'), join(dir, 'esx-esx-lab09.corp.example-2024-05-14--11.20-48811'),
    ]);
    expect(run.stderr).not.toMatch(/vCenter|password|connect/i);
    expect(run.code).toBe(1);
    const offline = parse(run.stdout);
    expect(offline.endpoint).toBe('offline');
    const got = offline.findings.map((f) => [f.kind, f.vm?.name ?? null, f.host?.name ?? null, f.evidence.map((e) => e.line)]);
    expect(got).toEqual(expect.arrayContaining([
      // The rotated file is read first: the event shows its oldest line.
      ['mac-change-blocked', 'sql-02', null, [OLDER_SQL, SQL[1]]],
      ['mac-change-blocked', null, null, [PEER]],
      ['mac-change-blocked', 'nested-lab-9', 'esx-lab09.corp.example', [NESTED]],
    ]));
    expect(offline.findings).toHaveLength(3);
    const sql = offline.findings.find((f) => f.vm?.name === 'sql-02')!;
    // The rotated file's older line and the current one are one event.
    expect(sql.evidence[0]).toMatchObject({ vmName: 'sql-02', mac: '00:50:56:3a:99:02', port: '0x2000007', count: 2, firstTime: '2024-05-13T18:00:00.500Z', lastTime: '2024-05-14T09:21:07.123Z' });
    expect(sql.remedies[0]).toMatchObject({ strategy: 'pin-mac', mac: '00:50:56:3a:99:02' });
    expect(sql.policy).toEqual({ macChanges: 'reject', source: null });
  });

  it('refuses a path it cannot read with exit 2 and one line', async () => {
    const run = await vmfix(['audit', '--vmkernel-log', join(dir, 'no-such-vmkernel.log')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('no-such-vmkernel.log');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
