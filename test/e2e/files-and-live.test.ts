// Online with --vmkernel-log: every host's live log is read, as in a plain
// online audit, and that of a host the files hold lines of only after their
// newest line of it. A bundle of esx02, or last week's of esx01, given while
// esx01's guest is blocked today must not end "No findings", exit 0.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatter, text, writeBundleTgz } from '../helpers/bundles.js';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const host = (name: string, lines: string[]) => ({
  name, cluster: 'C1', version: '8.0.2',
  vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: reject }],
  portgroups: [{ name: 'NLB', vswitch: 'vSwitch0', vlanId: 10 }],
  vmkernelLog: { filler: 50, lines },
});
// Literal, not {{now-2h}}: the same lines go into a bundle of esx01 as well.
const BLOCK_AT = new Date(Date.now() - 2 * 3_600_000).toISOString();
const BLOCK = [
  `${BLOCK_AT} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client nlb01 requested mac address change to 02:bf:0a:00:00:15 on port 0x2000004, disallowed by vswitch policy`,
  `${BLOCK_AT} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client nlb01 has policy violations on port 0x2000004. Port is blocked`,
];
const SCENARIO = {
  mode: 'vcenter',
  datacenters: [{
    name: 'DC1', clusters: ['C1'],
    hosts: [
      host('esx01.lab.local', BLOCK),
      host('esx02.lab.local', []),
    ],
    vms: [
      { name: 'nlb01', host: 'esx01.lab.local', toolsStatus: 'toolsNotRunning', nics: [{ network: 'NLB' }] },
      { name: 'app02', host: 'esx02.lab.local', nics: [{ network: 'NLB' }] },
    ],
  }],
};

interface Report {
  findings: { kind: string; vm: { name: string } | null; host: { name: string } | null; evidence: { type: string; source?: string; count?: number; line?: string }[] }[];
  warnings: string[];
  notes: string[];
  evidence: { window: string; sources: { name: string; hostName: string | null }[] };
}

describe('online with --vmkernel-log of some hosts', () => {
  let lab: Lab;
  let esx02: string;
  let esx01: string;
  let esx01Block: string;
  let esx01Fresh: string;
  let esx01Old: string;
  let esx01Mid: string;
  let collector: string;
  const audit = async (...args: string[]) => {
    const run = await vmfix(['audit', '--format', 'json', '--vcenter', lab.url, ...args], lab.env);
    expect(run.stderr).not.toMatch(/Internal error/);
    return { code: run.code, report: JSON.parse(run.stdout) as Report };
  };
  beforeAll(async () => {
    lab = await startScenario(SCENARIO);
    const dir = await mkdtemp(join(tmpdir(), 'vmfix-files-live-'));
    const hour = new Date(Date.now() - 3_600_000).toISOString();
    esx02 = join(dir, 'esx-esx02.lab.local-2026-12-03--21.05-2101234.tgz');
    await writeBundleTgz(esx02, { host: 'esx02.lab.local', stamp: '2026-12-03--21.05', files: { 'var/run/log/vmkernel.log': text(chatter(hour, 20)) } });
    // esx01's own bundle, from before its guest changed its MAC: what it holds is what is judged on esx01.
    esx01 = join(dir, 'esx-esx01.lab.local-2026-12-03--21.05-2101234.tgz');
    const day = new Date(Date.now() - 86_400_000).toISOString();
    await writeBundleTgz(esx01, { host: 'esx01.lab.local', stamp: '2026-12-03--21.05', files: { 'var/run/log/vmkernel.log': text(chatter(day, 20)) } });
    // Made the moment the block was logged: its newest lines are the block's, which the live log holds too.
    esx01Block = join(dir, 'block', 'esx-esx01.lab.local-2026-12-03--19.05-2101234.tgz');
    await mkdir(join(dir, 'block'));
    await writeBundleTgz(esx01Block, { host: 'esx01.lab.local', stamp: '2026-12-03--19.05', files: { 'var/run/log/vmkernel.log': text([...chatter(day, 20), ...BLOCK]) } });
    // From three days ago: older than the start of esx01's live log (the lab's spans about a day).
    esx01Old = join(dir, 'old', 'esx-esx01.lab.local-2026-11-30--21.05-2101234.tgz');
    await mkdir(join(dir, 'old'));
    await writeBundleTgz(esx01Old, { host: 'esx01.lab.local', stamp: '2026-11-30--21.05', files: { 'var/run/log/vmkernel.log': text(chatter(new Date(Date.now() - 3 * 86_400_000).toISOString(), 20)) } });
    // Collected for this audit, a minute ago.
    esx01Fresh = join(dir, 'fresh', 'esx-esx01.lab.local-2026-12-03--21.40-2101234.tgz');
    await mkdir(join(dir, 'fresh'));
    await writeBundleTgz(esx01Fresh, { host: 'esx01.lab.local', stamp: '2026-12-03--21.40', files: { 'var/run/log/vmkernel.log': text(chatter(new Date(Date.now() - 60_000).toISOString(), 20)) } });
    // Made between the two lines of the block, stamped the same millisecond: the live log holds both.
    esx01Mid = join(dir, 'mid', 'esx-esx01.lab.local-2026-12-03--19.05-2101234.tgz');
    await mkdir(join(dir, 'mid'));
    await writeBundleTgz(esx01Mid, { host: 'esx01.lab.local', stamp: '2026-12-03--19.05', files: { 'var/run/log/vmkernel.log': text([...chatter(day, 20), BLOCK[0]!]) } });
    // A syslog collector's file: esx01's forwarding stopped three hours ago (on an earlier MAC change), esx02's runs to an hour ago.
    collector = join(dir, 'syslog.log');
    const forwarded = (time: string, host: string, body: string) => `${time} ${host} vmkernel: cpu3:2098131)${body}`;
    const stopped = new Date(Date.now() - 3 * 3_600_000).toISOString();
    await writeFile(collector, text([
      forwarded(stopped, 'esx01.lab.local', 'etherswitch: L2Sec_EnforcePortCompliance:247: client nlb01 requested mac address change to 02:bf:0a:00:00:14 on port 0x2000004, disallowed by vswitch policy'),
      ...Array.from({ length: 5 }, (_, i) => forwarded(new Date(Date.parse(hour) + i * 1000).toISOString(), 'esx02.lab.local', `NetSched: 717: ${i}: non-L2Sec line of the usual chatter`)),
    ]));
  });
  afterAll(() => lab?.stop());

  it('reads the live log of each host no file covers: esx01\'s block is found beside esx02\'s bundle (exit 1)', async () => {
    const { code, report } = await audit('--vmkernel-log', esx02);
    expect(report.findings.map((f) => [f.kind, f.vm?.name, f.host?.name])).toEqual([['mac-change-blocked', 'nlb01', 'esx01.lab.local']]);
    expect(code).toBe(1);
    // What it rests on: both live logs and the bundle, esx02's live log after the bundle's newest line, which is said.
    expect(report.evidence.sources.map((s) => s.hostName).sort()).toEqual(['esx01.lab.local', 'esx02.lab.local', 'esx02.lab.local']);
    expect(report.notes).toContain('The live vmkernel log of esx02.lab.local was read only for its lines after the newest the --vmkernel-log files given hold of that host.');
    expect(report.evidence.window).toBe("the last 7 days: back from now for live logs, from each file's newest line for the --vmkernel-log files; a host's live log only after the newest line the files hold of it");
  });

  it('says so when such a host\'s live log cannot be read (exit 1)', async () => {
    await lab.diagnostics('esx01.lab.local', false);
    try {
      const { code, report } = await audit('--vmkernel-log', esx02);
      expect(report.findings).toEqual([]);
      expect(report.warnings).toEqual([expect.stringMatching(/^vmkernel logs could not be read on esx01\.lab\.local \(NoPermission/)]);
      expect(code).toBe(1);
    } finally {
      await lab.diagnostics('esx01.lab.local', true);
    }
  });

  it('reads the live log of a host the files cover after their newest line of it: yesterday\'s bundle of esx01 and today\'s block (exit 1)', async () => {
    const { code, report } = await audit('--vmkernel-log', esx01, '--vmkernel-log', esx02);
    expect(report.findings.map((f) => [f.kind, f.vm?.name, f.host?.name])).toEqual([['mac-change-blocked', 'nlb01', 'esx01.lab.local']]);
    expect(code).toBe(1);
    expect(report.warnings).toEqual([]);
    expect(report.notes).toContain('The live vmkernel log of 2 hosts (esx01.lab.local, esx02.lab.local) was read only for their lines after the newest the --vmkernel-log files given hold of each host.');
    expect(report.evidence.window).toBe("the last 7 days: back from now for live logs, from each file's newest line for the --vmkernel-log files; a host's live log only after the newest line the files hold of it");
  });

  it('counts a block once that both the bundle and the live log hold', async () => {
    const { code, report } = await audit('--vmkernel-log', esx01Block);
    expect(report.findings.map((f) => f.vm?.name)).toEqual(['nlb01']);
    expect(code).toBe(1);
    const lines = report.findings[0]!.evidence.filter((e) => e.type === 'vmkernel-log');
    expect(lines.map((e) => [e.source, e.count])).toEqual(BLOCK.map(() => [expect.stringContaining('.tgz'), 1]));
  });

  it('reads each host of a collector\'s file after its own newest line there, not the newest of any host in it', async () => {
    const { code, report } = await audit('--vmkernel-log', collector);
    expect(code).toBe(1);
    const lines = report.findings.flatMap((f) => f.evidence.filter((e) => e.type === 'vmkernel-log'));
    // esx01's block two hours ago is in its live log, after its forwarding stopped and before esx02's last line.
    expect(lines.filter((e) => e.source === 'esx01.lab.local').map((e) => e.count)).toEqual(BLOCK.map(() => 1));
  });

  it('counts the live lines stamped the files\' newest millisecond that the files lack, each once', async () => {
    const { code, report } = await audit('--vmkernel-log', esx01Mid);
    expect(report.findings.map((f) => f.vm?.name)).toEqual(['nlb01']);
    expect(code).toBe(1);
    const lines = report.findings[0]!.evidence.filter((e) => e.type === 'vmkernel-log');
    // The first from the bundle, the second from the live log alone: each counted once.
    expect(lines.map((e) => [e.line, e.source, e.count]).sort()).toEqual([
      [BLOCK[0], expect.stringContaining('.tgz'), 1],
      [BLOCK[1], 'esx01.lab.local', 1],
    ]);
  });

  it('says where the live log begins after the files\' newest line: the lines between are in neither', async () => {
    const { code, report } = await audit('--vmkernel-log', esx01Old);
    expect(report.findings.map((f) => f.vm?.name)).toEqual(['nlb01']);
    expect(code).toBe(1);
    expect(report.notes).toContainEqual(expect.stringMatching(/^The live vmkernel log of esx01\.lab\.local begins after the newest line the --vmkernel-log files hold of it; the lines between are in its rotated logs/));
  });

  it('a covered host\'s live log that cannot be read is a warning unless the files end minutes ago', async () => {
    await lab.diagnostics('esx01.lab.local', false);
    try {
      const old = await audit('--vmkernel-log', esx01);
      expect(old.report.findings).toEqual([]);
      expect(old.report.warnings).toEqual([expect.stringMatching(/^vmkernel logs could not be read on esx01\.lab\.local \(NoPermission/)]);
      expect(old.code).toBe(1);
      const fresh = await audit('--vmkernel-log', esx01Fresh);
      expect(fresh.report.warnings).toEqual([]);
      expect(fresh.report.notes).toContainEqual(expect.stringMatching(/^vmkernel logs could not be read on esx01\.lab\.local \(NoPermission.* Not a warning: the --vmkernel-log files given end less than 15 minutes ago there\.$/));
      expect(fresh.code).toBe(0);
    } finally {
      await lab.diagnostics('esx01.lab.local', true);
    }
  });

  it('--vm reads the live logs of its VMs\' hosts the files do not cover', async () => {
    const { code, report } = await audit('--vm', 'nlb01', '--vmkernel-log', esx02);
    expect(report.findings.map((f) => f.vm?.name)).toEqual(['nlb01']);
    expect(code).toBe(1);
  });
});
