// Clauses of CLI-CONTRACT.md an independent pass found the built CLI
// breaking: what it prints when stdout cannot take it, and what a usage
// error tells the admin to do next. No lab needed.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, vmfix, type Run } from '../helpers/lab.js';

/** vmfix with stdout on `stdout`: a pipe closed at once ('closed'), or a file descriptor. */
function vmfixTo(args: readonly string[], stdout: 'closed' | number): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'vmfix.js'), ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', SHELL: '/bin/bash' },
      stdio: ['ignore', stdout === 'closed' ? 'pipe' : stdout, 'pipe'],
    });
    child.stdout?.destroy();
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c) => (stderr += c));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout: '', stderr }));
  });
}

/** Every command line whose output comes from the command line parser itself, not from a command. */
const PARSER_OUTPUT = [['--help'], ['-h'], ['--version'], ['audit', '--help'], ['completion'], ['--get-yargs-completions', 'vmfix', 'fix', '--']].map(
  (args) => [args.join(' '), args] as const,
);

describe('stdout that cannot take the output', () => {
  it.for(PARSER_OUTPUT)('vmfix %s | (reader gone at once): ends quietly, exit 0', async ([, args]) => {
    const run = await vmfixTo(args, 'closed');
    expect([run.code, run.stderr]).toEqual([0, '']);
  });

  it.for(PARSER_OUTPUT)('vmfix %s > a full disk: one sentence, exit 2, not a silent 0', async ([, args]) => {
    // The descriptor is opened here and handed over: vmfix is never given the device's name.
    const full = openSync('/dev/full', 'w');
    try {
      const run = await vmfixTo(args, full);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^vmfix: The output could not be written to stdout \(ENOSPC: no space left on the device\)\.\n$/);
    } finally {
      closeSync(full);
    }
  });
});

describe('a usage error says what to do next (exit 2, one or two sentences)', () => {
  it.for([
    ['a misspelt option: the option meant, and the help of that command', ['audit', '--formt', 'json'], 'vmfix: Unknown argument: formt (did you mean --format?). See vmfix audit --help.\n'],
    ['an option of another command: that command\'s help', ['inventory', '--dry-run'], 'vmfix: Unknown argument: dry-run. See vmfix inventory --help.\n'],
    ['a value outside the choices, in words', ['audit', '--format', 'xml'], 'vmfix: --format takes table, json, markdown or csv, not "xml". See vmfix audit --help.\n'],
    ['a misspelt strategy', ['fix', '--yes', '--strategy', 'pinmac'], 'vmfix: --strategy takes pin-mac, portgroup-accept, dedicated-portgroup, mac-learning or vswitch-accept, not "pinmac". See vmfix fix --help.\n'],
    ['apply without its plan', ['apply'], 'vmfix: vmfix apply needs the plan file: vmfix apply PLAN. See vmfix apply --help.\n'],
    ['an option completion does not take: its help, as for every command', ['completion', '--bash'], 'vmfix: Unknown argument: bash. See vmfix completion --help.\n'],
    ['a shell named after completion (it reads $SHELL): its help', ['completion', 'zsh'], 'vmfix: Unknown argument: zsh. See vmfix completion --help.\n'],
    ['an option after --: the help of the command typed', ['audit', '--', '--vm', 'web01'], 'vmfix: Unknown argument after --: --vm (options go before --). See vmfix audit --help.\n'],
    ['rollback without its journal', ['rollback', '--yes'], 'vmfix: vmfix rollback needs the journal to roll back: vmfix rollback JOURNAL-FILE. See vmfix rollback --help.\n'],
  ] as const)('%s', async ([, args, said]) => {
    const run = await vmfix(args, { VMFIX_VCENTER: '127.0.0.1:9', VMFIX_USER: 'u', VMFIX_PASSWORD: 'p' });
    expect([run.code, run.stderr]).toEqual([2, said]);
  });
});

describe('vmfix completion', () => {
  it('-h and --help show its help (as for every command), not the script', async () => {
    for (const flag of ['-h', '--help']) {
      const run = await vmfix(['completion', flag]);
      expect(run.code, flag).toBe(0);
      expect(run.stdout, flag).toMatch(/^vmfix completion\n/);
      expect(run.stdout, flag).not.toContain('###-begin-vmfix-completions-###');
    }
  });

  it('refuses what it does not take (exit 2), as every command does', async () => {
    const run = await vmfix(['completion', '--bash']);
    expect([run.code, run.stdout]).toEqual([2, '']);
  });

  it('still prints the script, and the script still completes the commands', async () => {
    const run = await vmfix(['completion'], { SHELL: '/bin/bash' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('complete -o bashdefault -o default -F _vmfix_yargs_completions vmfix');
    const commands = (await vmfix(['--get-yargs-completions', 'vmfix', ''])).stdout.split('\n');
    expect(commands).toEqual(expect.arrayContaining(['audit', 'fix', 'completion']));
    expect(commands.filter((c) => c.includes('__'))).toEqual([]);
  });
});
