// The prompts a TERM=dumb terminal gets: what the admin sees and types, line by line.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { plainPrompts } from '../../src/cli/plain-prompts.js';
import { InterruptedError } from '../../src/errors.js';

function terminal() {
  const input = new PassThrough() as PassThrough & NodeJS.ReadStream;
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
  return { input, prompts: plainPrompts(input, output), shown: () => shown };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('plain prompts (TERM=dumb)', () => {
  it('select: numbered choices, a disabled one shown with its reason and not taken, a wrong number asked again', async () => {
    const t = terminal();
    const answer = t.prompts.select('How do you want to fix it?', [
      { name: 'portgroup-accept', value: 'pg', description: 'Accept on PG-Web only' },
      { name: 'pin-mac', value: 'pin', disabled: 'the VM is running' },
      { name: 'quit: stop here', value: 'quit' },
    ]);
    await tick();
    t.input.write('2\n');
    await tick();
    t.input.write('7\n');
    await tick();
    t.input.write('3\n');
    expect(await answer).toBe('quit');
    expect(t.shown()).toBe(
      [
        'How do you want to fix it?',
        '   1) portgroup-accept',
        '      Accept on PG-Web only',
        '   -  pin-mac (the VM is running)',
        '   3) quit: stop here',
        'Number [1]: Type one of 1, 3.',
        'Number [1]: Type one of 1, 3.',
        'Number [1]: ',
      ].join('\n'),
    );
    expect(t.shown()).not.toContain('\x1b');
  });

  it('select: Enter takes the initial choice', async () => {
    const t = terminal();
    const answer = t.prompts.select('Apply 1 change(s)?', [
      { name: 'Yes, apply 1 change(s)', value: 'apply' },
      { name: 'Back', value: 'back' },
    ], 'back');
    await tick();
    t.input.write('\n');
    expect(await answer).toBe('back');
    expect(t.shown()).toContain('Number [2]: ');
  });

  it('confirm: the default on Enter, y/yes/n/no in any case, anything else asked again', async () => {
    const t = terminal();
    const first = t.prompts.confirm('Apply 2 change(s)?', false);
    await tick();
    t.input.write('\n');
    expect(await first).toBe(false);
    const second = t.prompts.confirm('Write a plan?', true);
    await tick();
    t.input.write('maybe\nYES\n');
    expect(await second).toBe(true);
    expect(t.shown()).toBe('Apply 2 change(s)? [y/N] Write a plan? [Y/n] Answer y or n.\nWrite a plan? [Y/n] ');
  });

  it('the input ending at a prompt (Ctrl-D) stops, as an interrupt, not as a "no"', async () => {
    const t = terminal();
    const answer = t.prompts.confirm('Apply 1 change(s)?', true);
    await tick();
    t.input.end();
    await expect(answer).rejects.toBeInstanceOf(InterruptedError);
    await expect(answer).rejects.toThrow(/input ended/);
  });

  it('a VM name with control characters in a choice cannot drive the terminal', async () => {
    const t = terminal();
    const answer = t.prompts.select('Fix web\x1b]0;owned\x07?', [{ name: 'pin-mac on web\x1b[2J', value: 1 }]);
    await tick();
    t.input.write('1\n');
    expect(await answer).toBe(1);
    expect(t.shown()).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });
});
