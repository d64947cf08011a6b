// vmfix fix against a vCenter the code was never tuned to (fix-lab.ts): each
// strategy changes exactly what it says, as govmomi itself reads it back
// (/lab/state), journals it, and rolls back exactly; --dry-run and refusals
// change nothing; the interactive session works in a real terminal.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab, type LabState } from '../helpers/lab.js';
import { Terminal } from '../helpers/terminal.js';
import {
  CLUSTER_HOSTS, EDGE_HOST, F5_GUEST_MAC, NLB_MAC, diffState, dvPortgroup, hostPortgroup, modifyingCalls, nic, portgroupAcceptDiff,
  readJson, scenario, settled, workdir,
} from './fix-lab.js';

const NLB_PAIR = ['nlb-web01', 'nlb-web02'];

async function run(lab: Lab, dir: string, args: string[], input?: string) {
  return vmfix(args, { ...lab.env, VMFIX_TEST_CWD: dir }, input);
}

describe('fix --yes --strategy portgroup-accept', () => {
  let lab: Lab;
  let dir: string;
  let before: LabState;
  let result: Awaited<ReturnType<typeof vmfix>>;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
    before = await lab.state();
    result = await run(lab, dir, ['fix', '--yes', '--strategy', 'portgroup-accept', '--format', 'json']);
  });
  afterAll(() => lab?.stop());

  it('changes MAC changes on exactly the affected portgroups, on every cluster host that has them, and nothing else', async () => {
    expect(result.stderr).not.toMatch(/vmfix: /);
    expect(result.code).toBe(0);
    // NLB-Front on all three cluster hosts (esx-a3 has no NLB VM running: vMotion must not land it on a Reject host),
    // never on the standalone edge host; App-Backend for the appliance; the nested ESXi's dvPortgroup.
    expect(diffState(before, await lab.state())).toEqual(portgroupAcceptDiff());
  });

  it('reports each change applied, and each finding resolved, as JSON on stdout', async () => {
    const report = JSON.parse(result.stdout);
    expect(report.schemaVersion).toBe(1);
    expect(report.command).toBe('fix');
    const changes = report.changes.map((c: any) => `${c.status} ${c.action} ${c.path.split(' / ').slice(2).join(' / ')} ${c.field} ${c.from} -> ${c.to}`);
    expect(changes.sort()).toEqual(
      [
        ...CLUSTER_HOSTS.flatMap((h) => [
          `applied UpdatePortGroup ${h} / vSwitch1 / NLB-Front policy.security.macChanges inherit -> accept`,
          `applied UpdatePortGroup ${h} / vSwitch0 / App-Backend policy.security.macChanges inherit -> accept`,
        ]),
        'applied ReconfigureDVPortgroup DSW-Prod / DPG-Nested defaultPortConfig.macManagementPolicy set here: MAC changes reject, forged transmits accept -> set here: MAC changes accept, forged transmits accept',
      ].sort(),
    );
    expect(report.skipped).toEqual([]);
    expect(report.verification.map((v: any) => [v.vm, v.resolved]).sort()).toEqual([
      ['f5-ve01 Network adapter 1', true],
      ['nested-esx7 Network adapter 1', true],
      ['nlb-web01 Network adapter 1', true],
      ['nlb-web02 Network adapter 1', true],
    ]);
  });

  it('writes a complete journal: every change applied, with the object before and after', async () => {
    const report = JSON.parse(result.stdout);
    const path = join(dir, report.journal);
    expect(existsSync(path)).toBe(true);
    const journal = await readJson(path);
    expect(journal).toMatchObject({ schemaVersion: 1, kind: 'vmfix-journal', command: 'fix' });
    // Who ran it: the session's vCenter user (never the password), and which vmfix.
    expect(journal.preparedBy).toEqual({ user: lab.username, vmfixVersion: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(JSON.stringify(journal)).not.toContain(lab.password);
    expect(journal.finishedAt).toEqual(expect.any(String));
    expect(journal.entries).toHaveLength(7);
    for (const entry of journal.entries) {
      expect(entry.status).toBe('applied');
      expect(entry.before).toBeTruthy();
      expect(entry.after).toBeTruthy();
    }
    // Read-modify-write: what was sent is the spec as read with the one field set, whole.
    for (const entry of journal.entries.filter((e: any) => e.change.action === 'UpdatePortGroup')) {
      expect(diffState(entry.before, entry.sent)).toEqual(['policy.security.macChanges: (absent) → true']);
      const host = entry.change.target.host.name;
      const now = hostPortgroup(await lab.state(), host, entry.change.target.portgroup);
      expect(diffState(entry.after, now.spec).filter((l) => !l.includes('_typeName'))).toEqual([]);
    }
    const dv = journal.entries.find((e: any) => e.change.action === 'ReconfigureDVPortgroup');
    expect(dv.configVersionBefore).toBe('1');
    expect(dv.configVersionAfter).toBe('2');
    // A dvPortgroup reconfigure is a delta: the configVersion it was computed from and the MAC policy, nothing else.
    expect(Object.keys(dv.sent).sort()).toEqual(['_typeName', 'configVersion', 'defaultPortConfig']);
    expect(Object.keys(dv.sent.defaultPortConfig).sort()).toEqual(['_typeName', 'macManagementPolicy']);
    expect(diffState(dv.before.defaultPortConfig.macManagementPolicy, dv.sent.defaultPortConfig.macManagementPolicy)).toEqual(['macChanges: false → true']);
  });

  it('a second run finds nothing left to change and changes nothing', async () => {
    const calls = (await modifyingCalls(lab)).length;
    const state = await lab.state();
    const again = await run(lab, dir, ['fix', '--yes', '--strategy', 'portgroup-accept', '--format', 'json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).changes).toEqual([]);
    expect(await modifyingCalls(lab)).toHaveLength(calls);
    expect(diffState(state, await lab.state())).toEqual([]);
  });
});

describe('fix that changes nothing', () => {
  let lab: Lab;
  let dir: string;
  let original: LabState;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
    original = await lab.state();
  });
  afterAll(() => lab?.stop());

  async function expectUntouched() {
    expect(await modifyingCalls(lab)).toEqual([]);
    expect(diffState(original, await lab.state())).toEqual([]);
  }

  it('--dry-run writes a Markdown change ticket with every section a change board asks for', async () => {
    const r = await run(lab, dir, ['fix', '--dry-run', '--strategy', 'portgroup-accept', '--requester', 'NetOps on-call', '--window', 'Sat 02:00-04:00 CET']);
    expect(r.code).toBe(0);
    const md = r.stdout;
    const endpoint = lab.url.replace(/^https:\/\/|\/sdk$/g, '');
    expect(md).toMatch(new RegExp(`^# Change request: 7 changes on ${endpoint.replace(/\./g, '\\.')} so that 2 blocked NICs regain their network and 2 at-risk NICs keep their network\n`));
    // Who prepared it, from the session: the vCenter user, never the password.
    expect(md).toMatch(new RegExp(`\\*\\*Prepared:\\*\\* \\S+ by ${lab.username} on ${endpoint}, vmfix \\d+\\.\\d+\\.\\d+; a dry run: nothing was changed\\.`));
    expect(md).not.toContain(lab.password);
    expect(md).toContain('**Requester:** NetOps on-call · **Window:** Sat 02:00-04:00 CET');
    const first = md.split('\n').slice(0, 40).join('\n');
    // Accept on NLB-Front also lets iis-static01 change its MAC: the board must see that first.
    expect(first).toMatch(/\*\*Risk: high\.\*\* MAC address changes = Accept also applies to \d+ VMs not involved \(.*iis-static01.*\)/);
    expect(first).toContain('| nlb-web01 | MAC address changes = Accept on portgroup NLB-Front; blocked now, traffic resumes once the guest sends again | none: the policy changes in place |');
    expect(first).toContain('| iis-static01, nlb-web03 | may now change their MAC (portgroup NLB-Front accepts it) | none |');
    expect(first).toContain(`**Affected CIs:** vCenter ${endpoint}; datacenter DC-East; cluster Prod-CL; hosts ${CLUSTER_HOSTS.join(', ')}`);
    expect(first).toContain('**Backout:** `vmfix rollback plan-journal.json`');
    // Implementation: write the plan with the options that made this ticket, then apply exactly it.
    expect(md).toContain('1. `vmfix fix --dry-run --plan-out=plan.json --strategy=portgroup-accept`');
    expect(md).toContain('2. `vmfix apply plan.json --journal=plan-journal.json`');
    for (const host of CLUSTER_HOSTS) expect(md).toMatch(new RegExp(`\\| c\\d \\| DC-East / ${host} / vSwitch1 / NLB-Front \\| policy\\.security\\.macChanges \\| inherit \\| accept \\|`));
    expect(md).not.toContain(EDGE_HOST);
    expect(md).toContain(`- c1, c2, c3: Hosts and Clusters > ${CLUSTER_HOSTS.join(', ')} > Configure > Networking > Virtual switches > portgroup "NLB-Front" > Edit Settings > Security`);
    expect(md).toContain('Networking > DSW-Prod > DPG-Nested > Edit Settings > Security: MAC address changes = Accept, OK.');
    // One verification plan naming every VM, one backout plan.
    expect(md).toMatch(/## Verification\n\n1\. `vmfix audit --log-lines=0 --vm=f5-ve01 --vm=nested-esx7 --vm=nlb-web01 --vm=nlb-web02`: exits 0/);
    expect(md).toContain(`\`esxcli network vswitch standard portgroup policy security get -p NLB-Front\`: on ${CLUSTER_HOSTS.join(', ')}: shows Allow MAC Address Change: true.`);
    expect(md).toMatch(/## Backout plan\n\n1\. `vmfix rollback plan-journal.json`/);
    expect(md).toContain(`portgroup NLB-Front on ${[...CLUSTER_HOSTS].reverse().join(', ')}: set policy.security.macChanges back to inherit.`);
    // The reason: the KB's explanation and the evidence lines, verbatim, once.
    expect(md).toMatch(/## Evidence[\s\S]*L2Sec_EnforcePortCompliance messages \(VMware KB 344495\)/);
    expect(md).toContain('client nlb-web01 requested mac address change to 02:bf:0a:1e:00:82 on port 0x4000004, disallowed by vswitch policy');
    expect(md).toContain('client nested-esx7 has policy violations on port 0x8000004. Port is blocked');
    expect(md).toContain(`The guest reports MAC ${F5_GUEST_MAC} on Network adapter 1`);
    expect(md.match(/recommends MAC address changes = Reject/g)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/Wrote/);
    await expectUntouched();
  });

  it('--dry-run --format json --output FILE writes the ticket as JSON to the file, nothing to stdout, and says where it went', async () => {
    const file = join(dir, 'ticket.json');
    const r = await run(lab, dir, ['fix', '--dry-run', '--format', 'json', '--output', file, '--change-id', 'CHG0012345']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`Wrote the change ticket to ${file}.`);
    const ticket = await readJson(file);
    expect(ticket).toMatchObject({
      schemaVersion: 1, kind: 'vmfix-change-ticket',
      preparedBy: { user: lab.username, vmfixVersion: expect.stringMatching(/^\d+\.\d+\.\d+/) },
      request: { changeId: 'CHG0012345', requester: null, window: null },
      plan: null,
      risk: { level: expect.stringMatching(/^(low|medium|high)$/), reasons: expect.any(Array) },
      backout: { vmfix: { command: 'vmfix rollback plan-journal.json' } },
    });
    expect(ticket.reason.findings.map((f: any) => f.summary).join('\n')).toMatch(/nlb-web01[\s\S]*nested-esx7/);
    expect(ticket.impact.flatMap((i: any) => i.vms).sort()).toEqual(['f5-ve01', 'nested-esx7', 'nlb-web01', 'nlb-web02']);
    expect(ticket.affected).toMatchObject({ datacenters: ['DC-East'], clusters: ['Prod-CL'] });
    expect(ticket.changes.length).toBeGreaterThan(0);
    for (const c of ticket.changes) {
      expect(c.path).toMatch(/^127\.0\.0\.1:\d+ \/ DC-East \/ /);
      expect(c).toMatchObject({ current: expect.any(String), proposed: expect.any(String) });
      expect(c.vms.length).toBeGreaterThan(0);
    }
    expect(ticket.verification[0].command).toMatch(/^vmfix audit --log-lines=0 --vm=/);
    expect(ticket.implementation.manual.length).toBeGreaterThan(0);
    await expectUntouched();
  });

  it('refuses without a terminal and without --yes or --dry-run (exit 2), before connecting', async () => {
    const calls = (await lab.calls()).length;
    const r = await run(lab, dir, ['fix', '--strategy', 'portgroup-accept']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Not on a terminal: vmfix fix changes nothing without --yes/);
    expect(r.stdout).toBe('');
    expect(await lab.calls()).toHaveLength(calls);
    await expectUntouched();
  });

  it('refuses --yes without --strategy, and an unknown strategy (exit 2)', async () => {
    const noStrategy = await run(lab, dir, ['fix', '--yes']);
    expect(noStrategy.code).toBe(2);
    expect(noStrategy.stderr).toMatch(/--yes needs --strategy/);
    const unknown = await run(lab, dir, ['fix', '--yes', '--strategy', 'promiscuous']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/promiscuous/);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    await expectUntouched();
  });

  it('never writes its journal over an existing file (exit 2 before any change)', async () => {
    const earlier = join(dir, 'change-4711.json');
    await writeFile(earlier, '{"the record of an earlier run": true}\n');
    const r = await run(lab, dir, ['fix', '--yes', '--strategy', 'portgroup-accept', '--journal', earlier]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already exists.*never overwrites/);
    expect(await readFile(earlier, 'utf8')).toBe('{"the record of an earlier run": true}\n');
    await expectUntouched();
  });

  it('pin-mac skips powered-on VMs with the reason, and never powers anything off', async () => {
    const r = await run(lab, dir, ['fix', '--yes', '--strategy', 'pin-mac', '--format', 'json']);
    // Nothing fixed, findings remain: exit 1, as audit would say.
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.changes).toEqual([]);
    const f5 = report.skipped.find((s: any) => s.vm === 'f5-ve01');
    expect(f5.reason).toMatch(/poweredOn.*powered off.*never powers a VM off/);
    // The NLB pair shares one MAC, and a nested ESXi is not pinned: pin-mac does not fit them at all.
    for (const vm of [...NLB_PAIR, 'nested-esx7']) {
      expect(report.skipped.find((s: any) => s.vm === vm)?.reason, vm).toMatch(/pin-mac does not fit/);
    }
    // ... and each says why, not only that it does not fit.
    expect(report.skipped.find((s: any) => s.vm === 'nlb-web01').reason).toMatch(/: its MAC is also used by nlb-web02\/Network adapter 1/);
    expect(report.skipped.find((s: any) => s.vm === 'nested-esx7').reason).toMatch(/: a nested hypervisor uses many MACs \(see mac-learning\)\.$/);
    expect(report.journal).toBeNull();
    await expectUntouched();
  });
});

describe('fix --yes --strategy dedicated-portgroup, then rollback', () => {
  let lab: Lab;
  let dir: string;
  let before: LabState;
  let after: LabState;
  let report: any;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
    before = await lab.state();
    const r = await run(lab, dir, ['fix', '--yes', '--strategy', 'dedicated-portgroup', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    report = JSON.parse(r.stdout);
    after = await lab.state();
  });
  afterAll(() => lab?.stop());

  it('creates "<name>-macchg" on each cluster host, a clone with only MAC changes = Accept', () => {
    for (const host of CLUSTER_HOSTS) {
      for (const source of ['NLB-Front', 'App-Backend']) {
        const original = hostPortgroup(after, host, source);
        const clone = hostPortgroup(after, host, `${source}-macchg`);
        expect(clone, `${host} ${source}-macchg`).toBeDefined();
        const strip = ({ port: _port, ...rest }: Record<string, unknown>) => rest;
        expect(diffState(strip(original), strip(clone))).toEqual([
          'computedPolicy.security.macChanges: false → true',
          `key: "key-vim.host.PortGroup-${source}" → "key-vim.host.PortGroup-${source}-macchg"`,
          `spec.name: "${source}" → "${source}-macchg"`,
          'spec.policy.security.macChanges: (absent) → true',
        ]);
      }
    }
    expect(hostPortgroup(after, EDGE_HOST, 'NLB-Front-macchg')).toBeUndefined();
  });

  it('clones the dvPortgroup with every setting but MAC changes', () => {
    const original = after.dvPortgroups.find((p) => p.name === 'DPG-Nested')!;
    const clone = after.dvPortgroups.find((p) => p.name === 'DPG-Nested-macchg')!;
    expect(clone).toBeDefined();
    const key = (clone.config as any).key;
    expect(diffState(original, clone)).toEqual([
      'config.defaultPortConfig.macManagementPolicy.macChanges: false → true',
      'config.defaultPortConfig.securityPolicy.macChanges.inherited: true → false',
      'config.defaultPortConfig.securityPolicy.macChanges.value: false → true',
      `config.key: "dvportgroup-46" → "${key}"`,
      'config.name: "DPG-Nested" → "DPG-Nested-macchg"',
      `moref: "dvportgroup-46" → "${key}"`,
      'name: "DPG-Nested" → "DPG-Nested-macchg"',
    ]);
  });

  it('moves only the affected NICs, changing nothing of them but their network', () => {
    const moved = diffState(before.vms, after.vms);
    const touched = new Set(moved.map((l) => l.slice(0, l.indexOf('].', l.indexOf('nics[')) + 1)));
    expect([...touched].sort()).toEqual(['[f5-ve01].nics[4000]', '[nested-esx7].nics[4000]', '[nlb-web01].nics[4000]', '[nlb-web02].nics[4000]']);
    for (const line of moved) expect(line).toMatch(/\.nics\[4000\]\.(backing\.(deviceName|network\.value|port\.portKey|port\.portgroupKey)|deviceInfo\.summary): /);
    for (const vm of NLB_PAIR) expect(nic(after, vm).backing.deviceName).toBe('NLB-Front-macchg');
    expect(nic(after, 'nested-esx7').backing.port.portgroupKey).toBe((dvPortgroup(after, 'DPG-Nested-macchg') as any).key);
    // Decoys and bystanders stay where they are.
    expect(nic(after, 'iis-static01').backing.deviceName).toBe('NLB-Front');
    expect(nic(after, 'nlb-web03').backing.deviceName).toBe('NLB-Front');
    expect(nic(after, 'nlb-web01', 4001).backing.deviceName).toBe('Management Network');
  });

  it('changes nothing else in the network configuration', () => {
    const created = /(NLB-Front-macchg|App-Backend-macchg|DPG-Nested-macchg)/;
    const rest = diffState(settled(before), settled(after)).filter((l) => !created.test(l) && !l.startsWith('vms['));
    // Only the moved NICs' MACs left the original portgroups' ports.
    const moved = ['nlb-web01', 'nlb-web02', 'f5-ve01'].map((vm) => nic(before, vm).macAddress as string);
    const left = rest.map((line) => /\.portgroup\[(?:NLB-Front|App-Backend)\]\.port\[\d+\]: "(.*)" → \(absent\)$/.exec(line)?.[1] ?? line);
    expect(left.sort()).toEqual(moved.sort());
    expect(report.changes.map((c: any) => c.status)).toEqual(Array(11).fill('applied'));
  });

  it('rollback removes what it created and puts the NICs back, exactly', async () => {
    const r = await run(lab, dir, ['rollback', join(dir, report.journal), '--yes', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changes.map((c: any) => c.status)).toEqual(Array(11).fill('applied'));
    // Standard vSwitch port IDs are runtime state: a reconnected vNIC gets a new one, as on ESXi.
    expect(diffState(settled(before), settled(await lab.state()))).toEqual([]);
  });
});

describe('fix --yes --strategy vswitch-accept, then rollback', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('sets MAC changes on the vSwitch alone, its full spec otherwise unchanged, and rolls back exactly', async () => {
    const before = await lab.state();
    const r = await run(lab, dir, ['fix', '--yes', '--strategy', 'vswitch-accept', '--format', 'json']);
    // The nested ESXi's finding does not fit vswitch-accept and remains: exit 1.
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/vmfix: /);
    const report = JSON.parse(r.stdout);
    expect(report.skipped.map((s: any) => [s.vm, s.reason])).toEqual([['nested-esx7', expect.stringMatching(/vswitch-accept does not fit/)]]);

    const expected: string[] = [];
    for (const host of CLUSTER_HOSTS) {
      expected.push(`hosts[${host}].networkInfo.vswitch[vSwitch0].spec.policy.security.macChanges: false → true`);
      expected.push(`hosts[${host}].networkInfo.vswitch[vSwitch1].spec.policy.security.macChanges: false → true`);
      // Every portgroup that inherits follows; Lab-Open has its own Accept already.
      for (const pg of ['App-Backend', 'Management Network', 'NLB-Front', 'VM Network']) {
        expected.push(`hosts[${host}].networkInfo.portgroup[${pg}].computedPolicy.security.macChanges: false → true`);
      }
    }
    expect(diffState(before, await lab.state())).toEqual(expected.sort());

    const journal = await readJson(join(dir, report.journal));
    for (const entry of journal.entries) {
      expect(entry.change.action).toBe('UpdateVirtualSwitch');
      // numPorts, mtu, bridge, teaming: the whole spec as read, with one field set.
      expect(entry.sent.numPorts).toBe(entry.change.target.vswitch === 'vSwitch0' ? 256 : 512);
      expect(diffState(entry.before, entry.sent)).toEqual(['policy.security.macChanges: false → true']);
    }

    const back = await run(lab, dir, ['rollback', join(dir, report.journal), '--yes']);
    expect(back.code, back.stderr).toBe(0);
    expect(diffState(before, await lab.state())).toEqual([]);
  });
});

describe('fix --yes --strategy mac-learning (fits only the nested ESXi), then rollback', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('enables MAC learning on its dvPortgroup only, reports the other findings as skipped, and rolls back', async () => {
    const before = await lab.state();
    const r = await run(lab, dir, ['fix', '--yes', '--strategy', 'mac-learning', '--format', 'json']);
    // The others do not fit mac-learning and remain: exit 1.
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/vmfix: /);
    const report = JSON.parse(r.stdout);
    expect(report.changes.map((c: any) => `${c.status} ${c.path.split(' / ').slice(2).join(' / ')}`)).toEqual(['applied DSW-Prod / DPG-Nested']);
    expect(report.skipped.map((s: any) => s.vm).sort()).toEqual(['f5-ve01', 'nlb-web01', 'nlb-web02']);
    for (const s of report.skipped) expect(s.reason).toMatch(/mac-learning does not fit this finding \(it fits: .*portgroup-accept/);

    const diff = diffState(before, await lab.state());
    expect(diff).toEqual([
      'dvPortgroups[DPG-Nested].config.configVersion: "1" → "2"',
      'dvPortgroups[DPG-Nested].config.defaultPortConfig.macManagementPolicy.macLearningPolicy.enabled: false → true',
      'dvPortgroups[DPG-Nested].config.defaultPortConfig.macManagementPolicy.macLearningPolicy.inherited: true → false',
      // macManagementPolicy has one inherited flag for the whole policy: sending it marks the
      // (already set-here) policy's macChanges as set here too. Same value; see the report.
      'dvPortgroups[DPG-Nested].config.defaultPortConfig.securityPolicy.macChanges.inherited: true → false',
    ]);

    const back = await run(lab, dir, ['rollback', join(dir, report.journal), '--yes']);
    expect(back.code, back.stderr).toBe(0);
    const restored = diffState(before, await lab.state());
    expect(restored).toEqual([
      'dvPortgroups[DPG-Nested].config.configVersion: "1" → "3"',
      'dvPortgroups[DPG-Nested].config.defaultPortConfig.securityPolicy.macChanges.inherited: true → false',
    ]);
  });
});

// --- The interactive session, driven in a real terminal -------------------------------

describe('the interactive session in a terminal', () => {
  let lab: Lab;
  let dir: string;
  let terminal: Terminal;
  let original: LabState;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
    original = await lab.state();
  });
  afterAll(async () => {
    terminal?.close();
    await lab?.stop();
  });

  it('at 80×24: the finding stays on screen while the choice is asked, No returns to the choice, and what is not offered says why', async () => {
    const before = await lab.state();
    terminal = new Terminal(dir);
    await terminal.start(lab.env, ['fix', '--vm', 'nlb-web0[12]', '--journal', join(dir, 'small.json')], { columns: 80, rows: 24 });
    await terminal.waitFor(/How do you want to fix it\?/);
    const atChoice = async () => {
      // The prompt draws its list after the message: wait for the last line of it.
      await terminal.waitFor(/quit: stop here/);
      const visible = terminal.visible().trimEnd();
      expect(visible.split('\n').length).toBeLessThanOrEqual(24);
      expect(visible).toContain('[1/1] Prod-CL / NLB-Front');
      expect(visible).toMatch(/CRITICAL: nlb-web01 Network adapter 1 changed its MAC/);
      expect(visible).toMatch(/How do you want to fix it\?/);
      return visible;
    };
    let visible = await atChoice();
    // The NLB pair shares one cluster MAC: pin-mac cannot give both the same manual MAC, and says so.
    expect(visible).toContain('- pin-mac not offered: its MAC is also used by nlb-web02/Network adapter 1');
    expect(visible).toContain('- mac-learning not offered: MAC learning is for distributed switches (6.6+)');
    for (const line of visible.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);

    await terminal.choose('portgroup-accept');
    await terminal.waitFor(/Apply 3 change\(s\)\?/);
    await terminal.choose('No, back to the remedies');
    // Back at the same choice, the finding on screen again, and nothing changed.
    await terminal.waitFor(/Apply 3 change\(s\)\? No, back to the remedies[\s\S]*How do you want to fix it\?[\s\S]*quit: stop here/);
    visible = await atChoice();
    expect(diffState(before, await lab.state())).toEqual([]);

    // Numbering starts at c1 again: the declined changes took no numbers.
    await terminal.choose('portgroup-accept');
    const screen = await terminal.waitFor(/(What would change \(3\):[\s\S]*){2}Apply 3 change\(s\)\?/);
    expect(screen.split('What would change (3):').at(-1)).toMatch(/^\s+c1 {2}portgroup NLB-Front on esx-a1\.east\.corp: macChanges inherit → accept\n/);
    await terminal.choose('No, back to the remedies');
    await terminal.waitFor(/(No, back to the remedies[\s\S]*){2}How do you want to fix it\?[\s\S]*quit: stop here/);
    await terminal.choose('quit');
    // Quitting leaves the findings as they are: exit 1, as audit would say.
    expect(await terminal.waitFor(/VMFIX-EXIT=\d+/)).toContain('VMFIX-EXIT=1');
    expect(existsSync(join(dir, 'small.json'))).toBe(false);
    expect(diffState(before, await lab.state())).toEqual([]);
    terminal.close();
  });

  it('at 80×24, a change too long for one line wraps, so where a NIC moves is read whole, not cut', async () => {
    const before = await lab.state();
    terminal = new Terminal(dir);
    await terminal.start(lab.env, ['fix', '--vm', 'nlb-web0[12]', '--journal', join(dir, 'narrow.json')], { columns: 80, rows: 24 });
    await terminal.waitFor(/quit: stop here/);
    await terminal.choose('dedicated-portgroup');
    await terminal.waitFor(/Apply 5 change\(s\)\?[\s\S]*Show exactly what is sent first/);
    const block = terminal.visible().split('What would change (5):')[1]!.split('? Apply 5 change(s)?')[0]!;
    for (const line of block.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(block).not.toContain('…');
    // A line that does not fit goes on under its change, indented past the id.
    const changes = block.replace(/\n {6}(?=\S)/g, ' ').trim().split('\n').map((l) => l.trim());
    expect(changes.filter((l) => /^c[45] /.test(l))).toEqual([
      'c4  nlb-web01 Network adapter 1: network portgroup "NLB-Front" → portgroup "NLB-Front-macchg"',
      'c5  nlb-web02 Network adapter 1: network portgroup "NLB-Front" → portgroup "NLB-Front-macchg"',
    ]);
    await terminal.choose('No, back to the remedies');
    await terminal.waitFor(/No, back to the remedies[\s\S]*How do you want to fix it\?[\s\S]*quit: stop here/);
    await terminal.choose('quit');
    expect(await terminal.waitFor(/VMFIX-EXIT=\d+/)).toContain('VMFIX-EXIT=1');
    expect(diffState(before, await lab.state())).toEqual([]);
    terminal.close();
  });

  it.for([
    ['nlb-web01', new RegExp(`The guest uses ${NLB_MAC}`)],
    ['f5-ve01', new RegExp(`The guest reports MAC ${F5_GUEST_MAC} on Network adapter 1; vSphere configured (?:[0-9a-f]{2}:){5}[0-9a-f]{2}\\.`)],
  ] as const)('at 80×24, the finding of %s shows its MACs whole while the choice is asked', async ([vm, shown]) => {
    const before = await lab.state();
    terminal = new Terminal(dir);
    await terminal.start(lab.env, ['fix', '--vm', vm, '--journal', join(dir, `${vm}.json`)], { columns: 80, rows: 24 });
    await terminal.waitFor(/quit: stop here/);
    const visible = terminal.visible();
    expect(visible).toMatch(new RegExp(`(CRITICAL|WARNING): ${vm} `));
    // A line that goes on under its finding, indented, read as one.
    const joined = visible.replace(/\n {6}(?=\S)/g, ' ');
    expect(joined).toMatch(shown);
    terminal.keys('C-c');
    expect(await terminal.waitFor(/VMFIX-EXIT=\d+/)).toContain('VMFIX-EXIT=130');
    expect(diffState(before, await lab.state())).toEqual([]);
    terminal.close();
  });

  it('explains each portgroup, offers remedies narrowest first, shows the diff, applies after a yes, verifies; skip and quit', async () => {
    terminal = new Terminal(dir);
    await terminal.start(lab.env, ['fix', '--journal', join(dir, 'session.json')]);
    let screen = await terminal.waitFor(/How do you want to fix it\?/);
    expect(screen).toContain('4 finding(s) to fix on 3 portgroup(s).');
    expect(screen).toContain('[1/3] Prod-CL / NLB-Front');
    expect(screen).toContain('client nlb-web01 requested mac address change to 02:bf:0a:1e:00:82');
    expect(screen).toContain(`The guest uses ${NLB_MAC}, a Windows NLB cluster MAC (unicast mode).`);
    const offered = screen.split('\n').filter((l) => /^[❯ ] (dedicated-portgroup|portgroup-accept|vswitch-accept|skip|quit):/.test(l)).map((l) => l.slice(2, l.indexOf(':')));
    expect(offered).toEqual(['dedicated-portgroup', 'portgroup-accept', 'vswitch-accept', 'skip', 'quit']);

    await terminal.choose('portgroup-accept');
    screen = await terminal.waitFor(/Apply 3 change\(s\)\?/);
    // One line a change first; what exactly is sent on request.
    expect(screen).toContain('What would change (3):');
    for (const [i, host] of CLUSTER_HOSTS.entries()) expect(screen).toContain(`c${i + 1}  portgroup NLB-Front on ${host}: macChanges inherit → accept`);
    expect(screen).not.toContain('policy.security.macChanges: (unset)');
    await terminal.choose('Show exactly what is sent first');
    screen = await terminal.waitFor(/\+ policy\.security\.macChanges: true[\s\S]*Apply 3 change\(s\)\?/);
    for (const host of CLUSTER_HOSTS) expect(screen).toContain(`/ DC-East / ${host} / vSwitch1 / NLB-Front`);
    expect(screen).toMatch(/- policy\.security\.macChanges: \(unset\)\n\s+\+ policy\.security\.macChanges: true/);
    expect(diffState(original, await lab.state())).toEqual([]); // nothing before the yes

    await terminal.choose('Yes, apply 3 change(s)');
    screen = await terminal.waitFor(/\[2\/3\] DSW-Prod \/ DPG-Nested[\s\S]*How do you want to fix it\?/);
    expect(screen).toContain('✔ resolved: nlb-web01 Network adapter 1');
    expect(screen).toContain('✔ resolved: nlb-web02 Network adapter 1');

    await terminal.choose('skip');
    await terminal.waitFor(/\[3\/3\] Prod-CL \/ App-Backend[\s\S]*How do you want to fix it\?/);
    await terminal.choose('quit');
    screen = await terminal.waitFor(/VMFIX-EXIT=\d+/);
    // One portgroup skipped, one left by quitting: their findings remain, so exit 1 as audit would.
    expect(screen).toContain('VMFIX-EXIT=1');
    expect(screen).toMatch(/fix on .*: 3 applied, 2 finding\(s\) skipped\. Journal: .*session\.json/);

    expect(diffState(original, await lab.state())).toEqual(
      portgroupAcceptDiff().filter((l) => l.includes('[NLB-Front]')),
    );
    const journal = await readJson(join(dir, 'session.json'));
    expect(journal.entries.map((e: any) => e.status)).toEqual(['applied', 'applied', 'applied']);
    terminal.close();
  });

  it('Ctrl-C at a prompt exits 130 with a complete journal of what was applied before', async () => {
    const before = await lab.state();
    terminal = new Terminal(dir);
    await terminal.start(lab.env, ['fix', '--journal', join(dir, 'interrupted.json')]);
    await terminal.waitFor(/\[1\/2\] DSW-Prod \/ DPG-Nested[\s\S]*How do you want to fix it\?/);
    await terminal.choose('portgroup-accept');
    await terminal.waitFor(/Apply 1 change\(s\)\?/);
    await terminal.choose('Yes, apply 1 change(s)');
    await terminal.waitFor(/\[2\/2\] Prod-CL \/ App-Backend[\s\S]*How do you want to fix it\?/);
    terminal.keys('C-c');
    const screen = await terminal.waitFor(/VMFIX-EXIT=\d+/);
    expect(screen).toContain('VMFIX-EXIT=130');
    expect(screen).not.toMatch(/\n\s+at /);

    const journal = await readJson(join(dir, 'interrupted.json'));
    expect(journal.entries).toHaveLength(1);
    expect(journal.entries[0]).toMatchObject({ status: 'applied', after: expect.anything(), change: { path: expect.stringMatching(/DPG-Nested$/) } });
    expect(diffState(before, await lab.state())).toEqual(portgroupAcceptDiff().filter((l) => l.includes('DPG-Nested')));

    // And the journal rolls back what the interrupted session did.
    const r = await run(lab, dir, ['rollback', join(dir, 'interrupted.json'), '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(diffState(before, await lab.state())).toEqual(['dvPortgroups[DPG-Nested].config.configVersion: "1" → "3"']);
    terminal.close();
  });

  it('Ctrl-D at the choice or at the confirmation ends the session with exit 130 and a message, changing nothing', async () => {
    const before = await lab.state();
    for (const atConfirmation of [false, true]) {
      terminal = new Terminal(dir);
      await terminal.start(lab.env, ['fix', '--journal', join(dir, 'eof.json')]);
      await terminal.waitFor(/How do you want to fix it\?[\s\S]*quit: stop here/);
      if (atConfirmation) {
        await terminal.choose('portgroup-accept');
        await terminal.waitFor(/Apply \d+ change\(s\)\?/);
      }
      terminal.keys('C-d');
      // Not a silent exit 0 as if all were fixed: the input ended, and vmfix says so.
      const screen = await terminal.waitFor(/VMFIX-EXIT=\d+/);
      expect(screen).toContain('VMFIX-EXIT=130');
      expect(screen).toMatch(/input ended \(Ctrl-D\)/);
      expect(existsSync(join(dir, 'eof.json'))).toBe(false);
      expect(diffState(before, await lab.state())).toEqual([]);
      terminal.close();
    }
  });

  it('pin-mac on a running VM: nothing changes now, and the plan for after power-off is written on a yes', async () => {
    const before = await lab.state();
    terminal = new Terminal(dir);
    await terminal.start(lab.env, ['fix', '--vm', 'f5-ve01', '--journal', join(dir, 'later.json')]);
    await terminal.waitFor(/How do you want to fix it\?/);
    await terminal.choose('pin-mac');
    let screen = await terminal.waitFor(/Write a plan that pins the MAC once f5-ve01 is powered off\? \(Y\/n\)/);
    expect(screen).toContain('f5-ve01 is poweredOn: its MAC can only change while it is powered off');
    terminal.keys('Enter');
    screen = await terminal.waitFor(/VMFIX-EXIT=\d+/);
    expect(screen).toContain('VMFIX-EXIT=1'); // the finding remains until the plan is applied
    const planFile = /Plan written: (vmfix-plan-\S+\.json) \(sha256 [0-9a-f]{64}\)\. Power off f5-ve01, then run: vmfix apply \1/.exec(screen)?.[1];
    expect(planFile, screen).toBeDefined();
    const plan = await readJson(join(dir, planFile!));
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]).toMatchObject({ action: 'EditNic', field: 'address', after: { addressType: 'manual', macAddress: F5_GUEST_MAC } });
    expect(diffState(before, await lab.state())).toEqual([]);
    // Applied while the VM still runs, it is refused and changes nothing.
    const r = await run(lab, dir, ['apply', planFile!, '--yes']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/f5-ve01 is poweredOn; its MAC can only change while it is powered off/);
    expect(r.stderr).not.toMatch(/changed since/); // nothing changed: the VM is still running, and the message says so
    expect(diffState(before, await lab.state())).toEqual([]);
    terminal.close();

    // The maintenance window: someone powers the VM off, and the same plan applies, the MAC and nothing else.
    await lab.power('f5-ve01', 'poweredOff');
    const off = await lab.state();
    const applied = await run(lab, dir, ['apply', planFile!, '--yes', '--format', 'json']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(diffState(nic(off, 'f5-ve01'), nic(await lab.state(), 'f5-ve01'))).toEqual([
      `addressType: "assigned" → "manual"`,
      `macAddress: "${nic(off, 'f5-ve01').macAddress}" → "${F5_GUEST_MAC}"`,
    ]);
    expect(JSON.parse(applied.stdout).changes).toMatchObject([{ status: 'applied', action: 'EditNic' }]);
  });
});
