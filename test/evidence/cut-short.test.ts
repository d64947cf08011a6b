// Evidence that arrived only in part: a vm-support .tgz whose download stopped, a rotation whose copy
// was cut, a vCenter .zip cut short. What did arrive is judged; the rest is said missing, never
// passed over as "No findings".
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { UsageError } from '../../src/errors.js';
import { readLogFiles } from '../../src/evidence/files.js';
import { bundleName, chatter, esxi8, macChange, peer, text, writeBundleDir, writeVcenterZip, writeZip, type BundleSpec } from '../helpers/bundles.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-cut-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A host whose live log is long (20,000 lines), with a block near its start and one at its very end. */
function esx05(): BundleSpec {
  return {
    host: 'esx05.lab.local',
    stamp: '2024-05-14--09.12',
    files: {
      'var/run/log/vmkernel.1.gz': gzipSync(text([...chatter('2024-05-12T00:00:00.000Z', 100), esxi8('2024-05-12T08:00:00.000Z', macChange('app03', '02:00:00:00:00:03', '0x2000009'))])),
      'var/run/log/vmkernel.0.gz': gzipSync(text([...chatter('2024-05-13T00:00:00.000Z', 100), esxi8('2024-05-13T10:00:00.000Z', peer('0x2000007'))])),
      'var/run/log/vmkernel.log': text([
        esxi8('2024-05-14T00:00:00.000Z', macChange('web01', '02:00:00:00:00:01', '0x2000004')),
        ...chatter('2024-05-14T00:00:01.000Z', 20_000),
        esxi8('2024-05-14T09:00:00.000Z', macChange('db02', '02:00:00:00:00:02', '0x2000005')),
      ]),
    },
  };
}

/** The bundle as `tar czf` on an admin's machine makes it, members in name order. */
async function systemTgz(spec: BundleSpec): Promise<string> {
  const work = await mkdtemp(join(tmp, 'tree-'));
  await writeBundleDir(work, spec);
  const path = join(tmp, `${bundleName(spec)}.tgz`);
  execFileSync('tar', ['--sort=name', '-czf', path, '-C', work, bundleName(spec)]);
  return path;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const blocked = (logs: Awaited<ReturnType<typeof readLogFiles>>) => logs.events.map((e) => e.vmName ?? e.port);

describe('a vm-support .tgz whose download stopped partway', () => {
  it('judges the lines that arrived and says where reading stopped, naming the archive and the member', async () => {
    const whole = await readFile(await systemTgz(esx05()));
    const cut = join(tmp, 'esx05-partial.tgz');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const logs = await readLogFiles([cut]);
    // The rotations and the start of the live log arrived; db02's block, at its end, did not.
    expect(blocked(logs)).toEqual(['app03', '0x2000007', 'web01']);
    expect(logs.problems).toHaveLength(1);
    const member = `${cut}!${bundleName(esx05())}/var/run/log/vmkernel.log`;
    expect(logs.problems[0]).toMatch(
      new RegExp(`^${cut} is cut off or damaged \\(gzip data is corrupt \\(unexpected end of file\\)\\): reading stopped in ${member.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, after a line stamped 2024-05-14T0\\d:\\d\\d:\\d\\d\\.000Z; the lines before were read, whatever came after was not\\.$`),
    );
  });
});

describe('a vm-support .tar (not compressed) whose download stopped between two members', () => {
  it.each([0, 100])('judges the members that arrived and says the tar stopped, naming where (cut %i bytes into a header)', async (into) => {
    const work = await mkdtemp(join(tmp, 'tar-'));
    await writeBundleDir(work, esx05());
    const path = join(tmp, `${bundleName(esx05())}.tar`);
    execFileSync('tar', ['--sort=name', '-cf', path, '-C', work, bundleName(esx05())]);
    const whole = await readFile(path);
    const live = whole.indexOf(`${bundleName(esx05())}/var/run/log/vmkernel.log`);
    expect(live % 512).toBe(0);
    const cut = join(tmp, `esx05-cut-${into}.tar`);
    await writeFile(cut, whole.subarray(0, live + into));
    const logs = await readLogFiles([cut]);
    // web01's and db02's blocks were in the live log, which never came: not "No findings".
    expect(blocked(logs)).toEqual(['app03', '0x2000007']);
    expect(logs.problems).toEqual([
      `${cut} is cut off or damaged (it ends after a member, without the zero blocks that end a tar): reading stopped in ${cut}!${bundleName(esx05())}/var/run/log/vmkernel.1.gz, after a line stamped 2024-05-12T08:00:00.000Z; the lines before were read, whatever came after was not.`,
    ]);
  });
});

describe('a host bundle cut short inside what holds it', () => {
  const HOST_TGZ = 'esx05.lab.local-vm2024-14-05@09-12-41.tgz';
  let partial: Buffer;
  beforeAll(async () => {
    const whole = await readFile(await systemTgz(esx05()));
    partial = whole.subarray(0, Math.floor(whole.length * 0.6));
  });

  it.each(['zip', 'directory'])("says the same of it in vCenter's download (%s) as given alone", async (form) => {
    let path: string;
    let tgz: string;
    if (form === 'zip') {
      path = join(tmp, 'VMware-vCenter-support-partial-host.zip');
      await writeZip(path, [{ name: HOST_TGZ, content: partial, compress: false }]);
      tgz = `${path}!${HOST_TGZ}`;
    } else {
      path = join(tmp, 'unzipped-download');
      await mkdir(path);
      await writeFile(join(path, HOST_TGZ), partial);
      tgz = join(path, HOST_TGZ);
    }
    const logs = await readLogFiles([path]);
    expect(blocked(logs)).toEqual(['app03', '0x2000007', 'web01']);
    expect(logs.problems).toEqual([
      expect.stringMatching(new RegExp(`^${escape(tgz)} is cut off or damaged \\(gzip data is corrupt \\(unexpected end of file\\)\\): reading stopped in ${escape(tgz)}!${escape(bundleName(esx05()))}/var/run/log/vmkernel\\.log, after a line stamped 2024-05-14T0\\d:\\d\\d:\\d\\d\\.000Z; the lines before were read, whatever came after was not\\.$`)),
    ]);
  });
});

describe('a rotation whose copy was cut short', () => {
  it('judges the lines before the cut and says the file is cut off, with the last time read', async () => {
    const log = text([esxi8('2024-05-13T00:00:00.000Z', macChange('web01', '02:00:00:00:00:01', '0x2000004')), ...chatter('2024-05-13T00:00:01.000Z', 20_000)]);
    const gz = gzipSync(log);
    const path = join(tmp, 'vmkernel.0.gz');
    await writeFile(path, gz.subarray(0, Math.floor(gz.length / 2)));
    const logs = await readLogFiles([path]);
    expect(blocked(logs)).toEqual(['web01']);
    expect(logs.problems).toEqual([
      expect.stringMatching(new RegExp(`^${path} is cut off or damaged \\(gzip data is corrupt \\(unexpected end of file\\)\\): reading stopped, after a line stamped 2024-05-13T0\\d:\\d\\d:\\d\\d\\.000Z; the lines before were read, whatever came after was not\\.$`)),
    ]);
  });

  it('still refuses, naming it, a cut gzip from which no line came', async () => {
    const path = join(tmp, 'vmkernel.3.gz');
    await writeFile(path, gzipSync(text(chatter('2024-05-13T00:00:00.000Z', 10))).subarray(0, 12));
    await expect(readLogFiles([path])).rejects.toThrow(new UsageError(`${path}: gzip data is corrupt (unexpected end of file).`));
  });

  it('says so when a bundle\'s rotation is cut to nothing (a full ramdisk as it rotated): no gzip data at all, where the live log may be empty', async () => {
    const spec = { ...esx05(), files: { ...esx05().files, 'var/run/log/vmkernel.0.gz': Buffer.alloc(0), 'var/run/log/vmkernel.2.gz': gzipSync('') } };
    const logs = await readLogFiles([await systemTgz(spec)]);
    expect(logs.problems).toEqual([`${logs.sources[0]!.name}!${bundleName(spec)}/var/run/log/vmkernel.0.gz is empty, where a rotated log is gzip data (zcat: unexpected end of file): the lines of that rotation are missing.`]);
  });
});

describe("vCenter's Export System Logs .zip cut short", () => {
  it('reads the members that arrived by their own headers, and says the zip is cut short and where', async () => {
    const path = join(tmp, 'VMware-vCenter-support-2024-05-14@09-12-40.zip');
    await writeVcenterZip(path, [{ memberHost: 'esx05.lab.local', spec: esx05() }]);
    const whole = await readFile(path);
    const cut = join(tmp, 'vc-partial.zip');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const logs = await readLogFiles([cut]);
    expect(blocked(logs)).toEqual(['app03', '0x2000007', 'web01']);
    const tgz = `${cut}!esx05.lab.local-vm2024-14-05@09-12-41.tgz`;
    expect(logs.problems).toEqual([
      expect.stringMatching(new RegExp(`^${escape(tgz)} is cut off or damaged \\(it ends inside esx05\\S+\\.tgz\\): reading stopped in ${escape(tgz)}!${escape(bundleName(esx05()))}/var/run/log/vmkernel\\.log, after a line stamped 2024-05-14T0\\d:\\d\\d:\\d\\d\\.000Z; `)),
      `${cut} is cut off or damaged (the zip's central directory, at its end, is missing (a download that stopped?), and it ends inside esx05.lab.local-vm2024-14-05@09-12-41.tgz): reading stopped in ${tgz}; the lines before were read, whatever came after was not.`,
    ]);
  });

  it('reads a zip of logs deflated by Info-ZIP up to where it stops', async () => {
    const work = await mkdtemp(join(tmp, 'zip-'));
    await writeBundleDir(work, esx05());
    const path = join(tmp, 'esx05-logs.zip');
    // Members in name order, as the tar above: the rotations before the live log.
    execFileSync('sh', ['-c', `find ${bundleName(esx05())} | sort | zip -q ${path} -@`], { cwd: work });
    const whole = await readFile(path);
    const cut = join(tmp, 'esx05-logs-partial.zip');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const logs = await readLogFiles([cut]);
    expect(blocked(logs)).toEqual(['app03', '0x2000007', 'web01']);
    const member = `${cut}!${bundleName(esx05())}/var/run/log/vmkernel.log`;
    expect(logs.problems).toEqual([
      expect.stringMatching(new RegExp(`^${escape(cut)} is cut off or damaged \\(the zip's central directory, at its end, is missing \\(a download that stopped\\?\\), and it ends inside ${escape(bundleName(esx05()))}/var/run/log/vmkernel\\.log\\): reading stopped in ${escape(member)}, after a line stamped 2024-05-14T0\\d:\\d\\d:\\d\\d\\.000Z; `)),
    ]);
  });

  it('reads deflated members whose sizes follow their data (data descriptors, as zip writes into a pipe)', async () => {
    const path = join(tmp, 'descriptors.zip');
    const log = (vm: string) => text([...chatter('2024-05-14T08:00:00.000Z', 500), esxi8('2024-05-14T09:00:00.000Z', macChange(vm, '02:00:00:00:00:01', '0x2000004'))]);
    const work = await mkdtemp(join(tmp, 'pipe-'));
    for (const host of ['esx07', 'esx08']) {
      await mkdir(join(work, host));
      await writeFile(join(work, host, 'vmkernel.log'), log(host.replace('esx', 'web')));
    }
    execFileSync('sh', ['-c', `find esx07 esx08 -type f | sort | zip -q -fd - -@ | cat > ${path}`], { cwd: work });
    expect((await readFile(path)).readUInt16LE(6) & 8).toBe(8);
    const cut = join(tmp, 'descriptors-partial.zip');
    const whole = await readFile(path);
    await writeFile(cut, whole.subarray(0, whole.length - 30));
    const logs = await readLogFiles([cut]);
    expect(blocked(logs)).toEqual(['web07', 'web08']);
    expect(logs.problems).toEqual([
      `${cut} is cut off or damaged (the zip's central directory, at its end, is missing (a download that stopped?); its members were read by their own headers): reading stopped in ${cut}!esx08/vmkernel.log, after a line stamped 2024-05-14T09:00:00.000Z; the lines before were read, whatever came after was not.`,
    ]);
  });

  it("reads a zip Windows made (Compress-Archive writes '\\' between folders) as yauzl reads it whole: the bundle's logs, of its host", async () => {
    const spec = esx05();
    const files = Object.entries(spec.files).map(([path, content]) => ({ name: `${bundleName(spec)}/${path}`, content: Buffer.from(content) }));
    const path = join(tmp, 'compress-archive.zip');
    await writeZip(path, files);
    const zip = await readFile(path);
    for (const { name } of files) {
      for (let at = zip.indexOf(name); at !== -1; at = zip.indexOf(name, at + 1)) zip.write(name.replaceAll('/', '\\'), at);
    }
    await writeFile(path, zip);
    const cut = join(tmp, 'compress-archive-partial.zip');
    await writeFile(cut, zip.subarray(0, zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))));
    const [whole, partial] = [await readLogFiles([path]), await readLogFiles([cut])];
    expect(whole.sources.map((s) => s.hostName)).toEqual(['esx05.lab.local']);
    expect(partial.sources.map((s) => s.hostName)).toEqual(['esx05.lab.local']);
    expect(blocked(partial)).toEqual(blocked(whole));
    expect(partial.notes).toEqual(whole.notes);
  });

  it('says so, naming the file, when not even a member header arrived whole', async () => {
    const path = join(tmp, 'VMware-vCenter-support-tiny.zip');
    await writeVcenterZip(path, [{ memberHost: 'esx05.lab.local', spec: esx05() }]);
    const cut = join(tmp, 'vc-header-only.zip');
    await writeFile(cut, (await readFile(path)).subarray(0, 20));
    await expect(readLogFiles([cut])).rejects.toThrow(
      new UsageError(`${cut}: the zip's central directory, at its end, is missing (a download that stopped?), and it ends inside a member header.`),
    );
  });
});
