// Online, asked about VMs by name (--vm): a block that no line ties to a VM,
// on a host those VMs run on, may be theirs. Left out in silence, the audit
// would read as clean; it is said, as offline (offline-workflow.test.ts).
import { describe, expect, it } from 'vitest';
import type { EvidenceSet } from '../../src/evidence/types.js';
import { parseVmkernelLine, type L2SecEvent } from '../../src/evidence/vmkernel-log.js';
import { applyScope } from '../../src/inventory/scope.js';
import { auditExitCode, judge } from '../../src/workflow/audit.js';
import { dvPortgroup, dvSwitch, host, inventory, macPolicy, nic, onDvPortgroup, vm, vswitch } from '../helpers/inventory.js';

const T = '2026-12-01T09:21:07.123Z';

/** ESXi's line that names only the port: a dvPort's id in the proxy switch, which vCenter's API does not show. */
function peerLine(source: string, port: string): L2SecEvent {
  const parsed = parseVmkernelLine(`${T} In(182) vmkernel: cpu3:4099)etherswitch: L2Sec_EnforcePortCompliance: ${port}: peer not allowed to change address, blocking port`)!;
  return { ...parsed, source, count: 1, firstTime: parsed.time, lastTime: parsed.time };
}

const evidence = (vmkernel: L2SecEvent[]): EvidenceSet => ({ vmkernel, dvPorts: [], notes: [], problems: [], sources: [], portClients: [], unparsed: { count: 0, samples: [] } });

const esx01 = host('host-1', 'esx01', [vswitch('vSwitch0', false)], []);
const esx02 = host('host-2', 'esx02', [vswitch('vSwitch0', false)], []);
const dvs = dvSwitch([dvPortgroup('dvportgroup-10', 'DPG-Web', macPolicy(undefined))]);
const web01 = vm('vm-1', 'web01', 'host-1', [nic(4000, '00:50:56:a1:00:01', onDvPortgroup('dvportgroup-10', '3'))]);
const db01 = vm('vm-2', 'db01', 'host-1', [nic(4000, '00:50:56:a1:00:02', onDvPortgroup('dvportgroup-10', '4'))]);
const app01 = vm('vm-3', 'app01', 'host-2', [nic(4000, '00:50:56:a1:00:03', onDvPortgroup('dvportgroup-10', '5'))]);
const whole = inventory([esx01, esx02], [web01, db01, app01], [dvs]);

describe('online, --vm and a blocked port no line ties to a VM', () => {
  it('on a host of the VMs asked about: a warning that --vm cannot tell whose it is (exit 1), not "No findings"', () => {
    const report = judge('vc.test', whole, applyScope(whole, { vm: ['web01'] }), evidence([peerLine('esx01', '0x6000013')]), { window: 'the last 7 days', vm: ['web01'] });
    expect(report.findings).toEqual([]);
    expect(report.warnings).toEqual(['1 blocked port no log line ties to a VM was left out by --vm, which cannot tell whose it is: port 0x6000013 on esx01.']);
    expect(auditExitCode(report)).toBe(1);
  });

  it('on a host none of them runs on: out of scope, nothing said', () => {
    const report = judge('vc.test', whole, applyScope(whole, { vm: ['web01'] }), evidence([peerLine('esx02', '0x6000015')]), { window: 'the last 7 days', vm: ['web01'] });
    expect(report.warnings).toEqual([]);
    expect(auditExitCode(report)).toBe(0);
  });
});

describe('online, --vm and a line naming a VM this user cannot see', () => {
  // ESXi names the client; vCenter's events show no removal or rename of it (read: none).
  const ghost = (name: string) => {
    const parsed = parseVmkernelLine(`${T} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client ${name} has policy violations on port 0x6000017. Port is blocked`)!;
    return { ...evidence([{ ...parsed, source: 'esx01', count: 1, firstTime: parsed.time, lastTime: parsed.time }]), vmNameEvents: [] };
  };

  it('whose name --vm matches: its warning stays (exit 1), as without --vm', () => {
    const report = judge('vc.test', whole, applyScope(whole, { vm: ['web*'] }), ghost('web07'), { window: 'the last 7 days', vm: ['web*'] });
    expect(report.warnings).toEqual([expect.stringMatching(/^A VM named web07 that this vCenter user cannot see .* was blocked on host esx01/)]);
    expect(auditExitCode(report)).toBe(1);
  });

  it('whose name --vm does not match: not asked about, nothing said', () => {
    const report = judge('vc.test', whole, applyScope(whole, { vm: ['web*'] }), ghost('hr07'), { window: 'the last 7 days', vm: ['web*'] });
    expect(report.warnings).toEqual([]);
  });
});

describe('a VM on a host this user is not shown (a role on its folder, none on the host)', () => {
  // vCenter gives the VM's runtime.host, but the ContainerView leaves the host out: its log and portgroups are not read.
  const hidden = vm('vm-9', 'web09', 'host-33', [nic(4000, '00:50:56:a1:00:09', onDvPortgroup('dvportgroup-10', '9'))]);
  const estate = inventory([esx01, esx02], [web01, db01, app01, hidden], [dvs]);
  const warning = /web09 \(vm-9\).*host-33.* not shown/;

  it('unscoped: a warning that what its host holds was not read (exit 1)', () => {
    const report = judge('vc.test', estate, estate, evidence([]), { window: 'the last 7 days' });
    expect(report.warnings).toEqual([expect.stringMatching(warning)]);
    expect(auditExitCode(report)).toBe(1);
  });

  it('--vm matching it: it is in scope, with the same warning', () => {
    const scoped = applyScope(estate, { vm: ['web*'] });
    expect(scoped.vms.map((v) => v.name)).toEqual(['web01', 'web09']);
    expect(judge('vc.test', estate, scoped, evidence([]), { window: 'the last 7 days', vm: ['web*'] }).warnings).toEqual([expect.stringMatching(warning)]);
  });

  it('--cluster: whether it is in the cluster is not known, and that is said', () => {
    const report = judge('vc.test', estate, applyScope(estate, { cluster: ['Cluster-A'] }), evidence([]), { window: 'the last 7 days' });
    expect(report.warnings).toEqual([expect.stringMatching(/web09 \(vm-9\).*not shown.*whether .* in the scope/)]);
  });
});
