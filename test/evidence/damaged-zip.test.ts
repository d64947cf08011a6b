// A zip whose member's bytes changed after it was made (a bit flipped on a
// disk, in a copy): zip keeps a CRC-32 of each member, and unzip -t checks it.
// A line read from such a member may name the wrong VM, or a block may be
// gone from it, so the damage is said whatever path read the member: the
// central directory (yauzl), or the local headers of a zip cut short, where a
// member written into a pipe gives its CRC-32 after its data.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readLogFiles } from '../../src/evidence/files.js';
import { chatter, esxi8, macChange, text, writeZip } from '../helpers/bundles.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-damaged-zip-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const MEMBER = 'esx05/vmkernel.log';
const LOG = Buffer.from(text([...chatter('2024-05-14T08:00:00.000Z', 2000), esxi8('2024-05-14T09:00:00.000Z', macChange('web01', '02:00:00:00:00:01', '0x2000004'))]));
const hex = (n: number) => n.toString(16).padStart(8, '0');

/** Where a member's data starts, and its compressed size, as the central directory gives them. */
function locate(zip: Buffer, name: string): { start: number; size: number } {
  for (let at = zip.indexOf('PK\x01\x02'); at !== -1; at = zip.indexOf('PK\x01\x02', at + 4)) {
    if (zip.toString('utf8', at + 46, at + 46 + zip.readUInt16LE(at + 28)) !== name) continue;
    const local = zip.readUInt32LE(at + 42);
    return { start: local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28), size: zip.readUInt32LE(at + 20) };
  }
  throw new Error(`${name} is not in the zip`);
}

/** The zip with one bit of the member's data flipped where it still inflates to as many bytes, and what it inflates to. */
function flip(zip: Buffer, name: string, deflated: boolean): { zip: Buffer; content: Buffer } {
  const { start, size } = locate(zip, name);
  for (let at = start + Math.floor(size / 2); at < start + size; at++) {
    for (let bit = 0; bit < 8; bit++) {
      const damaged = Buffer.from(zip);
      damaged[at] = damaged[at]! ^ (1 << bit);
      let content;
      try {
        content = deflated ? inflateRawSync(damaged.subarray(start, start + size)) : damaged.subarray(start, start + size);
      } catch {
        continue;
      }
      if (content.length === LOG.length && !content.equals(LOG)) return { zip: damaged, content };
    }
  }
  throw new Error('no flip found that inflates');
}

/** The zip without its central directory, as a download that stopped leaves it. */
const cutDirectory = (zip: Buffer) => zip.subarray(0, zip.indexOf('PK\x01\x02'));

const says = (path: string, content: Buffer) =>
  `${path}!${MEMBER} is damaged: its data does not match its CRC-32 (unzip -t: bad CRC ${hex(crc32(content))} (should be ${hex(crc32(LOG))})); its lines were read, but some of its bytes are wrong, so any line of it may be (a VM's name, a MAC, a port) or be missing.`;

async function zipOf(kind: 'stored' | 'deflated' | 'descriptors'): Promise<Buffer> {
  const path = join(tmp, `${kind}-whole.zip`);
  if (kind === 'descriptors') {
    const work = await mkdtemp(join(tmp, 'pipe-'));
    await mkdir(join(work, 'esx05'));
    await writeFile(join(work, MEMBER), LOG);
    execFileSync('sh', ['-c', `zip -q -fd - ${MEMBER} | cat > ${path}`], { cwd: work });
  } else {
    await writeZip(path, [{ name: MEMBER, content: LOG, compress: kind === 'deflated' }]);
  }
  return readFile(path);
}

describe('a zip member whose bytes do not match its CRC-32', () => {
  it.each(['stored', 'deflated', 'descriptors'] as const)('is said damaged, naming the zip and the member, as unzip -t says it (%s)', async (kind) => {
    const whole = await zipOf(kind);
    if (kind === 'descriptors') expect(whole.readUInt16LE(6) & 8).toBe(8);
    const { zip, content } = flip(whole, MEMBER, kind !== 'stored');
    const path = join(tmp, `${kind}.zip`);
    await writeFile(path, zip);
    const logs = await readLogFiles([path]);
    expect(logs.problems).toEqual([says(path, content)]);
    const unzip = spawnSync('unzip', ['-t', path], { encoding: 'utf8' });
    expect(unzip.stdout).toContain(`bad CRC ${hex(crc32(content))}  (should be ${hex(crc32(LOG))})`);
  });

  it.each(['stored', 'deflated', 'descriptors'] as const)('is said damaged when the zip is cut short and read by its own headers (%s)', async (kind) => {
    const { zip, content } = flip(await zipOf(kind), MEMBER, kind !== 'stored');
    const path = join(tmp, `${kind}-cut.zip`);
    await writeFile(path, cutDirectory(zip));
    const logs = await readLogFiles([path]);
    expect(logs.problems).toEqual([
      says(path, content),
      `${path} is cut off or damaged (the zip's central directory, at its end, is missing (a download that stopped?), and it ends after a member): reading stopped in ${path}!${MEMBER}, after a line stamped 2024-05-14T09:00:00.000Z; the lines before were read, whatever came after was not.`,
    ]);
  });

  it('a flip that renames the VM in a stored member: the line is read as written, and the damage said beside it', async () => {
    const whole = await zipOf('stored');
    const at = whole.indexOf('web01');
    whole[at + 4] = whole[at + 4]! ^ 2; // web01 -> web03
    const path = join(tmp, 'renamed.zip');
    await writeFile(path, whole);
    const logs = await readLogFiles([path]);
    expect(logs.events.map((e) => e.vmName)).toEqual(['web03']);
    expect(logs.problems).toEqual([says(path, Buffer.from(LOG.toString().replace('web01', 'web03')))]);
  });

  it.each([false, true])('says nothing of a whole zip (its directory cut: %s), nor of a damaged member vmfix does not read (another program\'s log)', async (cut) => {
    const path = join(tmp, `other-damaged-${cut}.zip`);
    await writeZip(path, [
      { name: 'esx05/hostd.log', content: Buffer.from('welcome\n'.repeat(100)), compress: false },
      { name: MEMBER, content: LOG },
    ]);
    const zip = await readFile(path);
    const at = zip.indexOf('welcome') + 1;
    zip[at] = zip[at]! ^ 1;
    await writeFile(path, cut ? cutDirectory(zip) : zip);
    const logs = await readLogFiles([path]);
    expect(logs.events.map((e) => e.vmName)).toEqual(['web01']);
    expect(logs.problems.filter((p) => !p.includes("central directory"))).toEqual([]);
  });

  it.each([false, true])('says a damaged member read by its content (a file of a folder packed: esx05/motd), though it held no vmkernel line (its directory cut: %s; was: silent)', async (cut) => {
    const path = join(tmp, `content-damaged-${cut}.zip`);
    await writeZip(path, [
      { name: 'esx05/motd', content: Buffer.from('welcome\n'.repeat(100)), compress: false },
      { name: MEMBER, content: LOG },
    ]);
    const zip = await readFile(path);
    const at = zip.indexOf('welcome') + 1;
    zip[at] = zip[at]! ^ 1;
    await writeFile(path, cut ? cutDirectory(zip) : zip);
    const logs = await readLogFiles([path]);
    expect(logs.events.map((e) => e.vmName)).toEqual(['web01']);
    expect(logs.problems.filter((p) => !p.includes('central directory'))).toEqual([expect.stringContaining(`${path}!esx05/motd is damaged: its data does not match its CRC-32`)]);
  });
});

describe('a zip member whose reading stops before its end', () => {
  it.each([false, true])('is still read to its end and checked: a nested tar found damaged partway says its CRC-32 too (its directory cut: %s; was: not checked)', async (cut) => {
    const work = await mkdtemp(join(tmp, 'tar-'));
    const bundle = 'esx-esx05-2024-05-14--09.12-1234';
    await mkdir(join(work, bundle, 'var/run/log'), { recursive: true });
    await writeFile(join(work, bundle, 'var/run/log/vmkernel.log'), LOG);
    await writeFile(join(work, bundle, 'motd'), 'welcome\n');
    await writeFile(join(work, bundle, 'zzfiller'), Buffer.alloc(4 << 20, 0x61));
    execFileSync('tar', ['cf', 'b.tar', '--sort=name', bundle], { cwd: work });
    const tar = await readFile(join(work, 'b.tar'));
    // The header of the member after the log made invalid: the tar stops being read there, 4 MiB before its end.
    const header = tar.indexOf(`${bundle}/zzfiller`);
    tar[header + 148] = 0x7a; // its checksum field
    const path = join(tmp, `nested-tar-${cut}.zip`);
    await writeZip(path, [{ name: `${bundle}.tar`, content: tar, compress: false }]);
    // The CRC-32 the zip gives no longer matches the bytes: as a bit flipped after the zip was made.
    const zip = await readFile(path);
    const { start } = locate(zip, `${bundle}.tar`);
    zip[start + tar.length - 1] = zip[start + tar.length - 1]! ^ 1;
    await writeFile(path, cut ? cutDirectory(zip) : zip);
    const logs = await readLogFiles([path]);
    const member = `${path}!${bundle}.tar`;
    expect(logs.events.map((e) => e.vmName)).toEqual(['web01']);
    const problems = logs.problems.filter((p) => !p.startsWith(`${path} is cut off`));
    expect(problems).toHaveLength(2);
    expect(problems).toEqual(expect.arrayContaining([
      `${member} is damaged: its data does not match its CRC-32 (unzip -t: bad CRC ${hex(crc32(zip.subarray(start, start + tar.length)))} (should be ${hex(crc32(tar))})); its lines were read, but some of its bytes are wrong, so any line of it may be (a VM's name, a MAC, a port) or be missing.`,
      expect.stringContaining(`${member} is cut off or damaged (not a valid tar archive (checksum failure))`),
    ]));
  });
});
