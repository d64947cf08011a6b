// The terminal ui: @inquirer/prompts and ora behind the small Ui interface,
// imported only when first used so `vmfix --help` stays fast. Ctrl-C inside
// a prompt is handled here, once, as an InterruptedError. Whether colours
// are allowed is decided here too, for stderr and for stdout alike.
import { InterruptedError } from '../errors.js';
import { plainPrompts } from './plain-prompts.js';
import { terminalText } from '../report/escape.js';
import { painter } from '../report/style.js';
import type { Choice, Spinner, Ui } from '../workflow/context.js';

/** Colours on a terminal only, and never with NO_COLOR set to anything but "" (https://no-color.org) or TERM=dumb. */
export function colorAllowed(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** A terminal's width, if it reports one (0×0 terminals do not). */
export function columnsOf(stream: { isTTY?: boolean; columns?: number }): number | undefined {
  return stream.isTTY && stream.columns ? stream.columns : undefined;
}

export function terminalUi(env: NodeJS.ProcessEnv, stderr: NodeJS.WriteStream = process.stderr): Ui {
  const interactive = Boolean(process.stdin.isTTY && stderr.isTTY);
  const color = colorAllowed(stderr, env);
  const paint = painter(color);
  // A terminal that takes no cursor codes gets plain prompts and progress lines, as Emacs' shell needs.
  const dumb = env.TERM === 'dumb';
  const plain = dumb ? plainPrompts(process.stdin, stderr) : undefined;
  let active: { spinner: import('ora').Ora } | undefined;
  // A terminal of size 0x0 (docker exec -t, script without a terminal behind it): ora divides by its width
  // and would clear lines without end. Progress lines instead, as without a terminal.
  const spins = () => Boolean(stderr.isTTY && stderr.columns) && !dumb;

  const write = (text: string) => {
    // A line printed under a running spinner would be overdrawn by it.
    if (active) active.spinner.clear();
    // Names and log lines inside messages must not drive the terminal.
    const safe = terminalText(text);
    stderr.write(safe.endsWith('\n') ? safe : `${safe}\n`);
    if (active) active.spinner.render();
  };

  const prompt = async <T>(run: (p: typeof import('@inquirer/prompts'), context: { output: NodeJS.WriteStream; signal: AbortSignal }) => Promise<T>): Promise<T> => {
    const prompts = await import('@inquirer/prompts');
    // Ctrl-D closes the prompt's input without an answer or an error; with nothing else
    // pending, Node would then exit 0 as if the work were done. The event loop running
    // dry while a prompt waits means exactly that: the input ended.
    const ended = new AbortController();
    const onEnd = () => ended.abort();
    process.once('beforeExit', onEnd);
    try {
      return await run(prompts, { output: stderr, signal: ended.signal });
    } catch (err) {
      if ((err as Error).name === 'ExitPromptError') throw new InterruptedError();
      if (ended.signal.aborted) throw new InterruptedError('The input ended (Ctrl-D) at a prompt: stopped there.');
      throw err;
    } finally {
      process.off('beforeExit', onEnd);
    }
  };

  return {
    interactive,
    color,
    get columns() {
      return columnsOf(stderr);
    },
    confirm: (message, defaultValue = false) =>
      plain ? plain.confirm(message, defaultValue) : prompt((p, context) => p.confirm({ message, default: defaultValue }, context)),
    select: <T>(message: string, choices: readonly Choice<T>[], initial?: T) =>
      plain ? plain.select(message, choices, initial) : prompt((p, context) =>
        p.select<T>(
          { message, choices: choices.map((c) => ({ name: c.name, value: c.value, ...(c.description ? { description: c.description } : {}), ...(c.disabled ? { disabled: c.disabled } : {}) })), pageSize: Math.min(12, choices.length), ...(initial === undefined ? {} : { default: initial }) },
          context,
        ),
      ),
    password: (message) => (plain ? plain.password(message) : prompt((p, context) => p.password({ message, mask: '*' }, context))),
    spinner(text): Spinner {
      if (!spins()) return progressLines(text, write);
      let handle: { spinner: import('ora').Ora } | undefined;
      let stopped = false;
      void import('ora').then(({ default: ora }) => {
        if (stopped) return;
        handle = { spinner: ora({ text, stream: stderr, color: color ? 'cyan' : false, isEnabled: true }).start() };
        active = handle;
      });
      return {
        update(next) {
          text = terminalText(next);
          if (handle) handle.spinner.text = text;
        },
        stop() {
          stopped = true;
          handle?.spinner.stop();
          if (active === handle) active = undefined;
        },
      };
    },
    progress(text) {
      if (active) active.spinner.text = terminalText(text);
      else if (!spins()) write(text);
    },
    say: (text) => write(text),
    warn: (text) => write(`${paint('warning', 'warning:')} ${text}`),
    debug: (text) => write(paint('dim', text)),
  };
}

/**
 * Without a terminal a spinner becomes progress lines: a new phase ("inventory:",
 * "vmkernel logs:") always shows, updates within a phase at most every 2 s.
 */
function progressLines(first: string, write: (text: string) => void): Spinner {
  let last = 0;
  let phase = '';
  /** The newest text not written yet: a phase's last word is always written, so it agrees with what follows. */
  let pending: string | undefined;
  const flush = () => {
    if (pending !== undefined) write(pending);
    pending = undefined;
  };
  const show = (text: string) => {
    const now = Date.now();
    const next = text.split(':')[0]!;
    if (next === phase && now - last < 2000) {
      pending = text;
      return;
    }
    if (next !== phase) flush();
    pending = undefined;
    phase = next;
    last = now;
    write(text);
  };
  show(first);
  return { update: show, stop: flush };
}
