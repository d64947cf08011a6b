// The terminal ui: @inquirer/prompts and ora behind the small Ui interface,
// imported only when first used so `vmfix --help` stays fast. Ctrl-C inside
// a prompt is handled here, once, as an InterruptedError.
import { InterruptedError } from '../errors.js';
import type { Choice, Spinner, Ui } from '../workflow/context.js';

export function terminalUi(env: NodeJS.ProcessEnv, stderr: NodeJS.WriteStream = process.stderr): Ui {
  const interactive = Boolean(process.stdin.isTTY && stderr.isTTY);
  const color = Boolean(stderr.isTTY) && !('NO_COLOR' in env) && env.TERM !== 'dumb';
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  let active: { spinner: import('ora').Ora } | undefined;
  // A terminal of size 0x0 (docker exec -t, script without a terminal behind it): ora divides by its width
  // and would clear lines without end. Progress lines instead, as without a terminal.
  const spins = () => Boolean(stderr.isTTY && stderr.columns);

  const write = (text: string) => {
    // A line printed under a running spinner would be overdrawn by it.
    if (active) active.spinner.clear();
    stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    if (active) active.spinner.render();
  };

  const prompt = async <T>(run: (p: typeof import('@inquirer/prompts')) => Promise<T>): Promise<T> => {
    const prompts = await import('@inquirer/prompts');
    try {
      return await run(prompts);
    } catch (err) {
      if ((err as Error).name === 'ExitPromptError') throw new InterruptedError();
      throw err;
    }
  };

  return {
    interactive,
    confirm: (message, defaultValue = false) => prompt((p) => p.confirm({ message, default: defaultValue }, { output: stderr })),
    select: <T>(message: string, choices: readonly Choice<T>[]) =>
      prompt((p) =>
        p.select<T>(
          { message, choices: choices.map((c) => ({ name: c.name, value: c.value, ...(c.description ? { description: c.description } : {}) })), pageSize: 12 },
          { output: stderr },
        ),
      ),
    password: (message) => prompt((p) => p.password({ message, mask: '*' }, { output: stderr })),
    spinner(text): Spinner {
      if (!spins()) return progressLines(text, write);
      let handle: { spinner: import('ora').Ora } | undefined;
      let stopped = false;
      void import('ora').then(({ default: ora }) => {
        if (stopped) return;
        handle = { spinner: ora({ text, stream: stderr, color: 'cyan', isEnabled: true }).start() };
        active = handle;
      });
      return {
        update(next) {
          text = next;
          if (handle) handle.spinner.text = next;
        },
        stop() {
          stopped = true;
          handle?.spinner.stop();
          if (active === handle) active = undefined;
        },
      };
    },
    progress(text) {
      if (active) active.spinner.text = text;
      else if (!spins()) write(text);
    },
    say: (text) => write(text),
    warn: (text) => write(`${paint('33', 'warning:')} ${text}`),
    debug: (text) => write(paint('2', text)),
  };
}

/**
 * Without a terminal a spinner becomes progress lines: a new phase ("inventory:",
 * "vmkernel logs:") always shows, updates within a phase at most every 2 s.
 */
function progressLines(first: string, write: (text: string) => void): Spinner {
  let last = 0;
  let phase = '';
  const show = (text: string) => {
    const now = Date.now();
    const next = text.split(':')[0]!;
    if (next === phase && now - last < 2000) return;
    phase = next;
    last = now;
    write(text);
  };
  show(first);
  return { update: show, stop() {} };
}
