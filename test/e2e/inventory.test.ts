// Issue 2 acceptance: `vmfix inventory` against estates the code was never
// tuned to, compared whole with what an admin would read off the vSphere
// Client: every host, vSwitch, portgroup, DVS and dvPortgroup, nothing more.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';
import { parseCsv } from './scenarios/csv.js';
import { TWO_SITES } from './scenarios/two-sites.js';

type Word = 'accept' | 'reject' | 'unset' | 'inherit';
interface Policy { macChanges: Word; forgedTransmits: Word; allowPromiscuous: Word }
interface PortgroupRow { name: string; vswitch: string; vlanId: number; policy: Policy; effective: Policy; vms: string[] }
interface HostRow { name: string; moref: string; datacenter: string | null; cluster: string | null; version: string; vswitches: { name: string; policy: Policy }[]; portgroups: PortgroupRow[] }
interface DvPortgroupRow { name: string; moref: string; key: string; vlanId: number | null; policy: Policy; effective: Policy; macLearning: boolean; vms: string[] }
interface DvsRow { name: string; moref: string; uuid: string; version: string; datacenter: string | null; policy: Policy; macLearning: boolean; portgroups: DvPortgroupRow[] }
interface Report { schemaVersion: number; endpoint: string; hosts: HostRow[]; dvSwitches: DvsRow[] }

/** MAC changes, forged transmits, promiscuous: the order of the vSphere Client's security page. */
const p = (macChanges: Word, forgedTransmits: Word, allowPromiscuous: Word): Policy => ({ macChanges, forgedTransmits, allowPromiscuous });
const REJECT = p('reject', 'reject', 'reject');
const INHERIT = p('inherit', 'inherit', 'inherit');
const UNSET = p('unset', 'unset', 'unset');
const pg = (name: string, vswitch: string, vlanId: number, policy: Policy, effective: Policy, vms: string[] = []): PortgroupRow => ({ name, vswitch, vlanId, policy, effective, vms });
const dvpg = (name: string, vlanId: number, policy: Policy, effective: Policy, vms: string[] = [], macLearning = false) => ({ name, vlanId, policy, effective, macLearning, vms });

const AMS1 = 'esx-ams-01.corp.example';
const AMS2 = 'esx-ams-02.corp.example';
const AMS3 = 'esx-ams-03.corp.example';
const BER1 = 'esx-ber-01.corp.example';
const BER2 = 'esx-ber-02.corp.example';

// What the scenario says, written out by hand as an admin reads it.
const HOSTS: Omit<HostRow, 'moref'>[] = [
  {
    name: AMS1, datacenter: 'DC-Amsterdam', cluster: 'Prod-A', version: '7.0.3',
    vswitches: [
      { name: 'vSwitch0', policy: REJECT },
      { name: 'vSwitch1', policy: UNSET },
      { name: 'vSwitch-Lab', policy: p('accept', 'reject', 'accept') },
    ],
    portgroups: [
      pg('Management Network', 'vSwitch0', 10, INHERIT, REJECT),
      pg('VM Network', 'vSwitch0', 0, INHERIT, REJECT, ['db-ams-01', 'web-ams-01']),
      pg('DMZ-Web', 'vSwitch0', 210, p('accept', 'inherit', 'inherit'), p('accept', 'reject', 'reject'), ['web-ams-01']),
      pg('iSCSI-A', 'vSwitch1', 20, INHERIT, REJECT, ['db-ams-01']),
      pg('NLB-Cluster', 'vSwitch1', 110, p('inherit', 'accept', 'inherit'), p('reject', 'accept', 'reject')),
      pg('Lab-Trunk', 'vSwitch-Lab', 4095, p('reject', 'inherit', 'reject'), REJECT),
      pg('Lab-Sniffer', 'vSwitch-Lab', 4095, INHERIT, p('accept', 'reject', 'accept')),
    ],
  },
  {
    name: AMS2, datacenter: 'DC-Amsterdam', cluster: 'Prod-A', version: '8.0.2',
    vswitches: [{ name: 'vSwitch0', policy: REJECT }, { name: 'vSwitch1', policy: REJECT }],
    portgroups: [
      pg('Management Network', 'vSwitch0', 10, INHERIT, REJECT),
      pg('VM Network', 'vSwitch0', 0, INHERIT, REJECT, ['web-ams-02']),
      pg('DMZ-Web', 'vSwitch0', 210, INHERIT, REJECT, ['web-ams-02']),
      pg('NLB-Cluster', 'vSwitch1', 111, p('accept', 'inherit', 'inherit'), p('accept', 'reject', 'reject'), ['nlb-ams-01']),
    ],
  },
  {
    name: AMS3, datacenter: 'DC-Amsterdam', cluster: null, version: '6.7.0',
    vswitches: [{ name: 'vSwitch0', policy: p('accept', 'accept', 'reject') }],
    portgroups: [
      pg('VM Network', 'vSwitch0', 0, INHERIT, p('accept', 'accept', 'reject'), ['backup-ams-03', 'tmpl-win2019']),
      pg('Backup', 'vSwitch0', 300, p('reject', 'inherit', 'inherit'), p('reject', 'accept', 'reject'), ['backup-ams-03']),
    ],
  },
  {
    name: BER1, datacenter: 'DC-Berlin', cluster: 'Edge', version: '6.5.0',
    vswitches: [{ name: 'vSwitch0', policy: REJECT }],
    portgroups: [
      pg('VM Network', 'vSwitch0', 0, INHERIT, REJECT),
      pg('Edge-Uplink', 'vSwitch0', 900, p('inherit', 'accept', 'inherit'), p('reject', 'accept', 'reject'), ['edge-fw-01']),
    ],
  },
  {
    name: BER2, datacenter: 'DC-Berlin', cluster: 'Edge', version: '6.5.0',
    vswitches: [{ name: 'vSwitch0', policy: REJECT }],
    portgroups: [
      pg('VM Network', 'vSwitch0', 0, INHERIT, REJECT, ['ber-jump']),
      pg('Edge-Uplink', 'vSwitch0', 900, INHERIT, REJECT),
    ],
  },
];

const DV_SWITCHES = [
  {
    name: 'DVS-Prod', uuid: '50 2a 6b 1c 9e 4d 7f 3a-b1 c2 d3 e4 f5 06 17 28', version: '7.0.3', datacenter: 'DC-Amsterdam', policy: REJECT, macLearning: false,
    portgroups: [
      dvpg('DPG-App', 100, INHERIT, REJECT, ['app-ams-01', 'app-ams-02']),
      dvpg('DPG-Nested-ESXi', 50, p('accept', 'accept', 'inherit'), p('accept', 'accept', 'reject'), ['nested-esx-01'], true),
      dvpg('DPG-Monitor', 4000, p('inherit', 'inherit', 'accept'), p('reject', 'reject', 'accept'), ['app-ams-02']),
      dvpg('DPG-Locked', 60, REJECT, REJECT),
    ],
  },
  {
    // vCenter before 6.7: securityPolicy BoolPolicies only, per-field inheritance.
    name: 'DVS-Legacy', uuid: null, version: '6.0.0', datacenter: 'DC-Berlin', policy: p('accept', 'accept', 'reject'), macLearning: false,
    portgroups: [
      dvpg('Legacy-Inherit', 500, INHERIT, p('accept', 'accept', 'reject'), ['edge-fw-01']),
      dvpg('Legacy-Reject', 501, p('reject', 'inherit', 'inherit'), p('reject', 'accept', 'reject'), ['edge-app-01']),
    ],
  },
];

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const HOST_MOREF = /^host-\d+$/;
const DVPG_MOREF = /^dvportgroup-\d+$/;
const GENERATED_UUID = /^[0-9a-f]{2}( [0-9a-f]{2}){7}-[0-9a-f]{2}( [0-9a-f]{2}){7}$/;

/** Order is not part of the contract; names are. */
function normalise(report: Report): Report {
  return {
    ...report,
    hosts: [...report.hosts].sort(byName).map((h) => ({ ...h, vswitches: [...h.vswitches].sort(byName), portgroups: [...h.portgroups].sort(byName) })),
    dvSwitches: [...report.dvSwitches].sort(byName).map((d) => ({ ...d, portgroups: [...d.portgroups].sort(byName) })),
  };
}

/** The expected report for the hosts and DVS in scope, with the VMs in scope. */
function expected(endpoint: string, hostNames: readonly string[], dvsNames: readonly string[], vmsInScope?: ReadonlySet<string>): Report {
  const vms = (names: string[]) => (vmsInScope ? names.filter((n) => vmsInScope.has(n)) : names);
  return normalise({
    schemaVersion: 1,
    endpoint,
    hosts: HOSTS.filter((h) => hostNames.includes(h.name)).map((h) => ({
      ...h,
      moref: expect.stringMatching(HOST_MOREF) as unknown as string,
      portgroups: h.portgroups.map((g) => ({ ...g, vms: vms(g.vms) })),
    })),
    dvSwitches: DV_SWITCHES.filter((d) => dvsNames.includes(d.name)).map((d) => ({
      ...d,
      moref: expect.stringMatching(/^dvs-\d+$/) as unknown as string,
      uuid: d.uuid ?? (expect.stringMatching(GENERATED_UUID) as unknown as string),
      portgroups: d.portgroups.map((g) => ({
        ...g,
        moref: expect.stringMatching(DVPG_MOREF) as unknown as string,
        key: expect.stringMatching(DVPG_MOREF) as unknown as string,
        vms: vms(g.vms),
      })),
    })),
  });
}

const ALL_HOSTS = [AMS1, AMS2, AMS3, BER1, BER2];
const VMS_ON = (...hosts: string[]) => new Set(TWO_SITES.datacenters.flatMap((dc) => dc.vms).filter((vm) => hosts.includes(vm.host)).map((vm) => vm.name));

/** Splits an aligned text table into cells by the header's column positions. */
function textCells(text: string): { header: string[]; rows: string[][] } {
  const lines = text.trimEnd().split('\n');
  const headerLine = lines[0]!;
  const names = headerLine.split(/ {2,}/);
  const starts = names.map((n) => headerLine.indexOf(n));
  const cut = (line: string) => starts.map((s, i) => line.slice(s, starts[i + 1] ?? undefined).trim());
  expect(lines[1]).toMatch(/^-+( +-+)*$/);
  return { header: names, rows: lines.slice(2).map(cut) };
}

describe('vmfix inventory on a two-site vCenter', () => {
  let lab: Lab;
  let endpoint: string;
  let json: Report;

  beforeAll(async () => {
    lab = await startScenario(TWO_SITES);
    endpoint = new URL(lab.url).host;
    const run = await vmfix(['inventory', '--format', 'json'], lab.env);
    expect(run.stderr).not.toMatch(/error|Internal/i);
    expect(run.code).toBe(0);
    json = JSON.parse(run.stdout) as Report;
  });
  afterAll(() => lab?.stop());

  it('lists exactly the hosts, vSwitches, portgroups, DVS and dvPortgroups, as set and in force', () => {
    expect(json.schemaVersion).toBe(1);
    expect(normalise(json)).toEqual(expected(endpoint, ALL_HOSTS, ['DVS-Prod', 'DVS-Legacy']));
  });

  it('gives each dvPortgroup its moref as key, and each object its own moref', () => {
    const dvpgs = json.dvSwitches.flatMap((d) => d.portgroups);
    for (const g of dvpgs) expect(g.key).toBe(g.moref);
    expect(new Set(dvpgs.map((g) => g.moref)).size).toBe(dvpgs.length);
    expect(new Set(json.hosts.map((h) => h.moref)).size).toBe(json.hosts.length);
    expect(json.dvSwitches[0]!.uuid).not.toBe(json.dvSwitches[1]!.uuid);
  });

  it('writes the same JSON to --output FILE and nothing to stdout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-inventory-'));
    const file = join(dir, 'posture.json');
    const run = await vmfix(['inventory', '--format', 'json', '--output', file], lab.env);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(normalise(JSON.parse(await readFile(file, 'utf8')) as Report)).toEqual(normalise(json));
  });

  it('writes one CSV record per vSwitch, portgroup, DVS and dvPortgroup, policy as set and in force', async () => {
    const run = await vmfix(['inventory', '--format', 'csv'], lab.env);
    expect(run.code).toBe(0);
    const [header, ...rows] = parseCsv(run.stdout);
    expect(header).toEqual([
      'scope', 'host', 'switch', 'switchType', 'portgroup', 'vlanId',
      'macChanges', 'macChangesEffective', 'forgedTransmits', 'forgedTransmitsEffective',
      'allowPromiscuous', 'allowPromiscuousEffective', 'vms', 'datacenter', 'cluster', 'macLearning',
    ]);
    const both = (own: Policy, eff: Policy) => [own.macChanges, eff.macChanges, own.forgedTransmits, eff.forgedTransmits, own.allowPromiscuous, eff.allowPromiscuous];
    const onOff = (on: boolean) => (on ? 'on' : 'off');
    const want: string[][] = [];
    for (const h of HOSTS) {
      const where = [h.datacenter ?? '', h.cluster ?? '', 'n/a'];
      for (const vs of h.vswitches) want.push(['vswitch', h.name, vs.name, 'standard', '', '', ...both(vs.policy, vs.policy), '', ...where]);
      for (const g of h.portgroups) want.push(['portgroup', h.name, g.vswitch, 'standard', g.name, String(g.vlanId), ...both(g.policy, g.effective), g.vms.join('; '), ...where]);
    }
    for (const d of DV_SWITCHES) {
      want.push(['dvs', '', d.name, 'distributed', '', '', ...both(d.policy, d.policy), '', d.datacenter, '', onOff(d.macLearning)]);
      for (const g of d.portgroups) want.push(['dvportgroup', '', d.name, 'distributed', g.name, String(g.vlanId), ...both(g.policy, g.effective), g.vms.join('; '), d.datacenter, '', onOff(g.macLearning)]);
    }
    const key = (r: string[]) => r.join('\u0000');
    expect(rows.map(key).sort()).toEqual(want.map(key).sort());
  });

  it('prints a table grouped by host and switch, each policy as set with what is in force', async () => {
    const run = await vmfix(['inventory'], lab.env);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('\x1b[');
    const { header, rows } = textCells(run.stdout);
    expect(header).toEqual(['datacenter', 'cluster', 'host / DVS', 'switch', 'portgroup', 'vlan', 'MAC changes', 'forged transmits', 'promiscuous', 'MAC learning', 'VMs']);
    // Every portgroup row sits under its own switch's row, and a host's or DVS's rows are together.
    const seen: string[] = [];
    let switchRow: string[] | undefined;
    const place = (row: string[]) => row.slice(2);
    for (const full of rows) {
      const row = place(full);
      const owner = row[0]!.replace(/ \(DVS .*\)$/, '');
      if (seen.at(-1) !== owner) {
        expect(seen, `${owner} appears in two places`).not.toContain(owner);
        seen.push(owner);
      }
      if (row[2] === '') switchRow = row;
      else {
        expect(switchRow?.[1], `${row[2]} on ${owner}`).toBe(row[1]);
        expect(switchRow?.[0]?.replace(/ \(DVS .*\)$/, '')).toBe(owner);
      }
    }
    expect(seen).toEqual([...ALL_HOSTS, 'DVS-Legacy', 'DVS-Prod']);
    const find = (owner: string, portgroup: string, sw?: string) =>
      rows.find((r) => r[2]!.startsWith(owner) && r[4] === portgroup && (sw === undefined || r[3] === sw));
    // The same portgroup name on two hosts, with and without an override.
    expect(find(AMS1, 'DMZ-Web')).toEqual(['DC-Amsterdam', 'Prod-A', AMS1, 'vSwitch0', 'DMZ-Web', '210', 'accept', 'inherit (reject)', 'inherit (reject)', 'n/a', '1']);
    expect(find(AMS2, 'DMZ-Web')).toEqual(['DC-Amsterdam', 'Prod-A', AMS2, 'vSwitch0', 'DMZ-Web', '210', 'inherit (reject)', 'inherit (reject)', 'inherit (reject)', 'n/a', '1']);
    expect(find(AMS1, '', 'vSwitch1')).toEqual(['DC-Amsterdam', 'Prod-A', AMS1, 'vSwitch1', '', '', 'unset', 'unset', 'unset', 'n/a', '']);
    expect(find(AMS1, 'Lab-Sniffer')).toEqual(['DC-Amsterdam', 'Prod-A', AMS1, 'vSwitch-Lab', 'Lab-Sniffer', '4095', 'inherit (accept)', 'inherit (reject)', 'inherit (accept)', 'n/a', '0']);
    expect(find(AMS3, 'VM Network')).toEqual(['DC-Amsterdam', '', AMS3, 'vSwitch0', 'VM Network', '0', 'inherit (accept)', 'inherit (accept)', 'inherit (reject)', 'n/a', '2']);
    expect(find('DVS-Legacy', '')).toEqual(['DC-Berlin', '', 'DVS-Legacy (DVS 6.0.0)', 'DVS-Legacy', '', '', 'accept', 'accept', 'reject', 'off', '']);
    expect(find('DVS-Legacy', 'Legacy-Inherit')).toEqual(['DC-Berlin', '', 'DVS-Legacy', 'DVS-Legacy', 'Legacy-Inherit', '500', 'inherit (accept)', 'inherit (accept)', 'inherit (reject)', 'off', '1']);
    expect(find('DVS-Prod', 'DPG-Monitor')).toEqual(['DC-Amsterdam', '', 'DVS-Prod', 'DVS-Prod', 'DPG-Monitor', '4000', 'inherit (reject)', 'inherit (reject)', 'accept', 'off', '1']);
    expect(find('DVS-Prod', 'DPG-Nested-ESXi')).toEqual(['DC-Amsterdam', '', 'DVS-Prod', 'DVS-Prod', 'DPG-Nested-ESXi', '50', 'accept', 'accept', 'inherit (reject)', 'on', '1']);
    expect(rows).toHaveLength(HOSTS.reduce((n, h) => n + h.vswitches.length + h.portgroups.length, 0) + DV_SWITCHES.reduce((n, d) => n + 1 + d.portgroups.length, 0));
  });

  it('--portgroup keeps the portgroups so named (globs, case-sensitive) and the switches they are on; a name that matches none is refused', async () => {
    const run = await vmfix(['inventory', '--format', 'json', '--portgroup', 'DMZ-*', '--portgroup', 'DPG-App'], lab.env);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.hosts.map((h) => [h.name, h.vswitches.map((v) => v.name), h.portgroups.map((g) => g.name)])).toEqual([
      [AMS1, ['vSwitch0'], ['DMZ-Web']],
      [AMS2, ['vSwitch0'], ['DMZ-Web']],
    ]);
    expect(report.dvSwitches.map((d) => [d.name, d.portgroups.map((g) => g.name)])).toEqual([['DVS-Prod', ['DPG-App']]]);
    const none = await vmfix(['inventory', '--portgroup', 'dmz-*'], lab.env);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/No portgroup matches --portgroup 'dmz-\*' \(names are case-sensitive; did you mean 'DMZ-Web'\?\)/);
  });

  it('--datacenter keeps that datacenter\'s hosts and DVS only', async () => {
    const run = await vmfix(['inventory', '--format', 'json', '--datacenter', 'DC-Berlin'], lab.env);
    expect(run.code).toBe(0);
    expect(normalise(JSON.parse(run.stdout) as Report)).toEqual(expected(endpoint, [BER1, BER2], ['DVS-Legacy']));
  });

  it('--cluster keeps the cluster\'s hosts, and DVS only where those hosts are', async () => {
    const run = await vmfix(['inventory', '--format', 'json', '--cluster', 'Prod-A'], lab.env);
    expect(run.code).toBe(0);
    expect(normalise(JSON.parse(run.stdout) as Report)).toEqual(expected(endpoint, [AMS1, AMS2], ['DVS-Prod'], VMS_ON(AMS1, AMS2)));
  });

  it('--host takes globs, is repeatable and counts only VMs on those hosts', async () => {
    const one = await vmfix(['inventory', '--format', 'json', '--host', 'esx-ber-0[1]*'], lab.env);
    expect(one.code).toBe(0);
    expect(normalise(JSON.parse(one.stdout) as Report)).toEqual(expected(endpoint, [BER1], ['DVS-Legacy'], VMS_ON(BER1)));

    const two = await vmfix(['inventory', '--format', 'json', '--host', '*-AMS-03.corp.example', '--host', 'esx-ams-01*'], lab.env);
    expect(two.code).toBe(0);
    expect(normalise(JSON.parse(two.stdout) as Report)).toEqual(expected(endpoint, [AMS1, AMS3], ['DVS-Prod'], VMS_ON(AMS1, AMS3)));
  });

  it('--datacenter and --cluster together narrow to both, and a combination that holds no host is refused, not an empty report', async () => {
    const run = await vmfix(['inventory', '--format', 'json', '--datacenter', 'DC-Amsterdam', '--cluster', 'Edge'], lab.env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^vmfix: The scope \(--datacenter 'DC-Amsterdam' --cluster 'Edge'\) matches no host\.$/m);
    expect(run.stdout).toBe('');
  });
});

describe('vmfix inventory on a standalone ESXi host', () => {
  const HOST = 'esx-branch-07.retail.example';
  const scenario = {
    mode: 'esx',
    datacenters: [
      {
        name: 'ignored-on-esx',
        hosts: [
          {
            name: HOST, version: '7.0.3', build: '21930508',
            vswitches: [
              { name: 'vSwitch0', nics: ['vmnic0'], policy: { allowPromiscuous: false, macChanges: false, forgedTransmits: false } },
              { name: 'vSwitch1', nics: ['vmnic1'], policy: null },
            ],
            portgroups: [
              { name: 'VM Network', vswitch: 'vSwitch0' },
              { name: 'POS', vswitch: 'vSwitch1', vlanId: 42, policy: { macChanges: true } },
              { name: 'CCTV', vswitch: 'vSwitch1', vlanId: 43, policy: { forgedTransmits: true, allowPromiscuous: false } },
            ],
          },
        ],
        vms: [
          { name: 'pos-01', host: HOST, nics: [{ network: 'POS' }, { network: 'VM Network' }] },
          { name: 'pos-02', host: HOST, nics: [{ network: 'POS' }] },
          { name: 'nvr-01', host: HOST, powerState: 'poweredOff', nics: [{ network: 'CCTV' }] },
        ],
      },
    ],
  };
  let lab: Lab;

  beforeAll(async () => {
    lab = await startScenario(scenario);
  });
  afterAll(() => lab?.stop());

  it('lists its one host with its vSwitches and portgroups, and no DVS', async () => {
    expect(lab.about.apiType).toBe('HostAgent');
    const run = await vmfix(['inventory', '--format', 'json'], lab.env);
    expect(run.code).toBe(0);
    expect(normalise(JSON.parse(run.stdout) as Report)).toEqual(normalise({
      schemaVersion: 1,
      endpoint: new URL(lab.url).host,
      hosts: [
        {
          name: HOST, moref: 'ha-host', datacenter: 'ha-datacenter', cluster: null, version: '7.0.3',
          vswitches: [{ name: 'vSwitch0', policy: REJECT }, { name: 'vSwitch1', policy: UNSET }],
          portgroups: [
            pg('VM Network', 'vSwitch0', 0, INHERIT, REJECT, ['pos-01']),
            pg('POS', 'vSwitch1', 42, p('accept', 'inherit', 'inherit'), p('accept', 'reject', 'reject'), ['pos-01', 'pos-02']),
            pg('CCTV', 'vSwitch1', 43, p('inherit', 'accept', 'reject'), p('reject', 'accept', 'reject'), ['nvr-01']),
          ],
        },
      ],
      dvSwitches: [],
    }));
  });
});
