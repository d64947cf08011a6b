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

// The world around vmfix: guests, admins, ESXi and vCenter acting on their
// own. A second lab, so that its changes do not meet the tests above.
const WORLD = {
  mode: 'vcenter',
  datacenters: [
    {
      name: 'DC-World',
      hosts: [
        {
          name: 'esx-up',
          vswitches: [{ name: 'vSwitch0', policy: { allowPromiscuous: false, macChanges: false, forgedTransmits: false } }],
          portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0' }],
          vmkernelLog: { filler: 30, spanHours: 2 },
        },
        { name: 'esx-down', connectionState: 'disconnected', vswitches: [{ name: 'vSwitch0' }], portgroups: [{ name: 'VM Network', vswitch: 'vSwitch0', vlanId: 5 }] },
      ],
      dvSwitches: [
        {
          name: 'DSW',
          version: '8.0.0',
          hosts: ['esx-up'],
          portgroups: [
            { name: 'DPG-Reject', numPorts: 4 },
            { name: 'DPG-Learn', numPorts: 4, macLearning: { enabled: true, allowUnicastFlooding: true } },
            { name: 'DPG-OldFlag', numPorts: 4, securityPolicyOverrideAllowed: true, macManagementOverrideAllowed: false },
            { name: 'DPG-NewFlag', numPorts: 4, securityPolicyOverrideAllowed: false, macManagementOverrideAllowed: true },
          ],
        },
      ],
      vms: [
        { name: 'std01', host: 'esx-up', nics: [{ network: 'VM Network', mac: '00:50:56:aa:00:10' }] },
        { name: 'dv01', host: 'esx-up', nics: [{ network: 'DPG-Reject', mac: '00:50:56:aa:00:20', portKey: '0' }] },
        { name: 'learn01', host: 'esx-up', nics: [{ network: 'DPG-Learn', mac: '00:50:56:aa:00:30', portKey: '4' }] },
        { name: 'old01', host: 'esx-up', nics: [{ network: 'DPG-OldFlag', mac: '00:50:56:aa:00:40', portKey: '8', port: { macChanges: true } }] },
        { name: 'new01', host: 'esx-up', nics: [{ network: 'DPG-NewFlag', mac: '00:50:56:aa:00:50', portKey: '12', port: { macChanges: true } }] },
        { name: 'far01', host: 'esx-down', nics: [{ network: 'VM Network', mac: '00:50:56:aa:00:60' }] },
      ],
    },
  ],
};

async function labPost(path: string, body: unknown): Promise<Reply> {
  return post(path, JSON.stringify(body), { 'Content-Type': 'application/json' });
}
async function byName(type: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [moref, xml] of objects(await retrieve(type, ['name']))) out[propVal(xml, 'name')] = moref;
  return out;
}
async function login(): Promise<void> {
  cookie = '';
  await call('Login', ref('_this', 'SessionManager', content.sessionManager!) + `<userName>${esc(lab.username)}</userName><password>${esc(PASSWORD)}</password>`);
}
async function newCollector(): Promise<string> {
  return one(await call('CreatePropertyCollector', ref('_this', 'PropertyCollector', content.propertyCollector!)), 'returnval');
}
async function watch(pc: string, type: string, obj: string, path: string): Promise<string> {
  return one(
    await call('CreateFilter', ref('_this', 'PropertyCollector', pc) + `<spec><propSet><type>${type}</type><pathSet>${path}</pathSet></propSet><objectSet>${ref('obj', type, obj)}</objectSet></spec><partialUpdates>false</partialUpdates>`),
    'returnval',
  );
}
function waitUpdates(pc: string, version: string, maxWait = 10): Promise<string> {
  return call('WaitForUpdatesEx', ref('_this', 'PropertyCollector', pc) + `<version>${version}</version><options><maxWaitSeconds>${maxWait}</maxWaitSeconds></options>`);
}
async function port(dvs: string, key: string): Promise<string> {
  return one(await call('FetchDVPorts', ref('_this', 'VmwareDistributedVirtualSwitch', dvs) + `<criteria><portKey>${key}</portKey></criteria>`), 'returnval');
}
async function logTail(host: string, n: number): Promise<{ end: number; lines: string[] }> {
  const browse = (start: number, lines: number) =>
    call('BrowseDiagnosticLog', ref('_this', 'DiagnosticManager', content.diagnosticManager!) + ref('host', 'HostSystem', host) + `<key>vmkernel</key><start>${start}</start><lines>${lines}</lines>`);
  const end = Number(one(await browse(2 ** 31 - 1, 0), 'lineEnd'));
  return { end, lines: all(await browse(Math.max(1, end - n + 1), n), 'lineText') };
}
const blockedOf = (portXml: string) => one(one(portXml, 'runtimeInfo'), 'blocked');
const eventTypes = (xml: string) => [...xml.matchAll(/xsi:type="(\w+Event)"/g)].map((m) => m[1]).filter((t) => !t!.startsWith('ArrayOf'));

describe('the lab as the world around vmfix', () => {
  let vms: Record<string, string>;
  let hosts: Record<string, string>;
  let dvs: string;
  let events: string; // an EventHistoryCollector made before anything happened
  let eventsPc: string;
  let eventsVersion: string;

  beforeAll(async () => {
    await lab.stop();
    const scenario = join(dir, 'world.json');
    await writeFile(scenario, JSON.stringify(WORLD));
    const { startLab } = (await import(new URL('../../scripts/lab.js', import.meta.url).href)) as LabModule;
    lab = await startLab({ scenario, password: PASSWORD });
    ca = readFileSync(lab.caFile);
    const sc = await call('RetrieveServiceContent', ref('_this', 'ServiceInstance', 'ServiceInstance'));
    for (const key of ['rootFolder', 'propertyCollector', 'viewManager', 'sessionManager', 'diagnosticManager', 'eventManager']) content[key] = one(sc, key);
    await login();
    vms = await byName('VirtualMachine');
    hosts = await byName('HostSystem');
    dvs = Object.values(await byName('DistributedVirtualSwitch'))[0]!;
    events = one(
      await call(
        'CreateCollectorForEvents',
        ref('_this', 'EventManager', content.eventManager!) +
          `<filter><entity>${ref('entity', 'VmwareDistributedVirtualSwitch', dvs)}<recursion>all</recursion></entity><eventTypeId>DvsPortBlockedEvent</eventTypeId><eventTypeId>DvsPortUnblockedEvent</eventTypeId></filter>`,
      ),
      'returnval',
    );
    eventsPc = await newCollector();
    await watch(eventsPc, 'EventHistoryCollector', events, 'latestPage');
    eventsVersion = one(await waitUpdates(eventsPc, ''), 'version');
  }, 180_000);

  it('a guest MAC change on a Reject standard port: guest.net shows it at once, ESXi logs and blocks; the own MAC again releases it', async () => {
    const pc = await newCollector();
    await watch(pc, 'VirtualMachine', vms.std01!, 'guest.net');
    const first = await waitUpdates(pc, '');
    expect(one(first, 'macAddress')).toBe('00:50:56:aa:00:10');
    const before = await logTail(hosts['esx-up']!, 1);

    const res = await labPost('/lab/guest-mac', { vm: 'std01', nic: 1, mac: '02:AB:00:00:00:01' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ guestMac: '02:ab:00:00:00:01', blocked: true });
    const update = await waitUpdates(pc, one(first, 'version'));
    expect(one(update, 'macAddress')).toBe('02:ab:00:00:00:01');

    const network = objects(await retrieve('HostSystem', ['config.network'])).get(hosts['esx-up']!)!;
    const portId = Number(/key-vim\.host\.PortGroup\.Port-(\d+)/.exec(network)![1]);
    const after = await logTail(hosts['esx-up']!, 2);
    expect(after.end).toBe(before.end + 2);
    expect(after.lines[0]).toContain(`In(182) vmkernel: cpu`);
    expect(after.lines[0]).toContain(`L2Sec_EnforcePortCompliance:247: client std01 requested mac address change to 02:ab:00:00:00:01 on port 0x${portId.toString(16)}, disallowed by vswitch policy`);
    expect(after.lines[1]).toContain(`L2Sec_EnforcePortCompliance:356: client std01 has policy violations on port 0x${portId.toString(16)}. Port is blocked`);

    const back = await labPost('/lab/guest-mac', { vm: 'std01', nic: 'Network adapter 1', mac: '00:50:56:aa:00:10' });
    expect(JSON.parse(back.body)).toMatchObject({ blocked: false });
    expect((await logTail(hosts['esx-up']!, 1)).end).toBe(after.end); // nothing refused, nothing logged
    expect((await labPost('/lab/guest-mac', { vm: 'std01', nic: 2, mac: '02:ab:00:00:00:01' })).status).toBe(404);
    expect((await labPost('/lab/guest-mac', { vm: 'std01', nic: 1, mac: '03:00:00:00:00:01' })).status).toBe(400); // multicast
  });

  it('on a dvPort: blocked with its statusDetail and DvsPortBlockedEvent (latestPage via WaitForUpdatesEx), released with DvsPortUnblockedEvent; a MAC-learning port never blocks', async () => {
    expect(blockedOf(await port(dvs, '0'))).toBe('false');
    await labPost('/lab/guest-mac', { vm: 'dv01', nic: 1, mac: '02:ab:00:00:00:02' });
    const blocked = await port(dvs, '0');
    expect(blockedOf(blocked)).toBe('true');
    expect(one(blocked, 'statusDetail')).toMatch(/MAC address change/);
    const update = await waitUpdates(eventsPc, eventsVersion);
    eventsVersion = one(update, 'version');
    expect(eventTypes(update)).toEqual(['DvsPortBlockedEvent']);
    expect(one(update, 'portKey')).toBe('0');
    expect(one(update, 'prevBlockState')).toBe('unblocked');

    await labPost('/lab/guest-mac', { vm: 'dv01', nic: 1, mac: '00:50:56:aa:00:20' });
    expect(blockedOf(await port(dvs, '0'))).toBe('false');
    const unblocked = await waitUpdates(eventsPc, eventsVersion);
    eventsVersion = one(unblocked, 'version');
    expect(eventTypes(one(unblocked, 'val'))).toEqual(['DvsPortUnblockedEvent', 'DvsPortBlockedEvent']); // newest first

    const logEnd = (await logTail(hosts['esx-up']!, 1)).end;
    const learn = await labPost('/lab/guest-mac', { vm: 'learn01', nic: 1, mac: '02:ab:00:00:00:03' });
    expect(JSON.parse(learn.body)).toMatchObject({ blocked: false });
    expect(blockedOf(await port(dvs, '4'))).toBe('false');
    expect((await logTail(hosts['esx-up']!, 1)).end).toBe(logEnd);
  });

  it("a port's own MAC-changes setting counts where macManagementOverrideAllowed allows it, not securityPolicyOverrideAllowed (6.7+)", async () => {
    const old = await labPost('/lab/guest-mac', { vm: 'old01', nic: 1, mac: '02:ab:00:00:00:04' });
    expect(JSON.parse(old.body)).toMatchObject({ blocked: true });
    expect(one(one(await port(dvs, '8'), 'securityPolicy'), 'macChanges')).toContain('<value>false</value>'); // the portgroup's, shown
    const current = await labPost('/lab/guest-mac', { vm: 'new01', nic: 1, mac: '02:ab:00:00:00:05' });
    expect(JSON.parse(current.body)).toMatchObject({ blocked: false });
    expect(one(one(await port(dvs, '12'), 'securityPolicy'), 'macChanges')).toContain('<value>true</value>');
  });

  it('power: off frees the port and keeps guest.net stale; PowerOnVM_Task blocks the port again and ESXi logs it', async () => {
    await labPost('/lab/guest-mac', { vm: 'dv01', nic: 1, mac: '02:ab:00:00:00:06' });
    expect(blockedOf(await port(dvs, '0'))).toBe('true');
    const off = await labPost('/lab/power', { vm: 'dv01', state: 'poweredOff' });
    expect(off.status).toBe(200);
    const vm = objects(await retrieve('VirtualMachine', ['runtime.powerState', 'guest.net'])).get(vms.dv01!)!;
    expect(propVal(vm, 'runtime.powerState')).toBe('poweredOff');
    expect(one(propVal(vm, 'guest.net'), 'macAddress')).toBe('02:ab:00:00:00:06'); // stale, as Tools last said
    const idle = await port(dvs, '0');
    expect(blockedOf(idle)).toBe('false');
    expect(one(one(idle, 'runtimeInfo'), 'linkUp')).toBe('false');
    expect(one(idle, 'connectedEntity')).toBe(vms.dv01); // a static port stays bound
    expect((await labPost('/lab/power', { vm: 'dv01', state: 'poweredOff' })).status).toBe(409);
    expect((await labPost('/lab/guest-mac', { vm: 'dv01', nic: 1, mac: '02:ab:00:00:00:07' })).status).toBe(409);

    const logEnd = (await logTail(hosts['esx-up']!, 1)).end;
    const info = await waitTask(one(await call('PowerOnVM_Task', ref('_this', 'VirtualMachine', vms.dv01!)), 'returnval'));
    expect(one(info, 'state')).toBe('success');
    expect(propVal(objects(await retrieve('VirtualMachine', ['runtime.powerState'])).get(vms.dv01!)!, 'runtime.powerState')).toBe('poweredOn');
    expect(blockedOf(await port(dvs, '0'))).toBe('true');
    const logged = await logTail(hosts['esx-up']!, 2);
    expect(logged.end).toBe(logEnd + 2);
    expect(logged.lines[0]).toMatch(/client dv01 requested mac address change to 02:ab:00:00:00:06 on port 0x[0-9a-f]+, disallowed by vswitch policy$/);
    const again = await soap('PowerOnVM_Task', ref('_this', 'VirtualMachine', vms.dv01!));
    expect(one(await waitTask(one(again.body, 'returnval')), 'state')).toBe('error');
  });

  it('EventHistoryCollector scrolls over every matching event, oldest first; QueryEvents filters by type, entity and time', async () => {
    const read = async (method: string, n: number) => eventTypes(await call(method, ref('_this', 'EventHistoryCollector', events) + `<maxCount>${n}</maxCount>`));
    // blocked, unblocked, blocked (old01 is on the same switch), blocked (dv01 again), blocked at power-on
    const history = ['DvsPortBlockedEvent', 'DvsPortUnblockedEvent', 'DvsPortBlockedEvent', 'DvsPortBlockedEvent', 'DvsPortBlockedEvent'];
    expect(await read('ReadNextEvents', 2)).toEqual(history.slice(0, 2));
    expect(await read('ReadNextEvents', 100)).toEqual(history.slice(2));
    expect(await read('ReadNextEvents', 100)).toEqual([]);
    expect(await read('ReadPreviousEvents', 2)).toEqual(history.slice(3).reverse());
    await call('RewindCollector', ref('_this', 'EventHistoryCollector', events));
    expect(await read('ReadNextEvents', 1)).toEqual(history.slice(0, 1));
    await call('SetCollectorPageSize', ref('_this', 'EventHistoryCollector', events) + '<maxCount>2</maxCount>');
    await call('ResetCollector', ref('_this', 'EventHistoryCollector', events));
    expect(await read('ReadPreviousEvents', 100)).toEqual(history.slice(0, 3).reverse()); // all but the latest page
    expect(await read('ReadNextEvents', 100)).toEqual(history);

    const query = (filter: string) => call('QueryEvents', ref('_this', 'EventManager', content.eventManager!) + `<filter>${filter}</filter>`);
    const powered = await query(`${'<entity>' + ref('entity', 'VirtualMachine', vms.dv01!) + '<recursion>self</recursion></entity>'}<eventTypeId>VmEvent</eventTypeId>`);
    expect(eventTypes(powered)).toEqual(['VmPoweredOnEvent', 'VmStartingEvent', 'VmPoweredOffEvent', 'VmStoppingEvent']);
    expect(one(powered, 'userName')).toBe(lab.username);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect(eventTypes(await query(`<time><beginTime>${future}</beginTime></time>`))).toEqual([]);
    const dc = Object.values(await byName('Datacenter'))[0]!;
    expect(eventTypes(await query(`<entity>${ref('entity', 'Datacenter', dc)}<recursion>children</recursion></entity><eventTypeId>DvsPortUnblockedEvent</eventTypeId>`))).toEqual(['DvsPortUnblockedEvent']);

    await call('DestroyCollector', ref('_this', 'EventHistoryCollector', events));
    const gone = await soap('ReadNextEvents', ref('_this', 'EventHistoryCollector', events) + '<maxCount>1</maxCount>');
    expect(gone.body).toContain('ManagedObjectNotFound');
  });

  it('ReconfigVM posts VmReconfiguredEvent and ReconfigureDVPortgroup DVPortgroupReconfiguredEvent; UpdatePortGroup posts nothing, as vCenter', async () => {
    const since = new Date().toISOString();
    const task = await call(
      'ReconfigVM_Task',
      ref('_this', 'VirtualMachine', vms.learn01!) +
        '<spec><deviceChange><operation>edit</operation><device xsi:type="VirtualVmxnet3"><key>4000</key><connectable><startConnected>true</startConnected><allowGuestControl>true</allowGuestControl><connected>true</connected></connectable></device></deviceChange></spec>',
    );
    expect(one(await waitTask(one(task, 'returnval')), 'state')).toBe('success');
    const pgs = await byName('DistributedVirtualPortgroup');
    const pgTask = await call('ReconfigureDVPortgroup_Task', ref('_this', 'DistributedVirtualPortgroup', pgs['DPG-Learn']!) + '<spec><configVersion>1</configVersion><description>learning</description></spec>');
    expect(one(await waitTask(one(pgTask, 'returnval')), 'state')).toBe('success');
    const netSys = propVal(objects(await retrieve('HostSystem', ['configManager.networkSystem'])).get(hosts['esx-up']!)!, 'configManager.networkSystem');
    await call('UpdatePortGroup', ref('_this', 'HostNetworkSystem', netSys) + '<pgName>VM Network</pgName><portgrp><name>VM Network</name><vswitchName>vSwitch0</vswitchName><policy/></portgrp>');

    const recent = await call('QueryEvents', ref('_this', 'EventManager', content.eventManager!) + `<filter><time><beginTime>${since}</beginTime></time></filter>`);
    expect(eventTypes(recent)).toEqual(['DVPortgroupReconfiguredEvent', 'VmReconfiguredEvent']);
    expect(recent).toContain(`<network type="DistributedVirtualPortgroup">${pgs['DPG-Learn']}</network>`);
  });

  // VMware's DVS tests (vcqa dvs.vmops.createvm) expect a VM's port to post Connected, LinkUp, LinkDown, Disconnected over
  // create, power-on, power-off, destroy: the connectee follows the backing, the link the card being live.
  it('a card unticked and ticked "Connected" (/lab/nic-connected, a ReconfigVM): its dvPort link goes down and up, the port stays bound; power off and on do the same', async () => {
    const since = new Date().toISOString();
    const linkUp = async () => one(one(await port(dvs, '4'), 'runtimeInfo'), 'linkUp');
    const off = await labPost('/lab/nic-connected', { vm: 'learn01', nic: 1, connected: false });
    expect(JSON.parse(off.body)).toMatchObject({ nic: 'eth0', connected: false });
    expect(await linkUp()).toBe('false');
    expect(one(await port(dvs, '4'), 'connectedEntity')).toBe(vms.learn01);
    await labPost('/lab/nic-connected', { vm: 'learn01', nic: 1, connected: true });
    expect(await linkUp()).toBe('true');
    await labPost('/lab/power', { vm: 'learn01', state: 'poweredOff' });
    await labPost('/lab/power', { vm: 'learn01', state: 'poweredOn' });

    const types = ['DvsPortLinkUpEvent', 'DvsPortLinkDownEvent', 'DvsPortConnectedEvent', 'DvsPortDisconnectedEvent', 'VmReconfiguredEvent'];
    const recent = await call('QueryEvents', ref('_this', 'EventManager', content.eventManager!) + `<filter>${types.map((t) => `<eventTypeId>${t}</eventTypeId>`).join('')}<time><beginTime>${since}</beginTime></time></filter>`);
    expect(eventTypes(recent).reverse()).toEqual(['DvsPortLinkDownEvent', 'VmReconfiguredEvent', 'DvsPortLinkUpEvent', 'VmReconfiguredEvent', 'DvsPortLinkDownEvent', 'DvsPortLinkUpEvent']);
    expect(new Set([...recent.matchAll(/<portKey>(\w+)<\/portKey>/g)].map((m) => m[1]))).toEqual(new Set(['4'])); // the spec's backing names it too
    expect((await labPost('/lab/nic-connected', { vm: 'learn01', nic: 1 })).status).toBe(400);
  });

  it('a disconnected host: network writes fault HostNotConnected, VM reconfiguration fails InvalidHostConnectionState, nothing changes', async () => {
    const before = await state();
    const netSys = propVal(objects(await retrieve('HostSystem', ['configManager.networkSystem'])).get(hosts['esx-down']!)!, 'configManager.networkSystem');
    const update = await soap('UpdatePortGroup', ref('_this', 'HostNetworkSystem', netSys) + '<pgName>VM Network</pgName><portgrp><name>VM Network</name><vlanId>7</vlanId><vswitchName>vSwitch0</vswitchName><policy/></portgrp>');
    expect(update.status).toBe(500);
    expect(update.body).toContain('HostNotConnected');
    const add = await soap('AddPortGroup', ref('_this', 'HostNetworkSystem', netSys) + '<portgrp><name>New</name><vlanId>0</vlanId><vswitchName>vSwitch0</vswitchName><policy/></portgrp>');
    expect(add.body).toContain('HostNotConnected');
    const task = await call(
      'ReconfigVM_Task',
      ref('_this', 'VirtualMachine', vms.far01!) +
        '<spec><deviceChange><operation>edit</operation><device xsi:type="VirtualVmxnet3"><key>4000</key><addressType>manual</addressType><macAddress>00:50:56:00:00:99</macAddress></device></deviceChange></spec>',
    );
    const info = await waitTask(one(task, 'returnval'));
    expect(one(info, 'state')).toBe('error');
    expect(info).toContain('InvalidHostConnectionState');
    expect(propVal(objects(await retrieve('VirtualMachine', ['runtime.connectionState'])).get(vms.far01!)!, 'runtime.connectionState')).toBe('disconnected');
    expect(await state()).toEqual(before);
  });

  it('/lab/connection: vCenter gets a host back, or loses it; its and its VMs\' runtime.connectionState follow, and its logs answer only while connected', async () => {
    const browse = () => soap('BrowseDiagnosticLog', ref('_this', 'DiagnosticManager', content.diagnosticManager!) + ref('host', 'HostSystem', hosts['esx-down']!) + '<key>vmkernel</key><start>1</start><lines>5</lines>');
    const connection = async () => ({
      host: propVal(objects(await retrieve('HostSystem', ['runtime.connectionState'])).get(hosts['esx-down']!)!, 'runtime.connectionState'),
      vm: propVal(objects(await retrieve('VirtualMachine', ['runtime.connectionState'])).get(vms.far01!)!, 'runtime.connectionState'),
    });
    expect((await browse()).body).toContain('HostNotConnected');
    try {
      expect((await labPost('/lab/connection', { host: 'esx-down', state: 'connected' })).status).toBe(200);
      expect(await connection()).toEqual({ host: 'connected', vm: 'connected' });
      expect((await browse()).status).toBe(200);
      await labPost('/lab/connection', { host: 'esx-down', state: 'notResponding' });
      expect(await connection()).toEqual({ host: 'notResponding', vm: 'disconnected' });
      expect((await browse()).body).toContain('HostNotReachable');
      expect((await labPost('/lab/connection', { host: 'esx-down', state: 'maintenance' })).status).toBe(400);
      expect((await labPost('/lab/connection', { host: 'esx-nowhere', state: 'connected' })).status).toBe(404);
    } finally {
      await labPost('/lab/connection', { host: 'esx-down', state: 'disconnected' });
    }
    expect(await connection()).toEqual({ host: 'disconnected', vm: 'disconnected' });
  });

  it('WaitForUpdatesEx versions as vCenter: a new one each answer, an out-of-date one faults InvalidCollectorVersion; maxObjectUpdates truncates, the rest comes once with the truncated version', async () => {
    const pc = await newCollector();
    const view = one(await call('CreateContainerView', ref('_this', 'ViewManager', content.viewManager!) + ref('container', 'Folder', content.rootFolder!) + '<type>VirtualMachine</type><recursive>true</recursive>'), 'returnval');
    await call(
      'CreateFilter',
      ref('_this', 'PropertyCollector', pc) +
        `<spec><propSet><type>VirtualMachine</type><pathSet>name</pathSet></propSet><objectSet>${ref('obj', 'ContainerView', view)}<skip>true</skip><selectSet xsi:type="TraversalSpec"><name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></spec><partialUpdates>false</partialUpdates>`,
    );
    const wait = (version: string) =>
      soap('WaitForUpdatesEx', ref('_this', 'PropertyCollector', pc) + `<version>${version}</version><options><maxWaitSeconds>1</maxWaitSeconds><maxObjectUpdates>4</maxObjectUpdates></options>`);
    const first = (await wait('')).body;
    expect(one(first, 'truncated')).toBe('true');
    expect(all(first, 'objectSet')).toHaveLength(4);
    const truncatedVersion = one(first, 'version');
    const rest = (await wait(truncatedVersion)).body;
    expect(one(rest, 'truncated')).toBe('false');
    expect(all(rest, 'objectSet')).toHaveLength(Object.keys(vms).length - 4);
    expect(one(rest, 'version')).not.toBe(truncatedVersion);
    const again = await wait(truncatedVersion);
    expect(again.status).toBe(500);
    expect(again.body).toContain('InvalidCollectorVersion');
    await call('DestroyPropertyCollector', ref('_this', 'PropertyCollector', pc));
    await call('DestroyView', ref('_this', 'ContainerView', view));
  });

  it("a host's network change reaches a filter on config.network.portgroup, as on vCenter (vcsim reports only changes at or below a filter's path)", async () => {
    const pc = await newCollector();
    await watch(pc, 'HostSystem', hosts['esx-up']!, 'config.network.portgroup');
    const version = one(await waitUpdates(pc, ''), 'version');
    expect((await labPost('/lab/power', { vm: 'std01', state: 'poweredOff' })).status).toBe(200);
    const update = await waitUpdates(pc, version);
    expect(all(update, 'name')).toContain('config.network.portgroup');
    expect((await labPost('/lab/power', { vm: 'std01', state: 'poweredOn' })).status).toBe(200);
    await call('DestroyPropertyCollector', ref('_this', 'PropertyCollector', pc));
  });

  it('/lab/collectors lists what a session made; DestroyPropertyCollector and DestroyCollector end it, and so does Logout', async () => {
    const listed = async () => JSON.parse((await get('/lab/collectors')).body) as { type: string; moref: string; user: string; filters?: number }[];
    const pc = await newCollector();
    await watch(pc, 'VirtualMachine', vms.std01!, 'name');
    const collector = one(await call('CreateCollectorForEvents', ref('_this', 'EventManager', content.eventManager!) + '<filter/>'), 'returnval');
    const now = await listed();
    expect(now).toContainEqual({ type: 'PropertyCollector', moref: pc, user: lab.username, filters: 1 });
    expect(now).toContainEqual({ type: 'EventHistoryCollector', moref: collector, user: lab.username });
    await call('DestroyPropertyCollector', ref('_this', 'PropertyCollector', pc));
    expect((await listed()).map((c) => c.moref)).not.toContain(pc);
    const other = one(await call('CreateCollectorForEvents', ref('_this', 'EventManager', content.eventManager!) + '<filter/>'), 'returnval');
    await call('DestroyCollector', ref('_this', 'EventHistoryCollector', other));
    expect((await listed()).map((c) => c.moref)).not.toContain(other);
    await call('Logout', ref('_this', 'SessionManager', content.sessionManager!));
    expect((await listed()).map((c) => c.moref)).not.toContain(collector);
    await login();
  });

  it('a vCenter restart: 503 while it starts, the long poll is cut, sessions and their objects are gone, the inventory stays', async () => {
    const before = await state();
    const pc = await newCollector();
    const filter = await watch(pc, 'VirtualMachine', vms.std01!, 'name');
    const view = one(await call('CreateContainerView', ref('_this', 'ViewManager', content.viewManager!) + ref('container', 'Folder', content.rootFolder!) + '<type>VirtualMachine</type><recursive>true</recursive>'), 'returnval');
    const collector = one(await call('CreateCollectorForEvents', ref('_this', 'EventManager', content.eventManager!) + '<filter/>'), 'returnval');
    const version = one(await waitUpdates(pc, ''), 'version');
    const oldCookie = cookie;
    const poll = waitUpdates(pc, version, 60).then(
      () => 'answered',
      (err: Error) => err.message,
    );
    await new Promise((r) => setTimeout(r, 300)); // the poll is in the lab

    const restart = await labPost('/lab/restart', { downSeconds: 1 });
    expect(restart.status).toBe(200);
    expect(await poll).toMatch(/socket hang up|ECONNRESET/);
    const down = await soap('RetrieveServiceContent', ref('_this', 'ServiceInstance', 'ServiceInstance'));
    expect(down.status).toBe(503);
    expect(down.body).toContain('_serverNamespace = /sdk');
    await new Promise((r) => setTimeout(r, 1100));

    const stale = await soap('RetrieveServiceContent', ref('_this', 'ServiceInstance', 'ServiceInstance'));
    expect(stale.status).toBe(200);
    const unauthenticated = await soap('CreateContainerView', ref('_this', 'ViewManager', content.viewManager!) + ref('container', 'Folder', content.rootFolder!) + '<type>VirtualMachine</type><recursive>true</recursive>');
    expect(unauthenticated.body).toContain('NotAuthenticated');
    await login();
    expect(cookie).not.toBe(oldCookie);
    for (const [method, inner] of [
      ['DestroyPropertyFilter', ref('_this', 'PropertyFilter', filter)],
      ['DestroyPropertyCollector', ref('_this', 'PropertyCollector', pc)],
      ['DestroyView', ref('_this', 'ContainerView', view)],
      ['ReadNextEvents', ref('_this', 'EventHistoryCollector', collector) + '<maxCount>1</maxCount>'],
    ] as const) {
      const res = await soap(method, inner);
      expect(res.status, method).toBe(500);
      expect(res.body, method).toContain('ManagedObjectNotFound');
    }
    expect(await state()).toEqual(before);
  });
});
