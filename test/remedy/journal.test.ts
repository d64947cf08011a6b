// The journal writer rewrites its file whole at every change (a temporary file
// renamed over it). The name it made is its own only while it is that regular
// file: replaced meanwhile by a symbolic link (a "latest journal" link made by
// hand, a script), a rewrite through it would replace whatever it points at,
// another run's journal first of all. Replaced by another regular file (mv
// yesterday.json onto its name), a rewrite would replace that file, and its
// record would be lost: the writer knows its own file by device and inode.
import { mkdtemp, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotSentError } from '../../src/errors.js';
import { JournalWriter } from '../../src/remedy/journal.js';
import type { JournalEntry } from '../../src/remedy/schema.js';

const entry = (id: string) => ({
  change: {
    id, action: 'UpdatePortGroup', strategy: 'portgroup-accept', findings: [], path: `DC / esx01 / vSwitch0 / PG-${id}`, field: 'policy.security.macChanges', from: 'inherit', to: 'accept',
    target: { type: 'HostPortGroup', host: { name: 'esx01', moref: 'host-1', networkSystem: { type: 'HostNetworkSystem', value: 'ns-1' } }, portgroup: `PG-${id}` },
    fingerprint: '0'.repeat(64), vms: [], dependsOn: [],
  },
  before: {}, sent: {},
}) as unknown as Omit<JournalEntry, 'status' | 'startedAt'>;

describe('JournalWriter, its file replaced by a symbolic link during the run', () => {
  it('sends nothing more and leaves the file the link points at as it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journal-'));
    const path = join(dir, 'journal.json');
    const journal = await JournalWriter.open(path, { command: 'fix', endpoint: { host: 'vc', instanceUuid: null } });
    const first = await journal.begin(entry('c1'));
    await journal.finish(first, { status: 'applied', after: {} });

    const other = join(dir, 'yesterday.json');
    const yesterday = '{"kind":"vmfix-journal","note":"another run\'s record"}\n';
    await writeFile(other, yesterday);
    await rename(path, join(dir, 'moved-away.json'));
    await symlink(other, path);

    const second = journal.begin(entry('c2'));
    await expect(second).rejects.toBeInstanceOf(NotSentError);
    await expect(second).rejects.toThrow(/^c2 was not sent: the journal .*journal\.json could not be written \(it is no longer the file vmfix made: a symbolic link\), and vmfix changes nothing it cannot record\./);
    expect(await readFile(other, 'utf8')).toBe(yesterday);
    // The record of c1 is where it was moved, whole.
    expect(JSON.parse(await readFile(join(dir, 'moved-away.json'), 'utf8')).entries.map((e: JournalEntry) => [e.change.id, e.status])).toEqual([['c1', 'applied']]);
  });
});

describe('JournalWriter, its file replaced by another regular file during the run (mv)', () => {
  it('sends nothing more and leaves the file moved onto its name as it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journal-'));
    const path = join(dir, 'journal.json');
    const journal = await JournalWriter.open(path, { command: 'fix', endpoint: { host: 'vc', instanceUuid: null } });
    const first = await journal.begin(entry('c1'));
    await journal.finish(first, { status: 'applied', after: {} });

    const other = join(dir, 'yesterday.json');
    const yesterday = '{"kind":"vmfix-journal","note":"another run\'s record"}\n';
    await writeFile(other, yesterday);
    await rename(path, join(dir, 'moved-away.json'));
    await rename(other, path);

    const second = journal.begin(entry('c2'));
    await expect(second).rejects.toBeInstanceOf(NotSentError);
    await expect(second).rejects.toMatchObject({ exitCode: 4 });
    await expect(second).rejects.toThrow(/^c2 was not sent: the journal .*journal\.json could not be written \(it is no longer the file vmfix made: another file was put in its place\), and vmfix changes nothing it cannot record\./);
    await journal.close();
    expect(await readFile(path, 'utf8')).toBe(yesterday);
    expect(JSON.parse(await readFile(join(dir, 'moved-away.json'), 'utf8')).entries.map((e: JournalEntry) => [e.change.id, e.status])).toEqual([['c1', 'applied']]);
  });

  it('before its first change: neither writes over nor removes the file moved onto its name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journal-'));
    const path = join(dir, 'journal.json');
    const journal = await JournalWriter.open(path, { command: 'fix', endpoint: { host: 'vc', instanceUuid: null } });
    const yesterday = '{"kind":"vmfix-journal","note":"another run\'s record"}\n';
    await writeFile(join(dir, 'yesterday.json'), yesterday);
    await rename(join(dir, 'yesterday.json'), path);

    await expect(journal.begin(entry('c1'))).rejects.toThrow(/it is no longer the file vmfix made: another file was put in its place/);
    expect(await readFile(path, 'utf8')).toBe(yesterday);
  });
});
