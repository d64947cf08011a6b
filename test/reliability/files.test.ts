// What the file system around vmfix can be: --output naming a device, a
// FIFO, a symlink or a directory; two options naming one file; a journal
// path that is a symlink, a FIFO, in a missing or read-only directory, or on
// a disk that fills up half-way through a fix; a plan that is a FIFO or
// /dev/zero. Devices, small and read-only file systems are mounted in a
// private mount namespace (unshare), so the machine's own are never at risk.
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, lchown, link, lstat, mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bench, comparable, DEVICES_CHECK, expectJournalTrue, expectOneClearSentence, figure, modifyingCalls, PRIVATE_DEV, readJournal, spawnInNamespace, withBench, type Bench,
} from './support.js';

const FIX = ['fix', '--yes', '--strategy', 'portgroup-accept'];
const LOG_LINE = '2024-05-14T09:21:07.123Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client web01 has policy violations on port 0x4000004. Port is blocked\n';

/** Fills a file system the namespace mounted (seen from outside through /proc/PID/root) until it has no space left. */
async function fill(path: string): Promise<void> {
  await writeFile(path, Buffer.alloc(4 << 20)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOSPC') throw err;
  });
}

/** A 1 MiB tmpfs at ./full inside the namespace; `after` copies what vmfix left there out of it. */
const SMALL_DISK = 'mkdir -p full && mount -t tmpfs -o size=1m tmpfs full';

describe.concurrent('--output onto what is not a regular file (inventory)', () => {
  let b: Bench;
  beforeAll(async () => {
    b = await bench();
  });
  afterAll(async () => {
    if (!b) return;
    expect(await modifyingCalls(b.lab)).toEqual([]);
    await b.stop();
  });
  const INVENTORY = ['inventory', '--format', 'json', '--output'];

  it('a character device (/dev/null, bound in a private namespace): written through, still the device, exit 0', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    const run = await spawnInNamespace(b, { setup: 'touch null.dev && mount --bind /dev/null null.dev', after: 'echo "afterwards: $(stat -c %F null.dev)" >&2' }, [...INVENTORY, 'null.dev']).done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('afterwards: character special file');
    expect(run.stderr).not.toMatch(/^vmfix: /m);
    fig.done();
  });

  // Device names are run with a private /dev (PRIVATE_DEV): a vmfix that replaced them would not replace the machine's.
  const isolated = async (args: readonly string[]) => {
    const run = await spawnInNamespace(b, { setup: PRIVATE_DEV, after: DEVICES_CHECK }, args).done;
    expect(run.stderr).not.toContain('a device in /dev was replaced');
    return run;
  };

  it('/dev/stdout: the report reaches stdout', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    const run = await isolated([...INVENTORY, '/dev/stdout']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).schemaVersion).toBe(1);
    fig.done();
  });

  it('a FIFO: its reader gets the report, and it stays a FIFO', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    const fifo = join(b.dir, 'report.fifo');
    execFileSync('mkfifo', [fifo]);
    let read = '';
    const reader = new Promise<void>((done, fail) => createReadStream(fifo, 'utf8').on('data', (c) => (read += c)).on('end', done).on('error', fail));
    const run = await b.run([...INVENTORY, 'report.fifo']);
    await reader;
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(read).schemaVersion).toBe(1);
    expect((await lstat(fifo)).isFIFO()).toBe(true);
    fig.done();
  });

  it('a symlink to a report elsewhere: the target is written whole (its mode kept), the link stays a link', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    await mkdir(join(b.dir, 'reports'), { recursive: true });
    await writeFile(join(b.dir, 'reports', 'inventory.json'), 'last week\n', { mode: 0o640 });
    await chmod(join(b.dir, 'reports', 'inventory.json'), 0o640);
    await symlink('reports/inventory.json', join(b.dir, 'latest.json'));
    const run = await b.run([...INVENTORY, 'latest.json']);
    expect(run.code, run.stderr).toBe(0);
    expect((await lstat(join(b.dir, 'latest.json'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(b.dir, 'latest.json'))).toBe('reports/inventory.json');
    expect(JSON.parse(await readFile(join(b.dir, 'reports', 'inventory.json'), 'utf8')).schemaVersion).toBe(1);
    expect((await stat(join(b.dir, 'reports', 'inventory.json'))).mode & 0o777).toBe(0o640);
    fig.done();
  });

  it('a symlink another user planted in a sticky shared directory (/tmp-like): not followed, exit 2, its target untouched', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    const shared = join(b.dir, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o1777);
    await writeFile(join(b.dir, 'precious.txt'), 'precious\n');
    await symlink('../precious.txt', join(shared, 'report.json'));
    // Owned by nobody (the suite runs as root, as CI does).
    await lchown(join(shared, 'report.json'), 65534, 65534);
    const run = await b.run([...INVENTORY, 'shared/report.json']);
    expect(run.code).toBe(2);
    expectOneClearSentence(run, /shared\/report.json is a symlink another user owns in a shared directory; vmfix does not follow it/);
    expect(await readFile(join(b.dir, 'precious.txt'), 'utf8')).toBe('precious\n');
    fig.done();
  });

  it.for([
    ['a directory', 'a-dir', /could not be written to a-dir \(EISDIR: it is a directory\)/],
    ['a file in a directory that does not exist', 'no-such-dir/report.json', /could not be written to no-such-dir\/report.json \(ENOENT: no such file or directory\)/],
    ['/dev/full (every write: no space left)', '/dev/full', /could not be written to \/dev\/full \(ENOSPC: no space left on the device\)/],
    ['/proc/self/mem (an I/O error, as from a failing disk)', '/proc/self/mem', /could not be written to \/proc\/self\/mem \(EIO: input\/output error\)/],
  ] as const)('%s: exit 2, one sentence, nothing else touched', async ([, path, says], ctx) => {
    const fig = figure(ctx, 'file hazard');
    await mkdir(join(b.dir, 'a-dir'), { recursive: true });
    const run = await isolated([...INVENTORY, path]);
    expect(run.code).toBe(2);
    expectOneClearSentence(run, says);
    expect((await stat(join(b.dir, 'a-dir'))).isDirectory()).toBe(true);
    fig.done();
  });
});

describe.concurrent('two options that name the same file: refused (exit 2) before anything connects', () => {
  let b: Bench;
  beforeAll(async () => {
    b = await bench();
    await writeFile(join(b.dir, 'plan.json'), '{"a plan": true}\n');
    await writeFile(join(b.dir, 'fix-journal.json'), '{"a journal": true}\n');
    await writeFile(join(b.dir, 'vmkernel.log'), LOG_LINE);
    await link(join(b.dir, 'plan.json'), join(b.dir, 'plan-hardlink.json'));
    await symlink('fix-journal.json', join(b.dir, 'journal-symlink.json'));
    await symlink('not-yet.json', join(b.dir, 'dangling.json'));
    await mkdir(join(b.dir, 'sub'));
  });
  afterAll(async () => {
    if (!b) return;
    // Nothing reached vCenter at all, and every file is as it was.
    expect(b.proxy.seen).toEqual([]);
    expect(await readFile(join(b.dir, 'plan.json'), 'utf8')).toBe('{"a plan": true}\n');
    expect(await readFile(join(b.dir, 'fix-journal.json'), 'utf8')).toBe('{"a journal": true}\n');
    expect(await readFile(join(b.dir, 'vmkernel.log'), 'utf8')).toBe(LOG_LINE);
    await b.stop();
  });

  it.for([
    ['--output and --journal, the same name', [...FIX, '--journal', 'j.json', '--output', 'j.json'], /--output and --journal name the same file \(j.json\)/],
    ['--output and --journal, spelled differently', [...FIX, '--journal', 'sub/../j.json', '--output', './j.json'], /--output and --journal name the same file/],
    ['--output through a dangling symlink to the journal-to-be', [...FIX, '--journal', 'not-yet.json', '--output', 'dangling.json'], /--output and --journal name the same file/],
    ['--output and --plan-out', ['fix', '--strategy', 'portgroup-accept', '--plan-out', 'p.json', '--output', 'p.json'], /--output and --plan-out name the same file/],
    ['--plan-out /dev/stdout while the ticket goes to stdout', ['fix', '--strategy', 'portgroup-accept', '--plan-out', '/dev/stdout'], /the report \(stdout\) and --plan-out name the same file/],
    ['apply --output over the plan itself, by a hard link', ['apply', 'plan.json', '--yes', '--output', 'plan-hardlink.json'], /--output and the plan name the same file/],
    ['rollback --output over the journal it rolls back, by a symlink', ['rollback', 'fix-journal.json', '--yes', '--output', 'journal-symlink.json'], /--output and the journal to roll back name the same file/],
    ['--journal over the plan being applied', ['apply', 'plan.json', '--yes', '--journal', 'plan.json'], /--journal and the plan name the same file/],
    ['an offline audit with --output over its own --vmkernel-log', ['audit', '--vmkernel-log', 'vmkernel.log', '--output', 'vmkernel.log'], /--output and --vmkernel-log name the same file/],
  ] as const)('%s', async ([, args, says], ctx) => {
    const fig = figure(ctx, 'file hazard');
    // A private /dev: one of them names /dev/stdout.
    const run = await spawnInNamespace(b, { setup: PRIVATE_DEV, after: DEVICES_CHECK }, args).done;
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).not.toContain('a device in /dev was replaced');
    expectOneClearSentence(run, says);
    expect(run.stdout).toBe('');
    fig.done();
  });
});

describe.concurrent('a journal vmfix cannot create: exit 2 and nothing changed', () => {
  let b: Bench;
  beforeAll(async () => {
    b = await bench();
  });
  afterAll(async () => {
    if (!b) return;
    expect(await modifyingCalls(b.lab)).toEqual([]);
    expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    await b.stop();
  });

  it('in a directory that does not exist', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    const run = await b.run([...FIX, '--journal', 'missing/journal.json']);
    expect(run.code).toBe(2);
    expectOneClearSentence(run, /Cannot create the journal missing\/journal.json \(ENOENT: no such file or directory\), so nothing was changed/);
    fig.done();
  });

  it('a dangling symlink: refused as an existing file, and its target is not created', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    await symlink(join(b.dir, 'elsewhere.json'), join(b.dir, 'journal-link.json'));
    const run = await b.run([...FIX, '--journal', 'journal-link.json']);
    expect(run.code).toBe(2);
    expectOneClearSentence(run, /journal-link.json is a symbolic link: a journal must be a new regular file/);
    await expect(lstat(join(b.dir, 'elsewhere.json'))).rejects.toThrow(/ENOENT/);
    fig.done();
  });

  it('a FIFO: refused at once (no reader is waited for), and it stays a FIFO', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    execFileSync('mkfifo', [join(b.dir, 'journal.fifo')]);
    const run = await b.run([...FIX, '--journal', 'journal.fifo']);
    expect(run.code).toBe(2);
    expectOneClearSentence(run, /journal.fifo is a FIFO: a journal must be a new regular file/);
    expect((await lstat(join(b.dir, 'journal.fifo'))).isFIFO()).toBe(true);
    fig.done();
  });

  it('on a read-only file system', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    const run = await spawnInNamespace(b, { setup: 'mkdir -p ro && mount -t tmpfs -o ro tmpfs ro' }, [...FIX, '--journal', 'ro/journal.json']).done;
    expect(run.code).toBe(2);
    expectOneClearSentence(run, /Cannot create the journal ro\/journal.json \(EROFS: read-only file system\), so nothing was changed/);
    fig.done();
  });

  it('on a disk already full: nothing changed, and no empty file left to block the name', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    const run = await spawnInNamespace(
      b,
      { setup: `${SMALL_DISK} && (dd if=/dev/zero of=full/filler bs=64k 2>/dev/null || true)`, after: "ls full | sed 's/^/left: /' >&2" },
      [...FIX, '--journal', 'full/journal.json'],
    ).done;
    expect(run.code).toBe(2);
    expectOneClearSentence(run, /Cannot write the journal full\/journal.json \(ENOSPC: no space left on the device\), so nothing was changed/);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('left: '))).toEqual(['left: filler']);
    fig.done();
  });
});

describe.concurrent('a disk that fills up in the middle of fix --yes (a 1 MiB tmpfs in a private namespace)', () => {
  /** Starts the fix with the journal (and maybe the report) on the small disk; `after` copies the journal out. */
  const start = (b: Bench, extra: readonly string[] = [], journal = 'full/journal.json') =>
    spawnInNamespace(b, { setup: SMALL_DISK, after: `cp ${journal} journal-copy.json 2>/dev/null` }, [...FIX, '--journal', journal, ...extra]);

  it('once the journal is created, before the first change: nothing was changed, said once and alike everywhere; exit 2, no journal left', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    await withBench(async (b) => {
      // Every read waits until the test lets it go: the first one after the journal exists is c1's.
      b.proxy.inject({ method: 'RetrievePropertiesEx', times: Infinity, fault: { kind: 'hold', stage: 'before' } });
      const fix = spawnInNamespace(b, { setup: SMALL_DISK, after: "ls full | sed 's/^/left: /' >&2" }, [...FIX, '--journal', 'full/journal.json']);
      for (;;) {
        const read = await b.proxy.nextHold();
        const created = existsSync(fix.inside('full/journal.json'));
        if (created) {
          await fill(fix.inside('full/filler'));
          b.proxy.clear();
        }
        read.release();
        if (created) break;
      }
      const run = await fix.done;

      expect(run.code, run.stderr).toBe(2);
      expectOneClearSentence(run, /^Cannot write the journal full\/journal.json \(ENOSPC: no space left on the device\), so nothing was changed; free space or name another place with --journal\.$/);
      expect(run.stdout).toMatch(/: 0 applied, 3 not attempted\.\n/);
      expect(run.stdout).not.toMatch(/failed|Journal:/);
      expect(run.stderr).not.toMatch(/c1 failed/);
      expect(await modifyingCalls(b.lab)).toEqual([]);
      // As when the journal cannot be created at all: no file with no change in it blocks the name.
      expect(run.stderr.split('\n').filter((l) => l.startsWith('left: '))).toEqual(['left: filler']);
    });
    fig.done();
  });

  it('before the third change: it is not sent, exit 4, the message says what applied and where the journal is; rollback restores', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    await withBench(async (b) => {
      b.proxy.inject({ method: 'UpdatePortGroup', nth: 2, fault: { kind: 'hold', stage: 'after' } });
      const fix = start(b);
      const second = await b.proxy.nextHold();
      // After its answer: the read-back, then the third change's read. Hold that one and fill the disk meanwhile.
      b.proxy.inject({ method: 'RetrievePropertiesEx', nth: b.proxy.count('RetrievePropertiesEx') + 2, fault: { kind: 'hold', stage: 'before' } });
      second.release();
      const third = await b.proxy.nextHold();
      await fill(fix.inside('full/filler'));
      third.release();
      const run = await fix.done;

      expect(run.code, run.stderr).toBe(4);
      expectOneClearSentence(run, /c3 was not sent: the journal full\/journal.json could not be written \(ENOSPC: no space left on the device\), and vmfix changes nothing it cannot record\. The journal holds c1, c2: once it can be written again, vmfix rollback full\/journal.json undoes what applied/);
      expect(b.proxy.count('ReconfigureDVPortgroup_Task')).toBe(0);
      const journal = await readJournal(join(b.dir, 'journal-copy.json'));
      expect(journal.entries.map((e) => [e.change.id, e.status])).toEqual([['c1', 'applied'], ['c2', 'applied']]);
      expectJournalTrue(journal, b.original, await b.lab.state());
      const undone = await b.direct(['rollback', 'journal-copy.json', '--yes', '--journal', 'undo.json']);
      expect(undone.code, undone.stderr).toBe(0);
      expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    });
    fig.done();
  });

  it('while the second change is under way: it applies, the journal shows it pending, exit 4; rollback settles and restores it', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    await withBench(async (b) => {
      b.proxy.inject({ method: 'UpdatePortGroup', nth: 2, fault: { kind: 'hold', stage: 'after' } });
      const fix = start(b);
      const second = await b.proxy.nextHold();
      await fill(fix.inside('full/filler'));
      second.release();
      const run = await fix.done;

      expect(run.code, run.stderr).toBe(4);
      expectOneClearSentence(run, /c2 applied, but the journal full\/journal.json could not record it \(ENOSPC: no space left on the device\) and shows it pending\. The journal holds c1, c2/);
      expect(b.proxy.count('ReconfigureDVPortgroup_Task')).toBe(0);
      const journal = await readJournal(join(b.dir, 'journal-copy.json'));
      expect(journal.entries.map((e) => [e.change.id, e.status])).toEqual([['c1', 'applied'], ['c2', 'pending']]);
      expect((await modifyingCalls(b.lab)).length).toBe(2);
      const undone = await b.direct(['rollback', 'journal-copy.json', '--yes', '--journal', 'undo.json']);
      expect(undone.code, undone.stderr).toBe(0);
      expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    });
    fig.done();
  });

  it('--output on it, full once every change applied: exit 4, the changes and the journal are named, nothing is lost', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    await withBench(async (b) => {
      b.proxy.inject({ method: 'ReconfigureDVPortgroup_Task', fault: { kind: 'hold', stage: 'after' } });
      const fix = start(b, ['--output', 'full/report.txt'], 'journal.json');
      const last = await b.proxy.nextHold();
      await fill(fix.inside('full/filler'));
      last.release();
      const run = await fix.done;

      expect(run.code, run.stderr).toBe(4);
      expectOneClearSentence(run, /fix changed vCenter \(3 applied; the journal journal.json has every change\), but the report could not be written to full\/report.txt \(ENOSPC: no space left on the device\)/);
      const journal = await readJournal(join(b.dir, 'journal.json'));
      expect(journal.entries.map((e) => e.status)).toEqual(['applied', 'applied', 'applied']);
      expectJournalTrue(journal, b.original, await b.lab.state());
      const undone = await b.direct(['rollback', 'journal.json', '--yes', '--journal', 'undo.json']);
      expect(undone.code, undone.stderr).toBe(0);
      expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    });
    fig.done();
  });
});

describe.concurrent('plans and journals read from what is not a regular file', () => {
  it('a plan from a FIFO (as `vmfix apply <(...)` gives): read and applied, and rolled back', async (ctx) => {
    const fig = figure(ctx, 'file hazard');
    await withBench(async (b) => {
      const planned = await b.direct(['fix', '--strategy', 'portgroup-accept', '--plan-out', 'plan.json']);
      expect(planned.code, planned.stderr).toBe(0);
      execFileSync('mkfifo', [join(b.dir, 'plan.fifo')]);
      const writer = createWriteStream(join(b.dir, 'plan.fifo'));
      writer.end(await readFile(join(b.dir, 'plan.json')));
      const run = await b.run(['apply', 'plan.fifo', '--yes', '--journal', 'journal.json']);
      expect(run.code, run.stderr).toBe(0);
      expectJournalTrue(await readJournal(join(b.dir, 'journal.json')), b.original, await b.lab.state());
      const undone = await b.direct(['rollback', 'journal.json', '--yes', '--journal', 'undo.json']);
      expect(undone.code, undone.stderr).toBe(0);
      expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    });
    fig.done();
  });

  describe.concurrent('endless input (/dev/zero), in a 64 MiB heap: refused at the cap, before connecting', () => {
    let b: Bench;
    beforeAll(async () => {
      b = await bench();
    });
    afterAll(async () => {
      if (!b) return;
      expect(b.proxy.seen).toEqual([]);
      await b.stop();
    });

    it.for([
      ['apply /dev/zero', ['apply', '/dev/zero', '--yes'], /Cannot read the plan \/dev\/zero: it is larger than 256 MiB/],
      ['rollback /dev/zero', ['rollback', '/dev/zero', '--yes'], /Cannot read the journal \/dev\/zero: it is larger than 256 MiB/],
      ['--ca-file /dev/zero', ['inventory', '--ca-file', '/dev/zero'], /Cannot read the CA file \/dev\/zero: it is larger than 16 MiB/],
    ] as const)('%s', async ([, args, says], ctx) => {
      const fig = figure(ctx, 'file hazard');
      const run = await b.run(args, { NODE_OPTIONS: '--max-old-space-size=64' });
      expect(run.code, run.stderr.slice(-500)).toBe(2);
      expectOneClearSentence(run, says);
      fig.done();
    });
  });
});
