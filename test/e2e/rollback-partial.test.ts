// A rollback that vCenter stops partway (a privilege missing on one
// portgroup): `vmfix journal` must not call the run it undid "rolled back",
// and must say what is still in force, until a second rollback finishes it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withBench } from '../reliability/support.js';

describe('a rollback refused partway', () => {
  it('leaves the journal it undid "partly rolled back", naming what is still in force; a second rollback completes it', async () => {
    await withBench(async (b) => {
      const fixed = await b.direct(['fix', '--yes', '--strategy', 'portgroup-accept', '--journal', 'fix.json']);
      expect(fixed.code, fixed.stderr).toBe(0);
      // Newest first: u1 undoes c3 (DPG-Db); vCenter refuses u2 (c2, PG-App); u3 (c1, PG-Web) is never attempted.
      b.proxy.inject({ method: 'UpdatePortGroup', nth: 1, fault: { kind: 'soap-fault', type: 'NoPermission', message: 'Permission to perform this operation was denied.' } });
      const undo = await b.run(['rollback', 'fix.json', '--yes', '--journal', 'undo.json']);
      expect(undo.code, undo.stderr).toBe(4);

      const listing = async () => (await b.direct(['journal'])).stdout.replace(/\s+/g, ' ');
      expect(await listing()).toContain('3 applied, partly rolled back by undo.json (1 of 3 changes undone; c2, c1 still in force)');
      expect(await listing()).toMatch(/undo\.json rollback .* 1 applied, 1 failed, 1 not attempted/);

      const again = await b.direct(['rollback', 'fix.json', '--yes', '--journal', 'again.json']);
      expect(again.code, again.stderr).toBe(0);
      expect(await listing()).toMatch(/fix\.json fix .* 3 applied, rolled back by again\.json, undo\.json /);
      // What ties them: the checksum of the journal undone, not its name, which every change folder's journal may share.
      const sum = async (file: string, key: string) => JSON.parse(await readFile(join(b.dir, file), 'utf8'))[key];
      expect(await sum('again.json', 'rollbackOfChecksum')).toBe(await sum('fix.json', 'checksum'));
    });
  });
});
