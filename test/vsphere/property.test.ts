// PropertyCollector paging against the lab (which pages as vCenter does:
// maxObjects per answer, one-use tokens): every object exactly once, in the
// number of round trips the page size implies, and the view destroyed.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchInventory } from '../../src/inventory/fetch.js';
import { VimClient, type ClientOptions } from '../../src/vsphere/client.js';
import { prop, retrieveAll, retrieveObjects } from '../../src/vsphere/property.js';
import type { MoRef } from '../../src/vsphere/types.js';
import { startScenario, type Lab } from '../helpers/lab.js';
import { startProxy } from '../helpers/proxy.js';

const HOSTS = ['esx-p1', 'esx-p2', 'esx-p3'];
const VM_COUNT = 22;
const SCENARIO = {
  mode: 'vcenter',
  datacenters: [
    {
      name: 'DC-Paging',
      hosts: HOSTS.map((name) => ({
        name,
        vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'] }],
        portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0' }],
      })),
      vms: Array.from({ length: VM_COUNT }, (_, i) => ({
        name: `pvm${String(i + 1).padStart(2, '0')}`,
        host: HOSTS[i % HOSTS.length],
        nics: [{ network: 'VM Network' }],
      })),
    },
  ],
};

let lab: Lab;
let options: ClientOptions;
let client: VimClient;

beforeAll(async () => {
  lab = await startScenario(SCENARIO);
  options = {
    url: new URL(lab.url),
    username: lab.username,
    password: lab.password,
    tls: { ca: await readFile(lab.caFile, 'utf8') },
    timeoutMs: 30_000,
    maxResponseBytes: 2 ** 26,
    maxSockets: 2,
  };
  client = await VimClient.connect(options);
});

afterAll(async () => {
  await client?.logout();
  await lab?.stop();
});

describe('retrieveAll against the lab', () => {
  it.each([
    [4, 7],
    [25, 1],
    [1000, 1],
  ])('pages of %i: every host and VM exactly once, in %i page(s), one request per page plus the view', async (pageSize, pages) => {
    const total = HOSTS.length + VM_COUNT;
    const before = client.stats.requests;
    const seen: number[] = [];
    const objects = await retrieveAll(
      client,
      [
        { type: 'HostSystem', pathSet: ['name'] },
        { type: 'VirtualMachine', pathSet: ['name', 'runtime.host'] },
      ],
      { pageSize, onPage: (page) => seen.push(page) },
    );

    const names = objects.map((o) => prop<string>(o, 'name'));
    expect(objects).toHaveLength(total);
    expect(new Set(objects.map((o) => o.obj.value)).size).toBe(total);
    expect(names.filter((n) => n?.startsWith('esx-')).sort()).toEqual(HOSTS);
    expect(names.filter((n) => n?.startsWith('pvm'))).toHaveLength(VM_COUNT);
    expect(seen).toEqual(Array.from({ length: pages }, (_, i) => i + 1));
    // CreateContainerView, RetrievePropertiesEx, a Continue per further page, DestroyView.
    expect(client.stats.requests - before).toBe(pages + 2);
  });

  it('destroys the ContainerView it created, and only asks for what it needs', async () => {
    const traced: string[] = [];
    const own = await VimClient.connect({ ...options, trace: (text) => traced.push(text) });
    try {
      const callsBefore = (await lab.calls()).length;
      const objects = await retrieveAll(own, [{ type: 'VirtualMachine', pathSet: ['name'] }], { pageSize: 10 });
      const calls = (await lab.calls()).slice(callsBefore);
      const view = traced.map((t) => /<CreateContainerViewResponse[^>]*><returnval type="ContainerView">([^<]+)</.exec(t)?.[1]).find(Boolean);

      expect(objects).toHaveLength(VM_COUNT);
      expect(objects.every((o) => o.propSet?.length === 1 && o.propSet[0]!.name === 'name')).toBe(true);
      expect(calls.map((c) => c.method)).toEqual([
        'CreateContainerView',
        'RetrievePropertiesEx',
        'ContinueRetrievePropertiesEx',
        'ContinueRetrievePropertiesEx',
        'DestroyView',
      ]);
      // The trace redacts the session key inside the view's id ("session[key]uuid").
      const id = (ref: string | undefined) => ref?.replace(/^session\[[^\]]*\]/, '');
      expect(id(view)).toMatch(/^[0-9a-f-]{36}$/);
      expect(id(calls.at(-1)!.this)).toBe(id(view));
    } finally {
      await own.logout();
    }
  });

  it('retrieveObjects reads the given objects, paged too', async () => {
    const vms = await retrieveAll(client, [{ type: 'VirtualMachine', pathSet: ['runtime.host'] }]);
    const hosts = [...new Map(vms.map((o) => prop<MoRef>(o, 'runtime.host')!).map((h) => [h.value, h])).values()];
    const before = client.stats.requests;
    const named = await retrieveObjects(client, hosts, ['name'], { pageSize: 2 });

    expect(named.map((o) => prop<string>(o, 'name')).sort()).toEqual(HOSTS);
    expect(client.stats.requests - before).toBe(2);
  });

  it('a session that expires between two pages: logged in again, the retrieval started over in the new session, every object once', async () => {
    // The page tokens, like the view, live in the session that asked: the new one does not know them.
    const proxy = await startProxy(lab);
    const own = await VimClient.connect({ ...options, url: new URL(proxy.url), tls: { ca: await readFile(proxy.caFile, 'utf8') } });
    try {
      proxy.inject({ method: 'ContinueRetrievePropertiesEx', nth: 2, fault: { kind: 'expire' } });
      const objects = await retrieveAll(own, [{ type: 'VirtualMachine', pathSet: ['name'] }], { pageSize: 4 });
      expect(objects.map((o) => prop<string>(o, 'name')).sort()).toEqual(Array.from({ length: VM_COUNT }, (_, i) => `pvm${String(i + 1).padStart(2, '0')}`));
      expect(proxy.count('Login')).toBe(2);
      expect(proxy.count('CreateContainerView')).toBe(2);
    } finally {
      await own.logout();
      await proxy.stop();
    }
  });

  it('an inventory whose retrieval restarts after a lost session holds only what the restarted pass read: a VM deleted between the passes is no phantom', async () => {
    const proxy = await startProxy(lab);
    const own = await VimClient.connect({ ...options, url: new URL(proxy.url), tls: { ca: await readFile(proxy.caFile, 'utf8') } });
    try {
      // The session is lost at the second ContinueRetrievePropertiesEx; until then, the first VM read is
      // noted, and from the restarted pass on, it is gone from every answer, as if deleted in between.
      proxy.inject({ method: 'ContinueRetrievePropertiesEx', nth: 2, fault: { kind: 'expire' } });
      let firstPass = true;
      let deleted: string | undefined;
      proxy.inject({
        method: /RetrievePropertiesEx$/,
        times: Infinity,
        fault: {
          kind: 'rewrite',
          rewrite: (body) => {
            const text = body.toString('utf8');
            if (text.includes('<RetrievePropertiesExResponse') && deleted !== undefined) firstPass = false;
            if (firstPass) {
              deleted ??= /<obj type="VirtualMachine">([^<]+)<\/obj>/.exec(text)?.[1];
              return body;
            }
            return Buffer.from(text.replace(new RegExp(`<objects><obj type="VirtualMachine">${deleted}</obj>.*?</objects>`, 's'), ''));
          },
        },
      });
      const inventory = await fetchInventory(own, 'vcenter', { pageSize: 8 });
      expect(deleted).toBeDefined();
      expect(proxy.count('Login')).toBe(2);
      expect(inventory.vms).toHaveLength(VM_COUNT - 1);
      expect(inventory.vms.map((vm) => vm.moref)).not.toContain(deleted);
    } finally {
      await own.logout();
      await proxy.stop();
    }
  });
});
