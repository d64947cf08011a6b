// `npm run sim` (scripts/lab.js) as an admin uses it: the printout holds
// every line needed to point vmfix at the lab, the password included, and
// Ctrl-C (SIGINT to the whole process group, as a terminal sends it)
// stops the lab and removes its temporary folder.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/lab.js';

it('prints the exports to use the lab, and Ctrl-C removes its temporary folder', async () => {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'lab.js')], {
    detached: true,
    env: { ...process.env, VMFIX_LAB_PASSWORD: 'S3cret lab pw' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c) => (out += c));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  let stopped = false;
  try {
    const deadline = Date.now() + 120_000;
    while (!out.includes('Ctrl-C stops the lab') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain("  export VMFIX_PASSWORD='S3cret lab pw'");
    const exports = /export VMFIX_VCENTER=(https:\/\/\S+) VMFIX_USER=(\S+) VMFIX_CA_FILE=(\S+)/.exec(out);
    expect(exports, out).not.toBeNull();
    const tmp = dirname(exports![3]!);
    expect(existsSync(exports![3]!)).toBe(true);

    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    stopped = true;
    expect(existsSync(tmp)).toBe(false);
  } finally {
    // A failed check must not leave the lab running.
    if (!stopped) process.kill(-child.pid!, 'SIGKILL');
  }
});
