// What is on the other end of stdout and stderr: a pipe whose reader has
// gone (| head), a terminal of size 0x0 (docker exec -t, script), a person
// at a prompt who presses Ctrl-C or whose session is ended with SIGTERM.
// Terminals are real pseudo-terminals, made by script(1).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, type Run } from '../helpers/lab.js';
import {
  bench, comparable, DEVICES_CHECK, expectJournalTrue, figure, modifyingCalls, PRIVATE_DEV, readJournal, spawnInNamespace, spawnVmfix, until, withBench, type Bench,
} from './support.js';

/** No stack trace, no Node internals, no unhandled event: what a closed pipe must not produce. */
function expectQuiet(run: Run): void {
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toMatch(/Unhandled|EPIPE|node:internal|Internal error/);
}

/**
 * Runs a shell command line on a pseudo-terminal (script -qec): `vmfix` in
 * it is the built CLI with the bench's environment. Its stdin is a pipe, so
 * the terminal has the size 0x0 unless the command sets one with stty.
 */
function onTerminal(b: Bench, command: string) {
  const vmfix = `${process.execPath} ${join(ROOT, 'bin', 'vmfix.js')}`;
  const child = spawn('script', ['-qec', command.replaceAll('vmfix ', `${vmfix} `), '/dev/null'], {
    cwd: b.dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SHELL: '/bin/sh', TERM: 'xterm', ...b.proxy.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (screen += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (screen += c));
  const done = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return { child, done, screen: () => screen, type: (keys: string) => child.stdin.write(keys) };
}

/** The pid of the vmfix process whose arguments hold `marker`. */
function vmfixPid(marker: string): number | undefined {
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[1]?.endsWith(join('bin', 'vmfix.js')) && argv.includes(marker)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

const SPINNER_FRAMES = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

describe.concurrent('a pipe whose reader has gone', () => {
  let b: Bench;
  beforeAll(async () => {
    b = await bench();
  });
  afterAll(async () => {
    if (!b) return;
    expect(await modifyingCalls(b.lab)).toEqual([]);
    await b.stop();
  });

  it.for([
    ['inventory --format json', ['inventory', '--format', 'json'], 0],
    ['audit (findings: exit 1 all the same)', ['audit', '--format', 'json'], 1],
    ['--output /dev/stdout', ['inventory', '--output', '/dev/stdout'], 0],
  ] as const)('%s | (closed at once): ends quietly with its own exit code', async ([, args, code], ctx) => {
    const fig = figure(ctx, 'terminal and pipe');
    // A private /dev (one case names /dev/stdout).
    const vmfix = spawnInNamespace(b, { setup: PRIVATE_DEV, after: DEVICES_CHECK }, args);
    vmfix.child.stdout!.destroy();
    const run = await vmfix.done;
    expect(run.code, run.stderr).toBe(code);
    expectQuiet(run);
    expect(run.stderr).not.toMatch(/^vmfix: /m);
    expect(run.stderr).not.toContain('a device in /dev was replaced');
    fig.done();
  });
});

describe.concurrent('vmfix watch into a pipe whose reader has gone', () => {
  it.for([
    ['text', []],
    ['JSON Lines', ['--format', 'json']],
  ] as const)('%s | head -2: ends quietly once the reader has gone, without waiting for a change to write: exit 0, collectors destroyed', async ([, format], ctx) => {
    const fig = figure(ctx, 'terminal and pipe');
    await withBench(async (b) => {
      const vmfix = `${process.execPath} ${join(ROOT, 'bin', 'vmfix.js')}`;
      // The audit at the start fits in the pipe: head has its lines and goes, and nothing changes after that.
      const shell = spawn('bash', ['-c', `${vmfix} watch ${format.join(' ')} 2>watch.err | head -2 >/dev/null; echo "watch exit \${PIPESTATUS[0]}"`], {
        cwd: b.dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...b.proxy.env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let said = '';
      shell.stdout.setEncoding('utf8').on('data', (c: string) => (said += c));
      const ended = new Promise<void>((resolve) => shell.on('close', () => resolve()));
      const deadline = new Promise<'still watching'>((resolve) => setTimeout(() => resolve('still watching'), 20_000));
      const outcome = await Promise.race([ended, deadline]);
      if (outcome) {
        for (const pid of [vmfixPid('watch')].filter((p) => p !== undefined)) process.kill(pid!, 'SIGKILL');
        shell.kill('SIGKILL');
      }
      expect(outcome, 'the pipeline never ended').toBeUndefined();
      expect(said.trim()).toBe('watch exit 0');
      const stderr = await readFile(join(b.dir, 'watch.err'), 'utf8');
      expectQuiet({ code: 0, stdout: '', stderr });
      expect(stderr).not.toMatch(/SIGTERM|SIGPIPE|stopping|Interrupted/);
      expect(await b.lab.collectors()).toEqual([]);
      expect(await modifyingCalls(b.lab)).toEqual([]);
    });
    fig.done();
  });
});

describe.concurrent('fix --yes with stdout and stderr closed at once (a terminal that went away, | true)', () => {
  it('every change applies and is journaled, exit 0; rollback restores', async (ctx) => {
    const fig = figure(ctx, 'terminal and pipe');
    await withBench(async (b) => {
      const vmfix = spawnVmfix(b, ['fix', '--yes', '--strategy', 'portgroup-accept', '--journal', 'journal.json']);
      vmfix.child.stdout!.destroy();
      vmfix.child.stderr!.destroy();
      const run = await vmfix.done;
      expect(run.code).toBe(0);
      const journal = await readJournal(join(b.dir, 'journal.json'));
      expect(journal.entries.map((e) => e.status)).toEqual(['applied', 'applied', 'applied']);
      expect(journal.finishedAt).toBeDefined();
      expectJournalTrue(journal, b.original, await b.lab.state());
      const undone = await b.direct(['rollback', 'journal.json', '--yes', '--journal', 'undo.json']);
      expect(undone.code, undone.stderr).toBe(0);
      expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    });
    fig.done();
  });
});

describe.concurrent('a terminal of size 0x0', () => {
  let b: Bench;
  beforeAll(async () => {
    b = await bench();
  });
  afterAll(async () => {
    if (!b) return;
    expect(await modifyingCalls(b.lab)).toEqual([]);
    await b.stop();
  });

  it.for([
    ['inventory', 'inventory.json', 0],
    ['audit', 'audit.json', 1],
  ] as const)('%s finishes with progress lines instead of a spinner, and its report is whole', async ([command, file, code], ctx) => {
    const fig = figure(ctx, 'terminal and pipe');
    const output = join(b.dir, file);
    const terminal = onTerminal(b, `stty size; vmfix ${command} --format json --output ${output}`);
    // A spinner that loops (as ora did at width 0) never yields to a signal handler: give up and SIGKILL it, or it spins on after the test.
    const deadline = setTimeout(() => {
      const pid = vmfixPid(output);
      if (pid) process.kill(pid, 'SIGKILL');
    }, 40_000);
    const exit = await terminal.done.finally(() => clearTimeout(deadline));
    expect(exit).toBe(code);
    expect(terminal.screen()).toMatch(/^0 0\r?$/m);
    expect(terminal.screen()).toMatch(/inventory: fetching/);
    expect(terminal.screen()).not.toMatch(SPINNER_FRAMES);
    expect(JSON.parse(await readFile(output, 'utf8')).schemaVersion).toBe(1);
    fig.done();
  });
});

describe.concurrent('at the "Apply?" prompt of vmfix apply', () => {
  let b: Bench;
  beforeAll(async () => {
    b = await bench();
    const planned = await b.direct(['fix', '--strategy', 'portgroup-accept', '--plan-out', 'plan.json']);
    expect(planned.code, planned.stderr).toBe(0);
  });
  afterAll(async () => {
    if (!b) return;
    expect(await modifyingCalls(b.lab)).toEqual([]);
    expect(comparable(await b.lab.state())).toEqual(comparable(b.original));
    await b.stop();
  });

  /** apply on a 100x30 terminal, stopped at its prompt by `stop`; the terminal's modes are saved before and after. */
  async function atPrompt(marker: string, stop: (terminal: ReturnType<typeof onTerminal>) => void) {
    const terminal = onTerminal(b, `stty cols 100 rows 30; stty -g > ${marker}.before; vmfix apply plan.json --journal ${marker}; echo "exit $?"; stty -g > ${marker}.after`);
    await until(() => /Apply 3 change\(s\)\?/.test(terminal.screen()), 30_000);
    stop(terminal);
    expect(await terminal.done).toBe(0);
    const saved = async (suffix: string) => readFile(join(b.dir, `${marker}.${suffix}`), 'utf8');
    return { screen: terminal.screen(), before: await saved('before'), after: await saved('after') };
  }

  it('SIGTERM: stops at once, exit 130, nothing changed, no journal, and the terminal is left as it was', async (ctx) => {
    const fig = figure(ctx, 'terminal and pipe');
    const { screen, before, after } = await atPrompt('term.json', () => process.kill(vmfixPid('term.json')!, 'SIGTERM'));
    expect(screen).toMatch(/SIGTERM: stopping\./);
    expect(screen).toMatch(/exit 130/);
    expect(screen).not.toMatch(/^\s+at /m);
    expect(after).toBe(before);
    await expect(stat(join(b.dir, 'term.json'))).rejects.toThrow(/ENOENT/);
    fig.done();
  });

  it('Ctrl-C typed at the prompt: exit 130, nothing changed, no journal, and the terminal is left as it was', async (ctx) => {
    const fig = figure(ctx, 'terminal and pipe');
    const { screen, before, after } = await atPrompt('ctrl-c.json', (terminal) => terminal.type('\x03'));
    expect(screen).toMatch(/vmfix: Interrupted\./);
    expect(screen).toMatch(/exit 130/);
    expect(after).toBe(before);
    await expect(stat(join(b.dir, 'ctrl-c.json'))).rejects.toThrow(/ENOENT/);
    fig.done();
  });
});
