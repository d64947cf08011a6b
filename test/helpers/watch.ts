// `vmfix watch` as a user runs it, for the suites that follow it: the real
// binary, its stdout read line by line as it comes, and a webhook receiver
// on HTTPS with the test CA.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ROOT } from './lab.js';

const FIXTURES = join(ROOT, 'test', 'vsphere', 'fixtures');
export const WEBHOOK_CA_FILE = join(FIXTURES, 'mock-ca.pem');

export interface Line extends Record<string, any> {
  readonly type: string;
  /** When the test read the line (ms since the epoch). */
  readonly seenAt: number;
}

/** Lines arriving in order, with a cursor: next() finds the first unread one that matches. */
class Lines {
  readonly all: Line[] = [];
  private cursor = 0;
  private waiters: (() => void)[] = [];

  push(line: Line): void {
    this.all.push(line);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** The first line after the cursor that matches (the cursor moves past it), or an error after `ms`. */
  async next(match: (line: Line) => boolean, ms: number, what = 'a matching line'): Promise<Line> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.all.findIndex((l, i) => i >= this.cursor && match(l));
      if (index >= 0) {
        this.cursor = index + 1;
        return this.all[index]!;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${ms} ms; lines so far:\n${this.all.map((l) => JSON.stringify(l).slice(0, 300)).join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The lines after the cursor (all of them read). */
  rest(): Line[] {
    const out = this.all.slice(this.cursor);
    this.cursor = this.all.length;
    return out;
  }
}

export interface Watching {
  readonly lines: Lines;
  readonly child: ChildProcess;
  stderr(): string;
  stdout(): string;
  /** Sends the signal; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startWatch(args: readonly string[], env: NodeJS.ProcessEnv): Watching {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'vmfix.js'), 'watch', ...args], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = new Lines();
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    partial += chunk;
    let nl;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const text = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      // JSON Lines become objects; a line of text is { type: 'text', text }.
      if (text.trim()) lines.push({ ...(text.startsWith('{') ? (JSON.parse(text) as { type: string }) : { type: 'text', text }), seenAt: Date.now() });
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    lines,
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    stop: async (signal = 'SIGINT') => {
      child.kill(signal);
      return exited;
    },
  };
}

export interface Receiver {
  readonly url: string;
  readonly bodies: Lines;
  /** Raw request bodies and headers, for the secrets check. */
  readonly raw: string[];
  /** Answers the next `n` requests with this status before accepting again. */
  fail(n: number, status: number): void;
  close(): Promise<void>;
}

/** An HTTPS webhook receiver (certificate for 127.0.0.1, signed by the test CA). */
export async function startReceiver(): Promise<Receiver> {
  const bodies = new Lines();
  const raw: string[] = [];
  let failing = 0;
  let status = 503;
  const server: Server = createServer({ cert: readFileSync(join(FIXTURES, 'mock-server.pem')), key: readFileSync(join(FIXTURES, 'mock-server-key.pem')) }, (req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => {
      raw.push(JSON.stringify(req.headers) + text);
      if (failing > 0) {
        failing--;
        res.writeHead(status).end();
        return;
      }
      bodies.push({ ...(JSON.parse(text) as { type: string }), seenAt: Date.now() });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/hooks/T0KEN-in-the-path`,
    bodies,
    raw,
    fail(n, code) {
      failing = n;
      status = code;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
