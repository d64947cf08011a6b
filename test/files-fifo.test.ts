// --output naming a FIFO. A blocking open or write holds a libuv thread
// until a reader comes or reads, and process.exit waits for those threads:
// vmfix sat there for good, deaf to Ctrl-C and SIGTERM.
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from '../src/files.js';
import { ROOT, vmfix } from './helpers/lab.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vmfix-fifo-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fifo = (name: string) => {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
};

describe('writing to a FIFO', () => {
  it('with nobody reading it: refused at once (ENXIO), and it stays a FIFO', async () => {
    const path = fifo('unread.fifo');
    await expect(writeFile(path, 'report\n')).rejects.toThrow(`Cannot write ${path} (ENXIO: nothing is listening on it).`);
    expect((await lstat(path)).isFIFO()).toBe(true);
  });

  it('its reader gets all of a text far larger than the pipe holds', async () => {
    const path = fifo('read.fifo');
    const text = `${'x'.repeat(4 << 20)}\n`;
    let read = 0;
    const reader = new Promise<void>((done, fail) => createReadStream(path).on('data', (c) => (read += c.length)).on('end', done).on('error', fail));
    // The reader's open must be under way before the write looks for it.
    await new Promise((settle) => setTimeout(settle, 100));
    await writeFile(path, text);
    await reader;
    expect(read).toBe(text.length);
  });

  it('vmfix audit --output FIFO with nobody reading: one line, exit 2, at once', async () => {
    fifo('report.fifo');
    const run = await vmfix(['audit', '--vmkernel-log', join(ROOT, 'test/fixtures/vmkernel/esxi70-vmkernel.log'), '--output', 'report.fifo'], { VMFIX_TEST_CWD: dir });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^vmfix: The report could not be written to report\.fifo \(ENXIO: nothing is listening on it\)\.\n$/m);
  }, 15_000);
});
