// The simulator lab, exercised over raw SOAP (no project code): the vSphere
// semantics a real client depends on, and the lab's own /lab endpoints.
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Lab {
  url: string;
  thumbprint: string;
  username: string;
  password: string;
  caFile: string;
  about: { apiType: string; apiVersion: string };
  stop(): Promise<void>;
}
interface LabModule {
  startLab(options: { scenario: string; password?: string }): Promise<Lab>;
}

const PASSWORD = 'lab-Secret-42';
const FILLER = 1200;
const LOG_LINES = [
  '2024-05-14T09:21:07.123Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client vm07 requested mac address change to 02:bf:0a:00:00:15 on port 0x4000004, disallowed by vswitch policy',
  '2024-05-14T09:21:07.123Z cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client vm07 has policy violations on port 0x4000004. Port is blocked',
  '2024-05-14T09:21:08.456Z cpu5:4099)etherswitch: L2Sec_EnforcePortCompliance: 0x4000004: peer not allowed to change address, blocking port',
];
const VM_COUNT = 23;

// Written here, not taken from mocks/scenarios: the lab must build what a
// scenario says, whatever it says.
const SCENARIO = {
  mode: 'vcenter',
  datacenters: [
    {
      name: 'DC-Test',
      clusters: ['C1'],
      hosts: ['esx-a', 'esx-b'].map((name) => ({
        name,
        cluster: 'C1',
        version: '8.0.2',
        build: '22380479',
        vswitches: [
          { name: 'vSwitch0', nics: ['vmnic0', 'vmnic1'], policy: { allowPromiscuous: false, macChanges: false, forgedTransmits: false, teaming: { policy: 'loadbalance_srcid', activeNic: ['vmnic0', 'vmnic1'], standbyNic: [] } } },
          { name: 'vSwitch1', nics: ['vmnic2'], policy: null },
        ],
        portgroups: [
          { name: 'VM Network', vswitch: 'vSwitch0' },
          { name: 'NLB', vswitch: 'vSwitch1', vlanId: 120, policy: { macChanges: true, teaming: { policy: 'failover_explicit', activeNic: ['vmnic2'], standbyNic: [] } } },
        ],
        vmkernelLog: name === 'esx-a' ? { filler: FILLER, lines: LOG_LINES } : { filler: 10, lines: [] },
      })),
      dvSwitches: [
        {
          name: 'DSwitch',
          version: '8.0.0',
          hosts: ['esx-a', 'esx-b'],
          portgroups: [
            { name: 'DPG-Reject', vlanId: 30, numPorts: 4, policy: { macChanges: null }, securityPolicyOverrideAllowed: true },
          ],
        },
      ],
      vms: Array.from({ length: VM_COUNT }, (_, i) => ({
        name: `vm${String(i + 1).padStart(2, '0')}`,
        host: i % 2 ? 'esx-b' : 'esx-a',
        nics:
          i === 0
            ? [{ network: 'DPG-Reject', mac: '00:50:56:aa:00:01', guestMac: '00:0c:29:11:22:33', portKey: '2', port: { blocked: true, statusDetail: 'blocked by the test' } }]
            : [{ network: i % 3 ? 'VM Network' : 'NLB' }],
      })),
    },
  ],
};

let lab: Lab;
let dir: string;
let ca: Buffer;
let cookie = '';
let content: Record<string, string> = {};

interface Reply {
  status: number;
  body: string;
}

function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Reply & { setCookie: string[] }> {
  const url = new URL(path, lab.url);
  return new Promise((done, fail) => {
    const req = request(url, { method: 'POST', ca, headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: 'urn:vim25/8.0.2.0', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: text, setCookie: res.headers['set-cookie'] ?? [] }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

function get(path: string): Promise<Reply> {
  const url = new URL(path, lab.url);
  return new Promise((done, fail) => {
    request(url, { method: 'GET', ca }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
    })
      .on('error', fail)
      .end();
  });
}

const ref = (tag: string, type: string, value: string) => `<${tag} type="${type}">${value}</${tag}>`;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Calls a vSphere method; resolves with the raw response (faults included). */
async function soap(method: string, inner: string): Promise<Reply> {
  const envelope =
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body><${method} xmlns="urn:vim25">${inner}</${method}></soapenv:Body></soapenv:Envelope>`;
  const res = await post('/sdk', envelope, cookie ? { Cookie: cookie } : {});
  const session = res.setCookie.find((c) => c.startsWith('vmware_soap_session='));
  if (session) cookie = session.split(';')[0] ?? '';
  return res;
}

/** Like soap(), but a fault fails the test. */
async function call(method: string, inner: string): Promise<string> {
  const res = await soap(method, inner);
  if (res.status !== 200) throw new Error(`${method}: HTTP ${res.status}: ${res.body}`);
  return res.body;
}

function all(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}(?: [^>]*)?>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1] ?? '');
}
function one(xml: string, tag: string): string {
  const found = all(xml, tag);
  if (found.length === 0) throw new Error(`no <${tag}> in ${xml.slice(0, 2000)}`);
  return found[0] ?? '';
}

/** Every object of a type under the root folder, with the given properties. */
async function retrieve(type: string, paths: string[], maxObjects?: number): Promise<string> {
  const view = one(await call('CreateContainerView', ref('_this', 'ViewManager', content.viewManager!) + ref('container', 'Folder', content.rootFolder!) + `<type>${type}</type><recursive>true</recursive>`), 'returnval');
  try {
    return await call(
      'RetrievePropertiesEx',
      ref('_this', 'PropertyCollector', content.propertyCollector!) +
        '<specSet>' +
        `<propSet><type>${type}</type>${paths.map((p) => `<pathSet>${p}</pathSet>`).join('')}</propSet>` +
        `<objectSet>${ref('obj', 'ContainerView', view)}<skip>true</skip><selectSet xsi:type="TraversalSpec"><name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet>` +
        '</specSet>' +
        (maxObjects ? `<options><maxObjects>${maxObjects}</maxObjects></options>` : '<options/>'),
    );
  } finally {
    await call('DestroyView', ref('_this', 'ContainerView', view));
  }
}

/** The value of one property in an ObjectContent's XML. */
function propVal(objectXml: string, name: string): string {
  const p = all(objectXml, 'propSet').find((x) => one(x, 'name') === name);
  if (p === undefined) throw new Error(`no property ${name} in ${objectXml.slice(0, 500)}`);
  return one(p, 'val');
}

/** The objects of a RetrieveResult, as { moref value: XML of the object }. */
function objects(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of all(xml, 'objects')) out.set(one(o, 'obj'), o);
  return out;
}

async function state(): Promise<any> {
  const res = await get('/lab/state');
  expect(res.status).toBe(200);
  return JSON.parse(res.body);
}

/** Waits for a task with WaitForUpdatesEx on its info, as clients do. */
async function waitTask(task: string): Promise<string> {
  const pc = content.propertyCollector!;
  const filter = one(
    await call(
      'CreateFilter',
      ref('_this', 'PropertyCollector', pc) +
        `<spec><propSet><type>Task</type><pathSet>info</pathSet></propSet><objectSet>${ref('obj', 'Task', task)}</objectSet></spec><partialUpdates>false</partialUpdates>`,
    ),
    'returnval',
  );
  try {
    const update = await call('WaitForUpdatesEx', ref('_this', 'PropertyCollector', pc) + '<version></version><options><maxWaitSeconds>10</maxWaitSeconds></options>');
    const info = one(update, 'val');
    expect(one(info, 'state')).toMatch(/^(success|error)$/);
    return info;
  } finally {
    await call('DestroyPropertyFilter', ref('_this', 'PropertyFilter', filter));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vmfix-lab-test-'));
  const scenario = join(dir, 'scenario.json');
  await writeFile(scenario, JSON.stringify(SCENARIO));
  const { startLab } = (await import(new URL('../../scripts/lab.js', import.meta.url).href)) as LabModule;
  lab = await startLab({ scenario, password: PASSWORD });
  ca = readFileSync(lab.caFile);
  const sc = await call('RetrieveServiceContent', ref('_this', 'ServiceInstance', 'ServiceInstance'));
  for (const key of ['rootFolder', 'propertyCollector', 'viewManager', 'sessionManager', 'diagnosticManager']) content[key] = one(sc, key);
}, 180_000);

afterAll(async () => {
  await lab?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the simulator lab', () => {
  it('announces itself as a vCenter with a SHA-256 thumbprint', () => {
    expect(lab.about).toEqual({ apiType: 'VirtualCenter', apiVersion: '8.0.2.0' });
    expect(lab.thumbprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(lab.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/sdk$/);
  });

  it('refuses a wrong password, then accepts the right one', async () => {
    const bad = await soap('Login', ref('_this', 'SessionManager', content.sessionManager!) + `<userName>${lab.username}</userName><password>wrong</password>`);
    expect(bad.status).toBe(500);
    expect(bad.body).toContain('InvalidLoginFault');
    await call('Login', ref('_this', 'SessionManager', content.sessionManager!) + `<userName>${esc(lab.username)}</userName><password>${esc(PASSWORD)}</password>`);
    expect(cookie).toMatch(/^vmware_soap_session=/);
  });

  it('pages RetrievePropertiesEx by maxObjects and returns every VM exactly once', async () => {
    let page = await retrieve('VirtualMachine', ['name'], 5);
    const names: string[] = [];
    const tokens: string[] = [];
    for (;;) {
      const objs = all(page, 'objects');
      expect(objs.length).toBeLessThanOrEqual(5);
      for (const o of objs) names.push(one(o, 'val'));
      const token = all(page, 'token')[0];
      if (!token) break;
      tokens.push(token);
      page = await call('ContinueRetrievePropertiesEx', ref('_this', 'PropertyCollector', content.propertyCollector!) + `<token>${token}</token>`);
    }
    expect(tokens.length).toBe(Math.ceil(VM_COUNT / 5) - 1);
    expect(names.sort()).toEqual(SCENARIO.datacenters[0]!.vms.map((v) => v.name).sort());
    const used = await soap('ContinueRetrievePropertiesEx', ref('_this', 'PropertyCollector', content.propertyCollector!) + `<token>${tokens[0]}</token>`);
    expect(used.status).toBe(500);
    expect(used.body).toContain('InvalidArgumentFault');
  });

  it('UpdatePortGroup replaces the whole spec: a partial spec resets vlanId and drops overrides', async () => {
    const hosts = objects(await retrieve('HostSystem', ['name', 'configManager.networkSystem', 'config.network']));
    const [hostRef, hostXml] = [...hosts].find(([, xml]) => propVal(xml, 'name') === 'esx-a')!;
    const before = all(hostXml, 'portgroup').find((pg) => pg.includes('<name>NLB</name>'))!;
    expect(one(before, 'vlanId')).toBe('120');
    expect(one(one(before, 'computedPolicy'), 'macChanges')).toBe('true');
    const netSys = propVal(hostXml, 'configManager.networkSystem');

    // A client that means "set forgedTransmits" but sends only that.
    await call(
      'UpdatePortGroup',
      ref('_this', 'HostNetworkSystem', netSys) +
        '<pgName>NLB</pgName><portgrp><name>NLB</name><vswitchName>vSwitch1</vswitchName><policy><security><forgedTransmits>false</forgedTransmits></security></policy></portgrp>',
    );

    const after = objects(await retrieve('HostSystem', ['config.network'])).get(hostRef)!;
    const pg = all(after, 'portgroup').find((p) => p.includes('<name>NLB</name>'))!;
    expect(one(one(pg, 'spec'), 'vlanId')).toBe('0');
    expect(all(one(pg, 'spec'), 'macChanges')).toEqual([]);
    expect(one(one(pg, 'computedPolicy'), 'macChanges')).toBe('false'); // the vSwitch default (no policy: Reject)
    expect(one(one(pg, 'computedPolicy'), 'policy')).toBe('loadbalance_srcid'); // teaming override gone

    // The lab's independent read-back agrees, and the other host is untouched.
    const s = await state();
    const a = s.hosts.find((h: any) => h.name === 'esx-a').networkInfo.portgroup.find((p: any) => p.spec.name === 'NLB');
    const b = s.hosts.find((h: any) => h.name === 'esx-b').networkInfo.portgroup.find((p: any) => p.spec.name === 'NLB');
    expect(a.spec.vlanId).toBe(0);
    expect(a.computedPolicy.security.macChanges).toBe(false);
    expect(b.spec.vlanId).toBe(120);
    expect(b.computedPolicy.security.macChanges).toBe(true);
  });

  it('ReconfigureDVPortgroup_Task with a stale configVersion fails ConcurrentAccess and changes nothing', async () => {
    const pgs = objects(await retrieve('DistributedVirtualPortgroup', ['config.configVersion']));
    const [pgRef, pgXml] = [...pgs][0]!;
    expect(one(pgXml, 'val')).toBe('1');
    const before = await state();
    const spec = (version: string) =>
      ref('_this', 'DistributedVirtualPortgroup', pgRef) +
      `<spec><configVersion>${version}</configVersion><defaultPortConfig xsi:type="VMwareDVSPortSetting"><securityPolicy><inherited>false</inherited><macChanges><inherited>false</inherited><value>true</value></macChanges></securityPolicy></defaultPortConfig></spec>`;

    const stale = await waitTask(one(await call('ReconfigureDVPortgroup_Task', spec('0')), 'returnval'));
    expect(one(stale, 'state')).toBe('error');
    expect(stale).toMatch(/xsi:type="ConcurrentAccess"/);
    expect((await state()).dvPortgroups).toEqual(before.dvPortgroups);

    const ok = await waitTask(one(await call('ReconfigureDVPortgroup_Task', spec('1')), 'returnval'));
    expect(one(ok, 'state')).toBe('success');
    const config = (await state()).dvPortgroups[0].config;
    expect(config.configVersion).toBe('2');
    expect(config.defaultPortConfig.securityPolicy.macChanges).toMatchObject({ inherited: false, value: true });
    expect(config.defaultPortConfig.macManagementPolicy.macChanges).toBe(true); // kept consistent
    expect(config.defaultPortConfig.vlan.vlanId).toBe(30); // a delta: the rest stays
  });

  it('FetchDVPorts returns the blocked port with its connectee, and releases it once the policy allows the MAC', async () => {
    const dvs = [...objects(await retrieve('DistributedVirtualSwitch', ['name'])).keys()][0]!;
    // The stale-version test above set Accept on the portgroup: the port was re-evaluated.
    const ports = await call('FetchDVPorts', ref('_this', 'VmwareDistributedVirtualSwitch', dvs) + '<criteria><portKey>2</portKey></criteria>');
    const port = one(ports, 'returnval');
    expect(one(port, 'key')).toBe('2');
    expect(one(port, 'connectedEntity')).toMatch(/^vm-/);
    expect(one(port, 'type')).toBe('vmVnic');
    expect(one(port, 'macAddress')).toBe('00:50:56:aa:00:01');
    expect(one(one(port, 'runtimeInfo'), 'blocked')).toBe('false');

    // Back to Reject: ESXi enforces compliance again and blocks the port.
    const pgRef = [...objects(await retrieve('DistributedVirtualPortgroup', ['name'])).keys()][0]!;
    await waitTask(
      one(
        await call(
          'ReconfigureDVPortgroup_Task',
          ref('_this', 'DistributedVirtualPortgroup', pgRef) +
            '<spec><configVersion>2</configVersion><defaultPortConfig xsi:type="VMwareDVSPortSetting"><macManagementPolicy><inherited>false</inherited><macChanges>false</macChanges></macManagementPolicy></defaultPortConfig></spec>',
        ),
        'returnval',
      ),
    );
    const blocked = one(await call('FetchDVPorts', ref('_this', 'VmwareDistributedVirtualSwitch', dvs) + '<criteria><connected>true</connected><inside>true</inside></criteria>'), 'returnval');
    expect(one(one(blocked, 'runtimeInfo'), 'blocked')).toBe('true');
    expect(one(one(blocked, 'securityPolicy'), 'macChanges')).toContain('<value>false</value>');
  });

  it('BrowseDiagnosticLog pages the vmkernel log 500 lines a call: timed filler, the scenario lines, then what ESXi logged since', async () => {
    const host = [...objects(await retrieve('HostSystem', ['name']))].find(([, xml]) => propVal(xml, 'name') === 'esx-a')![0];
    const dm = content.diagnosticManager!;
    const descriptions = await call('QueryDescriptions', ref('_this', 'DiagnosticManager', dm) + ref('host', 'HostSystem', host));
    expect(all(descriptions, 'key')).toEqual(expect.arrayContaining(['vmkernel', 'hostd']));

    const browse = (start: number, lines: number) =>
      call('BrowseDiagnosticLog', ref('_this', 'DiagnosticManager', dm) + ref('host', 'HostSystem', host) + `<key>vmkernel</key><start>${start}</start><lines>${lines}</lines>`);
    // The test above blocked vm01's dvPort again: ESXi logged it on its host.
    const total = FILLER + LOG_LINES.length + 2;
    const end = await browse(2 ** 31 - 1, 0);
    expect(one(end, 'lineEnd')).toBe(String(total));
    expect(all(end, 'lineText')).toEqual([]);

    const text: string[] = [];
    for (let start = 1; start <= total; ) {
      const page = await browse(start, 1000); // more than the server's cap
      const lines = all(page, 'lineText');
      expect(Number(one(page, 'lineStart'))).toBe(start);
      expect(lines.length).toBe(Math.min(500, total - start + 1));
      expect(Number(one(page, 'lineEnd'))).toBe(start + lines.length - 1);
      text.push(...lines);
      start += lines.length;
    }
    expect(text.length).toBe(total);
    expect(text.slice(FILLER, FILLER + LOG_LINES.length)).toEqual(LOG_LINES);
    const filler = text.slice(0, FILLER);
    expect(filler.some((l) => l.includes('L2Sec'))).toBe(false);
    // ESXi 8's form, oldest first, ending before the first scenario line and spanning the default 24 hours.
    expect(filler[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z In\(182\) vmkernel: cpu\d+:\d+\)/);
    const stamps = filler.map((l) => Date.parse(l.slice(0, 24)));
    expect(stamps.every((t, i) => i === 0 || t >= stamps[i - 1]!)).toBe(true);
    const firstScenario = Date.parse(LOG_LINES[0]!.slice(0, 24));
    expect(stamps.at(-1)!).toBeLessThan(firstScenario);
    expect(firstScenario - stamps[0]!).toBeGreaterThan(23 * 3600_000);
    expect(firstScenario - stamps[0]!).toBeLessThanOrEqual(24 * 3600_000 + 1000);
    const logged = text.slice(-2);
    expect(logged[0]).toMatch(/^\d{4}-.*Z In\(182\) vmkernel: cpu\d+:\d+\)etherswitch: L2Sec_EnforcePortCompliance:\d+: client vm01 requested mac address change to 00:0c:29:11:22:33 on port 0x[0-9a-f]+, disallowed by vswitch policy$/);
    expect(logged[1]).toMatch(/L2Sec_EnforcePortCompliance:\d+: client vm01 has policy violations on port 0x[0-9a-f]+\. Port is blocked$/);
    expect(Math.abs(Date.parse(logged[0]!.slice(0, 24)) - Date.now())).toBeLessThan(60_000);

    // govc-style tail: the last N lines.
    const tail = await browse(total - 2 + 1, 2);
    expect(all(tail, 'lineText')).toEqual(logged);
  });

  it('records every SOAP call at /lab/calls', async () => {
    const res = await get('/lab/calls');
    expect(res.status).toBe(200);
    const calls: { method: string; this: string }[] = JSON.parse(res.body);
    expect(calls[0]).toEqual({ method: 'RetrieveServiceContent', this: 'ServiceInstance' });
    expect(calls).toContainEqual({ method: 'Login', this: content.sessionManager });
    expect(calls.filter((c) => c.method === 'UpdatePortGroup')).toHaveLength(1);
    expect(calls.find((c) => c.method === 'UpdatePortGroup')!.this).toMatch(/^hostnetworksystem-/);
  });
});
