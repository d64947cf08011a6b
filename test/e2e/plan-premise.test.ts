// What a plan rests on beyond the objects it changes: a dedicated portgroup
// is a copy of the portgroup its NICs are on, so that portgroup changing
// between the plan and its apply (re-VLANed, its dvPortgroup reconfigured)
// means the copy the change board approved is no longer the one apply would
// make. And a plan edited by someone who recomputed its checksum cannot
// widen a dvPortgroup's policy beyond the MAC fields vmfix sets.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksum } from '../../src/remedy/change.js';
import { startScenario, type Lab, type LabState } from '../helpers/lab.js';
import { RawSoap, diffState, dvPortgroup, hostPortgroup, modifyingCalls, readJson, scenario, workdir, run } from './fix-lab.js';

/** A spec as the SOAP body names its fields (no types: the lab reads them by name). */
function xml(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return Object.entries(value as Record<string, unknown>)
    .filter(([k]) => k !== '_typeName')
    .map(([k, v]) => (Array.isArray(v) ? v.map((x) => `<${k}>${xml(x)}</${k}>`).join('') : `<${k}>${xml(v)}</${k}>`))
    .join('');
}

describe('the portgroup a dedicated portgroup copies, changed between the plan and its apply', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('refuses the whole plan (exit 5), naming each copy and what it copies, and changes nothing', async () => {
    const planPath = join(dir, 'plan.json');
    const made = await run(lab, dir, ['fix', '--plan-out', planPath, '--strategy', 'dedicated-portgroup']);
    expect(made.code, made.stderr).toBe(0);
    const plan = await readJson(planPath);
    const add = plan.changes.find((c: any) => c.action === 'AddPortGroup' && c.target.host.name === 'esx-a1.east.corp');
    expect(plan.changes.some((c: any) => c.action === 'CreateDVPortgroup' && c.target.portgroup.name === 'DPG-Nested-macchg')).toBe(true);

    // The network team moves NLB-Front on esx-a1 to VLAN 131, and edits DPG-Nested.
    const other = new RawSoap(lab);
    await other.login();
    const source = hostPortgroup(await lab.state(), 'esx-a1.east.corp', 'NLB-Front').spec;
    await other.updatePortGroup(add.target.host.networkSystem.value, 'NLB-Front', xml({ ...source, vlanId: 131 }));
    const config = dvPortgroup(await lab.state(), 'DPG-Nested');
    await other.reconfigureDvPortgroup(config.key, config.configVersion, '<description>moved to the new uplinks</description>');
    const state = await lab.state();
    expect(hostPortgroup(state, 'esx-a1.east.corp', 'NLB-Front').spec.vlanId).toBe(131);
    const writes = (await modifyingCalls(lab)).length;

    const r = await run(lab, dir, ['apply', planPath, '--yes']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/Refusing: 2 object\(s\) changed since this was recorded, so nothing was applied/);
    expect(r.stderr).toContain('esx-a1.east.corp / vSwitch1 / NLB-Front-macchg: "NLB-Front", which it copies, was changed since the plan was made');
    expect(r.stderr).toContain('DSW-Prod / DPG-Nested-macchg: "DPG-Nested", which it copies, was changed since the plan was made');
    expect(await modifyingCalls(lab)).toHaveLength(writes);
    expect(diffState(state, await lab.state())).toEqual([]);

    // A plan made now copies them as they are now, and applies.
    const again = await run(lab, dir, ['fix', '--plan-out', join(dir, 'plan2.json'), '--strategy', 'dedicated-portgroup']);
    expect(again.code, again.stderr).toBe(0);
    const applied = await run(lab, dir, ['apply', join(dir, 'plan2.json'), '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    const after = await lab.state();
    expect(hostPortgroup(after, 'esx-a1.east.corp', 'NLB-Front-macchg').spec.vlanId).toBe(131);
    expect(dvPortgroup(after, 'DPG-Nested-macchg').description).toBe('moved to the new uplinks');
  });
});

describe('a plan edited to widen a dvPortgroup\'s policy, its checksum recomputed', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  /** The plan for portgroup-accept with promiscuous mode slipped into DPG-Nested's MAC policy, in `after` (and `before`). */
  async function widened(name: string, before: boolean): Promise<string> {
    const path = join(dir, name);
    const made = await run(lab, dir, ['fix', '--plan-out', path, '--strategy', 'portgroup-accept']);
    expect(made.code, made.stderr).toBe(0);
    const plan = await readJson(path);
    const change = plan.changes.find((c: any) => c.action === 'ReconfigureDVPortgroup');
    expect(change.field).toBe('defaultPortConfig.macManagementPolicy');
    change.after.defaultPortConfig.macManagementPolicy.allowPromiscuous = true;
    if (before) change.before.defaultPortConfig.macManagementPolicy.allowPromiscuous = true;
    await writeFile(path, JSON.stringify({ ...plan, checksum: checksum(plan) }));
    return path;
  }

  it('is refused before connecting (exit 2) when only what it sets was edited, and at apply (exit 5) when what it was made against was too; promiscuous mode stays off', async () => {
    const state = await lab.state();
    const edited = await run(lab, dir, ['apply', await widened('after.json', false), '--yes']);
    expect(edited.code, edited.stderr).toBe(2);
    expect(edited.stderr).toMatch(/change c\d+ \(ReconfigureDVPortgroup\) would set "defaultPortConfig\.macManagementPolicy\.allowPromiscuous", which vmfix never changes/);

    const both = await run(lab, dir, ['apply', await widened('both.json', true), '--yes']);
    expect(both.code, both.stderr).toBe(5);
    expect(both.stderr).toMatch(/DSW-Prod \/ DPG-Nested: its defaultPortConfig\.macManagementPolicy is not as it was when planned/);
    expect(dvPortgroup(await lab.state(), 'DPG-Nested').defaultPortConfig.macManagementPolicy.allowPromiscuous).toBe(false);
    expect(diffState(state, await lab.state())).toEqual([]);
  });
});

describe('a journal edited to widen a dvPortgroup\'s policy on rollback, its checksum recomputed', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('is refused before connecting (exit 2), and promiscuous mode stays off', async () => {
    const fixed = await run(lab, dir, ['fix', '--yes', '--strategy', 'portgroup-accept', '--format', 'json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    const path = join(dir, JSON.parse(fixed.stdout).journal);
    const journal = await readJson(path);
    const entry = journal.entries.find((e: any) => e.change.action === 'ReconfigureDVPortgroup');
    // What the rollback puts back: the legacy view, per field (see restoredField), and the 6.7+ one.
    entry.before.defaultPortConfig.securityPolicy.allowPromiscuous.value = true;
    entry.before.defaultPortConfig.macManagementPolicy.allowPromiscuous = true;
    await writeFile(path, JSON.stringify({ ...journal, checksum: checksum(journal) }));
    const state = await lab.state();

    const r = await run(lab, dir, ['rollback', path, '--yes']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/is not a valid vmfix journal: change c\d+ \(ReconfigureDVPortgroup\) would set "defaultPortConfig\.securityPolicy\.allowPromiscuous", which vmfix never changes/);
    expect(diffState(state, await lab.state())).toEqual([]);
  });
});

describe('a journal whose interrupted dvPortgroup entry was edited to widen its policy on rollback, its checksum recomputed', () => {
  let lab: Lab;
  let dir: string;
  let original: LabState;
  let journal: any;
  let at: number;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
    original = await lab.state();
    const fixed = await run(lab, dir, ['fix', '--yes', '--strategy', 'portgroup-accept', '--format', 'json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    const { checksum: _old, finishedAt: _f, ...rest } = await readJson(join(dir, JSON.parse(fixed.stdout).journal));
    journal = rest;
    at = journal.entries.findLastIndex((e: any) => e.change.action === 'ReconfigureDVPortgroup');
  });
  afterAll(() => lab?.stop());

  /** As a run killed during the dvPortgroup's write leaves it: that entry pending, with no after, and nothing after it. */
  async function interrupted(as: string, edit: (before: any) => void): Promise<{ path: string; id: string }> {
    const { after: _a, finishedAt: _e, configVersionAfter: _v, ...entry } = structuredClone(journal.entries[at]);
    edit(entry.before);
    const cut = { ...journal, entries: [...journal.entries.slice(0, at), { ...entry, status: 'pending' }] };
    const path = join(dir, as);
    await writeFile(path, JSON.stringify({ ...cut, checksum: checksum(cut) }));
    return { path, id: entry.change.id };
  }

  it('is refused as drift (exit 5), naming the field, and promiscuous mode stays off', async () => {
    const { path, id } = await interrupted('promiscuous.json', (before) => {
      before.defaultPortConfig.securityPolicy.allowPromiscuous.value = true;
      before.defaultPortConfig.macManagementPolicy.allowPromiscuous = true;
    });
    const state = await lab.state();

    const r = await run(lab, dir, ['rollback', path, '--yes']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(new RegExp(`${id} .+?: its recorded defaultPortConfig\\.securityPolicy\\.allowPromiscuous is not what it holds now`));
    expect(diffState(state, await lab.state())).toEqual([]);
  });

  it('unedited, still rolls the dvPortgroup back, inherited flags and all', async () => {
    const { path } = await interrupted('pending.json', () => {});
    const r = await run(lab, dir, ['rollback', path, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(diffState(original, await lab.state()).filter((line) => line.startsWith('dvPortgroups['))).toEqual(['dvPortgroups[DPG-Nested].config.configVersion: "1" → "3"']);
  });
});
