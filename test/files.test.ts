import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// What was fsynced, by path: a power cut must not undo a rename the journal relies on.
const synced: string[] = [];
// Paths open() refuses, as it does a directory vmfix may write in but not read (mode 0300) when not root.
const unreadable = new Set<string>();
// Files access(W_OK) refuses, as it does a mode 0444 file to anyone but root (the tests run as root).
const readOnly = new Set<string>();
vi.mock('node:fs/promises', async (original) => {
  const real = await original<typeof import('node:fs/promises')>();
  return {
    ...real,
    access: async (...args: Parameters<typeof real.access>) => {
      if (readOnly.has(String(args[0])) && args[1] !== undefined && (args[1] & real.constants.W_OK) !== 0) {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      }
      return real.access(...args);
    },
    open: async (...args: Parameters<typeof real.open>) => {
      if (unreadable.has(String(args[0]))) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      const handle = await real.open(...args);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        synced.push(String(args[0]));
        return sync();
      };
      return handle;
    },
  };
});

const { fileKind, refuseSharedFiles, writeFile } = await import('../src/files.js');
const { UsageError } = await import('../src/errors.js');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vmfix-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFile', () => {
  it('syncs the file and then its directory, so the rename outlives a power cut', async () => {
    const path = join(dir, 'journal.json');
    synced.length = 0;
    await writeFile(path, '{"a":1}\n', { journal: {} });
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n');
    expect(synced).toHaveLength(2);
    expect(synced[0]).toMatch(/\.journal\.json\.[0-9a-f]+\.tmp$/);
    expect(synced[1]).toBe(dir);
  });

  it('still writes into a directory it may not read, which cannot be synced', async () => {
    const blind = join(dir, 'blind');
    await fs.mkdir(blind);
    unreadable.add(blind);
    synced.length = 0;
    await writeFile(join(blind, 'r.txt'), 'x');
    expect(await readFile(join(blind, 'r.txt'), 'utf8')).toBe('x');
    expect(synced).toHaveLength(1);
  });
});

describe('writeFile over another user\'s file, as root', () => {
  // Only root can give a file away; as anyone else the file replaced is their own.
  it.runIf(process.getuid?.() === 0)('keeps its owner and its mode whole, as the shell\'s > would', async () => {
    const path = join(dir, 'theirs.txt');
    await fs.writeFile(path, 'old\n');
    await fs.chown(path, 65534, 65534);
    await fs.chmod(path, 0o666);
    await writeFile(path, 'report\n');
    const after = await fs.stat(path);
    // 0666 too, whatever the umask.
    expect([after.uid, after.gid, after.mode & 0o777]).toEqual([65534, 65534, 0o666]);
    expect(await readFile(path, 'utf8')).toBe('report\n');
  });
});

describe('writeFile over a read-only file', () => {
  it('refuses it, as the shell\'s > does, directly or through a symlink, and leaves it as it was', async () => {
    const path = join(dir, 'locked.txt');
    await fs.writeFile(path, 'kept\n');
    await fs.symlink(path, join(dir, 'locked-link'));
    readOnly.add(path);
    readOnly.add(join(dir, 'locked-link'));
    for (const name of [path, join(dir, 'locked-link')]) {
      await expect(writeFile(name, 'report\n')).rejects.toThrow(`Cannot write ${name} (EACCES: permission denied).`);
      // Said before the work too, as a directory or a missing one is.
      await expect(refuseSharedFiles([{ option: '--output', path: name, writes: true }])).rejects.toThrow(`The report could not be written to ${name} (EACCES: permission denied); nothing was done.`);
    }
    expect(await readFile(path, 'utf8')).toBe('kept\n');
  });
});

describe('an output file that fails to be read or written', () => {
  // /proc/self/mem answers EIO at offset 0, as a failing disk would.
  it('is refused before the work as a file that cannot be written (exit 2), not as a bug', async () => {
    const refusal = await refuseSharedFiles([{ option: '--output', path: '/proc/self/mem', writes: true }]).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(UsageError);
    expect((refusal as Error).message).toBe('The report could not be written to /proc/self/mem (EIO: input/output error); nothing was done.');
    await expect(writeFile('/proc/self/mem', 'report\n')).rejects.toThrow(/^Cannot write \/proc\/self\/mem \(E[A-Z]+: [a-z/ ]+\)\.$/);
  });
});

describe('writeFile over a journal', () => {
  // What `jq -S .` makes of a journal: the keys sorted, "kind" after the entries. Rollback still takes it (the checksum is canonical).
  const sorted = `${JSON.stringify({ checksum: 'c'.repeat(64), entries: [{ note: 'x'.repeat(2000) }], kind: 'vmfix-journal', schemaVersion: 1 }, null, 2)}\n`;

  it.each([
    ['its keys sorted (jq -S)', sorted],
    ['"kind" spaced from its colon', '{\n  "schemaVersion": 1,\n  "kind" : "vmfix-journal"\n}\n'],
  ])('refuses one with %s, and leaves it as it was', async (_, text) => {
    const path = join(dir, 'kept.json');
    await fs.writeFile(path, text);
    await expect(writeFile(path, 'report\n')).rejects.toThrow(`${path} is a vmfix journal, the record a rollback needs; vmfix does not write over it. Name another file.`);
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('writes over other JSON, and over what is no JSON at all', async () => {
    for (const text of ['{"schemaVersion":1,"kind":"vmfix-plan"}', '{"kind": ', '[{"kind":"vmfix-journal"}]']) {
      const path = join(dir, 'report.json');
      await fs.writeFile(path, text);
      await writeFile(path, 'report\n');
      expect(await readFile(path, 'utf8')).toBe('report\n');
    }
  });
});

describe('what is not a regular file, in words (one spelling for outputs, journals and the logs read)', () => {
  const kinds = ['isSymbolicLink', 'isDirectory', 'isFIFO', 'isCharacterDevice', 'isBlockDevice', 'isSocket'] as const;
  const info = (is: (typeof kinds)[number] | null) => Object.fromEntries(kinds.map((k) => [k, () => k === is])) as Record<(typeof kinds)[number], () => boolean>;
  it.each([
    ['isSymbolicLink', 'a symbolic link'],
    ['isDirectory', 'a directory'],
    ['isFIFO', 'a FIFO'],
    ['isCharacterDevice', 'a character device'],
    ['isBlockDevice', 'a block device'],
    ['isSocket', 'a socket'],
    [null, 'not a regular file'],
  ] as const)('%s: %s', (is, words) => {
    expect(fileKind(info(is))).toBe(words);
  });
});
