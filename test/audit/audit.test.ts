// The pure audit on a hand-built inventory: which NICs are blocked or at
// risk, from which policy source, with which remedies, and which are not.
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import type { DvPortState, EvidenceSet } from '../../src/evidence/types.js';
import type { Finding } from '../../src/audit/finding.js';
import { parseVmkernelLine, type L2SecEvent } from '../../src/evidence/vmkernel-log.js';
import {
  dvPortgroup, dvSwitch, host, inventory, macPolicy, nic, onDvPortgroup, onStandard, portgroup, vm, vswitch,
} from '../helpers/inventory.js';

const NLB_MAC = '02:bf:0a:00:00:15';

function event(source: string, line: string): L2SecEvent {
  const parsed = parseVmkernelLine(line);
  if (!parsed) throw new Error(`test line does not parse: ${line}`);
  return { ...parsed, source, count: 1, firstTime: parsed.time, lastTime: parsed.time };
}

function hostWith(moref: string, name: string, ports: { id: number; mac: string }[]) {
  return host(moref, name, [vswitch('vSwitch0', false), vswitch('vSwitch1', true)], [
    portgroup('VM Network', 'vSwitch0', undefined, false),
    portgroup('NLB', 'vSwitch0', undefined, false, ports, 110),
    portgroup('Lab', 'vSwitch0', true, true),
    portgroup('Backup', 'vSwitch1', undefined, true),
    portgroup('Secure', 'vSwitch1', false, false),
  ]);
}

const esx01 = hostWith('host-1', 'esx01', [{ id: 0x2000004, mac: '00:50:56:a1:00:01' }]);
const esx02 = hostWith('host-2', 'esx02', [{ id: 0x2000005, mac: '00:50:56:a1:00:02' }]);
const dvs = dvSwitch([
  dvPortgroup('dvportgroup-10', 'DPG-Reject', macPolicy(undefined)),
  dvPortgroup('dvportgroup-11', 'DPG-Accept', macPolicy(true)),
  dvPortgroup('dvportgroup-12', 'DPG-Overridable', macPolicy(false), true),
]);

const vms = [
  vm('vm-1', 'nlb1', 'host-1', [nic(4000, '00:50:56:a1:00:01', onStandard('NLB')), nic(4001, '00:50:56:a1:01:01', onStandard('VM Network'))], [NLB_MAC, undefined as never]),
  vm('vm-2', 'nlb2', 'host-2', [nic(4000, '00:50:56:a1:00:02', onStandard('NLB'))], [NLB_MAC]),
  vm('vm-3', 'app1', 'host-1', [nic(4000, '00:50:56:a1:00:03', onStandard('VM Network'))], ['00:50:56:3f:00:99']),
  vm('vm-4', 'lab1', 'host-1', [nic(4000, '00:50:56:a1:00:04', onStandard('Lab'))], ['02:00:00:00:00:04']),
  vm('vm-5', 'off1', 'host-2', [nic(4000, '00:50:56:a1:00:05', onStandard('VM Network'))], ['02:00:00:00:00:05'], { powerState: 'poweredOff' }),
  vm('vm-6', 'plain1', 'host-2', [nic(4000, '00:50:56:a1:00:06', onStandard('VM Network'))]),
  vm('vm-7', 'nested1', 'host-2', [nic(4000, '00:50:56:a1:00:07', onDvPortgroup('dvportgroup-10', '7'))], ['00:0c:29:00:00:07'], { guestId: 'vmkernel8Guest' }),
  vm('vm-8', 'override1', 'host-1', [nic(4000, '00:50:56:a1:00:08', onDvPortgroup('dvportgroup-12', '8'))], ['02:00:00:00:00:08']),
  vm('vm-9', 'notools', 'host-1', [nic(4000, '00:50:56:a1:00:09', onStandard('Secure'))], [null], { toolsRunningStatus: 'guestToolsNotRunning' }),
];

function port(portKey: string, extra: Partial<DvPortState>): DvPortState {
  return {
    dvsUuid: '50 11 22 33', portKey, portgroupKey: null, blocked: false, adminBlocked: false, statusDetail: null,
    macAddress: null, vm: null, nicKey: 4000, setting: null, ...extra,
  };
}

const evidence: EvidenceSet = {
  vmkernel: [
    event('esx01', `2024-05-14T09:21:07.123Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client nlb1 requested mac address change to ${NLB_MAC} on port 0x2000004, disallowed by vswitch policy`),
    event('esx02', 'cpu5:4099)etherswitch: L2Sec_EnforcePortCompliance: 0x2000005: peer not allowed to change address, blocking port'),
    event('esx02', '2024-05-14T10:00:00Z cpu1:1)etherswitch: L2Sec_EnforcePortCompliance:356: client ghost99 has policy violations on port 0x2000099. Port is blocked'),
  ],
  dvPorts: [
    port('7', { portgroupKey: 'dvportgroup-10', blocked: true, statusDetail: 'guest MAC change disallowed', vm: 'vm-7' }),
    // The port's own setting accepts MAC changes, and its portgroup allows that override.
    port('8', { portgroupKey: 'dvportgroup-12', vm: 'vm-8', setting: macPolicy(true) }),
  ],
  notes: ['vmkernel logs could not be read on esx03 (NoPermission)'], problems: [],
  sources: [],
  portClients: [],
  unparsed: { count: 0, samples: [] },
};

const result = audit(inventory([esx01, esx02], vms, [dvs]), evidence);
const nicFindings = result.findings.filter((f) => f.vm);
const byVm = (name: string) => nicFindings.find((f) => f.vm!.name === name);

describe('audit', () => {
  it('reports exactly the blocked and at-risk NICs, with their policy source', () => {
    const summary = nicFindings.map((f) => [f.kind, f.vm!.name, f.nic!.key, f.policy.source]);
    // Ordered by severity, then host, then portgroup.
    expect(summary).toEqual([
      ['mac-change-blocked', 'nlb1', 4000, 'vswitch'],
      ['mac-change-blocked', 'nested1', 4000, 'dvs'],
      ['mac-change-blocked', 'nlb2', 4000, 'vswitch'],
      ['mac-change-at-risk', 'app1', 4000, 'vswitch'],
    ]);
  });

  it('ignores the decoys: Accept portgroups, powered-off VMs, port overrides that accept, NICs that changed nothing', () => {
    for (const decoy of ['lab1', 'off1', 'plain1', 'override1', 'notools']) expect(byVm(decoy)).toBeUndefined();
    expect(nicFindings.some((f) => f.vm!.name === 'nlb1' && f.nic!.key === 4001)).toBe(false);
  });

  it('ties a log line without a client name to the NIC by its port id', () => {
    const nlb2 = byVm('nlb2')!;
    expect(nlb2.evidence.map((e) => e.type)).toEqual(['vmkernel-log', 'guest-mac-mismatch']);
    expect(nlb2.evidence[0]).toMatchObject({ port: '0x2000005', source: 'esx02', time: null });
  });

  it('records the evidence the contract asks for', () => {
    const nlb1 = byVm('nlb1')!;
    expect(nlb1.evidence[0]).toMatchObject({
      type: 'vmkernel-log', time: '2024-05-14T09:21:07.123Z', vmName: 'nlb1', mac: NLB_MAC, port: '0x2000004', count: 1,
    });
    expect(nlb1.nic).toEqual({ label: 'Network adapter 1', key: 4000, configuredMac: '00:50:56:a1:00:01', addressType: 'assigned', guestMac: NLB_MAC });
    expect(nlb1).toMatchObject({ severity: 'critical', host: { name: 'esx01', moref: 'host-1' }, switch: { type: 'standard', name: 'vSwitch0' }, portgroup: { name: 'NLB' } });
    const nested = byVm('nested1')!;
    expect(nested.evidence.map((e) => e.type)).toEqual(['guest-mac-mismatch', 'dvport-blocked']);
    expect(nested.portgroup).toEqual({ name: 'DPG-Reject', moref: 'dvportgroup-10', portKey: '7' });
  });

  it('never offers pin-mac for a MAC other guests use too (NLB unicast)', () => {
    expect(byVm('nlb1')!.remedies.map((r) => r.strategy)).not.toContain('pin-mac');
    expect(byVm('nlb2')!.remedies.map((r) => r.strategy)).not.toContain('pin-mac');
  });

  it('lists remedies narrowest first, naming who else each one touches', () => {
    const app1 = byVm('app1')!;
    expect(app1.remedies.map((r) => r.strategy)).toEqual(['pin-mac', 'dedicated-portgroup', 'portgroup-accept', 'vswitch-accept']);
    expect(app1.remedies[0]).toMatchObject({ mac: '00:50:56:3f:00:99', blastRadius: { vms: [] } });
    expect(app1.remedies[0]!.notes.join(' ')).toMatch(/powered off/);
    // VM Network is on both cluster hosts: the others on it there are affected too.
    expect(app1.remedies.find((r) => r.strategy === 'portgroup-accept')!.blastRadius.vms).toEqual(['nlb1', 'off1', 'plain1']);
    const vswitchAccept = app1.remedies.find((r) => r.strategy === 'vswitch-accept')!;
    expect(vswitchAccept.blastRadius.portgroups).toEqual(['NLB', 'VM Network']);
  });

  it('counts no one as newly exposed where the cluster peer accepts already (its vSwitch is Accept), and names only the hosts a vSwitch change touches', () => {
    // app1 on esx01 changes its MAC; on esx02 vSwitch0 already accepts, so VM Network accepts there.
    const mixed = [esx01, hostWith('host-2', 'esx02', [])].map((h) =>
      h.name === 'esx02' ? { ...h, vswitches: h.vswitches.map((v) => (v.name === 'vSwitch0' ? vswitch('vSwitch0', true) : v)), portgroups: h.portgroups.map((p) => (p.vswitchName === 'vSwitch0' && p.spec.policy.security?.macChanges === undefined ? portgroup(p.name, 'vSwitch0', undefined, true) : p)) } : h,
    );
    const app1 = audit(inventory(mixed, vms.filter((v) => v.name !== 'nlb2'), [dvs]), evidence).findings.find((f) => f.vm?.name === 'app1')!;
    const remedy = (strategy: string) => app1.remedies.find((r) => r.strategy === strategy)!;
    // plain1 and off1 sit on VM Network on esx02, which accepts already: not newly exposed.
    expect(remedy('portgroup-accept').blastRadius.vms).toEqual(['nlb1']);
    expect(remedy('vswitch-accept').summary).toBe('Set MAC address changes to Accept on vSwitch "vSwitch0" on host esx01: every portgroup inheriting from it changes too.');
    expect(remedy('vswitch-accept').blastRadius.vms).toEqual(['nlb1']);
  });

  it('puts MAC learning first for a nested hypervisor on a DVS that supports it', () => {
    expect(byVm('nested1')!.remedies[0]!.strategy).toBe('mac-learning');
  });

  it('flags Accept nobody needs, and not Accept someone needs', () => {
    const unneeded = result.findings.filter((f) => f.kind === 'mac-accept-unneeded').map((f) => `${f.host?.name ?? f.switch!.name}/${f.portgroup?.name ?? f.switch!.name}`);
    // Lab on esx01 is needed by lab1; vSwitch1 inherits Accept to Backup on both hosts; DPG-Accept is unused.
    expect(unneeded.sort()).toEqual(['DSwitch01/DPG-Accept', 'esx01/vSwitch1', 'esx02/Lab', 'esx02/vSwitch1']);
  });

  it('says which log lines matched no NIC, and passes on what could not be read', () => {
    expect(result.notes[0]).toMatch(/esx03/);
    expect(result.unknownVms.flatMap((u) => u.notes).some((n) => n.includes('ghost99') && n.includes('names a VM or host this inventory does not have'))).toBe(true);
  });

  it('gives the same finding the same id on every run', () => {
    const again = audit(inventory([esx01, esx02], [...vms].reverse(), [dvs]), evidence);
    const ids = (fs: readonly Finding[]) => fs.map((f) => f.id).sort();
    expect(ids(again.findings)).toEqual(ids(result.findings));
    expect(new Set(ids(result.findings)).size).toBe(result.findings.length);
  });
});

describe('vswitch-accept on a cluster whose hosts differ', () => {
  it('names only the hosts whose vSwitch it changes, and only the VMs there', () => {
    // esx02's vSwitch0 already accepts: the plan leaves it alone, so the remedy must not claim it.
    const rejecting = host('host-1', 'esx01', [vswitch('vSwitch0', false, ['Shared'])], [portgroup('Shared', 'vSwitch0', undefined, false)]);
    const accepting = host('host-2', 'esx02', [vswitch('vSwitch0', true, ['Shared'])], [portgroup('Shared', 'vSwitch0', undefined, true)]);
    const both = [
      vm('vm-1', 'web1', 'host-1', [nic(4000, '00:50:56:a1:00:01', onStandard('Shared'))], ['02:00:00:00:00:01']),
      vm('vm-2', 'web2', 'host-2', [nic(4000, '00:50:56:a1:00:02', onStandard('Shared'))], ['02:00:00:00:00:02']),
      vm('vm-3', 'web3', 'host-1', [nic(4000, '00:50:56:a1:00:03', onStandard('Shared'))]),
    ];
    const web1 = audit(inventory([rejecting, accepting], both), { ...evidence, vmkernel: [], dvPorts: [] }).findings.find((f) => f.vm?.name === 'web1')!;
    const remedy = web1.remedies.find((r) => r.strategy === 'vswitch-accept')!;
    expect(remedy.summary).toBe('Set MAC address changes to Accept on vSwitch "vSwitch0" on host esx01: every portgroup inheriting from it changes too.');
    expect(remedy.blastRadius.vms).toEqual(['web3']);
  });
});

describe('a dvPort vCenter still shows blocked', () => {
  const stuck = vm('vm-20', 'stuck1', 'host-1', [nic(4000, '00:50:56:a1:00:20', onDvPortgroup('dvportgroup-11', '20'))], ['02:00:00:00:00:20']);
  const shown = (blocked: boolean) =>
    audit(inventory([esx01], [stuck], [dvs]), { ...evidence, vmkernel: [], dvPorts: [port('20', { portgroupKey: 'dvportgroup-11', vm: 'vm-20', blocked, statusDetail: blocked ? 'Port blocked' : null })] });

  it('stays a finding although the policy reads Accept (KB 417819): only a new port or the MAC itself helps', () => {
    const [finding] = shown(true).findings.filter((f) => f.vm);
    expect(finding).toMatchObject({ kind: 'mac-change-blocked', policy: { macChanges: 'accept', source: 'dvportgroup' } });
    expect(finding!.summary).toMatch(/still shows its dvPort 20 blocked although MAC address changes reads Accept on "DPG-Accept"/);
    expect(finding!.remedies.map((r) => r.strategy)).toEqual(['pin-mac', 'dedicated-portgroup']);
  });

  it('is no finding once vCenter shows the port released', () => {
    expect(shown(false).findings.filter((f) => f.vm)).toEqual([]);
  });
});

