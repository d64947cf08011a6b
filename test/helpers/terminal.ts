// A real terminal for the interactive session: tmux, on a server of its own,
// running the built CLI in a directory; read by polling for expected text.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './lab.js';

/** A terminal (tmux, on a server of its own) running one command; read by polling for expected text. */
export class Terminal {
  private readonly socket = `vmfix-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(private readonly dir: string) {}

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** `raw`: a file that receives every byte the command writes to the terminal, escape codes and all. */
  async start(env: NodeJS.ProcessEnv, args: string[], size: { columns: number; rows: number } = { columns: 220, rows: 80 }, raw?: string): Promise<void> {
    const vars = { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color', NO_COLOR: '1', ...env };
    const script = join(this.dir, `session-${Date.now()}.sh`);
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    await writeFile(
      script,
      [
        ...Object.entries(vars).filter(([, v]) => v !== undefined).map(([k, v]) => `export ${k}=${quote(String(v))}`),
        `cd ${quote(this.dir)}`,
        // The recording must be in place before the command writes anything.
        ...(raw ? [`while [ ! -e ${quote(`${raw}.go`)} ]; do sleep 0.05; done`] : []),
        `${quote(process.execPath)} ${quote(join(ROOT, 'bin', 'vmfix.js'))} ${args.map(quote).join(' ')}`,
        'echo "VMFIX-EXIT=$?"',
        'sleep 600',
      ].join('\n'),
    );
    this.tmux('new-session', '-d', '-s', 'fix', '-x', String(size.columns), '-y', String(size.rows), `sh ${quote(script)}`);
    if (raw) {
      this.tmux('pipe-pane', '-o', '-t', 'fix', `cat >> ${quote(raw)}`);
      await writeFile(`${raw}.go`, '');
    }
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-t', 'fix', '-S', '-5000');
  }

  /** What is on the screen now, nothing scrolled off (wrapped lines as displayed). */
  visible(): string {
    return this.tmux('capture-pane', '-p', '-t', 'fix');
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'fix', ...keys);
  }

  /** Waits until the screen matches, or fails showing it. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${pattern}; it shows:\n${screen}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The line the select prompt's cursor is on. */
  private cursor(): string {
    return this.screen().split('\n').filter((l) => l.startsWith('❯ ')).at(-1) ?? '';
  }

  /** Moves the select prompt's cursor down to the choice starting with `label`, and picks it. */
  async choose(label: string): Promise<void> {
    for (let i = 0; i < 8; i++) {
      const at = this.cursor();
      if (at.startsWith(`❯ ${label}`)) {
        this.keys('Enter');
        return;
      }
      this.keys('Down');
      const deadline = Date.now() + 10_000;
      while (this.cursor() === at) {
        if (Date.now() > deadline) throw new Error(`the cursor did not move from ${at}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`no choice "${label}" in:\n${this.screen()}`);
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}
