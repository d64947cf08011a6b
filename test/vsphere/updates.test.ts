// UpdateFollower against the lab, whose WaitForUpdatesEx keeps vCenter's
// rules (a new version each answer, maxObjectUpdates truncation, sessions
// and collectors lost at a restart): the full picture arrives as one batch
// however many answers it takes, a change as a small one, a restart as a
// full resync, and stop() leaves no collector behind.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VimClient } from '../../src/vsphere/client.js';
import { UpdateFollower, type UpdateBatch } from '../../src/vsphere/updates.js';
import { createContainerView, destroyView, viewFilterSpec } from '../../src/vsphere/view.js';
import { LAB_PASSWORD, startScenario, type Lab } from '../helpers/lab.js';
import { startProxy } from '../helpers/proxy.js';

const VMS = ['a1', 'a2', 'a3', 'a4', 'a5'];
const SCENARIO = {
  mode: 'vcenter',
  datacenters: [{
    name: 'DC',
    hosts: [{ name: 'esx1', vswitches: [{ name: 'vSwitch0' }], portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0' }] }],
    vms: VMS.map((name) => ({ name, host: 'esx1', nics: [{ network: 'VM Network' }] })),
  }],
};
const REQUESTS = [{ type: 'VirtualMachine', pathSet: ['name', 'guest.net'] }];

describe('UpdateFollower', () => {
  let lab: Lab;
  let client: VimClient;
  let follower: UpdateFollower;
  const batches: UpdateBatch[] = [];
  const events: string[] = [];
  let wake: (() => void) | undefined;
  const nextBatch = async (match: (b: UpdateBatch) => boolean, ms = 20_000): Promise<UpdateBatch> => {
    const deadline = Date.now() + ms;
    for (let seen = 0; ; ) {
      const found = batches.slice(seen).find(match);
      if (found) {
        batches.splice(0, batches.indexOf(found) + 1);
        return found;
      }
      seen = batches.length;
      if (Date.now() > deadline) throw new Error('no such batch');
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 200);
      });
    }
  };
  const names = (b: UpdateBatch) => b.filters[0]!.map((u) => u.changeSet?.find((c) => c.name === 'name')?.val).sort();

  beforeAll(async () => {
    lab = await startScenario(SCENARIO);
    client = await VimClient.connect({
      url: new URL(lab.url), username: lab.username, password: LAB_PASSWORD, tls: { ca: readFileSync(lab.caFile, 'utf8') },
      timeoutMs: 20_000, maxResponseBytes: 64 * 2 ** 20, maxSockets: 4,
    });
    follower = new UpdateFollower(client, {
      async watch(c) {
        const view = await createContainerView(c, REQUESTS);
        return { specs: [viewFilterSpec(view, REQUESTS)], teardown: () => destroyView(c, view) };
      },
      onBatch(batch) {
        batches.push(batch);
        wake?.();
      },
      onTrouble: (why) => events.push(`trouble: ${why}`),
      onResync: (why) => events.push(`resync: ${why}`),
      maxObjectUpdates: 2,
      maxBackoffMs: 2000,
    });
    void follower.run();
  });
  afterAll(async () => {
    await client?.logout();
    await lab?.stop();
  });

  it('delivers the whole inventory as one full batch, though the lab answers it two objects at a time', async () => {
    const first = await nextBatch(() => true);
    expect(first.full).toBe(true);
    expect(names(first)).toEqual(VMS);
    const waits = (await lab.calls()).filter((c) => c.method === 'WaitForUpdatesEx');
    expect(waits.length).toBeGreaterThanOrEqual(3);
  });

  it('delivers a change as a small batch with the whole new value of the watched path', async () => {
    await lab.guestMac('a3', 1, '02:00:00:00:00:33');
    const batch = await nextBatch((b) => !b.full);
    expect(batch.filters[0]).toHaveLength(1);
    const net = batch.filters[0]![0]!.changeSet!.find((c) => c.name === 'guest.net')!.val as { macAddress: string }[];
    expect(net[0]!.macAddress).toBe('02:00:00:00:00:33');
  });

  it('after a vCenter restart, logs in again and resyncs: a full batch of everything', async () => {
    await lab.restart(1);
    const batch = await nextBatch((b) => b.full, 30_000);
    expect(names(batch)).toEqual(VMS);
    expect(events.some((e) => e.startsWith('resync:'))).toBe(true);
  });

  it('an answer lost on the way: the retry gives a version the lab no longer takes (InvalidCollectorVersion), and a full resync follows with both changes', async () => {
    const proxy = await startProxy(lab);
    const viaProxy = await VimClient.connect({
      url: new URL(proxy.url), username: lab.username, password: LAB_PASSWORD, tls: { ca: readFileSync(proxy.caFile, 'utf8') },
      timeoutMs: 20_000, maxResponseBytes: 64 * 2 ** 20, maxSockets: 4,
    });
    const got: UpdateBatch[] = [];
    const said: string[] = [];
    const lost = new UpdateFollower(viaProxy, {
      async watch(c) {
        const view = await createContainerView(c, REQUESTS);
        return { specs: [viewFilterSpec(view, REQUESTS)], teardown: () => destroyView(c, view) };
      },
      onBatch: (batch) => void got.push(batch),
      onResync: (why) => said.push(why),
      maxBackoffMs: 500,
    });
    const until = async (ok: () => boolean) => {
      for (let i = 0; !ok(); i++) {
        if (i > 100) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    void lost.run();
    await until(() => got.length === 1);
    // The poll now waiting got through; the one after it loses its answer after the lab has answered.
    const polls = proxy.seen.filter((s) => s.method === 'WaitForUpdatesEx').length;
    proxy.inject({ method: 'WaitForUpdatesEx', nth: polls + 1, fault: { kind: 'reset' } });
    await lab.guestMac('a1', 1, '02:00:00:00:00:11');
    await until(() => got.length === 2);
    await lab.guestMac('a2', 1, '02:00:00:00:00:22');
    await until(() => got.length === 3);
    expect(said).toEqual(['vCenter no longer knows the version vmfix had']);
    expect(got[2]!.full).toBe(true);
    const macs = got[2]!.filters[0]!.flatMap((u) => (u.changeSet?.find((c) => c.name === 'guest.net')?.val as { macAddress: string }[] | undefined) ?? []).map((n) => n.macAddress);
    expect(macs).toEqual(expect.arrayContaining(['02:00:00:00:00:11', '02:00:00:00:00:22']));
    await lost.stop();
    await viaProxy.logout();
    await proxy.stop();
  });

  it('stop() cancels the long poll and destroys the collector and the view', async () => {
    const before = (await lab.calls()).length;
    await follower.stop();
    const calls = (await lab.calls()).slice(before).map((c) => c.method);
    expect(calls).toEqual(expect.arrayContaining(['CancelWaitForUpdates', 'DestroyPropertyCollector', 'DestroyView']));
    expect(await lab.collectors()).toEqual([]);
  });
  it('a session that expires while it waits costs one Login, and the collector it lost is made again (a full resync)', async () => {
    const proxy = await startProxy(lab);
    const viaProxy = await VimClient.connect({
      url: new URL(proxy.url), username: lab.username, password: LAB_PASSWORD, tls: { ca: readFileSync(proxy.caFile, 'utf8') },
      timeoutMs: 20_000, maxResponseBytes: 64 * 2 ** 20, maxSockets: 4,
    });
    const got: UpdateBatch[] = [];
    const said: string[] = [];
    const expiring = new UpdateFollower(viaProxy, {
      async watch(c) {
        const view = await createContainerView(c, REQUESTS);
        return { specs: [viewFilterSpec(view, REQUESTS)], teardown: () => destroyView(c, view) };
      },
      onBatch: (batch) => void got.push(batch),
      onResync: (why) => said.push(why),
    });
    const until = async (ok: () => boolean) => {
      for (let i = 0; !ok(); i++) {
        if (i > 100) throw new Error('timed out');
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    void expiring.run();
    await until(() => got.length === 1);
    const logins = proxy.count('Login');
    const polls = proxy.seen.filter((s) => s.method === 'WaitForUpdatesEx').length;
    proxy.inject({ method: 'WaitForUpdatesEx', nth: polls + 1, fault: { kind: 'expire' } });
    await lab.guestMac('a4', 1, '02:00:00:00:00:44');
    await until(() => got.length === 3);
    expect(proxy.count('Login')).toBe(logins + 1);
    expect(said).toEqual(['the vCenter session was replaced']);
    expect(got[2]!.full).toBe(true);
    expect(names(got[2]!)).toEqual(VMS);
    await expiring.stop();
    await viaProxy.logout();
    await proxy.stop();
    // (The lab's own session behind the proxy's "expired" one still holds the first collector: only the proxy forgot it.)
  });
});
