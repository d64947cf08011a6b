// A block that lies deep in a host's live vmkernel log, on the lab: vCenter
// serves the log 500 lines a call, vmfix reads it backwards from the end and
// builds only the lines that matter of the pages before the newest. The line
// must still be found, its repeat notice counted, and the window's edge and
// the lines read stay what they were.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScenario, vmfix, type Lab } from '../helpers/lab.js';
import { workdir } from './fix-lab.js';

const HOST = 'esx-deep.corp.example';
const GUEST_MAC = '02:bf:0a:1e:00:77';
const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
// 700 lines after the block, every minute, some with quotes (references on the wire): the block is on the second page.
const AFTER = Array.from({ length: 700 }, (_, i) => {
  const ago = 700 - i;
  return i % 3 === 0
    ? `{{now-${ago}m}} In(182) vmkernel: cpu35:2116355)FSS: 6092: Failed to open file 'hpilo-d0ccb${i % 8}'; Requested flags 0x5: Busy`
    : `{{now-${ago}m}} In(182) vmkernel: cpu1:2098000)NetPort: 1580: disabled port 0x${(0x2000000 + i).toString(16)}`;
});
// 0x2000004: the port the lab gives the VM's only NIC.
const BLOCK = `{{now-720m}} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client deep01 requested mac address change to ${GUEST_MAC} on port 0x2000004, disallowed by vswitch policy`;
const REPEAT = '{{now-719m}} In(182) --- last message repeated 4 times ---';

interface Report {
  findings: { kind: string; vm: { name: string } | null; evidence: { type: string; count?: number; line?: string }[] }[];
  evidence: { lines: number; from: string | null; to: string | null };
  warnings: string[];
}

describe('a block on an older page of the live log', () => {
  let lab: Lab;
  let dir: string;
  beforeAll(async () => {
    lab = await startScenario({
      mode: 'vcenter',
      datacenters: [{
        name: 'DC-Deep',
        hosts: [{
          name: HOST, version: '8.0.2',
          vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: reject }],
          portgroups: [{ name: 'NLB-Front', vswitch: 'vSwitch0', vlanId: 110 }],
          vmkernelLog: { filler: 400, spanHours: 72, lines: [BLOCK, REPEAT, ...AFTER] },
        }],
        vms: [{ name: 'deep01', host: HOST, nics: [{ network: 'NLB-Front', guestMac: GUEST_MAC }] }],
      }],
    });
    dir = await workdir();
  });
  afterAll(() => lab?.stop());

  const audit = async (...args: string[]) => {
    const r = await vmfix(['audit', '--format', 'json', ...args], { ...lab.env, VMFIX_TEST_CWD: dir });
    return { code: r.code, report: JSON.parse(r.stdout) as Report };
  };

  it('finds it, with its repeat notice, whatever the window that reaches it', async () => {
    for (const since of ['1d', 'all']) {
      const { code, report } = await audit('--since', since);
      const [finding] = report.findings;
      expect(report.findings.map((f) => [f.kind, f.vm?.name]), since).toEqual([['mac-change-blocked', 'deep01']]);
      const log = finding!.evidence.find((e) => e.type === 'vmkernel-log');
      expect(log?.line).toContain('client deep01 requested mac address change');
      expect(log?.count).toBe(5);
      expect(report.warnings).toEqual([]);
      expect(code).toBe(1);
    }
  });

  it('reads the pages the window needs and no more, and states their times', async () => {
    const day = await audit('--since', '1d');
    // Two pages: the newest, and the one holding the block, whose first line is days old.
    expect(day.report.evidence.lines).toBe(1000);
    const hour = await audit('--since', '1h');
    // The block is older than an hour: the guest's MAC still puts the NIC at risk, no more.
    expect(hour.report.findings.map((f) => [f.kind, f.vm?.name])).toEqual([['mac-change-at-risk', 'deep01']]);
    expect(hour.report.evidence.lines).toBe(500);
    const all = await audit('--since', 'all');
    // All 1,102 lines; the oldest page's time is read from its first lines, the newest's from its last.
    expect(all.report.evidence.lines).toBe(1102);
    expect(Date.parse(all.report.evidence.to!) - Date.parse(all.report.evidence.from!)).toBeGreaterThan(71 * 3_600_000);
  });
});
