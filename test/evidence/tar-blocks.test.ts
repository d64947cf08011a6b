// readTar's own walk over a tar's blocks (where one archive ends and the next begins) against GNU tar's
// and node-tar's reading: pax and GNU long-name headers, a pax size that overrides the header's, and
// chunks cut anywhere, so it never loses its place and stops a stream early or reads a member twice.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Header, Pax } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ArchiveMember } from '../../src/evidence/archive.js';
import { readTar } from '../../src/evidence/tar.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-blocks-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A tree with a name past 100 bytes (a GNU 'L' or a pax 'x' header before it) and files of odd sizes. */
async function tarOf(name: string, format: 'gnu' | 'posix'): Promise<Buffer> {
  const work = join(tmp, `${name}-tree`);
  const deep = join(work, 'd'.repeat(60), 'e'.repeat(60));
  await mkdir(deep, { recursive: true });
  await writeFile(join(deep, 'vmkernel.log'), 'x'.repeat(1000));
  await writeFile(join(work, 'small'), 'y'.repeat(511));
  await writeFile(join(work, 'exact'), 'z'.repeat(1024));
  await writeFile(join(work, 'empty'), '');
  const path = join(tmp, `${name}.tar`);
  execFileSync('tar', ['--sort=name', `--format=${format}`, '-cf', path, '-C', work, '.']);
  return readFile(path);
}

/** The bytes in chunks of sizes from `sizes`, round and round: headers and bodies cut anywhere. */
async function* chunked(bytes: Buffer, sizes: readonly number[]): AsyncGenerator<Buffer> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

async function members(bytes: Buffer, sizes: readonly number[]): Promise<{ list: string[]; outcome: Awaited<ReturnType<typeof readTar>> }> {
  const list: string[] = [];
  const outcome = await readTar(chunked(bytes, sizes), async (m: ArchiveMember) => {
    let n = 0;
    for await (const c of m.body) n += c.length;
    list.push(`${m.path} ${m.type} ${n}`);
  });
  return { list, outcome };
}

const CHUNKINGS = [[1 << 20], [1], [7, 513, 100, 1024], [511, 2, 509], [512]];

describe('readTar over concatenated tars', () => {
  it.each(CHUNKINGS)('reads a GNU-format and a pax-format tar one after the other, as tar -i lists them (chunks of %j)', async (...sizes) => {
    const gnu = await tarOf('gnu', 'gnu');
    const pax = await tarOf('pax', 'posix');
    const both = Buffer.concat([gnu, pax]);
    const path = join(tmp, 'both.tar');
    await writeFile(path, both);
    const listed = execFileSync('tar', ['-tif', path], { encoding: 'utf8' }).trim().split('\n').map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''));
    const { list, outcome } = await members(both, sizes);
    expect(list.map((m) => m.split(' ')[0]!.replace(/\/$/, '')).filter((p) => p !== '.' && p !== '')).toEqual(listed.filter((p) => p !== '.' && p !== ''));
    const files = ['d'.repeat(60) + '/' + 'e'.repeat(60) + '/vmkernel.log file 1000', 'empty file 0', 'exact file 1024', 'small file 511'];
    expect(list.filter((m) => m.includes(' file ')).sort()).toEqual([...files, ...files].sort());
    expect(outcome).toEqual({ archives: 2, trailingBytes: 0 });
  });

  it("follows a pax header's size over the header's own (as GNU tar writes a member past 8 GiB), not losing its place", async () => {
    // Zeros (a preallocated log): a walker that took the header's size would end the archive in them.
    const body = Buffer.alloc(1536);
    const pax = new Pax({ path: 'big.log', size: body.length }).encode()!;
    const header = new Header({ path: 'big.log', type: 'File', size: 0, mode: 0o644, mtime: new Date('2024-05-14T09:12:41Z') });
    header.encode();
    const first = Buffer.concat([pax, header.block!, body, Buffer.alloc(1024)]);
    const second = new Header({ path: 'next.log', type: 'File', size: 3, mode: 0o644, mtime: new Date('2024-05-14T09:12:41Z') });
    second.encode();
    const next = Buffer.concat([second.block!, Buffer.from('abc'), Buffer.alloc(509), Buffer.alloc(1024)]);
    for (const sizes of CHUNKINGS) {
      const { list, outcome } = await members(Buffer.concat([first, Buffer.alloc(512 * 7), next]), sizes);
      expect(list).toEqual(['big.log file 1536', 'next.log file 3']);
      expect(outcome).toEqual({ archives: 2, trailingBytes: 0 });
    }
  });

  it('counts the bytes after an end that begin no tar, however they come', async () => {
    const gnu = await tarOf('gnu-junk', 'gnu');
    const junk = Buffer.from('not a tar header at all\n'.repeat(30));
    for (const sizes of CHUNKINGS) {
      const { outcome } = await members(Buffer.concat([gnu, Buffer.alloc(512), junk]), sizes);
      expect(outcome).toEqual({ archives: 1, trailingBytes: junk.length });
    }
    // Less than a block, after the end.
    expect((await members(Buffer.concat([gnu, Buffer.from('\n')]), [1 << 20])).outcome).toEqual({ archives: 1, trailingBytes: 1 });
  });
});
