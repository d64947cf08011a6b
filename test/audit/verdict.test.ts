// The verdict issue's measured cases, on hand-built inventories: a log line
// is tied to a NIC only by what identifies it now (its port, the MAC its
// guest uses, a one-NIC VM), never by elimination; lines about a port, MAC
// or policy the NIC no longer has are history; a VM blocked and then
// powered off is reported; a nested hypervisor needs forged transmits too.
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import { parseVmkernelLine, type L2SecEvent } from '../../src/evidence/vmkernel-log.js';
import type { Host, Vm } from '../../src/inventory/model.js';
import { dvPortgroup, dvSwitch, host, inventory, macPolicy, nic, onDvPortgroup, onStandard, portgroup, vm, vswitch } from '../helpers/inventory.js';

const NLB_MAC = '02:bf:0a:00:00:15';
const WEB_NIC1 = '00:50:56:a1:00:01';
const WEB_NIC2 = '00:50:56:a1:01:01';
const T = '2026-12-01T09:21:07.123Z';

function events(source: string, ...lines: string[]): L2SecEvent[] {
  return lines.map((line) => {
    const parsed = parseVmkernelLine(line)!;
    return { ...parsed, source, count: 1, firstTime: parsed.time, lastTime: parsed.time };
  });
}

function evidence(vmkernel: L2SecEvent[], extra: Partial<EvidenceSet> = {}): EvidenceSet {
  return { vmkernel, dvPorts: [], notes: [], problems: [], sources: [], portClients: [], unparsed: { count: 0, samples: [] }, ...extra };
}

/** The incident KB 344495 shows, as ESXi 8 writes it: web01's NLB guest asks for the cluster MAC on its port. */
const incident = (port: string) => events(
  'esx01',
  `${T} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client web01 requested mac address change to ${NLB_MAC} on port ${port}, disallowed by vswitch policy`,
  `${T} In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client web01 has policy violations on port ${port}. Port is blocked`,
  `${T} In(182) vmkernel: cpu3:4099)etherswitch: L2Sec_EnforcePortCompliance: ${port}: peer not allowed to change address, blocking port`,
);

/** esx01 (standard switches only): web01 with NIC 1 on NLB (Reject) and NIC 2 on Management (Reject). */
function estate(opts: { nlbPorts: { id: number; mac: string }[]; nic1On?: string; nlbAccept?: boolean; web01?: Partial<Vm> }): { hosts: Host[]; vms: Vm[] } {
  const pgs = [
    portgroup('NLB', 'vSwitch0', opts.nlbAccept ? true : undefined, Boolean(opts.nlbAccept), opts.nlbPorts),
    portgroup('NLB-macchg', 'vSwitch0', true, true, opts.nic1On === 'NLB-macchg' ? [{ id: 0x4000007, mac: WEB_NIC1 }] : []),
    portgroup('Management', 'vSwitch0', undefined, false, [{ id: 0x4000005, mac: WEB_NIC2 }]),
  ];
  const esx01 = host('host-1', 'esx01.corp.example', [vswitch('vSwitch0', false)], pgs);
  const web01 = vm('vm-1', 'web01', 'host-1', [nic(4000, WEB_NIC1, onStandard(opts.nic1On ?? 'NLB')), nic(4001, WEB_NIC2, onStandard('Management'))], [NLB_MAC, undefined as never], opts.web01);
  return { hosts: [esx01], vms: [web01] };
}

const ids = (r: ReturnType<typeof audit>) => r.findings.filter((f) => f.vm).map((f) => `${f.kind} ${f.vm!.name} ${f.nic!.label} ${f.id}`);

describe('before and after a fix', () => {
  const before = (() => {
    const { hosts, vms } = estate({ nlbPorts: [{ id: 0x4000004, mac: WEB_NIC1 }] });
    return audit(inventory(hosts, vms), evidence(incident('0x4000004')));
  })();

  it('before: one critical finding, on the NIC whose port the lines name, with all three lines as its evidence', () => {
    expect(ids(before)).toEqual([expect.stringMatching(/^mac-change-blocked web01 Network adapter 1 /)]);
    expect(before.findings[0]!.evidence.filter((e) => e.type === 'vmkernel-log')).toHaveLength(3);
    expect(before.history).toEqual([]);
  });

  it('after dedicated-portgroup moved NIC 1: nothing about NIC 2, and the old lines are history with their time', () => {
    const { hosts, vms } = estate({ nlbPorts: [], nic1On: 'NLB-macchg' });
    const after = audit(inventory(hosts, vms), evidence(incident('0x4000004')));
    expect(after.findings.filter((f) => f.vm)).toEqual([]);
    expect(after.history).toEqual([
      expect.objectContaining({ vm: { name: 'web01', moref: 'vm-1' }, nic: { label: 'Network adapter 1', key: 4000 }, port: '0x4000004', lastTime: T, why: 'port 0x4000004 is no longer its port (now 0x4000007)' }),
    ]);
  });

  it('after portgroup-accept: the same lines are history, as the policy now allows the change', () => {
    const { hosts, vms } = estate({ nlbPorts: [{ id: 0x4000004, mac: WEB_NIC1 }], nlbAccept: true });
    const after = audit(inventory(hosts, vms), evidence(incident('0x4000004')));
    expect(after.findings.filter((f) => f.vm)).toEqual([]);
    expect(after.history.map((h) => h.why)).toEqual(['MAC address changes is Accept on "NLB" now']);
  });

  it('after a rollback: the same finding, with the same id', () => {
    const { hosts, vms } = estate({ nlbPorts: [{ id: 0x4000004, mac: WEB_NIC1 }] });
    const again = audit(inventory(hosts, vms), evidence(incident('0x4000004')));
    expect(ids(again)).toEqual(ids(before));
  });

  it('after pin-mac: the MAC the guest asked for is its own now, so the lines are history', () => {
    const { hosts, vms } = estate({ nlbPorts: [{ id: 0x4000009, mac: NLB_MAC }] });
    const pinned = { ...vms[0]!, nics: [nic(4000, NLB_MAC, onStandard('NLB')), vms[0]!.nics[1]!] };
    const after = audit(inventory(hosts, [pinned]), evidence(incident('0x4000004')));
    expect(after.findings.filter((f) => f.vm)).toEqual([]);
    expect(after.history).toHaveLength(1);
  });
});

describe('never by elimination', () => {
  it('a line that names a two-NIC VM but neither its port nor a MAC it uses now is history, not a finding on the other NIC', () => {
    const { hosts, vms } = estate({ nlbPorts: [] });
    const noMacs = { ...vms[0]!, guestNics: [] };
    const lines = events('esx01', `${T} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client web01 has policy violations on port 0x4000004. Port is blocked`);
    const result = audit(inventory(hosts, [noMacs]), evidence(lines));
    expect(result.findings.filter((f) => f.vm)).toEqual([]);
    expect(result.history.map((h) => h.why)).toEqual(['it names web01 but neither a port nor a MAC of one of its 2 NICs now']);
  });

  it('a line naming only a port no NIC has on a standard-only host is history; on a DVS member it is said as a port, not pinned on a NIC', () => {
    const { hosts, vms } = estate({ nlbPorts: [{ id: 0x4000004, mac: WEB_NIC1 }] });
    const peer = events('esx01', `${T} cpu3:4099)etherswitch: L2Sec_EnforcePortCompliance: 0x40000aa: peer not allowed to change address, blocking port`);
    const standard = audit(inventory(hosts, vms), evidence(peer));
    expect(standard.findings.filter((f) => !f.vm && f.kind !== 'mac-accept-unneeded')).toEqual([]);
    expect(standard.history.map((h) => h.why)).toEqual(['port 0x40000aa no longer exists on esx01.corp.example']);

    const dvs = { ...dvSwitch([dvPortgroup('dvportgroup-10', 'DPG-Apps', macPolicy(false))]), hosts: ['host-1'] };
    const member = audit(inventory(hosts, vms, [dvs]), evidence(peer));
    const portLevel = member.findings.filter((f) => !f.vm && f.kind !== 'mac-accept-unneeded');
    expect(portLevel.map((f) => [f.kind, f.severity, f.host?.name])).toEqual([['mac-change-blocked', 'warning', 'esx01.corp.example']]);
    expect(portLevel[0]!.summary).toMatch(/port 0x40000aa on esx01\.corp\.example .*no NIC vCenter lists can be tied to that port/);
  });

  it('a VM that runs on another host now: the line from its old host is history', () => {
    const { hosts, vms } = estate({ nlbPorts: [] });
    const esx02 = host('host-2', 'esx02.corp.example', [vswitch('vSwitch0', false)], [portgroup('NLB', 'vSwitch0', undefined, false, [{ id: 0x2000004, mac: WEB_NIC1 }])]);
    const moved = { ...vms[0]!, host: 'host-2' };
    const result = audit(inventory([...hosts, esx02], [moved]), evidence(incident('0x4000004')));
    expect(result.findings.filter((f) => f.vm && f.severity !== 'info')).toEqual([expect.objectContaining({ kind: 'mac-change-at-risk' })]);
    expect(result.history.map((h) => h.why)).toEqual(['web01 runs on esx02.corp.example now, not on esx01.corp.example where the line was written']);
  });

  it('ties lines to a VM whose name vSphere escapes (web/app is web%2fapp), and to a host the syslog head names short', () => {
    const { hosts } = estate({ nlbPorts: [{ id: 0x4000004, mac: WEB_NIC1 }] });
    const escaped = vm('vm-2', 'web%2fapp', 'host-1', [nic(4000, WEB_NIC1, onStandard('NLB'))], [NLB_MAC]);
    const line = `May 14 09:21:07 esx01 vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client web/app requested mac address change to ${NLB_MAC} on port 0x4000004, disallowed by vswitch policy`;
    const result = audit(inventory(hosts, [escaped]), evidence(events('/var/log/collector/esx.log', line)));
    expect(result.findings.filter((f) => f.vm).map((f) => [f.kind, f.vm!.name])).toEqual([['mac-change-blocked', 'web%2fapp']]);
  });
});

describe('powered-off VMs', () => {
  it('a VM blocked before it was powered off is reported, as a warning, with pin-mac first', () => {
    const { hosts, vms } = estate({ nlbPorts: [] });
    const off = vm('vm-3', 'lic01', 'host-1', [nic(4000, '00:50:56:a1:00:33', onStandard('NLB'))], ['00:50:56:3f:00:33'], { powerState: 'poweredOff' });
    const lines = events('esx01',
      `${T} cpu1:1)etherswitch: L2Sec_EnforcePortCompliance:247: client lic01 requested mac address change to 00:50:56:3f:00:33 on port 0x4000011, disallowed by vswitch policy`,
      `${T} cpu1:1)etherswitch: L2Sec_EnforcePortCompliance:356: client lic01 has policy violations on port 0x4000011. Port is blocked`,
    );
    const result = audit(inventory(hosts, [...vms, off]), evidence(lines));
    const lic = result.findings.find((f) => f.vm?.name === 'lic01')!;
    expect(lic).toMatchObject({ kind: 'mac-change-blocked', severity: 'warning', vm: { powerState: 'poweredOff' } });
    expect(lic.summary).toMatch(/before the VM was powered off, and will be blocked again when it runs/);
    expect(lic.remedies[0]).toMatchObject({ strategy: 'pin-mac', mac: '00:50:56:3f:00:33' });
    expect(lic.remedies[0]!.notes.join(' ')).not.toMatch(/must be powered off/);
  });

  it('a powered-off VM with only a stale guest MAC is not a finding', () => {
    const { hosts } = estate({ nlbPorts: [] });
    const off = vm('vm-3', 'lic01', 'host-1', [nic(4000, '00:50:56:a1:00:33', onStandard('NLB'))], ['00:50:56:3f:00:33'], { powerState: 'poweredOff' });
    expect(audit(inventory(hosts, [off]), evidence([])).findings.filter((f) => f.vm)).toEqual([]);
  });
});

describe('nested hypervisors', () => {
  const nestedOn = (forgedTransmits: boolean) => {
    const setting = macPolicy(true);
    setting.macManagementPolicy!.forgedTransmits = forgedTransmits;
    const dvs = { ...dvSwitch([dvPortgroup('dvportgroup-20', 'DPG-Nested', setting)]), hosts: ['host-1'] };
    const { hosts } = estate({ nlbPorts: [] });
    const esxi = vm('vm-9', 'nested-esx7', 'host-1', [nic(4000, '00:50:56:a1:00:99', onDvPortgroup('dvportgroup-20', '9'))], ['00:0c:29:7e:a1:04'], { guestId: 'vmkernel7Guest' });
    return audit(inventory(hosts, [esxi], [dvs]), evidence([])).findings.filter((f) => f.vm);
  };

  it('with MAC changes Accept but Forged transmits Reject, is still at risk, and every remedy sets forged transmits too', () => {
    const [finding, ...rest] = nestedOn(false);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ kind: 'mac-change-at-risk', severity: 'warning', policy: { macChanges: 'accept' } });
    expect(finding!.summary).toMatch(/nested hypervisor.*Forged transmits is Reject/);
    for (const r of finding!.remedies) expect(r.notes.join(' ')).toMatch(/also sets Forged transmits = Accept/);
  });

  it('is resolved only once Forged transmits is Accept as well', () => {
    expect(nestedOn(true)).toEqual([]);
  });
});

describe('what an adversarial run found', () => {
  it('a line naming a client vCenter does not know is tied by its port (a VM renamed while it ran)', () => {
    const { hosts, vms } = estate({ nlbPorts: [{ id: 0x4000004, mac: WEB_NIC1 }] });
    const renamed = { ...vms[0]!, name: 'web01-new', guestNics: [] };
    const line = events('esx01', `${T} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client web01 has policy violations on port 0x4000004. Port is blocked`);
    const result = audit(inventory(hosts, [renamed]), evidence(line));
    expect(result.findings.filter((f) => f.vm).map((f) => [f.kind, f.vm!.name, f.nic!.label])).toEqual([['mac-change-blocked', 'web01-new', 'Network adapter 1']]);
  });

  it('two VMs of one name on one host: the port says which', () => {
    const { hosts } = estate({ nlbPorts: [{ id: 0x4000004, mac: '00:50:56:a1:00:02' }] });
    const first = vm('vm-1', 'app01', 'host-1', [nic(4000, '00:50:56:a1:00:01', onStandard('NLB'))], [null]);
    const second = vm('vm-2', 'app01', 'host-1', [nic(4000, '00:50:56:a1:00:02', onStandard('NLB'))], [null]);
    const line = events('esx01', `${T} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client app01 has policy violations on port 0x4000004. Port is blocked`);
    const result = audit(inventory(hosts, [first, second]), evidence(line));
    expect(result.findings.filter((f) => f.vm).map((f) => f.vm!.moref)).toEqual(['vm-2']);
  });

  it('a two-NIC VM blocked and then powered off is reported for the VM, no NIC guessed', () => {
    const { hosts, vms } = estate({ nlbPorts: [] });
    const off = { ...vms[0]!, powerState: 'poweredOff', guestNics: [] };
    const line = events('esx01', `${T} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client web01 has policy violations on port 0x4000009. Port is blocked`);
    const result = audit(inventory(hosts, [off]), evidence(line));
    const finding = result.findings.find((f) => f.vm?.name === 'web01')!;
    expect(finding).toMatchObject({ kind: 'mac-change-blocked', severity: 'warning', nic: null });
    expect(finding.summary).toMatch(/one of its 2 NICs .*will be blocked again when it runs/);
  });

  it('a guest back on its configured MAC, its dvPort forwarding again: a warning that it was blocked, no pin-mac to the MAC it left', () => {
    const { hosts } = estate({ nlbPorts: [] });
    const dvs = { ...dvSwitch([dvPortgroup('dvportgroup-10', 'DPG-Web', macPolicy(false))]), hosts: ['host-1'] };
    const back = vm('vm-1', 'web01', 'host-1', [nic(4000, WEB_NIC1, onDvPortgroup('dvportgroup-10', '7'))]);
    const port = { dvsUuid: '50 11 22 33', portKey: '7', portgroupKey: 'dvportgroup-10', blocked: false, adminBlocked: false, statusDetail: null, macAddress: WEB_NIC1, vm: 'vm-1', nicKey: 4000, setting: null };
    const lines = events('esx01', `${T} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client web01 requested mac address change to ${NLB_MAC} on port 0x6000007, disallowed by vswitch policy`);
    const result = audit(inventory(hosts, [back], [dvs]), evidence(lines, { dvPorts: [port] }));
    const [finding] = result.findings.filter((f) => f.vm);
    expect(finding).toMatchObject({ kind: 'mac-change-blocked', severity: 'warning' });
    expect(finding!.summary).toMatch(/back on the configured MAC now/);
    expect(finding!.remedies.map((r) => r.strategy)).not.toContain('pin-mac');
  });

  it('guest info that shows the configured MAC after a block on a standard port is not taken as released (old Tools may show it)', () => {
    const { hosts } = estate({ nlbPorts: [{ id: 0x4000004, mac: WEB_NIC1 }] });
    const back = vm('vm-1', 'web01', 'host-1', [nic(4000, WEB_NIC1, onStandard('NLB'))]);
    const result = audit(inventory(hosts, [back]), evidence(incident('0x4000004')));
    expect(result.findings.filter((f) => f.vm).map((f) => f.severity)).toEqual(['critical']);
  });
  it('a line naming a VM that runs on another host now is not pinned on the VM holding its old port number here', () => {
    // alpha was blocked on esx01's port 0x4000004, then moved to esx02; bravo powered on later and got that port number.
    const { hosts } = estate({ nlbPorts: [{ id: 0x4000004, mac: '00:50:56:a1:00:02' }] });
    const esx02 = host('host-2', 'esx02.corp.example', [vswitch('vSwitch0', false)], [portgroup('NLB', 'vSwitch0', undefined, false, [{ id: 0x2000004, mac: '00:50:56:a1:00:01' }])]);
    const alpha = vm('vm-1', 'alpha', 'host-2', [nic(4000, '00:50:56:a1:00:01', onStandard('NLB'))]);
    const bravo = vm('vm-2', 'bravo', 'host-1', [nic(4000, '00:50:56:a1:00:02', onStandard('NLB'))], [], { bootTime: new Date(Date.parse(T) + 3600_000).toISOString() });
    const lines = events('esx01', `${T} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client alpha has policy violations on port 0x4000004. Port is blocked`);
    const result = audit(inventory([...hosts, esx02], [alpha, bravo]), evidence(lines));
    expect(result.findings.filter((f) => f.vm)).toEqual([]);
    expect(result.history.map((h) => h.why)).toEqual(['alpha runs on esx02.corp.example now, not on esx01.corp.example where the line was written']);
  });

  it('a line naming web01 on a port web01-old has held since before it: the VM renamed, or the port given out again; without vCenter\'s renames both are candidates, with them web01-old', () => {
    // web01 was blocked on 0x4000004 and renamed web01-old; another VM was renamed web01 an hour later.
    const { hosts } = estate({ nlbPorts: [{ id: 0x4000004, mac: WEB_NIC1 }, { id: 0x4000006, mac: WEB_NIC2 }] });
    const earlier = new Date(Date.parse(T) - 3600_000).toISOString();
    const later = new Date(Date.parse(T) + 3600_000).toISOString();
    const oldOne = vm('vm-1', 'web01-old', 'host-1', [nic(4000, WEB_NIC1, onStandard('NLB'))], [null], { bootTime: earlier });
    const newOne = vm('vm-2', 'web01', 'host-1', [nic(4000, WEB_NIC2, onStandard('NLB'))], [], { bootTime: earlier });
    const unknown = audit(inventory(hosts, [oldOne, newOne]), evidence(incident('0x4000004')));
    expect(unknown.findings.filter((f) => f.kind !== 'mac-accept-unneeded').map((f) => [f.severity, f.vm?.name ?? null, f.candidates?.map((c) => c.name)])).toEqual([['warning', null, ['web01-old', 'web01']]]);
    expect(unknown.history).toEqual([]);
    const renames = [
      { key: 7, type: 'VmRenamedEvent' as const, time: later, vm: 'vm-1', oldName: 'web01', newName: 'web01-old' },
      { key: 8, type: 'VmRenamedEvent' as const, time: later, vm: 'vm-2', oldName: 'web02', newName: 'web01' },
    ];
    const known = audit(inventory(hosts, [oldOne, newOne]), evidence(incident('0x4000004'), { vmNameEvents: renames }));
    expect(known.findings.filter((f) => f.kind !== 'mac-accept-unneeded').map((f) => [f.kind, f.severity, f.vm?.name ?? null])).toEqual([['mac-change-blocked', 'critical', 'web01-old']]);
  });

  it('a line naming web01 on a port another VM holds, where vCenter\'s renames show none: web01 moved away and back, the port is the other\'s, history', () => {
    const { hosts } = estate({ nlbPorts: [{ id: 0x4000004, mac: WEB_NIC2 }, { id: 0x4000006, mac: WEB_NIC1 }] });
    const earlier = new Date(Date.parse(T) - 3600_000).toISOString();
    const web01 = vm('vm-1', 'web01', 'host-1', [nic(4000, WEB_NIC1, onStandard('NLB'))], [null], { bootTime: earlier });
    const app01 = vm('vm-2', 'app01', 'host-1', [nic(4000, WEB_NIC2, onStandard('NLB'))], [], { bootTime: earlier });
    const result = audit(inventory(hosts, [web01, app01]), evidence(incident('0x4000004'), { vmNameEvents: [] }));
    expect(result.findings.filter((f) => f.kind !== 'mac-accept-unneeded')).toEqual([]);
    expect(result.history.map((h) => [h.vm?.name, h.why])).toEqual([['web01', 'port 0x4000004 is no longer its port (now 0x4000006)']]);
  });

  it('a line about a NIC that is disconnected now is history: a disconnected NIC has no port to block', () => {
    const { hosts } = estate({ nlbPorts: [] });
    const web = vm('vm-1', 'web01', 'host-1', [{ ...nic(4000, WEB_NIC1, onStandard('NLB')), connected: false }]);
    const result = audit(inventory(hosts, [web]), evidence(incident('0x4000004')));
    expect(result.findings.filter((f) => f.vm)).toEqual([]);
    expect(result.history.map((h) => h.why)).toEqual(['Network adapter 1 is disconnected now']);
  });
  it('a line older than the power-on of the VM holding that port number now is history: ESXi gave the number out again', () => {
    // A VM blocked on 0x4000004 was deleted (or made a template); web02 powered on an hour later and got the same port id.
    const { hosts } = estate({ nlbPorts: [{ id: 0x4000004, mac: WEB_NIC1 }] });
    const later = new Date(Date.parse(T) + 3600_000).toISOString();
    const web02 = vm('vm-2', 'web02', 'host-1', [nic(4000, WEB_NIC1, onStandard('NLB'))], [], { bootTime: later });
    const lines = events(
      'esx01',
      `${T} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client old-nlb01 has policy violations on port 0x4000004. Port is blocked`,
      `${T} cpu3:4099)etherswitch: L2Sec_EnforcePortCompliance: 0x4000004: peer not allowed to change address, blocking port`,
    );
    const result = audit(inventory(hosts, [web02]), evidence(lines));
    expect(result.findings.filter((f) => f.vm)).toEqual([]);
    expect(result.history.map((h) => h.why)).toEqual([`the line is older than web02's power-on at ${later}: port 0x4000004 was another connection then`]);
    // Logged after its power-on, the same lines are about web02.
    const booted = audit(inventory(hosts, [{ ...web02, bootTime: new Date(Date.parse(T) - 3600_000).toISOString() }]), evidence(lines));
    expect(booted.findings.filter((f) => f.vm).map((f) => [f.kind, f.vm!.name])).toEqual([['mac-change-blocked', 'web02']]);
  });
});

describe('VMs of one name (vCenter keeps names unique per folder, not per host)', () => {
  // Two app01s in different folders, both on esx01, each one NIC on a dvPortgroup that rejects: the
  // line's port is a proxy-switch id vCenter does not list, and neither guest uses the MAC asked for.
  const twins = () => {
    const { hosts } = estate({ nlbPorts: [] });
    const dvs = { ...dvSwitch([dvPortgroup('dvportgroup-10', 'DPG-Apps', macPolicy(false))]), hosts: ['host-1', 'host-2'] };
    const esx02 = host('host-2', 'esx02.corp.example', [vswitch('vSwitch0', false)], []);
    const a = vm('vm-1', 'app01', 'host-1', [nic(4000, '00:50:56:a1:00:01', onDvPortgroup('dvportgroup-10', '1'))]);
    const b = vm('vm-2', 'app01', 'host-1', [nic(4000, '00:50:56:a1:00:02', onDvPortgroup('dvportgroup-10', '2'))]);
    const c = vm('vm-3', 'app01', 'host-2', [nic(4000, '00:50:56:a1:00:03', onDvPortgroup('dvportgroup-10', '3'))]);
    return { hosts: [...hosts, esx02], vms: [a, b, c], dvs };
  };
  const line = (client: string) => events('esx01', `${T} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client ${client} requested mac address change to ${NLB_MAC} on port 0x6000012, disallowed by vswitch policy`);

  it('two on the host that wrote the line, neither port nor MAC saying which: a warning that names both, no NIC guessed, not history', () => {
    const { hosts, vms, dvs } = twins();
    const result = audit(inventory(hosts, vms, [dvs]), evidence(line('app01')));
    expect(result.history).toEqual([]);
    const blocked = result.findings.filter((f) => f.kind === 'mac-change-blocked');
    expect(blocked.map((f) => [f.severity, f.vm, f.nic, f.host?.name])).toEqual([['warning', null, null, 'esx01.corp.example']]);
    expect(blocked[0]!.summary).toMatch(/2 VMs on esx01\.corp\.example are named app01 \(vm-1, vm-2\).*cannot tell which/);
    expect(blocked[0]!.candidates).toEqual([{ name: 'app01', moref: 'vm-1' }, { name: 'app01', moref: 'vm-2' }]);
    expect(blocked[0]!.remedies).toEqual([]);
  });

  it('the guest MAC says which: that one, and never the namesake on the other host', () => {
    const { hosts, vms, dvs } = twins();
    const uses = vms.map((v) => (v.moref === 'vm-2' ? { ...v, guestNics: [{ deviceConfigId: 4000, macAddress: NLB_MAC, network: null, connected: true }] } : v));
    const result = audit(inventory(hosts, uses, [dvs]), evidence(line('app01')));
    expect(result.findings.filter((f) => f.kind === 'mac-change-blocked').map((f) => [f.vm?.moref, f.severity])).toEqual([['vm-2', 'critical']]);
  });

  it('a line from a host none of them runs on now is history about all of them, not about the first', () => {
    const { hosts, vms, dvs } = twins();
    const fromEsx02 = events('esx02', `${T} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client app01 has policy violations on port 0x6000012. Port is blocked`);
    const result = audit(inventory(hosts, vms.filter((v) => v.host === 'host-1'), [dvs]), evidence(fromEsx02));
    expect(result.findings.filter((f) => f.kind === 'mac-change-blocked')).toEqual([]);
    expect(result.history.map((h) => [h.vm, h.why])).toEqual([[null, 'the 2 VMs named app01 run on esx01.corp.example now, none on esx02.corp.example where the line was written']]);
  });
});

describe('lines older than the VM now running under that name', () => {
  it('a VM rebuilt under the same name on a dvPortgroup, powered on after the line: the line is history, not blamed on the new VM', () => {
    // web01 was blocked, then deleted and rebuilt (new moref, new MAC) an hour later; its guest never changed a MAC.
    const { hosts } = estate({ nlbPorts: [] });
    const dvs = { ...dvSwitch([dvPortgroup('dvportgroup-10', 'DPG-Web', macPolicy(false))]), hosts: ['host-1'] };
    const later = new Date(Date.parse(T) + 3600_000).toISOString();
    const rebuilt = vm('vm-77', 'web01', 'host-1', [nic(4000, '00:50:56:a1:07:07', onDvPortgroup('dvportgroup-10', '7'))], [], { bootTime: later });
    const lines = events('esx01',
      `${T} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client web01 requested mac address change to ${NLB_MAC} on port 0x6000007, disallowed by vswitch policy`,
      `${T} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client web01 has policy violations on port 0x6000007. Port is blocked`,
    );
    const result = audit(inventory(hosts, [rebuilt], [dvs]), evidence(lines));
    expect(result.findings.filter((f) => f.kind === 'mac-change-blocked')).toEqual([]);
    expect(result.history.map((h) => [h.vm?.moref, h.why])).toEqual([['vm-77', `the line is older than web01's power-on at ${later}: its ports were connected anew since`]]);
    // Logged after its power-on, the same lines are about it.
    const before = new Date(Date.parse(T) - 3600_000).toISOString();
    const booted = audit(inventory(hosts, [{ ...rebuilt, bootTime: before }], [dvs]), evidence(lines));
    expect(booted.findings.filter((f) => f.kind === 'mac-change-blocked').map((f) => f.vm?.moref)).toEqual(['vm-77']);
  });
});

describe('a VM vCenter shows no NICs of', () => {
  it('a line naming a running VM whose devices vCenter did not return is a warning about that VM, not history about "one of its 0 NICs"', () => {
    const { hosts } = estate({ nlbPorts: [] });
    const hidden = vm('vm-8', 'hidden01', 'host-1', []);
    const line = events('esx01', `${T} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client hidden01 has policy violations on port 0x4000021. Port is blocked`);
    const unread = [{ moref: 'vm-8', type: 'VirtualMachine', name: 'hidden01', paths: ['config.hardware.device'], fault: 'NoPermission' }];
    const result = audit({ ...inventory(hosts, [hidden]), unread }, evidence(line));
    expect(result.history).toEqual([]);
    const blocked = result.findings.filter((f) => f.kind === 'mac-change-blocked');
    expect(blocked.map((f) => [f.vm?.name, f.nic, f.severity])).toEqual([['hidden01', null, 'warning']]);
    expect(blocked[0]!.summary).toMatch(/hidden01.*port 0x4000021.*vCenter shows none of its NICs/);
    // Read whole, with no NIC left (removed since the line): history.
    const removed = audit(inventory(hosts, [hidden]), evidence(line));
    expect(removed.findings.filter((f) => f.kind === 'mac-change-blocked')).toEqual([]);
    expect(removed.history.map((h) => h.why)).toEqual(['hidden01 has no NIC now']);
  });
});
