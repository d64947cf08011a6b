// vCenter's dvPort block events as evidence: tied to the NIC a port is on
// now, counted while the port still carries that NIC's MAC under Reject;
// a port now on another NIC or none, a pinned MAC or an Accept make it history.
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/audit/audit.js';
import type { DvPortEvent, DvPortState, EvidenceSet } from '../../src/evidence/types.js';
import { dvPortgroup, dvSwitch, host, inventory, macPolicy, nic, onDvPortgroup, vm, vswitch } from '../helpers/inventory.js';

const APP_MAC = '00:50:56:a1:00:07';
const OTHER_MAC = '00:50:56:a1:00:08';
const UUID = '50 11 22 33';

function blockEvent(key: number, blocked: boolean, mac = APP_MAC, portKey = '12'): DvPortEvent {
  return {
    key, blocked, time: `2026-12-01T09:0${key}:00.000Z`, dvs: 'dvs-1', dvsName: 'DSwitch01', portKey,
    statusDetail: blocked ? 'Port blocked: guest MAC address change disallowed by security policy' : null,
    macAddress: mac, linkPeer: 'app01.eth0',
  };
}

function portState(vmMoref: string | null, nicKey: number | null, portKey = '12', blocked = false): DvPortState {
  return { dvsUuid: UUID, portKey, portgroupKey: 'dvpg-apps', blocked, adminBlocked: false, statusDetail: null, macAddress: null, vm: vmMoref, nicKey, setting: null };
}

function evidence(dvPorts: DvPortState[], dvPortEvents: DvPortEvent[]): EvidenceSet {
  return { vmkernel: [], dvPorts, dvPortEvents, notes: [], problems: [], sources: [], portClients: [], unparsed: { count: 0, samples: [] } };
}

function estate(opts: { accept?: boolean; mac?: string; portKey?: string; bootTime?: string; guestMac?: null } = {}) {
  const pg = dvPortgroup('dvpg-apps', 'DPG-Apps', macPolicy(opts.accept ?? undefined));
  const esx = host('host-1', 'esx01', [vswitch('vSwitch0', false)], []);
  const app = vm('vm-7', 'app01', 'host-1', [nic(4000, opts.mac ?? APP_MAC, onDvPortgroup('dvpg-apps', opts.portKey ?? '12'))], opts.guestMac === null ? [null] : [], { bootTime: opts.bootTime ?? null });
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

  it('a block before the VM\'s power-on is history, as a log line is: its port was connected anew since (Tools not running, nothing else tells)', () => {
    for (const guestMac of [undefined, null] as const) {
      const result = audit(estate({ bootTime: '2026-12-01T10:00:00.000Z', ...(guestMac === null ? { guestMac } : {}) }), evidence([portState('vm-7', 4000)], [blockEvent(1, true), blockEvent(2, false)]));
      expect(result.findings.filter((f) => f.vm)).toEqual([]);
      expect(result.history).toMatchObject([{ vm: { name: 'app01' }, port: '12', why: expect.stringContaining("older than app01's power-on at 2026-12-01T10:00:00.000Z") }]);
    }
    // Blocked after it: the finding stays.
    expect(audit(estate({ bootTime: '2026-12-01T09:00:00.000Z' }), evidence([portState('vm-7', 4000)], [blockEvent(1, true)])).findings.map((f) => f.vm?.name)).toEqual(['app01']);
  });

  it('a release with no block in the window says nothing', () => {
    const result = audit(estate(), evidence([portState('vm-7', 4000)], [blockEvent(2, false)]));
    expect(result.findings.filter((f) => f.vm)).toEqual([]);
    expect(result.history).toEqual([]);
  });
});
