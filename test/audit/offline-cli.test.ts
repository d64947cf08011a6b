// Issue 10's measured cases, as an admin meets them: the real binary, the
// files they have (vCenter's download, a host bundle .tgz, a collector's
// file), and the verdict and exit code they get.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { vmfix } from '../helpers/lab.js';
import { chatter, esxi8, fragments, macChange, peer, text, violation, writeBundleTgz, writeVcenterZip, type BundleSpec } from '../helpers/bundles.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vmfix-offline-cli-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const offline = (...paths: string[]) => vmfix(['audit', '--format', 'json', '--vmkernel-log', ...paths], { VMFIX_VCENTER: '' });
const json = (stdout: string) => JSON.parse(stdout) as { findings: any[]; notes: string[]; evidence: any; warnings: string[]; summary: any };

/** vm-support split the live log; the newest block, with the block, is in FRAG-00001. */
const host = (name: string, vm: string, port: string): BundleSpec => ({
  host: name,
  stamp: '2024-05-14--09.12',
  files: {
    'commands/net-stats_-l.txt': 'PortNum          Type SubType SwitchName       MACAddress         ClientName\n33554439            5       9 vSwitch0         00:50:56:9a:00:07  db02.eth0\n',
    ...fragments(
      'var/run/log/vmkernel.log',
      Buffer.from(text([
        ...chatter('2024-05-14T00:00:00.000Z', 3000),
        esxi8('2024-05-14T09:00:00.000Z', macChange(vm, '02:00:00:00:00:01', port)),
        esxi8('2024-05-14T09:00:00.000Z', violation(vm, port)),
        esxi8('2024-05-14T09:00:00.001Z', peer(port)),
      ])),
      2,
    ),
  },
  symlinks: { 'var/log/vmkernel.log': '/var/run/log/vmkernel.log' },
});

describe('vmfix audit --vmkernel-log, offline (issue 10)', () => {
  it("reads vCenter's Export System Logs zip: one finding per blocked VM, per host, exit 1", async () => {
    const zip = join(tmp, 'VMware-vCenter-support-2024-05-14@09-12-40.zip');
    await writeVcenterZip(zip, [
      { memberHost: 'esx01.lab.local', spec: host('esx01.lab.local', 'web01.eth0', '0x100000f') },
      { memberHost: '10.0.0.12', spec: host('esx02', 'web01', '0x100000f') },
    ]);
    const run = await offline(zip);
    expect(run.code, run.stderr).toBe(1);
    const report = json(run.stdout);
    // The peer line of the same port and moment is the same finding, not a second one without a VM.
    expect(report.findings.map((f) => [f.vm?.name, f.host?.name, f.evidence.length])).toEqual([
      ['web01', 'esx01.lab.local', 3],
      ['web01', 'esx02', 3],
    ]);
    expect(report.summary).toMatchObject({ findings: 2, critical: 2, hostsScanned: 2 });
    expect(report.evidence.sources.map((s: any) => [s.hostName, s.lines])).toEqual([['esx01.lab.local', 3003], ['esx02', 3003]]);
    expect(report.notes).toEqual(expect.arrayContaining([expect.stringContaining("vCenter's own support bundle")]));
  });

  it('reads a host bundle .tgz as downloaded, the fragmented live log included', async () => {
    const tgz = join(tmp, 'esx-esx03-2024-05-14--09.12-2101234.tgz');
    await writeBundleTgz(tgz, host('esx03', 'app07', '0x2000004'));
    const run = await offline(tgz);
    expect(run.code, run.stderr).toBe(1);
    expect(json(run.stdout).findings.map((f) => [f.vm?.name, f.host?.name])).toEqual([['app07', 'esx03']]);
  });

  it('shows L2Sec lines it does not understand, and does not exit 0 for them', async () => {
    const path = join(tmp, 'templates.log');
    await writeFile(path, text([
      ...chatter('2024-05-14T00:00:00.000Z', 10),
      'cpuN:cccc)etherswitch: L2Sec_EnforcePortCompliance: client <vmname> requested mac address change to <mac> on port 0xN nnnnnnn, disallowed by vswitch policy',
    ]));
    const run = await vmfix(['audit', '--vmkernel-log', path], { VMFIX_VCENTER: '' });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain('No findings on offline');
    expect(run.stdout).toContain('warning: 1 vmkernel line(s) mention L2Sec_EnforcePortCompliance in a form vmfix does not understand');
  });

  it('says what it read: lines, logs, their times and the window; each source in the JSON', async () => {
    const path = join(tmp, 'vmkernel.log');
    await writeFile(path, text(chatter('2024-05-14T00:00:00.000Z', 10)));
    const run = await vmfix(['audit', '--vmkernel-log', path], { VMFIX_VCENTER: '' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Evidence: vmkernel logs: 10 line(s) from 1 log(s), 2024-05-14T00:00:00.000Z to 2024-05-14T00:00:09.000Z, window the last 7 days back from each log's newest line");
    const json = JSON.parse((await vmfix(['audit', '--vmkernel-log', path, '--format', 'json'], { VMFIX_VCENTER: '' })).stdout);
    expect(json.evidence.sources).toEqual([{ name: path, hostName: null, lines: 10, firstTime: '2024-05-14T00:00:00.000Z', lastTime: '2024-05-14T00:00:09.000Z', since: '2024-05-07T00:00:09.000Z' }]);
  });

  it('refuses a file of random bytes named x.gz with exit 2, naming it', async () => {
    const path = join(tmp, 'x.gz');
    await writeFile(path, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    const run = await offline(path);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    // Without a terminal, progress lines ("reading …") come first; the error is one sentence.
    expect(run.stderr.split('\n').filter((l) => l.startsWith('vmfix: '))).toEqual([
      `vmfix: ${path}: not gzip data despite its name, and no log line in it (binary data?).`,
    ]);
  });
});

describe('offline, as an unfriendly admin types it', () => {
  const twoVms = async () => {
    const path = join(tmp, 'scope.log');
    await writeFile(path, text([esxi8('2024-05-14T09:21:07.123Z', macChange('web01', '02:00:00:00:00:01', '0x2000004')), esxi8('2024-05-14T09:22:07.123Z', macChange('db01', '02:00:00:00:00:02', '0x2000005'))]));
    return path;
  };

  it('--vm narrows the findings, and a --vm that matches no VM in the logs is refused (exit 2)', async () => {
    const path = await twoVms();
    const web = await vmfix(['audit', '--format', 'json', '--vm', 'web*', '--vmkernel-log', path], { VMFIX_VCENTER: '' });
    expect(json(web.stdout).findings.map((f) => f.vm?.name)).toEqual(['web01']);
    const none = await vmfix(['audit', '--vm', 'nosuch*', '--vmkernel-log', path], { VMFIX_VCENTER: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^vmfix: No VM matches --vm 'nosuch\*'\.$/m);
  });

  it('a --vm named only in lines older than the window is refused saying so, and --since all finds it', async () => {
    const path = join(tmp, 'old-web02.log');
    await writeFile(path, text([
      esxi8('2026-11-20T09:00:00.000Z', macChange('web02.eth0', '02:00:5e:10:00:01', '0x4000005')),
      esxi8('2026-12-03T19:00:00.000Z', 'Net: 2587: chatter 0'),
    ]));
    const run = await vmfix(['audit', '--vm', 'web02', '--vmkernel-log', path], { VMFIX_VCENTER: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^vmfix: No VM matches --vm 'web02'\. The logs' lines older than the window \(the last 7 days back from each log's newest line\) were not looked at; --since all reads them\.$/m);
    const all = await vmfix(['audit', '--format', 'json', '--since', 'all', '--vm', 'web02', '--vmkernel-log', path], { VMFIX_VCENTER: '' });
    expect(json(all.stdout).findings.map((f) => f.vm?.name)).toEqual(['web02']);
  });

  it('--vmkernel-log - is refused as standard input, which vmfix does not read, not as a missing path', async () => {
    const run = await vmfix(['audit', '--vmkernel-log', '-'], { VMFIX_VCENTER: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^vmfix: --vmkernel-log - : vmfix does not read logs from standard input; save it to a file and give that path/m);
  });

  it('--cluster cannot be answered from log files: refused, not ignored', async () => {
    const run = await vmfix(['audit', '--cluster', 'Prod', '--vmkernel-log', await twoVms()], { VMFIX_VCENTER: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--cluster needs a vCenter/);
  });

  it('--output - is stdout, as in tar and curl: the report is printed, no file named "-" is made', async () => {
    const cwd = join(tmp, 'dash');
    await mkdir(cwd);
    const run = await vmfix(['audit', '--format', 'json', '--vmkernel-log', await twoVms(), '--output', '-'], { VMFIX_VCENTER: '', VMFIX_TEST_CWD: cwd });
    expect(run.code).toBe(1);
    expect(json(run.stdout).findings.length).toBeGreaterThan(0);
    expect(run.stderr).not.toMatch(/Wrote/);
    expect(await (await import('node:fs/promises')).readdir(cwd)).toEqual([]);
  });

  it('--output naming an earlier run\'s journal is refused, and the journal is left as it was', async () => {
    const journal = join(tmp, 'vmfix-journal-20261201T000000000Z.json');
    const body = `${JSON.stringify({ schemaVersion: 1, kind: 'vmfix-journal', command: 'fix', entries: [] }, null, 2)}\n`;
    await writeFile(journal, body);
    const run = await vmfix(['audit', '--vmkernel-log', await twoVms(), '--output', journal], { VMFIX_VCENTER: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is a vmfix journal, the record a rollback needs/);
    expect(await (await import('node:fs/promises')).readFile(journal, 'utf8')).toBe(body);
  });
});

describe('a finding\'s id, however the log was named', () => {
  it('is the same for a relative path, an absolute one, another directory, the folder, and beside another log', async () => {
    const dir = join(tmp, 'ids');
    await mkdir(dir);
    await writeFile(join(dir, 'esx02-vmkernel.log'), text([
      esxi8('2026-12-01T09:21:07.123Z', macChange('web01', '02:00:5e:10:00:01', '0x4000004')),
      esxi8('2026-12-01T09:21:07.123Z', violation('web01', '0x4000004')),
    ]));
    await writeFile(join(dir, 'esx01-vmkernel.log'), text(chatter('2026-12-01T08:00:00.000Z', 5)));
    const ids = async (cwd: string, ...paths: string[]) => {
      const run = await vmfix(['audit', '--format', 'json', '--vmkernel-log', ...paths], { VMFIX_VCENTER: '', VMFIX_TEST_CWD: cwd });
      expect(run.code).toBe(1);
      return json(run.stdout).findings.map((f: { id: string }) => f.id);
    };
    const [id] = await ids(dir, 'esx02-vmkernel.log');
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    for (const [cwd, ...paths] of [
      [dir, './esx02-vmkernel.log'],
      [dir, join(dir, 'esx02-vmkernel.log')],
      [tmp, 'ids/esx02-vmkernel.log'],
      [dir, '.'],
      [tmp, 'ids'],
      [dir, 'esx01-vmkernel.log', 'esx02-vmkernel.log'],
    ] as const) {
      expect([paths, await ids(cwd, ...paths)]).toEqual([paths, [id]]);
    }
  });
});
