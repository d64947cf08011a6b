// A NIC that a dedicated dvPortgroup took off its dvPort goes back to that
// very port on rollback (the port's own settings are part of what it had).
// Someone else's NIC on that port meanwhile is a premise that no longer
// holds: the rollback refuses up front, changing nothing, rather than undo
// half and stop at that NIC.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, type Lab } from '../helpers/lab.js';
import { RawSoap, diffState, modifyingCalls, readJson, scenario, workdir, run } from './fix-lab.js';

describe('someone else\'s NIC on the dvPort a rollback puts a NIC back on', () => {
  let lab: Lab;
  let dir: string;

  beforeAll(async () => {
    lab = await startScenario(scenario());
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  it('refuses the whole rollback up front (exit 5), naming the port and the VM on it, and changes nothing', async () => {
    const fixed = await run(lab, dir, ['fix', '--yes', '--strategy', 'dedicated-portgroup', '--format', 'json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    const journalPath = join(dir, JSON.parse(fixed.stdout).journal);
    const journal = await readJson(journalPath);
    const moved = journal.entries.find((e: any) => e.change.action === 'EditNic' && e.change.target.vm.name === 'nested-esx7');
    const port = moved.before.backing.port;
    expect(port.portKey).toBe('19');

    // db-quiet01's NIC is put on that port by its owner.
    type Card = { _typeName: string; key: number; macAddress: string; backing: { port: { portgroupKey: string; portKey: string } } };
    const db = (await lab.state()).vms.find((v) => v.name === 'db-quiet01') as unknown as { moref: string; nics: Card[] };
    const card = db.nics[0]!;
    const home = card.backing.port;
    const other = new RawSoap(lab);
    await other.login();
    const moveTo = (portgroupKey: string, portKey: string) => other.editDevice(
      db.moref,
      `<device xsi:type="${card._typeName}"><key>${card.key}</key><backing xsi:type="VirtualEthernetCardDistributedVirtualPortBackingInfo">` +
        `<port><switchUuid>${port.switchUuid}</switchUuid><portgroupKey>${portgroupKey}</portgroupKey><portKey>${portKey}</portKey></port></backing>` +
        `<addressType>assigned</addressType><macAddress>${card.macAddress}</macAddress></device>`,
    );
    await moveTo(port.portgroupKey, '19');
    const state = await lab.state();
    const writes = (await modifyingCalls(lab)).length;

    const r = await run(lab, dir, ['rollback', journalPath, '--yes']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/Refusing: 1 object\(s\) changed since this was recorded, so nothing was applied/);
    expect(r.stderr).toContain(`nested-esx7 / Network adapter 1: dvPort 19, which it goes back to, is taken by the VM db-quiet01 (${db.moref})`);
    expect(await modifyingCalls(lab)).toHaveLength(writes);
    expect(diffState(state, await lab.state())).toEqual([]);

    // Once its owner has moved it home, the same rollback puts nested-esx7 back on its port.
    await moveTo(home.portgroupKey, home.portKey);
    const again = await run(lab, dir, ['rollback', journalPath, '--yes']);
    expect(again.code, again.stderr).toBe(0);
    const nested = (await lab.state()).vms.find((v) => v.name === 'nested-esx7') as unknown as { nics: Card[] };
    expect(nested.nics[0]!.backing.port).toMatchObject({ portgroupKey: port.portgroupKey, portKey: '19' });
  });
});
