// The offline verdict: findings from log events alone, one per VM per host,
// with port-only lines tied to their VM where the logs or the host's listing
// allow, and never to the wrong one.
import { describe, expect, it } from 'vitest';

import { auditLogs as verdict } from '../../src/audit/offline.js';
import type { PortClient } from '../../src/evidence/types.js';
import type { L2SecEvent } from '../../src/evidence/vmkernel-log.js';

function event(fields: Partial<L2SecEvent> & Pick<L2SecEvent, 'message'>): L2SecEvent {
  const time = fields.time ?? '2024-05-14T09:00:00.000Z';
  return { time, line: `line ${fields.message} ${fields.vmName ?? fields.port}`, source: '/logs/vmkernel.log', count: 1, firstTime: time, lastTime: time, ...fields };
}
const change = (vmName: string, port: string, extra: Partial<L2SecEvent> = {}) =>
  event({ message: 'mac-change-requested', vmName, mac: '02:00:00:00:00:01', port, hostName: 'esx01', ...extra });
const blocked = (vmName: string, port: string, extra: Partial<L2SecEvent> = {}) => event({ message: 'policy-violation-blocked', vmName, port, hostName: 'esx01', ...extra });
const peer = (port: string, extra: Partial<L2SecEvent> = {}) => event({ message: 'peer-blocked', port, hostName: 'esx01', ...extra });
const listing = (port: string, client: string, extra: Partial<PortClient> = {}): PortClient => ({
  hostName: 'esx01',
  port,
  client,
  mac: null,
  time: null,
  source: 'esx01/commands/net-stats_-l.txt',
  ...extra,
});

const findingsOf = (...args: Parameters<typeof verdict>) => verdict(...args).findings;
const shape = (findings: ReturnType<typeof findingsOf>) => findings.map((f) => [f.vm?.name ?? null, f.host?.name ?? null, f.evidence.map((e) => (e.type === 'vmkernel-log' ? e.line : e.type))]);

describe('auditLogs (findings)', () => {
  it('merges the peer line with the client lines of the same port at the same moment: one finding, with the VM', () => {
    const findings = findingsOf([change('web01.eth0', '0x100000f'), blocked('web01.eth0', '0x100000f'), peer('0x100000f', { time: '2024-05-14T09:00:00.001Z', firstTime: '2024-05-14T09:00:00.001Z', lastTime: '2024-05-14T09:00:00.001Z' })]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ vm: { name: 'web01' }, host: { name: 'esx01' }, severity: 'critical' });
    expect(findings[0]!.evidence).toHaveLength(3);
    expect(findings[0]!.summary).toBe('ESXi blocked the port of VM "web01" on esx01 because its guest changed the MAC to 02:00:00:00:00:01 while MAC address changes is Reject.');
  });

  it("prefers the client line of the same moment to the host's listing, taken later when another VM may hold the port", () => {
    const findings = findingsOf([change('web01', '0x2000007'), peer('0x2000007')], [listing('0x2000007', 'db02.eth0')]);
    expect(shape(findings).map((f) => [f[0], (f[2] as string[]).length])).toEqual([['web01', 2]]);
  });

  it('falls back to a client line of the same port in the window when nothing else names it', () => {
    const later = { time: '2024-05-15T09:00:00.000Z', firstTime: '2024-05-15T09:00:00.000Z', lastTime: '2024-05-15T09:00:00.000Z' };
    expect(shape(findingsOf([change('web01', '0x2000007'), peer('0x2000007', later)])).map((f) => f[0])).toEqual(['web01']);
  });

  it('does not fall back to a client line of the port when a line between them shows the port enabled for another MAC', () => {
    // appA was blocked on 0x4000004 on the 10th; the port was enabled again on the 13th for another NIC, blocked on the 14th.
    const at = (time: string) => ({ time, firstTime: time, lastTime: time });
    const appA = [change('appA.eth0', '0x4000004', at('2024-05-10T08:00:00.000Z')), blocked('appA.eth0', '0x4000004', at('2024-05-10T08:00:00.001Z'))];
    const reenabled = listing('0x4000004', '', { client: null, mac: '00:50:56:aa:bb:cc', time: '2024-05-13T10:00:00.000Z', source: 'vmkernel.log' });
    const findings = findingsOf([...appA, peer('0x4000004', at('2024-05-14T09:21:07.123Z'))], [reenabled]);
    expect(shape(findings)).toEqual([
      [null, 'esx01', ['line peer-blocked 0x4000004']],
      ['appA', 'esx01', ['line mac-change-requested appA.eth0', 'line policy-violation-blocked appA.eth0']],
    ]);
    // The same VM connected to the port again in between: still that VM's.
    const again = listing('0x4000004', 'appA.eth0', { time: '2024-05-13T10:00:00.000Z', source: 'vmkernel.log' });
    expect(shape(findingsOf([...appA, peer('0x4000004', at('2024-05-14T09:21:07.123Z'))], [again])).map((f) => f[0])).toEqual(['appA']);
  });

  it("ties a lone peer line to the VM the host's listing shows on that port", () => {
    const findings = findingsOf([peer('0x2000007')], [listing('0x2000007', 'db 02.eth0')]);
    expect(findings.map((f) => [f.vm?.name, f.summary])).toEqual([
      ['db 02', 'ESXi blocked the port of VM "db 02" (port 0x2000007, tied to it by what the host listed on that port) on esx01 because its guest changed the MAC while MAC address changes is Reject.'],
    ]);
  });

  it('takes the client a "connected … portID" line put on the port before the block, not the listing taken after a reconnect', () => {
    const ports = [
      listing('0x2000007', 'late.eth0'),
      listing('0x2000007', 'early.eth0', { time: '2024-05-14T08:00:00.000Z', source: 'vmkernel.log' }),
      listing('0x2000007', 'late.eth0', { time: '2024-05-14T10:00:00.000Z', source: 'vmkernel.log' }),
    ];
    expect(shape(findingsOf([peer('0x2000007')], ports)).map((f) => f[0])).toEqual(['early']);
    // Before any line names the port, with a line after it showing the port changing hands: nobody can say.
    const before = peer('0x2000007', { firstTime: '2024-05-14T07:00:00.000Z', lastTime: '2024-05-14T07:00:00.000Z' });
    expect(shape(findingsOf([before], ports)).map((f) => f[0])).toEqual([null]);
  });

  it('ties a lone peer line of a log that names no host through that log\'s own port lines', () => {
    const noHost = { hostName: undefined, source: '/logs/vmkernel.log' };
    const ports = [listing('0x2000007', 'db02.eth0', { hostName: null, source: '/logs/vmkernel.log', time: '2024-05-14T08:00:00.000Z' })];
    expect(shape(findingsOf([peer('0x2000007', noHost)], ports)).map((f) => [f[0], f[1]])).toEqual([['db02', null]]);
    // The same port in another file is another host's.
    expect(shape(findingsOf([peer('0x2000007', { ...noHost, source: '/other/vmkernel.log' })], ports)).map((f) => f[0])).toEqual([null]);
  });

  it('ties a port known only by MAC through the listing that names that MAC', () => {
    const enabled = listing('0x2000007', '', { client: null, mac: '00:50:56:9a:00:07', time: '2024-05-14T08:00:00.000Z' });
    expect(shape(findingsOf([peer('0x2000007')], [enabled, listing('0x2000007', 'db02.eth0', { mac: '00:50:56:9a:00:07' })])).map((f) => f[0])).toEqual(['db02']);
    // The listing shows that NIC on another port now: the line is history.
    const moved = verdict([peer('0x2000007')], [enabled, listing('0x3000001', 'db02.eth0', { mac: '00:50:56:9a:00:07' })]);
    expect([moved.findings, moved.history.map((h) => [h.vm?.name, h.why])]).toEqual([[], [['db02', "the host's listing shows db02.eth0 on port 0x3000001, not on port 0x2000007"]]]);
  });

  it('keeps a port that nothing ties to a VM as "the VM on port …", with a stable id', () => {
    const findings = findingsOf([peer('0x400000c')]);
    expect(findings.map((f) => [f.vm, f.summary])).toEqual([
      [null, 'ESXi blocked the port of the VM on port 0x400000c on esx01 because its guest changed the MAC while MAC address changes is Reject.'],
    ]);
    expect(findingsOf([peer('0x400000c', { count: 7 })])[0]!.id).toBe(findings[0]!.id);
  });

  it('does not tie a port to a VM of another host, or of another file when no host is named', () => {
    const other = change('web01', '0x100000f', { hostName: 'esx02' });
    expect(shape(findingsOf([other, peer('0x100000f')])).map((f) => [f[0], f[1]])).toEqual([
      [null, 'esx01'],
      ['web01', 'esx02'],
    ]);
    const fileA = change('web01', '0x100000f', { hostName: undefined, source: '/a/vmkernel.log' });
    const fileB = peer('0x100000f', { hostName: undefined, source: '/b/vmkernel.log' });
    expect(shape(findingsOf([fileA, fileB])).map((f) => f[0])).toEqual([null, 'web01']);
  });

  it('gives a finding the same id however its log\'s path was given, when its lines name no host', () => {
    const as = (source: string) => findingsOf([change('web02', '0x4000004', { hostName: undefined, source })])[0]!.id;
    expect(new Set(['vmkernel.log', '/tmp/r1/vmkernel.log', './vmkernel.log', 'logs', '/srv/logs/esx02-vmkernel.log']).size).toBe(5);
    expect(new Set(['vmkernel.log', '/tmp/r1/vmkernel.log', './vmkernel.log', 'logs', '/srv/logs/esx02-vmkernel.log'].map(as)).size).toBe(1);
  });

  it('tells apart the same VM or port in two logs that name no host, by their file name, else their path', () => {
    const ids = (a: string, b: string) => {
      const found = findingsOf([change('web01', '0x100000f', { hostName: undefined, source: a }), peer('0x2000001', { hostName: undefined, source: a }), change('web01', '0x100000f', { hostName: undefined, source: b }), peer('0x2000001', { hostName: undefined, source: b })]);
      expect(found).toHaveLength(4);
      return found.map((f) => f.id);
    };
    expect(new Set(ids('esx01-vmkernel.log', 'esx02-vmkernel.log')).size).toBe(4);
    // The file name alone, where it tells them apart: the same ids from another directory.
    expect(ids('/a/esx01-vmkernel.log', '/a/esx02-vmkernel.log').sort()).toEqual(ids('esx01-vmkernel.log', 'esx02-vmkernel.log').sort());
    expect(new Set(ids('/a/vmkernel.log', '/b/vmkernel.log')).size).toBe(4);
  });

  it('keeps the same VM name on two hosts as two findings with different ids', () => {
    const findings = findingsOf([change('web01', '0x2000004'), change('web01', '0x2000004', { hostName: 'esx02' })]);
    expect(findings.map((f) => f.host?.name)).toEqual(['esx01', 'esx02']);
    expect(new Set(findings.map((f) => f.id)).size).toBe(2);
  });

  it('offers MAC learning, not pin-mac, to a guest flooding MACs', () => {
    const flood = [
      ...Array.from({ length: 16 }, (_, i) => change('bridge01', '0x2000004', { mac: `02:00:00:00:00:${String(i).padStart(2, '0')}` })),
      event({ message: 'mac-change-requested', vmName: 'bridge01', port: '0x2000004', hostName: 'esx01', otherMacs: true, count: 199_984 }),
    ];
    const [finding] = findingsOf(flood);
    expect(finding!.remedies.map((r) => r.strategy)).toEqual(['mac-learning', 'dedicated-portgroup', 'portgroup-accept']);
    expect(finding!.summary).toContain('to 16 different MACs and more (199984 further request(s) not kept)');
  });

  it('offers pin-mac with the one MAC the guest asked for', () => {
    const [finding] = findingsOf([change('web01', '0x2000004')]);
    expect(finding!.remedies[0]).toMatchObject({ strategy: 'pin-mac', mac: '02:00:00:00:00:01' });
  });

  it('names a VMkernel adapter as such, not as a VM', () => {
    const [finding] = findingsOf([change('vmk1', '0x4000010')]);
    expect(finding!.vm).toBeNull();
    expect(finding!.summary).toContain('VMkernel adapter vmk1 on esx01');
    expect(finding!.remedies.map((r) => r.strategy)).not.toContain('pin-mac');
  });
});

describe('auditLogs: who held a port when', () => {
  const at = (time: string) => ({ time, firstTime: time, lastTime: time });
  const connected = (port: string, client: string, time: string) => listing(port, client, { time, source: 'vmkernel.log' });
  const disabled = (port: string, time: string) => listing(port, '', { client: null, time, source: 'vmkernel.log' });
  // web01 was blocked on 0x4000004, reconnected on 0x4000009 the next day; five days later ESXi blocks 0x4000004 again.
  const web01Blocked = [change('web01', '0x4000004', at('2026-11-27T09:00:00.000Z')), blocked('web01', '0x4000004', at('2026-11-27T09:00:00.000Z'))];
  const reused = peer('0x4000004', at('2026-12-03T09:00:00.000Z'));

  it('does not pin a port-only line on a VM the log shows moved off that port before it, and makes its own block history', () => {
    const ports = [connected('0x4000004', 'web01.eth0', '2026-11-27T08:00:00.000Z'), connected('0x4000009', 'web01.eth0', '2026-11-28T09:00:00.000Z')];
    const { findings, history } = verdict([...web01Blocked, reused], ports);
    expect(shape(findings)).toEqual([[null, 'esx01', ['line peer-blocked 0x4000004']]]);
    expect(findings[0]!.summary).toContain('the VM on port 0x4000004');
    expect(history.map((h) => [h.vm?.name, h.port, h.why, h.evidence.length])).toEqual([
      ['web01', '0x4000004', 'web01.eth0 is on port 0x4000009 since 2026-11-28T09:00:00.000Z, not on port 0x4000004', 2],
    ]);
  });

  it('does not tie a port-only line to the client of an older line when the port was disabled in between', () => {
    const findings = findingsOf([...web01Blocked, reused], [disabled('0x4000004', '2026-11-29T09:00:00.000Z')]);
    expect(shape(findings).map((f) => f[0])).toEqual([null, 'web01']);
    // With nothing logged in between, the older client line still says who held the port.
    expect(shape(findingsOf([...web01Blocked, reused])).map((f) => [f[0], (f[2] as string[]).length])).toEqual([['web01', 3]]);
  });

  it('does not tie a port-only line to a VM shown on another port in between, even by its name alone', () => {
    const elsewhere = change('web01', '0x4000011', at('2026-11-30T09:00:00.000Z'));
    const findings = findingsOf([...web01Blocked, elsewhere, reused]);
    expect(shape(findings).map((f) => [f[0], (f[2] as string[]).length])).toEqual([[null, 1], ['web01', 3]]);
  });

  it("makes a block history when the host's listing shows that NIC on another port, with nothing logged since", () => {
    const lines = [
      change('web01.eth0', '0x4000004', at('2026-12-01T09:00:00.000Z')),
      blocked('web01.eth0', '0x4000004', at('2026-12-01T09:00:00.000Z')),
      peer('0x4000004', at('2026-12-01T09:00:00.001Z')),
    ];
    const { findings, history } = verdict(lines, [listing('0x4000009', 'web01.eth0', { mac: '00:50:56:9a:00:01' })]);
    expect(findings).toEqual([]);
    expect(history.map((h) => [h.vm?.name, h.host?.name, h.why, h.evidence.length])).toEqual([
      ['web01', 'esx01', "the host's listing shows web01.eth0 on port 0x4000009, not on port 0x4000004", 3],
    ]);
    // Listed on the port it was blocked on: still blocked, even with a line since putting a web01.eth0 elsewhere (two VMs of one name).
    const namesake = listing('0x4000011', 'web01.eth0', { time: '2026-12-02T08:00:00.000Z', source: 'vmkernel.log' });
    expect(findingsOf(lines, [namesake, listing('0x4000004', 'web01.eth0'), listing('0x4000011', 'web01.eth0')]).map((f) => f.vm?.name)).toEqual(['web01']);
    // A VM named without its NIC, with another NIC listed elsewhere: which NIC was blocked is unknown, so it stays a finding.
    const bare = lines.map((e) => (e.vmName ? { ...e, vmName: 'web01' } : e));
    expect(findingsOf(bare, [listing('0x4000009', 'web01.eth1')]).map((f) => f.vm?.name)).toEqual(['web01']);
  });
});

