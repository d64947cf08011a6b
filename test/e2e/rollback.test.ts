// vmfix rollback: puts back exactly what a fix recorded, on a current vCenter
// and on a pre-6.7 one; refuses (exit 5, naming the object, changing
// nothing at all) once someone else has changed an object since; refuses
// journals that were edited or belong to another vCenter; settles entries an
// interrupted run left pending.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksum } from '../../src/remedy/change.js';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';
import {
  RawSoap, diffState, dvPortgroup, hostPortgroup, legacyScenario, modifyingCalls, portgroupAcceptDiff, readJson, scenario, settled, workdir, run,
} from './fix-lab.js';

async function fixed(lab: Lab, dir: string, strategy = 'portgroup-accept'): Promise<string> {
  const r = await run(lab, dir, ['fix', '--yes', '--strategy', strategy, '--format', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return join(dir, JSON.parse(r.stdout).journal);
}

describe('rollback of portgroup-accept', () => {
  let lab: Lab;
  let dir: string;
  let journalPath: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('restores every portgroup and dvPortgroup exactly (configVersion aside), newest first, with its own journal', async () => {
    const original = await lab.state();
    journalPath = await fixed(lab, dir);
    expect(diffState(original, await lab.state())).toEqual(portgroupAcceptDiff());

    const r = await run(lab, dir, ['rollback', journalPath, '--yes', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.command).toBe('rollback');
    expect(report.changes.map((c: any) => c.status)).toEqual(Array(7).fill('applied'));
    const fix = await readJson(journalPath);
    expect(report.changes.map((c: any) => c.path)).toEqual(fix.entries.map((e: any) => e.change.path).reverse());

    // DPG-Nested inherits macChanges from the DVS but sets forged transmits itself:
    // the inherited flag comes back too, not just the value.
    expect(diffState(original, await lab.state())).toEqual(['dvPortgroups[DPG-Nested].config.configVersion: "1" → "3"']);

    // The fix journal is still the fix's record; the rollback wrote its own.
    expect((await readJson(journalPath)).command).toBe('fix');
    const own = await readJson(join(dir, report.journal));
    expect(own).toMatchObject({ command: 'rollback', rollbackOf: journalPath });
    expect(own.entries.map((e: any) => e.status)).toEqual(Array(7).fill('applied'));
    // What it set out to undo, by the fix's own ids, recorded before the first undo: the record a stopped rollback leaves.
    expect(own.planned).toEqual(fix.entries.map((e: any) => e.change.id).reverse().map((undoes: string, i: number) => ({ id: `u${i + 1}`, undoes })));
    const { journals } = JSON.parse((await run(lab, dir, ['journal', '--format', 'json'])).stdout);
    expect(journals.find((j: any) => j.command === 'fix')).toMatchObject({ rolledBackBy: [report.journal], undone: { count: 7, of: 7 }, stillInForce: [] });
  });

  it('a second rollback of the same journal finds everything as it was before: nothing to undo, nothing sent', async () => {
    const state = await lab.state();
    const writes = (await modifyingCalls(lab)).length;
    const r = await run(lab, dir, ['rollback', journalPath, '--yes', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/it is already as it was before; nothing to undo/g)).toHaveLength(7);
    expect(JSON.parse(r.stdout).changes).toEqual([]);
    expect(await modifyingCalls(lab)).toHaveLength(writes);
    expect(diffState(state, await lab.state())).toEqual([]);
  });
});

describe('rollback on a pre-6.7 vCenter (legacy DVS, securityPolicy only)', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(legacyScenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('fix sets only securityPolicy.macChanges on the dvPortgroup; rollback puts it back exactly', async () => {
    const original = await lab.state();
    const journalPath = await fixed(lab, dir);
    expect(diffState(original, await lab.state())).toEqual([
      'dvPortgroups[LPG-Interconnect].config.configVersion: "1" → "2"',
      'dvPortgroups[LPG-Interconnect].config.defaultPortConfig.securityPolicy.macChanges.inherited: true → false',
      'dvPortgroups[LPG-Interconnect].config.defaultPortConfig.securityPolicy.macChanges.value: false → true',
    ]);
    const journal = await readJson(journalPath);
    expect(journal.entries[0].sent.defaultPortConfig.macManagementPolicy).toBeUndefined();

    const r = await run(lab, dir, ['rollback', journalPath, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(diffState(settled(original), settled(await lab.state()))).toEqual([]);
  });
});

describe('rollback after someone else changed an object', () => {
  let lab: Lab;
  let dir: string;
  let journalPath: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
    journalPath = await fixed(lab, dir);
  });
  afterAll(() => lab?.stop());

  async function expectRefusedUntouched(pattern: RegExp): Promise<void> {
    const state = await lab.state();
    const writes = (await modifyingCalls(lab)).length;
    const r = await run(lab, dir, ['rollback', journalPath, '--yes']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).toMatch(/nothing was applied/);
    // Not even the six objects nobody touched.
    expect(await modifyingCalls(lab)).toHaveLength(writes);
    expect(diffState(state, await lab.state())).toEqual([]);
  }

  it('refuses (exit 5), names the standard portgroup someone re-VLANed, and changes nothing', async () => {
    const journal = await readJson(journalPath);
    const entry = journal.entries.find((e: any) => e.change.path.endsWith('esx-a2.east.corp / vSwitch1 / NLB-Front'));
    const other = new RawSoap(lab);
    await other.login();
    // The network team moves NLB-Front on esx-a2 to VLAN 131 (keeping MAC changes Accept), with a whole spec as it should.
    await other.updatePortGroup(
      entry.change.target.host.networkSystem.value,
      'NLB-Front',
      '<name>NLB-Front</name><vlanId>131</vlanId><vswitchName>vSwitch1</vswitchName>' +
        '<policy><security><allowPromiscuous>false</allowPromiscuous><macChanges>true</macChanges><forgedTransmits>true</forgedTransmits></security>' +
        '<nicTeaming><policy>loadbalance_srcmac</policy><nicOrder><activeNic>vmnic3</activeNic><standbyNic>vmnic2</standbyNic></nicOrder></nicTeaming></policy>',
    );
    expect(hostPortgroup(await lab.state(), 'esx-a2.east.corp', 'NLB-Front').spec.vlanId).toBe(131);
    await expectRefusedUntouched(/Refusing: 1 object\(s\) changed since this was recorded.*esx-a2\.east\.corp \/ vSwitch1 \/ NLB-Front: it was changed since/);
  });

  it('names every drifted object, a dvPortgroup too', async () => {
    const config = dvPortgroup(await lab.state(), 'DPG-Nested');
    const other = new RawSoap(lab);
    await other.login();
    await other.reconfigureDvPortgroup(config.key, config.configVersion, '<description>nested lab, ticket CHG0042</description>');
    await expectRefusedUntouched(/Refusing: 2 object\(s\) changed.*DPG-Nested: its configVersion is 3, not the planned 2.*NLB-Front/);
  });
});

describe('journals rollback will not use', () => {
  let lab: Lab;
  let other: Lab;
  let dir: string;
  let journalPath: string;

  beforeAll(async () => {
    [lab, other] = await Promise.all([startScenario(scenario()), startScenario(legacyScenario())]);
    dir = await workdir();
    journalPath = await fixed(lab, dir);
  });
  afterAll(async () => {
    await Promise.all([lab?.stop(), other?.stop()]);
  });

  it('an edited journal (exit 2), a damaged one (exit 2), one from another vCenter (exit 2): nothing changes', async () => {
    const state = await lab.state();
    const text = await readFile(journalPath, 'utf8');
    const edited = join(dir, 'edited.json');
    await writeFile(edited, text.replace('"vlanId": 130', '"vlanId": 1'));
    const e = await run(lab, dir, ['rollback', edited, '--yes']);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/modified after vmfix wrote it.*will not roll back from an edited journal/);

    const damaged = join(dir, 'damaged.json');
    await writeFile(damaged, text.slice(0, 200));
    const d = await run(lab, dir, ['rollback', damaged, '--yes']);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/not valid JSON/);

    const elsewhere = await vmfix(['rollback', journalPath, '--yes'], { ...other.env, VMFIX_TEST_CWD: dir });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(/recorded against .*; connect to that vCenter/);

    expect(diffState(state, await lab.state())).toEqual([]);
    expect(await modifyingCalls(other)).toEqual([]);
  });
});

describe('rollback of a journal an interrupted run left with a pending entry', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  /**
   * The journal as vmfix leaves it when it stops during its last write: that
   * entry `pending`, with no after (re-checksummed the way vmfix writes it).
   */
  async function interrupted(journalPath: string, as: string): Promise<string> {
    const { checksum: _old, finishedAt: _f, ...journal } = await readJson(journalPath);
    const { after: _a, finishedAt: _e, configVersionAfter: _v, ...last } = journal.entries.at(-1);
    journal.entries[journal.entries.length - 1] = { ...last, status: 'pending' };
    const path = join(dir, as);
    await writeFile(path, `${JSON.stringify({ ...journal, checksum: checksum(journal) }, null, 2)}\n`);
    return path;
  }

  it('undoes a pending write that reached vCenter', async () => {
    const original = await lab.state();
    const pending = await interrupted(await fixed(lab, dir), 'pending-applied.json');
    const r = await run(lab, dir, ['rollback', pending, '--yes', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changes).toHaveLength(7);
    expect(diffState(original, await lab.state())).toEqual(['dvPortgroups[DPG-Nested].config.configVersion: "1" → "3"']);
  });

  it('leaves alone a pending write that never reached vCenter, and undoes the rest', async () => {
    const original = await lab.state();
    const r = await run(lab, dir, ['fix', '--yes', '--strategy', 'portgroup-accept', '--vm', 'f5-ve01', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const journalPath = join(dir, JSON.parse(r.stdout).journal);
    const journal = await readJson(journalPath);
    expect(journal.entries.map((e: any) => e.change.path.split(' / ').slice(2, 3)[0])).toEqual(['esx-a1.east.corp', 'esx-a2.east.corp', 'esx-a3.east.corp']);
    // The last write "never arrived": the portgroup on esx-a3 holds its spec from before.
    const last = journal.entries.at(-1);
    const other = new RawSoap(lab);
    await other.login();
    await other.updatePortGroup(last.change.target.host.networkSystem.value, 'App-Backend', xml(last.before));
    const pending = await interrupted(journalPath, 'pending-not-applied.json');

    const back = await run(lab, dir, ['rollback', pending, '--yes', '--format', 'json']);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stderr).toMatch(/esx-a3\.east\.corp \/ vSwitch0 \/ App-Backend: the interrupted change had not applied; nothing to undo/);
    expect(JSON.parse(back.stdout).changes.map((c: any) => c.path.split(' / ')[2])).toEqual(['esx-a2.east.corp', 'esx-a1.east.corp']);
    expect(diffState(original, await lab.state())).toEqual([]);
  });
});

/** A data object as vim25 XML elements (the fields in the order the object has them). */
function xml(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return Object.entries(value as Record<string, unknown>)
    .filter(([k]) => k !== '_typeName')
    .map(([k, v]) => (Array.isArray(v) ? v.map((x) => `<${k}>${xml(x)}</${k}>`).join('') : `<${k}>${xml(v)}</${k}>`))
    .join('');
}
