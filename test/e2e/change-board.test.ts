// The plan → apply → journal → rollback lifecycle as a change board lives
// it: days pass between the plan and its apply, and between the apply and
// its rollback, while other people delete VMs and attach their own VMs to
// what vmfix created. vmfix must notice, refuse before changing anything,
// and say what it found.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startScenario, vmMoref, type Lab } from '../helpers/lab.js';
import { RawSoap, diffState, modifyingCalls, scenario, settled, workdir, run } from './fix-lab.js';

async function someoneElse(lab: Lab): Promise<RawSoap> {
  const soap = new RawSoap(lab);
  await soap.login();
  return soap;
}

describe('a VM deleted between the plan and its apply', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('is drift (exit 5) that names the VM, and nothing of the plan is applied', async () => {
    const planPath = join(dir, 'plan.json');
    const made = await run(lab, dir, ['fix', '--plan-out', planPath, '--strategy', 'dedicated-portgroup']);
    expect(made.code, made.stderr).toBe(0);
    const moref = await vmMoref(lab, 'nlb-web02');
    await lab.power('nlb-web02', 'poweredOff');
    await (await someoneElse(lab)).destroyVm(moref);
    const state = await lab.state();
    const writes = (await modifyingCalls(lab)).length;

    const r = await run(lab, dir, ['apply', planPath, '--yes']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/Refusing: 1 object\(s\) changed since this was recorded, so nothing was applied/);
    expect(r.stderr).toContain(`nlb-web02 / Network adapter 1: the VM nlb-web02 (${moref}) no longer exists`);
    expect(r.stderr).not.toMatch(/Run the command again/);
    expect(await modifyingCalls(lab)).toHaveLength(writes);
    expect(diffState(state, await lab.state())).toEqual([]);
  });

  it('and one deleted between the apply and its rollback: the rollback refuses (exit 5), naming it, and changes nothing', async () => {
    const fixed = await run(lab, dir, ['fix', '--yes', '--strategy', 'dedicated-portgroup', '--format', 'json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    const moref = await vmMoref(lab, 'f5-ve01');
    await lab.power('f5-ve01', 'poweredOff');
    await (await someoneElse(lab)).destroyVm(moref);
    const state = await lab.state();
    const writes = (await modifyingCalls(lab)).length;

    const r = await run(lab, dir, ['rollback', join(dir, JSON.parse(fixed.stdout).journal), '--yes']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain(`f5-ve01 / Network adapter 1: the VM f5-ve01 (${moref}) no longer exists`);
    expect(await modifyingCalls(lab)).toHaveLength(writes);
    expect(diffState(state, await lab.state())).toEqual([]);
  });
});

describe('someone else attaches a VM to the dedicated portgroup before the rollback', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('refuses the whole rollback up front (exit 5), naming that NIC, instead of undoing half of it', async () => {
    const original = await lab.state();
    const fixed = await run(lab, dir, ['fix', '--yes', '--strategy', 'dedicated-portgroup', '--format', 'json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    // jump01 (on esx-a3) is put on the portgroup vmfix made, by its owner, after the fix.
    const jump = (await lab.state()).vms.find((v) => v.name === 'jump01') as unknown as { moref: string; nics: { _typeName: string; key: number; macAddress: string }[] };
    const card = jump.nics[0]!;
    await (await someoneElse(lab)).editDevice(
      jump.moref,
      `<device xsi:type="${card._typeName}"><key>${card.key}</key><backing xsi:type="VirtualEthernetCardNetworkBackingInfo"><deviceName>NLB-Front-macchg</deviceName></backing>` +
        `<addressType>assigned</addressType><macAddress>${card.macAddress}</macAddress></device>`,
    );
    const state = await lab.state();
    const writes = (await modifyingCalls(lab)).length;

    const r = await run(lab, dir, ['rollback', join(dir, JSON.parse(fixed.stdout).journal), '--yes']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/Refusing: 1 object\(s\) changed since this was recorded, so nothing was applied/);
    expect(r.stderr).toContain(`esx-a3.east.corp / vSwitch1 / NLB-Front-macchg: a NIC with MAC ${card.macAddress} is connected to it now, not moved off by this run`);
    expect(await modifyingCalls(lab)).toHaveLength(writes);
    expect(diffState(state, await lab.state())).toEqual([]);

    // Once its owner has moved it back, the same rollback goes through, and moves the NICs it moved itself.
    await (await someoneElse(lab)).editDevice(
      jump.moref,
      `<device xsi:type="${card._typeName}"><key>${card.key}</key><backing xsi:type="VirtualEthernetCardNetworkBackingInfo"><deviceName>VM Network</deviceName></backing>` +
        `<addressType>assigned</addressType><macAddress>${card.macAddress}</macAddress></device>`,
    );
    const again = await run(lab, dir, ['rollback', join(dir, JSON.parse(fixed.stdout).journal), '--yes', '--format', 'json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).changes.map((c: { status: string }) => c.status)).toEqual(Array(11).fill('applied'));
    expect(diffState(settled(original), settled(await lab.state()))).toEqual([]);
  });
  it('a powered-off VM put on it counts too: it holds no port, but removing the portgroup would cut it off', async () => {
    const original = await lab.state();
    const fixed = await run(lab, dir, ['fix', '--yes', '--strategy', 'dedicated-portgroup', '--format', 'json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    const lic = (await lab.state()).vms.find((v) => v.name === 'lic-server01') as unknown as { moref: string; nics: { _typeName: string; key: number; macAddress: string }[] };
    const card = lic.nics[0]!;
    const moveTo = (network: string) => someoneElse(lab).then((soap) => soap.editDevice(
      lic.moref,
      `<device xsi:type="${card._typeName}"><key>${card.key}</key><backing xsi:type="VirtualEthernetCardNetworkBackingInfo"><deviceName>${network}</deviceName></backing>` +
        `<addressType>assigned</addressType><macAddress>${card.macAddress}</macAddress></device>`,
    ));
    await moveTo('NLB-Front-macchg');
    const writes = (await modifyingCalls(lab)).length;

    const r = await run(lab, dir, ['rollback', join(dir, JSON.parse(fixed.stdout).journal), '--yes']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain(`esx-a3.east.corp / vSwitch1 / NLB-Front-macchg: the VM lic-server01 (${lic.moref}), powered off, is connected to it now, not moved off by this run`);
    expect(await modifyingCalls(lab)).toHaveLength(writes);

    await moveTo('VM Network');
    const again = await run(lab, dir, ['rollback', join(dir, JSON.parse(fixed.stdout).journal), '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(diffState(settled(original), settled(await lab.state()))).toEqual([]);
  });
});

/** vmfix killed (SIGKILL: no handler runs) as soon as its stderr says `after`. */
function killedAfter(lab: Lab, dir: string, args: string[], after: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'vmfix.js'), ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...lab.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      if (stderr.includes(after)) child.kill('SIGKILL');
    });
    child.on('error', fail);
    child.on('close', (_code, signal) => (signal === 'SIGKILL' ? done(stderr) : fail(new Error(`not killed: ${stderr}`))));
  });
}

describe('an apply killed halfway, then the same plan again', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('refuses (exit 5) and says the objects already are as the plan makes them, not that someone changed them', async () => {
    const planPath = join(dir, 'plan.json');
    expect((await run(lab, dir, ['fix', '--plan-out', planPath, '--strategy', 'dedicated-portgroup'])).code).toBe(0);
    await killedAfter(lab, dir, ['apply', planPath, '--yes', '--journal', 'killed.json'], 'c2 applied');
    const writes = (await modifyingCalls(lab)).length;

    const r = await run(lab, dir, ['apply', planPath, '--yes', '--journal', 'again.json']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/esx-a1\.east\.corp \/ vSwitch1 \/ NLB-Front-macchg: it exists already, as this change would create it \(was it applied already\? vmfix journal lists the runs\)/);
    expect(r.stderr).toMatch(/esx-a2\.east\.corp \/ vSwitch1 \/ NLB-Front-macchg: it exists already, as this change would create it/);
    expect(await modifyingCalls(lab)).toHaveLength(writes);
    // The killed run's journal is the record of what it did, and rolls it back.
    const back = await run(lab, dir, ['rollback', 'killed.json', '--yes', '--format', 'json']);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout).changes.length).toBeGreaterThanOrEqual(2);
  });
});

describe('a rollback killed while its task is queued on a busy vCenter, then run again', () => {
  const QUEUED_MS = 3000;
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario({ ...scenario(), taskDelayMs: QUEUED_MS });
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('the second rollback waits for the first one\'s task, then finishes the job (exit 0), everything as it was', async () => {
    const original = await lab.state();
    const fixed = await run(lab, dir, ['fix', '--yes', '--strategy', 'portgroup-accept', '--journal', 'fix.json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    const sent = async () => (await lab.calls()).filter((c) => c.method === 'ReconfigureDVPortgroup_Task').length;
    const before = await sent();
    // u1 undoes the dvPortgroup change (newest first): killed once vCenter has queued its task.
    const killed = killedWhen(lab, dir, ['rollback', 'fix.json', '--yes', '--journal', 'undo1.json'], async () => (await sent()) > before);
    await killed;

    const again = await run(lab, dir, ['rollback', 'fix.json', '--yes', '--journal', 'undo2.json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/DPG-Nested: a task on it is still (queued|running) \(.*\); waiting for it to end/);
    expect(diffState(settled(original), settled(await lab.state()))).toEqual([]);
  });
});

/** vmfix killed (SIGKILL) as soon as `ready` says so, polled every 50 ms. */
function killedWhen(lab: Lab, dir: string, args: string[], ready: () => Promise<boolean>): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'vmfix.js'), ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...lab.env },
    stdio: 'ignore',
  });
  const closed = new Promise<string | null>((done) => child.on('close', (_code, signal) => done(signal)));
  return (async () => {
    for (let i = 0; i < 400 && child.exitCode === null; i++) {
      if (await ready()) {
        child.kill('SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if ((await closed) !== 'SIGKILL') throw new Error('vmfix ended before it could be killed');
  })();
}
