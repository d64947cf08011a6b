// Prompts for a terminal that takes no cursor codes (TERM=dumb: Emacs'
// M-x shell, some serial consoles and web consoles): @inquirer draws and
// redraws its prompts with them, which such a terminal prints as text. Here
// a question is a line, a choice is a number, and nothing is redrawn.
// Written by hand: @inquirer has no plain mode, and node:readline without a
// terminal is all this needs.
import { createInterface } from 'node:readline';
import { InterruptedError } from '../errors.js';
import { terminalText } from '../report/escape.js';
import type { Choice } from '../workflow/context.js';

const ENDED = 'The input ended (Ctrl-D) at a prompt: stopped there.';

export interface PlainPrompts {
  confirm(message: string, defaultValue: boolean): Promise<boolean>;
  select<T>(message: string, choices: readonly Choice<T>[], initial?: T): Promise<T>;
  password(message: string): Promise<string>;
}

export function plainPrompts(input: NodeJS.ReadStream, output: NodeJS.WritableStream): PlainPrompts {
  /** Asks until `parse` accepts the answer; a line it refuses is said (`retry`) and asked again. */
  const ask = <T>(question: string, parse: (answer: string) => { value: T } | { retry: string }): Promise<T> =>
    new Promise((resolve, reject) => {
      const lines = createInterface({ input, terminal: false });
      let done = false;
      const finish = (settle: () => void) => {
        done = true;
        lines.close();
        settle();
      };
      output.write(terminalText(question));
      lines.on('line', (line) => {
        const parsed = parse(line.trim());
        if ('retry' in parsed) output.write(terminalText(`${parsed.retry}\n${question}`));
        else finish(() => resolve(parsed.value));
      });
      lines.on('close', () => {
        if (!done) finish(() => reject(new InterruptedError(ENDED)));
      });
    });

  return {
    confirm: (message, defaultValue) =>
      ask<boolean>(`${message} ${defaultValue ? '[Y/n]' : '[y/N]'} `, (answer) => {
        if (answer === '') return { value: defaultValue };
        if (/^y(es)?$/i.test(answer)) return { value: true };
        if (/^no?$/i.test(answer)) return { value: false };
        return { retry: 'Answer y or n.' };
      }),

    select: <T>(message: string, choices: readonly Choice<T>[], initial?: T) => {
      const enabled = choices.flatMap((c, i) => (c.disabled ? [] : [i + 1]));
      const initialAt = choices.findIndex((c) => !c.disabled && c.value === initial) + 1 || enabled[0];
      if (initialAt === undefined) return Promise.reject(new Error(`no choice can be taken for "${message}"`));
      const listing = choices.map((c, i) => {
        const head = c.disabled ? `   -  ${c.name} (${c.disabled})` : `  ${String(i + 1).padStart(2)}) ${c.name}`;
        return c.description && !c.disabled ? `${head}\n      ${c.description.replace(/\n/g, '\n      ')}` : head;
      });
      output.write(terminalText(`${message}\n${listing.join('\n')}\n`));
      return ask<T>(`Number [${initialAt}]: `, (answer) => {
        const at = answer === '' ? initialAt : Number(answer);
        return enabled.includes(at) ? { value: choices[at - 1]!.value } : { retry: `Type one of ${enabled.join(', ')}.` };
      });
    },

    password: (message) => (input.isTTY ? unechoed(input, output, message) : ask<string>(`${message} `, (answer) => ({ value: answer }))),
  };
}

/** A line typed without being shown: raw mode, so the terminal does not echo it either. */
function unechoed(input: NodeJS.ReadStream, output: NodeJS.WritableStream, message: string): Promise<string> {
  output.write(terminalText(`${message} `));
  input.setRawMode(true);
  input.resume();
  let typed = '';
  return new Promise<string>((resolve, reject) => {
    const stop = (settle: () => void) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      settle();
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return stop(() => resolve(typed));
        // Raw mode takes Ctrl-C and Ctrl-D from the terminal's line discipline: they arrive here.
        if (ch === '\u0003') return stop(() => reject(new InterruptedError()));
        if (ch === '\u0004' && typed === '') return stop(() => reject(new InterruptedError(ENDED)));
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch >= ' ') typed += ch;
      }
    };
    input.on('data', onData);
  });
}
