// What watch keeps of a host's log that could not be read as it should at
// the start (stale, not connected, answering nothing, refused): each kept
// host by host until a later read of that host shows the gap gone, never
// because time passed or nothing was read.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveEvidence } from '../../src/evidence/live.js';
import type { DvPortEvent } from '../../src/evidence/types.js';
import { LogRetries } from '../../src/evidence/log-retry.js';
import { gatherEvidence } from '../../src/evidence/online.js';
import type { Host } from '../../src/inventory/model.js';
import type { VimClient } from '../../src/vsphere/client.js';
import { SoapFault } from '../../src/vsphere/faults.js';
import { dvSwitch, host, inventory, vswitch } from '../helpers/inventory.js';

const line = (time: string, i: number) => `${time} cpu1:2097)NetPort: 1580: disabled port 0x${i.toString(16)}`;
const OLD = Array.from({ length: 40 }, (_, i) => line(`2026-11-10T09:${String(i).padStart(2, '0')}:00.000Z`, i));
const SINCE = '2026-11-25T00:00:00.000Z';
const LATER = '2026-11-26T00:00:00.000Z';

/** A vCenter whose hosts serve their vmkernel logs as `logs` holds them now: refused where `refused` says, no lines where `silent` says. */
function vcenter(logs: Record<string, string[]>, refused = new Set<string>(), silent = new Set<string>()): VimClient {
  return {
    serviceContent: { diagnosticManager: { type: 'DiagnosticManager', value: 'DiagMgr' }, about: { apiType: 'VirtualCenter' } },
    read: async (_method: string, args: { host: { value: string }; start: number; lines: number }) => {
      const moref = args.host.value;
      if (refused.has(moref)) throw new SoapFault('NoPermission', 'Permission to perform this operation was denied.', { privilegeId: 'Global.Diagnostics' });
      const log = logs[moref] ?? [];
      const start = Math.min(args.start, log.length + 1);
      const text = silent.has(moref) ? [] : log.slice(start - 1, start - 1 + args.lines);
      return { lineStart: start, lineEnd: text.length ? start + text.length - 1 : log.length, ...(text.length ? { lineText: text } : {}) };
    },
  } as unknown as VimClient;
}

const esx01 = host('host-1', 'esx01', [vswitch('vSwitch0', false)], []);
const esx02 = host('host-2', 'esx02', [vswitch('vSwitch0', false)], []);

/** As watch keeps the evidence at --log-interval 30. */
async function watching(client: VimClient, hosts: Host[], since = SINCE): Promise<LiveEvidence> {
  const gathered = await gatherEvidence(client, inventory(hosts, []), { logLines: 1000, since, concurrency: 1 });
  return new LiveEvidence(client, gathered, 1000, new LogRetries(30_000, 600_000));
}

/** The log reads a client is asked for, and the most it had in flight at once. */
function counted(client: VimClient): { client: VimClient; reads: { count: number; inFlight: number; most: number } } {
  const reads = { count: 0, inFlight: 0, most: 0 };
  const read = client.read.bind(client) as (...args: unknown[]) => Promise<unknown>;
  const wrapped = async (...args: unknown[]) => {
    reads.count++;
    reads.most = Math.max(reads.most, ++reads.inFlight);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      return await read(...args);
    } finally {
      reads.inFlight--;
    }
  };
  return { client: { ...client, serviceContent: client.serviceContent, read: wrapped } as unknown as VimClient, reads };
}

describe('a host log whose newest line was older than the window at the start (a host clock behind, a quiet log)', () => {
  it('stays a problem while reads bring nothing newer, and is gone at the read that brings a line inside the window', async () => {
    const logs = { 'host-1': [...OLD] };
    const live = await watching(vcenter(logs), [esx01]);
    expect(live.problemList).toEqual([expect.stringMatching(/^The newest line of the vmkernel log of esx01 is older than the start of --since/)]);

    await live.pollLogs(1, LATER);
    expect(live.problemList).toHaveLength(1);
    logs['host-1'].push(line('2026-11-20T10:00:00.000Z', 99));
    await live.pollLogs(1, LATER);
    expect(live.problemList, 'a line newer than before, still before the window').toHaveLength(1);

    logs['host-1'].push(line('2026-11-26T10:00:00.000Z', 100));
    await live.pollLogs(1, LATER);
    expect(live.problemList).toEqual([]);
  });

  it('comes back when a later read finds the log behind the window again, and only for that host', async () => {
    const logs = { 'host-1': [...OLD, line('2026-11-26T10:00:00.000Z', 100)], 'host-2': [...OLD, line('2026-11-28T10:00:00.000Z', 100)] };
    const live = await watching(vcenter(logs), [esx01, esx02], LATER);
    expect(live.problemList).toEqual([]);
    await live.pollLogs(1, '2026-11-27T00:00:00.000Z');
    expect(live.problemList).toEqual([expect.stringMatching(/^The newest line of the vmkernel log of esx01 is older/)]);
  });
});

describe('a host not connected at the start', () => {
  it('stays a problem until it is connected and its log answers; refused then, that is the problem', async () => {
    const refused = new Set<string>();
    const client = vcenter({ 'host-1': [...OLD], 'host-2': [...OLD] }, refused);
    const live = await watching(client, [esx01, { ...esx02, connectionState: 'disconnected' }], '2026-11-01T00:00:00.000Z');
    expect(live.problemList).toEqual(['vmkernel logs not read on esx02: not connected to vCenter.']);

    refused.add('host-2');
    await live.addHost(esx02, '2026-11-01T00:00:00.000Z');
    expect(live.problemList).toEqual([expect.stringMatching(/^vmkernel logs could not be read on esx02 \(NoPermission \(needs Global\.Diagnostics\)\)/)]);

    refused.delete('host-2');
    await live.addHost(esx02, '2026-11-01T00:00:00.000Z');
    expect(live.problemList).toEqual([]);
    expect(live.followedHosts).toEqual(new Set(['host-1', 'host-2']));
  });

  it('is forgotten when the host leaves the scope', async () => {
    const live = await watching(vcenter({ 'host-1': [...OLD] }), [esx01, { ...esx02, connectionState: 'notResponding' }], '2026-11-01T00:00:00.000Z');
    expect(live.heldHosts).toEqual(new Set(['host-1', 'host-2']));
    live.dropHost('host-2');
    expect(live.problemList).toEqual([]);
  });
});

describe('a host log that answered no lines at the start', () => {
  it('is not followed from its end (its window was never read): it is read again whole, and the problem goes when it answers', async () => {
    const silent = new Set(['host-1']);
    const client = vcenter({ 'host-1': [...OLD] }, new Set(), silent);
    const live = await watching(client, [esx01], '2026-11-01T00:00:00.000Z');
    expect(live.problemList).toEqual([expect.stringMatching(/^The vmkernel log of esx01 answered no lines/)]);
    expect(live.followedHosts.size).toBe(0);

    await live.addHost(esx01, '2026-11-01T00:00:00.000Z');
    expect(live.problemList).toHaveLength(1);
    silent.clear();
    await live.addHost(esx01, '2026-11-01T00:00:00.000Z');
    expect(live.problemList).toEqual([]);
    expect(live.snapshot('2026-11-01T00:00:00.000Z').sources).toEqual([expect.objectContaining({ name: 'esx01', lines: 40 })]);
  });
});

describe('an endpoint whose ServiceContent names no DiagnosticManager', () => {
  it('is one problem for the endpoint, not one a host, and stays: no read can clear it', async () => {
    const client = { serviceContent: { about: { apiType: 'VirtualCenter' } }, read: async () => { throw new Error('not called'); } } as unknown as VimClient;
    const live = await watching(client, [esx01, esx02]);
    expect(live.problemList).toEqual([expect.stringMatching(/^vmkernel logs not read on 2 hosts \(esx01, esx02\): .*DiagnosticManager/)]);
    await live.addHost(esx01, SINCE);
    await live.pollLogs(1, SINCE);
    expect(live.problemList).toHaveLength(1);
  });
});

describe('the audit says each gap once for all the hosts it holds on', () => {
  it('two stale hosts and one not connected: two problems, hosts by name', async () => {
    const client = vcenter({ 'host-1': [...OLD], 'host-2': [...OLD] });
    const esx03 = { ...host('host-3', 'esx03', [vswitch('vSwitch0', false)], []), connectionState: 'disconnected' as const };
    const gathered = await gatherEvidence(client, inventory([esx02, esx01, esx03], []), { logLines: 1000, since: SINCE, concurrency: 2 });
    expect(gathered.problems).toEqual([
      'vmkernel logs not read on esx03: not connected to vCenter.',
      expect.stringMatching(/^The newest line of the vmkernel log of 2 hosts \(esx01, esx02\) is older/),
    ]);
  });
});

describe('hosts whose log was refused at the start (a user without Global.Diagnostics)', () => {
  afterEach(() => vi.useRealTimers());
  const T0 = Date.parse('2026-11-26T12:00:00.000Z');
  const hosts = Array.from({ length: 20 }, (_, i) => host(`host-${i + 1}`, `esx${String(i + 1).padStart(2, '0')}`, [vswitch('vSwitch0', false)], []));

  it('are tried again --concurrency at once, after the log interval, then at doubling waits up to 10 minutes, not at every read', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const refusedHosts = new Set(hosts.map((h) => h.moref));
    const { client, reads } = counted(vcenter(Object.fromEntries(hosts.map((h) => [h.moref, [...OLD]])), refusedHosts));
    const live = await watching(client, hosts, '2026-11-01T00:00:00.000Z');
    expect(live.problemList).toHaveLength(20);
    reads.count = reads.most = 0;

    // A verdict (a vCenter change) reads only hosts never tried; the log timer, every --log-interval (30 s), retries.
    const tried: number[] = [];
    for (let s = 0; s <= 1800; s += 30) {
      vi.setSystemTime(T0 + s * 1000);
      const before = reads.count;
      await live.addHosts(hosts, '2026-11-01T00:00:00.000Z', 4, false);
      expect(reads.count, `a verdict at ${s} s`).toBe(before);
      await live.addHosts(hosts, '2026-11-01T00:00:00.000Z', 4, true);
      if (reads.count > before) {
        expect(reads.count - before, `at ${s} s`).toBe(20);
        tried.push(s);
      }
    }
    expect(tried).toEqual([30, 90, 210, 450, 930, 1530]);
    expect(reads.most).toBe(4);
    expect(live.problemList).toHaveLength(20);

    // The privilege granted: seen within the longest wait, every host read and the problems gone.
    refusedHosts.clear();
    vi.setSystemTime(T0 + 1530_000 + 600_000);
    await live.addHosts(hosts, '2026-11-01T00:00:00.000Z', 4, true);
    expect(live.problemList).toEqual([]);
    expect(live.followedHosts.size).toBe(20);
  });

  it('one of them read at last: the others are tried at the next read, not at the end of their own wait', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    const [first, later] = [hosts[0]!, hosts[1]!];
    const refusedHosts = new Set([first.moref, later.moref]);
    const { client, reads } = counted(vcenter({ [first.moref]: [...OLD], [later.moref]: [...OLD] }, refusedHosts));
    const live = await watching(client, [first], '2026-11-01T00:00:00.000Z');
    vi.setSystemTime(T0 + 15_000);
    // Came into scope 15 s later (a verdict reads it at once): refused too, and waits from then.
    await live.addHosts([first, later], '2026-11-01T00:00:00.000Z', 4, false);
    expect(live.problemList).toHaveLength(2);

    refusedHosts.clear();
    vi.setSystemTime(T0 + 30_000);
    await live.addHosts([first, later], '2026-11-01T00:00:00.000Z', 4, true);
    expect(live.followedHosts).toEqual(new Set([first.moref]));
    vi.setSystemTime(T0 + 31_000);
    const before = reads.count;
    await live.addHosts([first, later], '2026-11-01T00:00:00.000Z', 4, true);
    expect(reads.count).toBeGreaterThan(before);
    expect(live.followedHosts).toEqual(new Set([first.moref, later.moref]));
    expect(live.problemList).toEqual([]);
  });
});

describe('a host in scope that vCenter is not connected to, and whose log was never read', () => {
  it('is said not connected when it enters the scope or comes back into it, as at the start, until connected and its log answers', async () => {
    const live = await watching(vcenter({ 'host-1': [...OLD], 'host-2': [...OLD] }), [esx01], '2026-11-01T00:00:00.000Z');
    expect(live.problemList).toEqual([]);
    await live.addHosts([esx01, { ...esx02, connectionState: 'disconnected' }], '2026-11-01T00:00:00.000Z', 4, false);
    expect(live.problemList, 'entering the scope').toEqual(['vmkernel logs not read on esx02: not connected to vCenter.']);

    live.dropHost('host-2');
    expect(live.problemList).toEqual([]);
    await live.addHosts([esx01, { ...esx02, connectionState: 'notResponding' }], '2026-11-01T00:00:00.000Z', 4, false);
    expect(live.problemList, 'back in scope').toEqual(['vmkernel logs not read on esx02: not connected to vCenter.']);

    await live.addHosts([esx01, esx02], '2026-11-01T00:00:00.000Z', 4, false);
    expect(live.problemList).toEqual([]);
    expect(live.followedHosts).toEqual(new Set(['host-1', 'host-2']));
  });
});

describe("vCenter's block events before the watch began, refused at the start", () => {
  const blocked = {
    _typeName: 'DvsPortBlockedEvent', key: 7, createdTime: '2026-11-26T08:00:00.000Z', portKey: '12',
    dvs: { name: 'DSW', dvs: { type: 'VmwareDistributedVirtualSwitch', value: 'dvs-1' } },
    runtimeInfo: { blocked: true, macAddress: '02:00:00:00:00:07' },
  };
  /** A vCenter with one DVS and no host: each read of the event history is refused while `refusing` says so. */
  function eventsVcenter(state: { refusing: boolean; read: boolean }): VimClient {
    return {
      serviceContent: { eventManager: { type: 'EventManager', value: 'EventManager' }, rootFolder: { type: 'Folder', value: 'group-d1' }, about: { apiType: 'VirtualCenter' } },
      read: async (method: string) => {
        switch (method) {
          case 'FetchDVPorts':
            return [];
          case 'CreateCollectorForEvents':
            if (state.refusing) throw new SoapFault('NoPermission', 'Permission to perform this operation was denied.');
            state.read = false;
            return { type: 'EventHistoryCollector', value: 'session[1]1' };
          case 'ReadNextEvents':
            if (state.read) return [];
            state.read = true;
            return [blocked];
          default:
            return undefined;
        }
      },
    } as unknown as VimClient;
  }

  it('is a problem until a read of the whole window takes them', async () => {
    const state = { refusing: true, read: false };
    const client = eventsVcenter(state);
    const gathered = await gatherEvidence(client, inventory([], [], [dvSwitch([])]), { logLines: 0, since: SINCE, concurrency: 1 });
    const live = new LiveEvidence(client, gathered, 0, new LogRetries(30_000, 600_000));
    expect(live.problemList).toEqual([expect.stringMatching(/^vCenter's dvPort block events could not be read \(NoPermission\)/)]);

    state.refusing = false;
    await live.readEventHistory(SINCE);
    expect(live.problemList).toEqual([]);
    expect(live.snapshot(SINCE).dvPortEvents?.map((e) => [e.portKey, e.kind])).toEqual([['12', 'blocked']]);
  });
});

describe('blocks and connections read at two moments (the start, a resync)', () => {
  it('a block made between the two reads, keyed before a connection already held, is still taken when it comes', async () => {
    const live = await watching(vcenter({ 'host-1': [...OLD] }), [esx01], '2026-11-01T00:00:00.000Z');
    const event = (key: number, kind: DvPortEvent['kind'], portKey: string): DvPortEvent =>
      ({ key, kind, time: `2026-12-01T10:00:0${key}.000Z`, dvs: 'dvs-1', dvsName: 'DSW', portKey, statusDetail: null, macAddress: null, linkPeer: null });
    // The first read: port 12 blocked (1); the second, a moment later: a NIC took port 12 (4). Port 13's block (3) came between.
    live.addEvents([event(1, 'blocked', '12'), event(4, 'connected', '12')]);
    expect(live.addEvents([event(3, 'blocked', '13')]).map((e) => e.key)).toEqual([3]);
    expect(live.addEvents([event(3, 'blocked', '13'), event(4, 'connected', '12')])).toEqual([]);
    expect(live.snapshot(null).dvPortEvents?.map((e) => e.key).sort()).toEqual([1, 3, 4]);
  });
});

describe('where the event history is read from when latestPage may have overflowed', () => {
  const event = (key: number, kind: DvPortEvent['kind'], portKey: string, second: number): DvPortEvent =>
    ({ key, kind, time: `2026-12-01T10:00:${String(second).padStart(2, '0')}.000Z`, dvs: 'dvs-1', dvsName: 'DSW', portKey, statusDetail: null, macAddress: null, linkPeer: null });

  it('from when the newest block or release taken was made, not a connection after it, and never before the window', async () => {
    const live = await watching(vcenter({ 'host-1': [...OLD] }), [esx01], '2026-11-01T00:00:00.000Z');
    expect(live.historyStart(SINCE)).toBe(SINCE);
    // Port 12 blocked (1, at :01) and taken anew (4, at :40); port 13's block (3, at :20), made between the reads of blocks and of connections, comes later.
    live.addEvents([event(1, 'blocked', '12', 1), event(4, 'connected', '12', 40)]);
    expect(live.historyStart(SINCE)).toBe('2026-12-01T10:00:01.000Z');
    live.addEvents([event(3, 'blocked', '13', 20)]);
    expect(live.historyStart(SINCE)).toBe('2026-12-01T10:00:20.000Z');
    expect(live.historyStart('2026-12-02T00:00:00.000Z')).toBe('2026-12-02T00:00:00.000Z');
  });
});
