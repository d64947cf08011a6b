// vCenter's dvPort block events as evidence: tied to the NIC a port is on
// now, counted while the port still carries that NIC's MAC under Reject;
// a port now on another NIC or none, a pinned MAC or an Accept make it history.
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import { toPortState } from '../../src/evidence/online.js';
import type { DvPortEvent, DvPortState, EvidenceSet } from '../../src/evidence/types.js';
import { dvPortgroup, dvSwitch, host, inventory, macPolicy, nic, onDvPortgroup, vm, vswitch } from '../helpers/inventory.js';

const APP_MAC = '00:50:56:a1:00:07';
const OTHER_MAC = '00:50:56:a1:00:08';
const UUID = '50 11 22 33';

function portEvent(key: number, kind: DvPortEvent['kind'], mac = APP_MAC, portKey = '12'): DvPortEvent {
  return {
    key, kind, time: `2026-12-01T09:0${key}:00.000Z`, dvs: 'dvs-1', dvsName: 'DSwitch01', portKey,
    statusDetail: kind === 'blocked' ? 'Port blocked: guest MAC address change disallowed by security policy' : null,
    macAddress: kind === 'connected' ? null : mac, linkPeer: 'app01.eth0',
  };
}

const blockEvent = (key: number, blocked: boolean, mac = APP_MAC, portKey = '12') => portEvent(key, blocked ? 'blocked' : 'unblocked', mac, portKey);

function portState(vmMoref: string | null, nicKey: number | null, portKey = '12', blocked = false): DvPortState {
  return { dvsUuid: UUID, portKey, portgroupKey: 'dvpg-apps', blocked, adminBlocked: false, statusDetail: null, macAddress: null, vm: vmMoref, nicKey, setting: null };
}

function evidence(dvPorts: DvPortState[], dvPortEvents: DvPortEvent[]): EvidenceSet {
  return { vmkernel: [], dvPorts, dvPortEvents, notes: [], problems: [], sources: [], portClients: [], unparsed: { count: 0, samples: [] } };
}

function estate(opts: { accept?: boolean; mac?: string; portKey?: string; bootTime?: string; guestMac?: null; connected?: false } = {}) {
  const pg = dvPortgroup('dvpg-apps', 'DPG-Apps', macPolicy(opts.accept ?? undefined));
  const esx = host('host-1', 'esx01', [vswitch('vSwitch0', false)], []);
  const card = { ...nic(4000, opts.mac ?? APP_MAC, onDvPortgroup('dvpg-apps', opts.portKey ?? '12')), connected: opts.connected ?? true };
  const app = vm('vm-7', 'app01', 'host-1', [card], opts.guestMac === null ? [null] : [], { bootTime: opts.bootTime ?? null });
  return inventory([esx], [app], [dvSwitch([pg])]);
}

describe('dvPort block events', () => {
  it('a block on the port a NIC is on now, released since, is a finding on that NIC while the policy rejects', () => {
    const result = audit(estate(), evidence([portState('vm-7', 4000)], [blockEvent(1, true), blockEvent(2, false)]));
    expect(result.findings.map((f) => [f.kind, f.vm?.name, f.nic?.label])).toEqual([['mac-change-blocked', 'app01', 'Network adapter 1']]);
    const seen = result.findings[0]!.evidence.find((e) => e.type === 'dvport-event');
    expect(seen).toMatchObject({ portKey: '12', dvs: 'DSwitch01', time: '2026-12-01T09:01:00.000Z', releasedAt: '2026-12-01T09:02:00.000Z' });
    expect(seen!.detail).toContain('released at 2026-12-01T09:02:00.000Z');
    expect(result.history).toEqual([]);
  });

  it('the same block after the portgroup was set to Accept is history, not a finding', () => {
    const result = audit(estate({ accept: true }), evidence([portState('vm-7', 4000)], [blockEvent(1, true), blockEvent(2, false)]));
    expect(result.findings.filter((f) => f.vm)).toEqual([]);
    expect(result.history).toMatchObject([{ vm: { name: 'app01' }, nic: { label: 'Network adapter 1' }, host: { name: 'esx01' }, port: '12', why: expect.stringContaining('Accept') }]);
  });

  it('a port now connected to another NIC: the event (about the MAC of the NIC it had) is history', () => {
    const result = audit(estate({ mac: OTHER_MAC }), evidence([portState('vm-7', 4000)], [blockEvent(1, true, APP_MAC)]));
    expect(result.findings.filter((f) => f.vm)).toEqual([]);
    expect(result.history).toMatchObject([{ port: '12', why: expect.stringContaining(`had MAC ${APP_MAC}`) }]);
  });

  it('a port no NIC is connected to now: history with no VM and no host', () => {
    const result = audit(estate({ portKey: '13' }), evidence([portState('vm-7', 4000, '13')], [blockEvent(1, true)]));
    expect(result.findings.filter((f) => f.vm)).toEqual([]);
    expect(result.history).toMatchObject([{ vm: null, host: null, port: '12', why: expect.stringContaining('connected to no NIC') }]);
  });

  it('a block before the port was connected anew (its NIC came up: power-on, "Connected" ticked, a move back) is history (Tools not running, nothing else tells)', () => {
    for (const guestMac of [undefined, null] as const) {
      const result = audit(estate(guestMac === null ? { guestMac } : {}), evidence([portState('vm-7', 4000)], [blockEvent(1, true), blockEvent(2, false), portEvent(3, 'connected')]));
      expect(result.findings.filter((f) => f.vm)).toEqual([]);
      expect(result.history).toMatchObject([{ vm: { name: 'app01' }, port: '12', why: expect.stringContaining('connected anew at 2026-12-01T09:03:00.000Z') }]);
    }
  });

  it('blocked again after the reconnection: a finding on the blocks since, not the earlier ones', () => {
    const result = audit(estate(), evidence([portState('vm-7', 4000)], [blockEvent(1, true), blockEvent(2, false), portEvent(3, 'connected'), blockEvent(4, true)]));
    expect(result.findings.map((f) => f.vm?.name)).toEqual(['app01']);
    expect(result.findings[0]!.evidence.filter((e) => e.type === 'dvport-event').map((e) => e.time)).toEqual(['2026-12-01T09:04:00.000Z']);
  });

  it('a running VM\'s NIC that is disconnected now: its port\'s block is history', () => {
    const result = audit(estate({ connected: false }), evidence([portState('vm-7', 4000)], [blockEvent(1, true)]));
    expect(result.findings.filter((f) => f.vm)).toEqual([]);
    expect(result.history).toMatchObject([{ vm: { name: 'app01' }, why: 'Network adapter 1 is disconnected now' }]);
  });

  it('a connection on a port never blocked, or before its first block, retires nothing', () => {
    const result = audit(estate(), evidence([portState('vm-7', 4000)], [portEvent(1, 'connected', APP_MAC, '13'), portEvent(2, 'connected'), blockEvent(3, true)]));
    expect(result.findings.map((f) => f.vm?.name)).toEqual(['app01']);
    expect(result.history).toEqual([]);
  });

  it('a release with no block in the window says nothing', () => {
    const result = audit(estate(), evidence([portState('vm-7', 4000)], [blockEvent(2, false)]));
    expect(result.findings.filter((f) => f.vm)).toEqual([]);
    expect(result.history).toEqual([]);
  });
  it('a port connected to a VM this user is not shown (vm-99): its block, released or not, is not history but a port to check', () => {
    const released = audit(estate(), evidence([portState('vm-7', 4000), portState('vm-99', 4000, '13')], [blockEvent(1, true, OTHER_MAC, '13'), blockEvent(2, false, OTHER_MAC, '13')]));
    expect(released.history).toEqual([]);
    expect(released.findings).toEqual([]);
    expect(released.unseenPorts).toMatchObject([{ dvs: 'DSwitch01', portKey: '13', vm: 'vm-99', evidence: [{ type: 'dvport-event', releasedAt: '2026-12-01T09:02:00.000Z' }] }]);
    // Blocked now, its events rotated out of the window: vCenter's port state alone says so.
    const now = audit(estate(), evidence([portState('vm-7', 4000), portState('vm-99', 4000, '13', true)], []));
    expect(now.unseenPorts).toMatchObject([{ portKey: '13', vm: 'vm-99', evidence: [{ type: 'dvport-blocked' }] }]);
    expect(now.findings).toEqual([]);
    // A port of a VM it has, or one an administrator blocked, is no such port.
    expect(audit(estate(), evidence([portState('vm-7', 4000, '12', true)], [])).unseenPorts).toEqual([]);
    expect(audit(estate(), evidence([{ ...portState('vm-99', 4000, '13', true), adminBlocked: true }], [])).unseenPorts).toEqual([]);
  });
});

describe("a blocked dvPort of the host's own (an uplink, a vmkernel adapter: vCenter's connectee a HostSystem)", () => {
  /** The port as FetchDVPorts gives it: connectee.connectedEntity a HostSystem, connectee.type pnic or hostVmkVnic. */
  const hostPort = (portKey: string, type: 'pnic' | 'hostVmkVnic', host = 'host-1') =>
    toPortState({
      key: portKey, dvsUuid: UUID, portgroupKey: 'dvpg-uplinks', config: {},
      connectee: { connectedEntity: { type: 'HostSystem', value: host }, ...(type === 'pnic' ? {} : { nicKey: 'vmk1' }), type },
      state: { runtimeInfo: { linkUp: true, blocked: true, statusDetail: 'Port blocked.' } },
    });

  it('is read as no VM\'s: no VM moref, no NIC key, the host and what port of it', () => {
    expect(hostPort('7', 'hostVmkVnic')).toMatchObject({ vm: null, nicKey: null, hostPort: { host: 'host-1', type: 'hostVmkVnic' }, blocked: true });
    const vmPort = toPortState({ key: '12', dvsUuid: UUID, config: {}, connectee: { connectedEntity: { type: 'VirtualMachine', value: 'vm-7' }, nicKey: '4000', type: 'vmVnic' } });
    expect(vmPort).toMatchObject({ vm: 'vm-7', nicKey: 4000, hostPort: null });
  });

  it('blocked now is history naming the host and the port, not "connected to host-1, a VM this vCenter user cannot see" (was: that warning, exit 1)', () => {
    const result = audit(estate(), evidence([portState('vm-7', 4000), hostPort('7', 'pnic'), hostPort('8', 'hostVmkVnic', 'host-12')], []));
    expect(result.unseenPorts).toEqual([]);
    expect(result.findings).toEqual([]);
    expect(result.history).toEqual([
      expect.objectContaining({ vm: null, nic: null, host: { name: 'esx01', moref: 'host-1' }, port: '7', lastTime: null, why: "dvPort 7 of DSwitch01 is esx01's uplink (a physical NIC), not a VM's NIC: its block is no guest's MAC change, which is what vmfix audits" }),
      expect.objectContaining({ vm: null, host: null, port: '8', why: "dvPort 8 of DSwitch01 is host host-12's vmkernel adapter, not a VM's NIC: its block is no guest's MAC change, which is what vmfix audits" }),
    ]);
    expect(result.history[0]!.evidence).toMatchObject([{ type: 'dvport-blocked', detail: 'dvPort 7 is blocked: Port blocked.' }]);
  });

  it('its block events are history once, saying what port it is (was: "connected to no NIC vmfix sees", or an unseen VM\'s port)', () => {
    const result = audit(estate(), evidence([portState('vm-7', 4000), hostPort('7', 'hostVmkVnic')], [blockEvent(1, true, APP_MAC, '7')]));
    expect(result.unseenPorts).toEqual([]);
    expect(result.findings).toEqual([]);
    expect(result.history).toMatchObject([{ vm: null, host: { name: 'esx01' }, port: '7', lastTime: '2026-12-01T09:01:00.000Z', why: expect.stringContaining("esx01's vmkernel adapter, not a VM's NIC"), evidence: [{ type: 'dvport-event' }] }]);
  });
});
