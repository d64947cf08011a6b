// Tars one after another in one stream (`cat esx01.tgz esx02.tgz > both.tgz`: two gzip members, read
// on as zcat reads them, so the tar stream is esx01's tar with its end blocks, then esx02's), and
// whatever else follows a tar's end. GNU tar reads on with -i (--ignore-zeros); vmfix reads on too, and
// says what it cannot read there instead of passing over it with "No findings", exit 0.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readLogFiles } from '../../src/evidence/files.js';
import { bundleName, chatter, esxi8, macChange, text, violation, writeBundleDir, writeZip, type BundleSpec } from '../helpers/bundles.js';
import { vmfix } from '../helpers/lab.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-cat-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const quiet = (host: string): BundleSpec => ({
  host,
  stamp: '2024-05-14--09.12',
  files: { 'var/run/log/vmkernel.log': text(chatter('2024-05-14T08:00:00.000Z', 50)) },
});
const blocking = (host: string): BundleSpec => ({
  host,
  stamp: '2024-05-14--09.12',
  files: {
    'var/run/log/vmkernel.log': text([
      ...chatter('2024-05-14T08:00:00.000Z', 50),
      esxi8('2024-05-14T09:00:00.000Z', macChange('app07.eth0', '02:00:00:00:00:07', '0x2000011')),
      esxi8('2024-05-14T09:00:00.001Z', violation('app07.eth0', '0x2000011')),
    ]),
  },
});

/** The bundle as GNU tar makes it (end blocks, padded to a 10240-byte record); `z`: gzip-compressed. */
async function systemTar(spec: BundleSpec, z: boolean): Promise<string> {
  const work = await mkdtemp(join(tmp, 'tree-'));
  await writeBundleDir(work, spec);
  const path = join(tmp, `${bundleName(spec)}.${z ? 'tgz' : 'tar'}`);
  execFileSync('tar', ['--sort=name', z ? '-czf' : '-cf', path, '-C', work, bundleName(spec)]);
  return path;
}

async function cat(name: string, ...parts: (string | Buffer)[]): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, Buffer.concat(await Promise.all(parts.map((p) => (typeof p === 'string' ? readFile(p) : p)))));
  return path;
}

const blocked = (logs: Awaited<ReturnType<typeof readLogFiles>>) => logs.events.map((e) => `${e.hostName} ${e.vmName ?? e.port}`);

describe('tars concatenated in one file', () => {
  it('reads the second .tgz of `cat esx01.tgz esx02.tgz` too: its block is a finding, exit 1, not "No findings"', async () => {
    const both = await cat('both.tgz', await systemTar(quiet('esx01.lab.local'), true), await systemTar(blocking('esx02.lab.local'), true));
    // GNU tar -i lists both bundles; without -i, only the first.
    expect(execFileSync('tar', ['-tzif', both], { encoding: 'utf8' })).toContain(`${bundleName(blocking('esx02.lab.local'))}/var/run/log/vmkernel.log`);
    const logs = await readLogFiles([both]);
    expect(blocked(logs)).toEqual(['esx02.lab.local app07.eth0', 'esx02.lab.local app07.eth0']);
    expect(logs.problems).toEqual([]);

    const run = await vmfix(['audit', '--vmkernel-log', both]);
    expect(run.stdout).toContain('app07');
    expect(run.stdout).not.toContain('No findings');
    expect(run.code).toBe(1);
  });

  it('reads three plain .tar files concatenated', async () => {
    const all = await cat(
      'three.tar',
      await systemTar(quiet('esx01.lab.local'), false),
      await systemTar(quiet('esx03.lab.local'), false),
      await systemTar(blocking('esx02.lab.local'), false),
    );
    const logs = await readLogFiles([all]);
    expect(blocked(logs)).toEqual(['esx02.lab.local app07.eth0', 'esx02.lab.local app07.eth0']);
    expect(logs.problems).toEqual([]);
    expect(logs.sources.map((s) => s.hostName).sort()).toEqual(['esx01.lab.local', 'esx02.lab.local', 'esx03.lab.local']);
  });

  it("reads the second tar of a host .tgz inside vCenter's Export System Logs .zip", async () => {
    const both = await cat('esx01-both.tgz', await systemTar(quiet('esx01.lab.local'), true), await systemTar(blocking('esx02.lab.local'), true));
    const zip = join(tmp, 'VMware-vCenter-support-2024-05-14@09-12-41.zip');
    await writeZip(zip, [{ name: 'esx01.lab.local-vm2024-14-05@09-12-41.tgz', content: await readFile(both), compress: false }]);
    const logs = await readLogFiles([zip]);
    expect(logs.events.map((e) => e.vmName)).toEqual(['app07.eth0', 'app07.eth0']);
    expect(logs.problems).toEqual([]);
  });

  it("reads the second tar of a .tgz in an unzipped vCenter download (a folder)", async () => {
    const dir = join(tmp, 'unzipped-download');
    await mkdir(dir);
    await cat('unzipped-download/esx01.lab.local-vm2024-14-05@09-12-41.tgz', await systemTar(quiet('esx01.lab.local'), true), await systemTar(blocking('esx02.lab.local'), true));
    const logs = await readLogFiles([dir]);
    expect(logs.events.map((e) => e.vmName)).toEqual(['app07.eth0', 'app07.eth0']);
    expect(logs.problems).toEqual([]);
  });
});

describe('what follows the end of a tar', () => {
  it('says so, naming the file, when bytes that are not a tar follow its end blocks (a warning: exit 1)', async () => {
    const junk = randomBytes(3000);
    junk[0] = 0x41; // not a zero block, whatever the draw
    const path = await cat('esx02-junk.tar', await systemTar(blocking('esx02.lab.local'), false), junk);
    const logs = await readLogFiles([path]);
    expect(blocked(logs)).toEqual(['esx02.lab.local app07.eth0', 'esx02.lab.local app07.eth0']);
    expect(logs.problems).toEqual([
      `${path} is damaged: the zero blocks that end its tar are followed by 3000 bytes that are not a tar (no valid tar header); they were not read, so whatever they held (a damaged archive's members) is missing.`,
    ]);

    const quietJunk = await cat('esx01-junk.tar', await systemTar(quiet('esx01.lab.local'), false), junk);
    const run = await vmfix(['audit', '--vmkernel-log', quietJunk]);
    expect(run.stdout + run.stderr).toContain(`${quietJunk} is damaged`);
    expect(run.code).toBe(1);
  });

  it('reads a .tgz whose tar is padded with more zero records, in silence', async () => {
    const tar = await readFile(await systemTar(blocking('esx02.lab.local'), false));
    const path = await cat('esx02-padded.tgz', gzipSync(Buffer.concat([tar, Buffer.alloc(10240 * 3)])));
    const logs = await readLogFiles([path]);
    expect(blocked(logs)).toEqual(['esx02.lab.local app07.eth0', 'esx02.lab.local app07.eth0']);
    expect(logs.problems).toEqual([]);
    expect(logs.notes).toEqual([]);
  });

  it('still says a second tar is cut short when its end blocks never came', async () => {
    const second = await readFile(await systemTar(blocking('esx02.lab.local'), false));
    const live = second.indexOf(`${bundleName(blocking('esx02.lab.local'))}/var/run/log/vmkernel.log`);
    const path = await cat('esx01-then-cut.tar', await systemTar(quiet('esx01.lab.local'), false), second.subarray(0, live));
    const logs = await readLogFiles([path]);
    expect(logs.problems).toEqual([expect.stringContaining(`${path} is cut off or damaged (it ends after a member, without the zero blocks that end a tar)`)]);
  });
});
