// The habits admins expect of a command line: -h everywhere, examples and
// exit codes in each command's help, a completion script, messages that
// read as sentences, one line for a plain-HTTP port, and `vmfix journal`
// finding the journal a rollback starts from. No lab needed.
import { execFile } from 'node:child_process';
import { lstat, mkdtemp, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checksum } from '../../src/remedy/change.js';
import { vmfix } from '../helpers/lab.js';

/** What `vmfix ARGS` shows on a pseudo-terminal (script(1)) `cols` columns wide. */
function onTerminal(cols: number, args: string): Promise<string> {
  const command = `stty cols ${cols}; ${process.execPath} ${join(import.meta.dirname, '..', '..', 'bin', 'vmfix.js')} ${args}`;
  return new Promise((done, fail) => {
    execFile('script', ['-qec', command, '/dev/null'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, SHELL: '/bin/sh', TERM: 'xterm', NO_COLOR: '1' } }, (err, stdout) =>
      err ? fail(err) : done(stdout));
  });
}

describe('help', () => {
  it('-h works for vmfix and for every command', async () => {
    const top = await vmfix(['-h']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/vmfix <command> \[options\]/);
    for (const command of ['inventory', 'audit', 'fix', 'apply', 'rollback', 'journal', 'completion']) expect(top.stdout, command).toContain(`vmfix ${command}`);
    for (const command of ['inventory', 'audit', 'fix', 'apply', 'rollback', 'journal']) {
      const help = await vmfix([command, '-h']);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(/Examples:\n {2}vmfix /);
      // yargs wraps to the terminal: read it as one line.
      const flat = help.stdout.replace(/\s+/g, ' ');
      expect(flat, command).toMatch(/Exit codes: 0 /);
      expect(flat, command).toContain('130 interrupted');
    }
  });

  it('vmfix --help and -h, answered without yargs, print exactly what yargs prints, piped and at any terminal width', async () => {
    // --debug sends the same request through yargs (the answer from the build is for --help or -h alone).
    const yargs = await vmfix(['--debug', '--help']);
    expect(yargs.code).toBe(0);
    expect(yargs.stdout).toMatch(/^vmfix <command> \[options\]\n/);
    for (const alone of [['--help'], ['-h']]) expect(await vmfix(alone)).toEqual(yargs);
    // On a terminal the help is laid out to its width (stty cols 0: a terminal of size 0x0).
    const screens = new Map<string, string>();
    for (const cols of [0, 30, 57, 80, 150]) {
      const [fast, slow] = await Promise.all([onTerminal(cols, '--help'), onTerminal(cols, '--help --debug')]);
      expect(fast, `${cols} columns`).toBe(slow);
      screens.set(fast, String(cols));
    }
    expect(screens.size).toBe(5);
  });

  it('fix -h names the change-request options and what they are carried into', async () => {
    const help = (await vmfix(['fix', '-h'])).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/--change-id the change request \(e\.g\. CHG0012345\), carried into the ticket, the plan and the journal/);
    expect(help).toMatch(/--requester/);
    expect(help).toMatch(/--window/);
    expect(help).toMatch(/4 a change failed \(the journal says what applied\)/);
  });
});

describe('completion', () => {
  it('prints a bash completion script, and zsh under zsh', async () => {
    const bash = await vmfix(['completion'], { SHELL: '/bin/bash' });
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain('###-begin-vmfix-completions-###');
    expect(bash.stdout).toContain('complete -o bashdefault -o default -F _vmfix_yargs_completions vmfix');
    const zsh = await vmfix(['completion'], { SHELL: '/usr/bin/zsh' });
    expect(zsh.stdout).toMatch(/^#compdef vmfix/);
  });

  it('completes commands and options', async () => {
    const commands = await vmfix(['--get-yargs-completions', 'vmfix', 'jo']);
    expect(commands.stdout.split('\n')).toContain('journal');
    const options = await vmfix(['--get-yargs-completions', 'vmfix', 'fix', '--']);
    expect(options.stdout.split('\n')).toEqual(expect.arrayContaining(['--dry-run', '--plan-out', '--change-id', '--window', '--requester']));
  });
});

describe('messages', () => {
  it('read as sentences: no doubled advice, no "?."', async () => {
    const none = await vmfix([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('vmfix: Name a command. See vmfix --help.\n');
    const typo = await vmfix(['adit']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('vmfix: Did you mean audit? See vmfix --help.\n');
  });

  it('a plain-HTTP port: one line that says so (exit 3)', async () => {
    const server = createServer((_req, res) => res.end('<html>hello</html>'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const { port } = server.address() as AddressInfo;
      const r = await vmfix(['audit'], { VMFIX_VCENTER: `127.0.0.1:${port}`, VMFIX_USER: 'u', VMFIX_PASSWORD: 'p' });
      expect(r.code).toBe(3);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('vmfix: '));
      expect(errors).toEqual([`vmfix: 127.0.0.1:${port} answers plain HTTP, not HTTPS. Check --vcenter: it must be a vCenter Server or ESXi host.`]);
    } finally {
      server.close();
    }
  });

  it('--vm=-rf, as the ticket prints it, is the option with its value (it gets as far as connecting)', async () => {
    const env = { VMFIX_VCENTER: '127.0.0.1:9', VMFIX_USER: 'u', VMFIX_PASSWORD: 'p' };
    const printed = await vmfix(['audit', '--log-lines=0', '--vm=-rf'], env);
    expect(printed.code).toBe(3);
    const spaced = await vmfix(['audit', '--vm', '-rf'], env);
    expect(spaced.code).toBe(2);
  });

  it('a report or plan that cannot be written is refused before connecting (exit 2), not after a whole audit', async () => {
    // Port 9 refuses connections: reaching it would be exit 3.
    const env = { VMFIX_VCENTER: '127.0.0.1:9', VMFIX_USER: 'u', VMFIX_PASSWORD: 'p' };
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-out-'));
    const missing = await vmfix(['audit', '--output', join(dir, 'no-such-dir', 'report.json')], env);
    expect([missing.code, missing.stderr]).toEqual([2, `vmfix: The report could not be written to ${join(dir, 'no-such-dir', 'report.json')} (ENOENT: no such file or directory); nothing was done.\n`]);
    const directory = await vmfix(['fix', '--dry-run', '--output', dir], env);
    expect([directory.code, directory.stderr]).toEqual([2, `vmfix: The report could not be written to ${dir} (EISDIR: it is a directory); nothing was done.\n`]);
    const plan = await vmfix(['fix', '--plan-out', join(dir, 'gone', 'plan.json')], env);
    expect([plan.code, plan.stderr]).toEqual([2, `vmfix: The plan could not be written to ${join(dir, 'gone', 'plan.json')} (ENOENT: no such file or directory); nothing was done.\n`]);
    // Written where it can be, the same command gets as far as connecting.
    expect((await vmfix(['audit', '--output', join(dir, 'report.json')], env)).code).toBe(3);
  });

  it('a report or plan through a symlink whose target cannot be made is refused before connecting (exit 2), naming the link', async () => {
    const env = { VMFIX_VCENTER: '127.0.0.1:9', VMFIX_USER: 'u', VMFIX_PASSWORD: 'p' };
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-out-'));
    await symlink(join(dir, 'gone', 'report.json'), join(dir, 'report-link.json'));
    await symlink('gone/plan.json', join(dir, 'plan-link.json'));
    const report = await vmfix(['audit', '--output', join(dir, 'report-link.json')], env);
    expect([report.code, report.stderr]).toEqual([
      2,
      `vmfix: The report could not be written to ${join(dir, 'report-link.json')}, a symbolic link to ${join(dir, 'gone', 'report.json')} (ENOENT: no such file or directory); nothing was done.\n`,
    ]);
    const plan = await vmfix(['fix', '--plan-out', join(dir, 'plan-link.json')], env);
    expect([plan.code, plan.stderr]).toEqual([
      2,
      `vmfix: The plan could not be written to ${join(dir, 'plan-link.json')}, a symbolic link to gone/plan.json (ENOENT: no such file or directory); nothing was done.\n`,
    ]);
    // A dangling link whose target can be made is written through, as the shell's > would: it gets as far as connecting.
    await symlink('later.json', join(dir, 'later-link.json'));
    expect((await vmfix(['audit', '--output', join(dir, 'later-link.json')], env)).code).toBe(3);
    expect((await lstat(join(dir, 'later-link.json'))).isSymbolicLink()).toBe(true);
  });

  it("an empty file name ('') is refused (exit 2), not read as no file: --output, --plan-out, --journal", async () => {
    const env = { VMFIX_VCENTER: '127.0.0.1:9', VMFIX_USER: 'u', VMFIX_PASSWORD: 'p' };
    for (const args of [['audit', '--output', ''], ['audit', '--output='], ['fix', '--plan-out', ''], ['fix', '--yes', '--strategy', 'portgroup-accept', '--journal', '']]) {
      const r = await vmfix(args, env);
      const option = args.find((a) => a.startsWith('--output') || a === '--plan-out' || a === '--journal')!.replace(/=$/, '');
      expect([r.code, r.stderr], args.join(' ')).toEqual([2, `vmfix: ${option} was given an empty file name; name a file, or leave ${option} out. See vmfix ${args[0]} --help.\n`]);
    }
  });

  it('a name with terminal escapes in an error is shown, not obeyed', async () => {
    const r = await vmfix(['inventory', '--vm', 'x\x1b]0;pwned\x07'], { VMFIX_VCENTER: '127.0.0.1:9', VMFIX_USER: 'u', VMFIX_PASSWORD: 'p' });
    expect(r.stderr).not.toContain('\x1b]');
  });
});

describe('vmfix journal', () => {
  const endpoint = { host: 'vc.example.com', instanceUuid: 'uuid-1' };
  const seal = (doc: Record<string, unknown>) => `${JSON.stringify({ ...doc, checksum: checksum(doc) }, null, 2)}\n`;
  const change = (id: string) => ({
    id, action: 'UpdatePortGroup', strategy: 'portgroup-accept', findings: ['f1'],
    target: { type: 'HostPortGroup', host: { name: 'esx01', moref: 'host-1', networkSystem: { type: 'HostNetworkSystem', value: 'ns-1' } }, portgroup: 'NLB' },
    path: 'vc.example.com / DC / esx01 / vSwitch0 / NLB', field: 'policy.security.macChanges', from: 'inherit', to: 'accept',
    fingerprint: 'a'.repeat(64), vms: ['web01'], dependsOn: [],
  });
  const entry = (id: string, status: string) => ({ change: change(id), status, startedAt: '2026-11-23T19:41:36Z', before: {}, sent: {} });

  it('lists the journals of the current directory, newest first, with what, when, who and status; shows one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journals-'));
    const base = { schemaVersion: 1, kind: 'vmfix-journal', endpoint };
    await writeFile(join(dir, 'fix-journal.json'), seal({
      ...base, command: 'fix', startedAt: '2026-11-23T19:41:35Z', finishedAt: '2026-11-23T19:41:40Z',
      preparedBy: { user: 'alice@vsphere.local', vmfixVersion: '0.2.0' }, request: { changeId: 'CHG1' },
      entries: [entry('c1', 'applied'), entry('c2', 'failed')],
    }));
    await writeFile(join(dir, 'undo.json'), seal({
      ...base, command: 'rollback', rollbackOf: 'fix-journal.json', startedAt: '2026-11-24T08:00:00Z', finishedAt: '2026-11-24T08:00:03Z',
      preparedBy: { user: 'bob@vsphere.local', vmfixVersion: '0.2.0' }, entries: [entry('c1', 'applied')],
    }));
    // An old journal (no user recorded), one edited by hand, and files that are not journals.
    await writeFile(join(dir, 'old.json'), seal({ ...base, command: 'apply', startedAt: '2025-01-01T00:00:00Z', entries: [entry('c1', 'pending')] }));
    await writeFile(join(dir, 'edited.json'), seal({ ...base, command: 'fix', startedAt: '2026-01-01T00:00:00Z', entries: [] }).replace('"fix"', '"apply"'));
    await writeFile(join(dir, 'plan.json'), '{"kind":"vmfix-plan"}');
    await writeFile(join(dir, 'notes.json'), 'not json');

    const r = await vmfix(['journal', '--format', 'json'], { VMFIX_TEST_CWD: dir });
    expect(r.code, r.stderr).toBe(0);
    const listing = JSON.parse(r.stdout);
    expect(listing.journals.map((j: any) => [j.file, j.command, j.user, j.changeId])).toEqual([
      ['undo.json', 'rollback', 'bob@vsphere.local', null],
      ['fix-journal.json', 'fix', 'alice@vsphere.local', 'CHG1'],
      ['old.json', 'apply', null, null],
      ['edited.json', null, null, null],
    ]);
    expect(listing.journals[1]).toMatchObject({ changes: { applied: 1, failed: 1, pending: 0 }, rolledBackBy: ['undo.json'] });
    expect(listing.journals[3].problem).toMatch(/modified after vmfix wrote it/);

    const text = await vmfix(['journal'], { VMFIX_TEST_CWD: dir, COLUMNS: '200' });
    expect(text.stdout).toMatch(/fix-journal\.json +fix +2026-11-23T19:41:35Z +alice@vsphere\.local +vc\.example\.com +CHG1 +1 applied, 1 failed, rolled back by undo\.json/);
    expect(text.stdout).toMatch(/old\.json +apply .*0 applied, 1 interrupted \(outcome unknown\), not finished/);

    const one = await vmfix(['journal', 'fix-journal.json'], { VMFIX_TEST_CWD: dir });
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('fix-journal.json: vmfix fix on vc.example.com, 2026-11-23T19:41:35Z to 2026-11-23T19:41:40Z');
    expect(one.stdout).toContain('by alice@vsphere.local with vmfix 0.2.0');
    expect(one.stdout).toMatch(/c2 +failed +DC \/ esx01 \/ vSwitch0 \/ NLB +policy\.security\.macChanges +inherit +accept/);
    expect(one.stdout).toContain('To undo it: vmfix rollback fix-journal.json');

    const bad = await vmfix(['journal', 'edited.json'], { VMFIX_TEST_CWD: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/modified after vmfix wrote it/);
    expect(await readFile(join(dir, 'edited.json'), 'utf8')).toContain('"apply"');
  });

  it('a rollback that stopped partway (a refused or failed undo) is "partly rolled back", with what is still in force', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journals-'));
    const base = { schemaVersion: 1, kind: 'vmfix-journal', endpoint, preparedBy: { user: 'alice@vsphere.local', vmfixVersion: '0.2.0' } };
    await writeFile(join(dir, 'fix.json'), seal({
      ...base, command: 'fix', startedAt: '2026-11-23T19:41:35Z', finishedAt: '2026-11-23T19:41:40Z',
      entries: [entry('c1', 'applied'), entry('c2', 'applied'), entry('c3', 'applied')],
    }));
    // Newest first: c3's undo applied, c2's failed, and the run stopped before c1's.
    await writeFile(join(dir, 'undo.json'), seal({
      ...base, command: 'rollback', rollbackOf: 'fix.json', startedAt: '2026-11-24T08:00:00Z', finishedAt: '2026-11-24T08:00:03Z',
      planned: [{ id: 'u1', undoes: 'c3' }, { id: 'u2', undoes: 'c2' }, { id: 'u3', undoes: 'c1' }],
      entries: [entry('u1', 'applied'), entry('u2', 'failed')],
    }));
    const list = async () => (await vmfix(['journal'], { VMFIX_TEST_CWD: dir, COLUMNS: '250' })).stdout;
    expect(await list()).toMatch(/fix\.json +fix .* 3 applied, partly rolled back by undo\.json \(1 of 3 changes undone; c2, c1 still in force\)/);
    expect(await list()).toMatch(/undo\.json +rollback .* 1 applied, 1 failed, 1 not attempted/);
    const json = JSON.parse((await vmfix(['journal', '--format', 'json'], { VMFIX_TEST_CWD: dir })).stdout);
    expect(json.journals.find((j: any) => j.file === 'fix.json')).toMatchObject({
      rolledBackBy: ['undo.json'], undone: { count: 1, of: 3 }, stillInForce: ['c2', 'c1'], interrupted: [],
    });
    // Shown alone, it says the same: its rollbacks are found beside it.
    expect((await vmfix(['journal', 'fix.json'], { VMFIX_TEST_CWD: dir })).stdout).toContain('status: 3 applied, partly rolled back by undo.json (1 of 3 changes undone; c2, c1 still in force)');

    // Run again, the rollback undoes the rest: c3 is as before, so it plans only c2 and c1.
    await writeFile(join(dir, 'undo-again.json'), seal({
      ...base, command: 'rollback', rollbackOf: 'fix.json', startedAt: '2026-11-24T09:00:00Z', finishedAt: '2026-11-24T09:00:03Z',
      planned: [{ id: 'u1', undoes: 'c2' }, { id: 'u2', undoes: 'c1' }],
      entries: [entry('u1', 'applied'), entry('u2', 'applied')],
    }));
    expect(await list()).toMatch(/fix\.json +fix .* 3 applied, rolled back by undo-again\.json, undo\.json\n/);
  });

  it('a rollback of another directory\'s journal of the same name does not make this one "rolled back"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journals-'));
    const base = { schemaVersion: 1, kind: 'vmfix-journal', endpoint };
    const fix = seal({ ...base, command: 'fix', startedAt: '2026-11-23T19:41:35Z', finishedAt: '2026-11-23T19:41:40Z', entries: [entry('c1', 'applied')] });
    await writeFile(join(dir, 'fix.json'), fix);
    const undo = (name: string, extra: Record<string, unknown>) => writeFile(join(dir, name), seal({
      ...base, command: 'rollback', startedAt: '2026-11-24T08:00:00Z', finishedAt: '2026-11-24T08:00:03Z',
      planned: [{ id: 'u1', undoes: 'c1' }], entries: [entry('u1', 'applied')], ...extra,
    }));
    // Run here, on ../other/fix.json: another run's journal, whose change ids are as like as not the same.
    await undo('undo-other.json', { rollbackOf: '../other/fix.json' });
    // Recorded by its checksum, of a journal this is not, though named as this one is.
    await undo('undo-sum.json', { rollbackOf: 'fix.json', rollbackOfChecksum: 'b'.repeat(64) });
    const list = async () => (await vmfix(['journal'], { VMFIX_TEST_CWD: dir, COLUMNS: '250' })).stdout;
    expect(await list()).toMatch(/fix\.json +fix .* 1 applied\n/);
    expect((await vmfix(['journal', 'fix.json'], { VMFIX_TEST_CWD: dir })).stdout).toContain('status: 1 applied\n');

    // Its own checksum ties a rollback to it wherever it was when undone (the folder since moved), and the absolute path it was given.
    await undo('undo-moved.json', { rollbackOf: '/srv/changes/CHG1/fix.json', rollbackOfChecksum: JSON.parse(fix).checksum });
    await undo('undo-abs.json', { rollbackOf: join(dir, 'fix.json') });
    expect(await list()).toMatch(/fix\.json +fix .* 1 applied, rolled back by undo-abs\.json, undo-moved\.json\n/);
  });

  it('a journal whose rollback was itself rolled back (the changes made again) is not "rolled back": its changes are in force', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journals-'));
    const base = { schemaVersion: 1, kind: 'vmfix-journal', endpoint };
    const fix = seal({ ...base, command: 'fix', startedAt: '2026-11-23T19:41:35Z', finishedAt: '2026-11-23T19:41:40Z', entries: [entry('c1', 'applied'), entry('c2', 'applied')] });
    await writeFile(join(dir, 'fix.json'), fix);
    const undo = seal({
      ...base, command: 'rollback', rollbackOf: 'fix.json', rollbackOfChecksum: JSON.parse(fix).checksum, startedAt: '2026-11-24T08:00:00Z', finishedAt: '2026-11-24T08:00:03Z',
      planned: [{ id: 'u1', undoes: 'c2' }, { id: 'u2', undoes: 'c1' }], entries: [entry('u1', 'applied'), entry('u2', 'applied')],
    });
    await writeFile(join(dir, 'undo.json'), undo);
    await writeFile(join(dir, 'redo.json'), seal({
      ...base, command: 'rollback', rollbackOf: 'undo.json', rollbackOfChecksum: JSON.parse(undo).checksum, startedAt: '2026-11-25T08:00:00Z', finishedAt: '2026-11-25T08:00:03Z',
      planned: [{ id: 'u1', undoes: 'u2' }, { id: 'u2', undoes: 'u1' }], entries: [entry('u1', 'applied'), entry('u2', 'applied')],
    }));
    const list = async () => (await vmfix(['journal'], { VMFIX_TEST_CWD: dir, COLUMNS: '250' })).stdout;
    const text = await list();
    expect(text).toMatch(/fix\.json +fix .* 2 applied, rolled back by undo\.json, then made again by redo\.json \(0 of 2 changes undone; c2, c1 in force\)\n/);
    expect(text).toMatch(/undo\.json +rollback .* 2 applied, rolled back by redo\.json\n/);
    const json = JSON.parse((await vmfix(['journal', '--format', 'json'], { VMFIX_TEST_CWD: dir })).stdout);
    expect(json.journals.find((j: any) => j.file === 'fix.json')).toMatchObject({ rolledBackBy: ['undo.json'], madeAgainBy: ['redo.json'], undone: { count: 0, of: 2 }, stillInForce: ['c2', 'c1'] });
  });

  it('a rollback from before vmfix recorded its plan, with a failed undo, is "partly rolled back" too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journals-'));
    const base = { schemaVersion: 1, kind: 'vmfix-journal', endpoint };
    await writeFile(join(dir, 'fix.json'), seal({ ...base, command: 'fix', startedAt: '2026-11-23T19:41:35Z', finishedAt: '2026-11-23T19:41:40Z', entries: [entry('c1', 'applied'), entry('c2', 'applied')] }));
    await writeFile(join(dir, 'undo.json'), seal({
      ...base, command: 'rollback', rollbackOf: 'fix.json', startedAt: '2026-11-24T08:00:00Z', finishedAt: '2026-11-24T08:00:03Z',
      entries: [entry('u1', 'applied'), entry('u2', 'pending')],
    }));
    const text = await vmfix(['journal'], { VMFIX_TEST_CWD: dir, COLUMNS: '250' });
    expect(text.stdout).toMatch(/fix\.json +fix .* 2 applied, partly rolled back by undo\.json \(1 of 2 changes undone\)\n/);
  });

  it('a journal cut off mid-line (a copy that stopped, a full disk) is listed with what is wrong, not left out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journals-'));
    const whole = seal({
      schemaVersion: 1, kind: 'vmfix-journal', endpoint, command: 'apply', startedAt: '2026-11-26T09:00:00Z',
      preparedBy: { user: 'alice@vsphere.local', vmfixVersion: '0.2.0' }, entries: [entry('c1', 'applied'), entry('c2', 'applied')],
    });
    await writeFile(join(dir, 'vmfix-journal-20261126T090000000Z.json'), whole.slice(0, Math.floor(whole.length * 0.6)));
    await writeFile(join(dir, 'notes.json'), 'not json');

    const r = await vmfix(['journal', '--format', 'json'], { VMFIX_TEST_CWD: dir });
    expect(r.code, r.stderr).toBe(0);
    const { journals } = JSON.parse(r.stdout);
    expect(journals).toHaveLength(1);
    expect(journals[0]).toMatchObject({ file: 'vmfix-journal-20261126T090000000Z.json', command: null });
    expect(journals[0].problem).toMatch(/is not valid JSON: the journal is truncated or damaged/);
    const text = await vmfix(['journal'], { VMFIX_TEST_CWD: dir, COLUMNS: '200' });
    expect(text.stdout).toMatch(/vmfix-journal-20261126T090000000Z\.json .*truncated or damaged/);
  });

  it('a rollback journal cut off or edited, beside the journal it undid: that journal says what its rollback did is not known', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journals-'));
    const base = { schemaVersion: 1, kind: 'vmfix-journal', endpoint };
    const fix = seal({ ...base, command: 'fix', startedAt: '2026-11-23T19:41:35Z', finishedAt: '2026-11-23T19:41:40Z', entries: [entry('c1', 'applied'), entry('c2', 'applied')] });
    await writeFile(join(dir, 'fix.json'), fix);
    const undo = seal({
      ...base, command: 'rollback', rollbackOf: 'fix.json', rollbackOfChecksum: JSON.parse(fix).checksum, startedAt: '2026-11-24T08:00:00Z',
      planned: [{ id: 'u1', undoes: 'c2' }, { id: 'u2', undoes: 'c1' }], entries: [entry('u1', 'applied'), entry('u2', 'applied')],
    });
    await writeFile(join(dir, 'undo.json'), undo.slice(0, Math.floor(undo.length * 0.7)));
    const list = async () => (await vmfix(['journal'], { VMFIX_TEST_CWD: dir, COLUMNS: '300' })).stdout;
    expect(await list()).toMatch(/fix\.json +fix .* 2 applied, maybe rolled back by undo\.json, which is damaged: what it undid is not known\n/);
    expect((await vmfix(['journal', 'fix.json'], { VMFIX_TEST_CWD: dir })).stdout).toContain('status: 2 applied, maybe rolled back by undo.json, which is damaged: what it undid is not known');
    // Edited, whole JSON: the same.
    await writeFile(join(dir, 'undo.json'), undo.replace('"applied"', '"failed"'));
    expect(await list()).toMatch(/fix\.json +fix .* 2 applied, maybe rolled back by undo\.json, which is damaged: what it undid is not known\n/);
  });

  it('a plan given where a journal goes, or a journal where a plan goes: one sentence that names the command that takes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journals-'));
    await writeFile(join(dir, 'fix-journal.json'), seal({ schemaVersion: 1, kind: 'vmfix-journal', endpoint, command: 'fix', startedAt: '2026-11-23T19:41:35Z', entries: [entry('c1', 'applied')] }));
    await writeFile(join(dir, 'plan.json'), seal({ schemaVersion: 1, kind: 'vmfix-plan', endpoint, changes: [change('c1')] }));
    const env = { VMFIX_TEST_CWD: dir, VMFIX_VCENTER: '127.0.0.1:9', VMFIX_USER: 'u', VMFIX_PASSWORD: 'p' };
    for (const command of ['rollback', 'journal']) {
      const r = await vmfix([command, 'plan.json', ...(command === 'rollback' ? ['--yes'] : [])], env);
      expect([command, r.code, r.stderr]).toEqual([command, 2, 'vmfix: plan.json is a vmfix plan, not a journal: vmfix apply takes it.\n']);
    }
    const apply = await vmfix(['apply', 'fix-journal.json', '--yes'], env);
    expect([apply.code, apply.stderr]).toEqual([2, 'vmfix: fix-journal.json is a vmfix journal, not a plan: vmfix journal shows it, vmfix rollback undoes it.\n']);
  });

  it('a change ticket (fix --dry-run --format json) given to apply, rollback or journal: one sentence naming the files those take, not a schema path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journals-'));
    await writeFile(join(dir, 'ticket.json'), `${JSON.stringify({ schemaVersion: 1, kind: 'vmfix-change-ticket', title: 'Change request', changes: [] }, null, 2)}\n`);
    const env = { VMFIX_TEST_CWD: dir, VMFIX_VCENTER: '127.0.0.1:9', VMFIX_USER: 'u', VMFIX_PASSWORD: 'p' };
    for (const args of [['apply', 'ticket.json', '--yes'], ['rollback', 'ticket.json', '--yes'], ['journal', 'ticket.json']]) {
      const r = await vmfix(args, env);
      expect([args[0], r.code, r.stderr]).toEqual([args[0], 2, 'vmfix: ticket.json is a vmfix change ticket, which describes a change: vmfix apply takes the plan that fix --plan-out wrote, vmfix rollback the journal a run wrote.\n']);
    }
  });

  it('a plan whose change depends on one it does not hold (removed by hand, checksum recomputed) is refused before connecting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journals-'));
    const planned = (id: string, dependsOn: string[]) => ({ ...change(id), dependsOn, before: {}, after: {} });
    await writeFile(join(dir, 'plan.json'), seal({
      schemaVersion: 1, kind: 'vmfix-plan', createdAt: '2026-11-23T09:00:00Z', endpoint: { ...endpoint, apiVersion: '8.0.2.0' },
      // c1, the portgroup that c2 moves a NIC to, was taken out.
      changes: [planned('c2', ['c1']), planned('c3', [])], skipped: [], findings: [],
    }));
    const env = { VMFIX_TEST_CWD: dir, VMFIX_VCENTER: '127.0.0.1:9', VMFIX_USER: 'u', VMFIX_PASSWORD: 'p' };
    const r = await vmfix(['apply', 'plan.json', '--yes'], env);
    expect([r.code, r.stderr]).toEqual([2, 'vmfix: plan.json is not a valid vmfix plan: change c2 depends on c1, which the plan does not hold before it.\n']);
  });

  it('appends to a log whose first lines are a journal shown before (>>: the shell opened it, vmfix replaces nothing)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journals-'));
    await writeFile(join(dir, 'fix-journal.json'), seal({
      schemaVersion: 1, kind: 'vmfix-journal', endpoint, command: 'fix', startedAt: '2026-11-23T19:41:35Z', entries: [entry('c1', 'applied')],
    }));
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'vmfix.js');
    const twice = `for output in '' '--output /dev/stdout'; do ${process.execPath} ${bin} journal fix-journal.json --format json $output >> log.json || exit $?; done`;
    await new Promise<void>((done, fail) => execFile('sh', ['-c', twice], { cwd: dir, env: { PATH: process.env.PATH } }, (err, _out, stderr) => (err ? fail(new Error(stderr)) : done())));
    const log = await readFile(join(dir, 'log.json'), 'utf8');
    expect(log.match(/"kind": "vmfix-journal"/g)).toHaveLength(2);
  });

  it('says so when a directory holds none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-journals-'));
    const r = await vmfix(['journal'], { VMFIX_TEST_CWD: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`No vmfix journal in ${await realpath(dir)}.\n`);
  });
});
