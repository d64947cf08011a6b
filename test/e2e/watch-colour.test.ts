// vmfix watch on a terminal follows the same colour rule as every other
// command (src/cli/ui.ts colorAllowed): TERM=dumb and NO_COLOR turn colours
// off, an empty NO_COLOR does not (https://no-color.org).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startScenario, type Lab } from '../helpers/lab.js';

/** What `vmfix watch --vm web01` and `vmfix audit --vm web01` print on stdout on a pseudo-terminal (script(1)); watch stopped with SIGINT. */
function onTerminal(lab: Lab, env: Record<string, string>): Promise<{ watch: string; audit: string }> {
  const vmfix = `${process.execPath} ${join(ROOT, 'bin', 'vmfix.js')}`;
  const run = (command: string) =>
    new Promise<string>((done, fail) => {
      execFile('script', ['-qec', `stty cols 120 rows 40; ${command} 2>/dev/null`, '/dev/null'], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, SHELL: '/bin/sh', TERM: 'xterm', ...lab.env, ...env },
      }, (err, stdout) => (err && !stdout ? fail(err) : done(stdout)));
    });
  return Promise.all([run(`timeout -s INT 8 ${vmfix} watch --vm web01`), run(`${vmfix} audit --vm web01`)]).then(([watch, audit]) => ({ watch, audit }));
}

const ESCAPE = /\x1b\[[0-9;]*m/;

describe('vmfix watch colours, as every command', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startScenario(join(ROOT, 'mocks', 'scenarios', 'lab.json'));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it.for([
    ['TERM=dumb: no colour', { TERM: 'dumb' }, false],
    ['NO_COLOR=1: no colour', { NO_COLOR: '1' }, false],
    ['NO_COLOR empty: colour', { NO_COLOR: '' }, true],
    ['a colour terminal: colour', {}, true],
  ] as const)('%s', async ([, env, coloured]) => {
    const { watch, audit } = await onTerminal(lab, env);
    expect(watch).toContain('web01');
    expect([ESCAPE.test(watch), ESCAPE.test(audit)]).toEqual([coloured, coloured]);
  });
});
