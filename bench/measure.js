// Timing a program from outside, shared by bench/run.js and bench/window.js.
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';

/** Runs a program under GNU time: wall ms, CPU ms (user+sys), peak RSS in MB, and its output. */
export async function measure(command, argv, { env = process.env, stdout = false } = {}) {
  const timeFile = join(os.tmpdir(), `vmfix-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const start = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, command, ...argv], {
    env,
    stdio: ['ignore', stdout ? 'pipe' : 'ignore', 'pipe'],
  });
  const out = [];
  const err = [];
  child.stdout?.on('data', (c) => out.push(c));
  child.stderr.on('data', (c) => err.push(c));
  const code = await new Promise((done) => child.once('close', done));
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const [user, sys, rssKb] = (await readFile(timeFile, 'utf8')).trim().split('\n').pop().split(' ').map(Number);
  await rm(timeFile, { force: true });
  return { code, wallMs, cpuMs: (user + sys) * 1000, rssMb: rssKb / 1024, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** "1.23 s", or "12.3 s" from 10 s up. */
export function s(msValue) {
  return `${(msValue / 1000).toFixed(msValue < 10_000 ? 2 : 1)} s`;
}

/** "123 ms", or seconds from 10 s up. */
export function ms(value) {
  return value >= 10_000 ? s(value) : `${Math.round(value)} ms`;
}

export function markdownTable(head, rows) {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}
