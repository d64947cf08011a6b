// NIC backings and portgroups whose MAC policy is not a vSphere setting, or
// not one a vSphere change reaches: NSX segments (a VDS 7 dvPortgroup with
// backingType "nsx", an N-VDS opaque network) and SR-IOV adapters. vmfix
// says so, offers only what can work there (pin-mac), and neither trusts nor
// changes the MAC policy vCenter shows for them.
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import type { Finding } from '../../src/audit/finding.js';
import type { DvPortState, EvidenceSet } from '../../src/evidence/types.js';
import { parseVmkernelLine, type L2SecEvent } from '../../src/evidence/vmkernel-log.js';
import type { DvPortgroup, VmNic } from '../../src/inventory/model.js';
import { plan } from '../../src/remedy/plan.js';
import { dvPortgroup, dvSwitch, host, inventory, macPolicy, nic, onDvPortgroup, onStandard, portgroup, vm, vswitch } from '../helpers/inventory.js';

const GUEST_MAC = '02:00:00:00:10:01';

/** As vCenter 7+ shows an NSX segment: ephemeral, backingType nsx, MAC policy as vCenter defaults it. */
function nsxSegment(moref: string, name: string, macChanges: boolean | undefined): DvPortgroup {
  const pg = dvPortgroup(moref, name, macPolicy(macChanges));
  return { ...pg, config: { ...pg.config, type: 'ephemeral', backingType: 'nsx', logicalSwitchUuid: '7a0c2f16-1b7e-4f2e-9c59-0d5d8c7b2a11', segmentId: `/infra/segments/${name}` } };
}

function event(source: string, line: string): L2SecEvent {
  const parsed = parseVmkernelLine(line)!;
  return { ...parsed, source, count: 1, firstTime: parsed.time, lastTime: parsed.time };
}

function evidence(vmkernel: L2SecEvent[] = [], dvPorts: DvPortState[] = []): EvidenceSet {
  return { vmkernel, dvPorts, notes: [], problems: [], sources: [], portClients: [], unparsed: { count: 0, samples: [] } };
}

const esx01 = host('host-1', 'esx01', [vswitch('vSwitch0', false)], [portgroup('VM Network', 'vSwitch0', undefined, false)]);
const dvs = dvSwitch([
  nsxSegment('dvportgroup-20', 'seg-web', undefined),
  nsxSegment('dvportgroup-21', 'seg-lab', true),
  dvPortgroup('dvportgroup-22', 'DPG-App', macPolicy(undefined)),
]);

const opaqueNic = (key: number, mac: string): VmNic => {
  const base = nic(key, mac, onStandard('unused'));
  const backing = { kind: 'opaque', opaqueNetworkId: '3b8f0e4c-55d1-4c2a-9d8a-5c7e6b1f0a22', opaqueNetworkType: 'nsx.LogicalSwitch' } as const;
  return { ...base, backing, device: { ...base.device, backing: { _typeName: 'VirtualEthernetCardOpaqueNetworkBackingInfo', opaqueNetworkId: backing.opaqueNetworkId, opaqueNetworkType: backing.opaqueNetworkType } } };
};

const sriovNic = (key: number, mac: string): VmNic => {
  const base = nic(key, mac, onStandard('VM Network'));
  return { ...base, deviceType: 'VirtualSriovEthernetCard', device: { ...base.device, _typeName: 'VirtualSriovEthernetCard' } };
};

function only(findings: readonly Finding[], vmName: string): Finding {
  const mine = findings.filter((f) => f.vm?.name === vmName);
  expect(mine).toHaveLength(1);
  return mine[0]!;
}

describe('a NIC on an NSX segment dvPortgroup (VDS 7+, backingType nsx)', () => {
  const web = vm('vm-1', 'web1', 'host-1', [nic(4000, '00:50:56:a1:10:01', onDvPortgroup('dvportgroup-20', '101'))], [GUEST_MAC]);
  const inv = inventory([esx01], [web], [dvs]);
  const finding = only(audit(inv, evidence()).findings, 'web1');

  it('is at risk, with NSX named as where its MAC policy is set, not the Reject vCenter shows', () => {
    expect(finding.kind).toBe('mac-change-at-risk');
    expect(finding.policy).toEqual({ macChanges: 'unknown', source: 'nsx' });
    expect(finding.summary).toMatch(/NSX segment "seg-web"/);
    expect(finding.summary).toMatch(/MAC discovery profile/);
  });

  it('is offered pin-mac alone; the vSphere changes are not offered, each with NSX as the reason', () => {
    expect(finding.remedies.map((r) => r.strategy)).toEqual(['pin-mac']);
    const reasons = new Map(finding.notOffered!.map((n) => [n.strategy, n.reason]));
    for (const s of ['portgroup-accept', 'dedicated-portgroup', 'mac-learning'] as const) expect(reasons.get(s)).toMatch(/NSX/);
  });

  it('plans no dvPortgroup change for it, even when portgroup-accept is asked for by name', () => {
    const p = plan(inv, [finding], new Map([[finding.id, 'portgroup-accept']]), { now: new Date(0) });
    expect(p.changes).toEqual([]);
    expect(p.skipped[0]!.reason).toMatch(/NSX/);
  });

  it('is blocked when ESXi blocked its port, even where vCenter shows Accept for the segment', () => {
    const lab = vm('vm-2', 'lab1', 'host-1', [nic(4000, '00:50:56:a1:10:02', onDvPortgroup('dvportgroup-21', '102'))], [GUEST_MAC]);
    const blocked: DvPortState = {
      dvsUuid: '50 11 22 33', portKey: '102', portgroupKey: 'dvportgroup-21', blocked: true, adminBlocked: false,
      statusDetail: 'guest MAC change disallowed', macAddress: null, vm: 'vm-2', nicKey: 4000, setting: null,
    };
    const f = only(audit(inventory([esx01], [lab], [dvs]), evidence([], [blocked])).findings, 'lab1');
    expect(f.kind).toBe('mac-change-blocked');
    expect(f.policy.source).toBe('nsx');
    expect(f.remedies.map((r) => r.strategy)).toEqual(['pin-mac']);
  });

  it('is never an unneeded Accept: the Accept vCenter shows there is not a vSphere setting to tighten', () => {
    const idle = vm('vm-3', 'idle1', 'host-1', [nic(4000, '00:50:56:a1:10:03', onDvPortgroup('dvportgroup-21', '103'))]);
    const unneeded = audit(inventory([esx01], [idle], [dvs]), evidence()).findings.filter((f) => f.kind === 'mac-accept-unneeded');
    expect(unneeded.map((f) => f.portgroup?.name)).not.toContain('seg-lab');
  });
});

describe('a NIC on an NSX-T opaque network (N-VDS)', () => {
  const app = vm('vm-4', 'app1', 'host-1', [opaqueNic(4000, '00:50:56:a1:10:04')], [GUEST_MAC]);
  const line = event('esx01', `2024-05-14T09:21:07.123Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client app1 requested mac address change to ${GUEST_MAC} on port 0x4000010, disallowed by vswitch policy`);
  const result = audit(inventory([esx01], [app]), evidence([line]));

  it('is blocked when a line names it, not put in history as a NIC "no longer" on a portgroup', () => {
    expect(result.history).toEqual([]);
    const f = only(result.findings, 'app1');
    expect(f.kind).toBe('mac-change-blocked');
    expect(f.policy.source).toBe('nsx');
    expect(f.summary).toMatch(/NSX/);
    expect(f.remedies.map((r) => r.strategy)).toEqual(['pin-mac']);
  });

  it('is at risk on the guest MAC alone, with the opaque network named by its id where the host does not name it', () => {
    const f = only(audit(inventory([esx01], [app]), evidence()).findings, 'app1');
    expect(f.kind).toBe('mac-change-at-risk');
    expect(f.portgroup?.name).toMatch(/3b8f0e4c/);
  });

  it('is named as its host names the segment (config.network.opaqueNetwork)', () => {
    const segment = { _typeName: 'HostOpaqueNetworkInfo', opaqueNetworkId: '3b8f0e4c-55d1-4c2a-9d8a-5c7e6b1f0a22', opaqueNetworkName: 'seg-app', opaqueNetworkType: 'nsx.LogicalSwitch' };
    const f = only(audit(inventory([{ ...esx01, opaqueNetworks: [segment] }], [app]), evidence()).findings, 'app1');
    expect(f.portgroup?.name).toBe('seg-app');
    expect(f.summary).toMatch(/NSX segment "seg-app"/);
    expect(f.notOffered!.find((n) => n.strategy === 'portgroup-accept')!.reason).toMatch(/NSX segment "seg-app"/);
  });
});

describe('an SR-IOV adapter (VirtualSriovEthernetCard)', () => {
  const fast = vm('vm-5', 'fast1', 'host-1', [sriovNic(4000, '00:50:56:a1:10:05')], [GUEST_MAC]);
  const f = only(audit(inventory([esx01], [fast]), evidence()).findings, 'fast1');

  it('is offered pin-mac alone: its physical NIC driver checks the MAC, and may not honour a portgroup Accept', () => {
    expect(f.kind).toBe('mac-change-at-risk');
    expect(f.remedies.map((r) => r.strategy)).toEqual(['pin-mac']);
    const reasons = new Map(f.notOffered!.map((n) => [n.strategy, n.reason]));
    for (const s of ['portgroup-accept', 'dedicated-portgroup', 'vswitch-accept'] as const) expect(reasons.get(s)).toMatch(/SR-IOV/);
  });
});

describe('a NIC on a network this inventory cannot read', () => {
  const old = event('esx01', `2024-05-14T09:21:07.123Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client old1 requested mac address change to ${GUEST_MAC} on port 0x2000010, disallowed by vswitch policy`);
  // A standalone ESXi host that is a member of a vCenter's distributed switch: ESXi's API lists no DVS.
  const esxi = { ...inventory([esx01], []), endpoint: { host: 'esx01', apiType: 'HostAgent', apiVersion: '8.0.2.0', fullName: 'VMware ESXi 8.0.2' } };
  const onVds = vm('vm-6', 'db1', 'host-1', [nic(4000, '00:50:56:a1:10:06', { kind: 'distributed', switchUuid: '50 aa bb cc', portgroupKey: 'dvportgroup-9', portKey: '12' })]);
  const line = event('esx01', `2024-05-14T09:21:07.123Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client db1 requested mac address change to ${GUEST_MAC} on port 0x6000010, disallowed by vswitch policy`);

  it('is blocked when a line names it, with why vmfix cannot see or change its policy, not history', () => {
    const result = audit({ ...esxi, vms: [onVds] }, evidence([line]));
    expect(result.history).toEqual([]);
    const f = only(result.findings, 'db1');
    expect(f.kind).toBe('mac-change-blocked');
    expect(f.remedies).toEqual([]);
    expect(f.summary).toMatch(/distributed switch 50 aa bb cc.*vCenter/);
  });

  it('running, with a guest on another MAC and no line, is at risk with why vmfix cannot read its policy, not left out', () => {
    const changed = vm('vm-6', 'db1', 'host-1', [...onVds.nics], [GUEST_MAC]);
    const throughEsxi = only(audit({ ...esxi, vms: [changed] }, evidence()).findings, 'db1');
    expect(throughEsxi).toMatchObject({ kind: 'mac-change-at-risk', severity: 'warning', remedies: [], policy: { macChanges: 'unknown' } });
    expect(throughEsxi.summary).toMatch(/distributed switch 50 aa bb cc.*only the vCenter/);
    expect(throughEsxi.evidence.map((e) => e.type)).toEqual(['guest-mac-mismatch']);
    // Through vCenter, a user without System.Read on the network folder is shown the VM but not its switch.
    const hidden = only(audit(inventory([esx01], [changed]), evidence()).findings, 'db1');
    expect(hidden.summary).toMatch(/does not show this user/);
    // Back on its configured MAC, or off (guest.net is stale then), there is nothing to say.
    expect(audit(inventory([esx01], [onVds]), evidence()).findings).toEqual([]);
    expect(audit(inventory([esx01], [{ ...changed, powerState: 'poweredOff' }]), evidence()).findings).toEqual([]);
  });

  it('on a portgroup its host does not have, with a port the host still lists, is blocked and says where', () => {
    const orphan = vm('vm-7', 'old1', 'host-1', [nic(4000, '00:50:56:a1:10:07', onStandard('VLAN-Old'))]);
    const listed = host('host-1', 'esx01', [vswitch('vSwitch0', false)], [portgroup('VM Network', 'vSwitch0', undefined, false, [{ id: 0x2000010, mac: '00:50:56:a1:10:07' }])]);
    const f = only(audit(inventory([listed], [orphan]), evidence([old])).findings, 'old1');
    expect(f.kind).toBe('mac-change-blocked');
    expect(f.summary).toMatch(/"VLAN-Old", which esx01 does not have/);
  });

  it('on a portgroup its host does not have, with no port the host lists, is history that says so', () => {
    const orphan = vm('vm-7', 'old1', 'host-1', [nic(4000, '00:50:56:a1:10:07', onStandard('VLAN-Old'))]);
    const result = audit(inventory([esx01], [orphan]), evidence([old]));
    expect(result.findings.filter((f) => f.vm?.name === 'old1')).toEqual([]);
    expect(result.history.map((h) => h.why)).toEqual(['esx01 has no portgroup "VLAN-Old" and lists no port for Network adapter 1 now']);
  });
});

describe('a powered-off VM ESXi blocked on one of its NICs on NSX segments', () => {
  it('is still reported: an NSX segment is not known to allow MAC changes', () => {
    const off = vm('vm-8', 'off1', 'host-1', [nic(4000, '00:50:56:a1:10:08', onDvPortgroup('dvportgroup-20')), nic(4001, '00:50:56:a1:10:09', onDvPortgroup('dvportgroup-21'))], [], { powerState: 'poweredOff' });
    const line = event('esx01', '2024-05-14T09:21:07.123Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client off1 has policy violations on port 0x6000020. Port is blocked');
    const result = audit(inventory([esx01], [off], [dvs]), evidence([line]));
    expect(result.history).toEqual([]);
    expect(only(result.findings, 'off1').summary).toMatch(/2 of them on NSX segments/);
  });
});

describe('a powered-off VM ESXi blocked on one of its NICs on networks vmfix cannot read', () => {
  it('is still reported, never "every NIC allows MAC changes now"', () => {
    const off = vm('vm-9', 'off2', 'host-1', [nic(4000, '00:50:56:a1:10:0a', onStandard('VLAN-Old')), nic(4001, '00:50:56:a1:10:0b', onStandard('VLAN-Gone'))], [], { powerState: 'poweredOff' });
    const line = event('esx01', '2024-05-14T09:21:07.123Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client off2 has policy violations on port 0x2000020. Port is blocked');
    const result = audit(inventory([esx01], [off]), evidence([line]));
    expect(result.history).toEqual([]);
    expect(only(result.findings, 'off2').summary).toMatch(/2 of them on networks whose policy vmfix cannot read/);
  });
});
