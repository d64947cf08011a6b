#!/usr/bin/env node
// Records real vSphere SOAP responses from the simulator lab into
// mocks/soap/<Method>[-<case>].xml, one file per response, byte for byte as
// the lab sent them except for the session key. The test mocks
// (test/helpers/vim-mock.ts) and the codec tests replay them.
//
//   node scripts/record-soap.js
//
// It speaks raw HTTPS with hand-written requests, not through src/vsphere,
// so the recordings do not depend on the code they test. The lab runs the
// scenario mocks/soap/scenario.json with a random password; Login requests
// are never written anywhere, and the run fails if the password or a session
// cookie shows up in any file it wrote.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab } from './lab.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'mocks', 'soap');
/** Stands in for the session key in Login.xml (vcsim's key is the cookie value). */
export const SCRUBBED_KEY = '52b2a1c0-0000-4000-8000-000000000000';

const ref = (tag, type, value) => `<${tag} type="${type}">${value}</${tag}>`;
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function first(xml, pattern, what) {
  const match = pattern.exec(xml);
  if (!match) throw new Error(`no ${what} in:\n${xml.slice(0, 3000)}`);
  return match[1];
}

class Recorder {
  constructor(lab) {
    this.url = new URL(lab.url);
    this.ca = readFileSync(lab.caFile);
    this.soapAction = 'urn:vim25';
    this.cookie = undefined;
    this.secrets = [lab.password];
    this.written = [];
  }

  post(body) {
    return new Promise((done, fail) => {
      const req = request(this.url, {
        method: 'POST',
        ca: this.ca,
        headers: {
          'Content-Type': 'text/xml; charset=utf-8',
          SOAPAction: this.soapAction,
          ...(this.cookie ? { Cookie: `vmware_soap_session=${this.cookie}` } : {}),
        },
      }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end(body);
    });
  }

  /** Calls `method`; records the response as `name` unless name is null. */
  async call(method, inner, name = method, { expectFault = false } = {}) {
    const envelope =
      '<?xml version="1.0" encoding="UTF-8"?>' +
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      `<soapenv:Body><${method} xmlns="urn:vim25">${inner}</${method}></soapenv:Body></soapenv:Envelope>`;
    const res = await this.post(envelope);
    for (const line of res.headers['set-cookie'] ?? []) {
      const match = /vmware_soap_session="?([^";]+)/.exec(line);
      if (match) {
        this.cookie = match[1];
        this.secrets.push(match[1]);
      }
    }
    const fault = res.body.includes('<soapenv:Fault>');
    if (fault !== expectFault || (res.status === 200) === fault) {
      throw new Error(`${method}: unexpected HTTP ${res.status}${fault ? ' fault' : ''}:\n${res.body.slice(0, 3000)}`);
    }
    if (name) await this.save(name, res.body);
    return res.body;
  }

  async save(name, body) {
    let text = body;
    for (const secret of this.secrets) text = text.split(secret).join(SCRUBBED_KEY);
    await writeFile(join(OUT, `${name}.xml`), text);
    this.written.push(name);
  }
}

async function record(rec, lab) {
  const si = ref('_this', 'ServiceInstance', 'ServiceInstance');
  const content = await rec.call('RetrieveServiceContent', si);
  rec.soapAction = `urn:vim25/${first(content, /<apiVersion>([^<]+)</, 'apiVersion')}`;
  const sessionManager = ref('_this', 'SessionManager', first(content, /<sessionManager type="SessionManager">([^<]+)</, 'sessionManager'));
  const pc = ref('_this', 'PropertyCollector', first(content, /<propertyCollector type="PropertyCollector">([^<]+)</, 'propertyCollector'));
  const viewManager = ref('_this', 'ViewManager', first(content, /<viewManager type="ViewManager">([^<]+)</, 'viewManager'));
  const rootFolder = ref('container', 'Folder', first(content, /<rootFolder type="Folder">([^<]+)</, 'rootFolder'));
  const diagMgr = ref('_this', 'DiagnosticManager', first(content, /<diagnosticManager type="DiagnosticManager">([^<]+)</, 'diagnosticManager'));
  const login = (password) => `${sessionManager}<userName>${esc(lab.username)}</userName><password>${esc(password)}</password>`;

  // Before any session: what an expired or missing session gets.
  await rec.call('RetrievePropertiesEx', `${pc}<specSet><propSet><type>Folder</type><pathSet>name</pathSet></propSet><objectSet>${ref('obj', 'Folder', 'group-d1')}</objectSet></specSet><options/>`, 'RetrievePropertiesEx-NotAuthenticated', { expectFault: true });
  await rec.call('Login', login(`${lab.password}-wrong`), 'Login-InvalidLogin', { expectFault: true });
  await rec.call('Login', login(lab.password), 'Login');

  const view = async (type) => first(await rec.call('CreateContainerView', `${viewManager}${rootFolder}<type>${type}</type><recursive>true</recursive>`, type === 'HostSystem' ? 'CreateContainerView' : null), /<returnval type="ContainerView">([^<]+)</, 'view');
  const filter = (view, props) =>
    `<specSet>${props.map(([type, paths]) => `<propSet><type>${type}</type>${paths.map((p) => `<pathSet>${p}</pathSet>`).join('')}</propSet>`).join('')}` +
    `<objectSet>${ref('obj', 'ContainerView', view)}<skip>true</skip><selectSet xsi:type="TraversalSpec"><name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet>`;
  const retrieve = async (name, props, maxObjects = 100) => {
    const v = await view([...new Set(props.map(([type]) => type))].join('</type><type>'));
    try {
      return await rec.call('RetrievePropertiesEx', `${pc}${filter(v, props)}<options><maxObjects>${maxObjects}</maxObjects></options>`, name);
    } finally {
      await rec.call('DestroyView', ref('_this', 'ContainerView', v), name === 'RetrievePropertiesEx-hosts' ? 'DestroyView' : null);
    }
  };

  const HOST_PATHS = [
    'name', 'parent', 'config.product.version', 'config.product.build', 'runtime.connectionState',
    'configManager.networkSystem', 'config.network.vswitch', 'config.network.portgroup',
  ];
  const VM_PATHS = [
    'name', 'config.template', 'config.guestId', 'runtime.host', 'runtime.powerState', 'guest.toolsRunningStatus',
    'guest.net', 'config.hardware.device',
  ];
  const hosts = await retrieve('RetrievePropertiesEx-hosts', [['HostSystem', HOST_PATHS]]);
  const dvs = await retrieve('RetrievePropertiesEx-dvs', [['DistributedVirtualSwitch', ['name', 'parent', 'uuid', 'summary.productInfo.version', 'config.defaultPortConfig', 'capability.featuresSupported']]]);
  const dvPortgroups = await retrieve('RetrievePropertiesEx-dvportgroups', [['DistributedVirtualPortgroup', ['name', 'config']]]);
  await retrieve('RetrievePropertiesEx-tree', [['Folder', ['name', 'parent']], ['Datacenter', ['name', 'parent']], ['ComputeResource', ['name', 'parent']]]);
  await retrieve('RetrievePropertiesEx-networks', [['Network', ['name', 'host', 'vm']]]);
  await retrieve('RetrievePropertiesEx-empty', [['VirtualApp', ['name']]]);

  // VMs in pages of two: page 1, 2 and the last, 3; then a used token.
  const vmView = await view('VirtualMachine');
  const page1 = await rec.call('RetrievePropertiesEx', `${pc}${filter(vmView, [['VirtualMachine', VM_PATHS]])}<options><maxObjects>2</maxObjects></options>`, 'RetrievePropertiesEx-vms-page1');
  const token1 = first(page1, /<token>([^<]+)</, 'token');
  const page2 = await rec.call('ContinueRetrievePropertiesEx', `${pc}<token>${token1}</token>`, 'ContinueRetrievePropertiesEx-vms-page2');
  const page3 = await rec.call('ContinueRetrievePropertiesEx', `${pc}<token>${first(page2, /<token>([^<]+)</, 'token')}</token>`, 'ContinueRetrievePropertiesEx-vms-page3');
  if (page3.includes('<token>')) throw new Error('the scenario has more than 6 VMs: page 3 is not the last');
  await rec.call('ContinueRetrievePropertiesEx', `${pc}<token>${token1}</token>`, 'ContinueRetrievePropertiesEx-InvalidArgument', { expectFault: true });
  await rec.call('DestroyView', ref('_this', 'ContainerView', vmView), null);

  // Standard networking on esx01: the same spec sent back (changes nothing).
  const hostBlocks = hosts.split('<objects>').slice(1);
  const esx01Block = hostBlocks.find((b) => b.includes('<val xsi:type="xsd:string">esx01.rec.local</val>')) ?? hostBlocks[0];
  const esx01Ref = first(esx01Block, /<obj type="HostSystem">([^<]+)</, 'esx01 moref');
  const esx02Block = hostBlocks.find((b) => b.includes('esx02.rec.local'));
  const esx02Ref = first(esx02Block, /<obj type="HostSystem">([^<]+)</, 'esx02 moref');
  const netSys = ref('_this', 'HostNetworkSystem', first(esx01Block, /type="HostNetworkSystem">([^<]+)</, 'networkSystem'));
  await rec.call('UpdatePortGroup', `${netSys}<pgName>VM Network</pgName><portgrp><name>VM Network</name><vlanId>0</vlanId><vswitchName>vSwitch0</vswitchName><policy></policy></portgrp>`);
  await rec.call('UpdatePortGroup', `${netSys}<pgName>No Such Portgroup</pgName><portgrp><name>No Such Portgroup</name><vlanId>0</vlanId><vswitchName>vSwitch0</vswitchName><policy></policy></portgrp>`, 'UpdatePortGroup-NotFound', { expectFault: true });
  await rec.call('UpdateVirtualSwitch', `${netSys}<vswitchName>vSwitch1</vswitchName><spec><numPorts>64</numPorts><bridge xsi:type="HostVirtualSwitchBondBridge"><nicDevice>vmnic2</nicDevice></bridge><mtu>9000</mtu></spec>`);

  // dvPorts and vmkernel logs.
  const dvsRef = first(dvs, /<obj type="([^"]+">[^<]+)</, 'dvs moref').split('">');
  await rec.call('FetchDVPorts', `${ref('_this', dvsRef[0], dvsRef[1])}<criteria><connected>true</connected><uplinkPort>false</uplinkPort></criteria>`);
  await rec.call('QueryDescriptions', `${diagMgr}${ref('host', 'HostSystem', esx01Ref)}`);
  await rec.call('BrowseDiagnosticLog', `${diagMgr}${ref('host', 'HostSystem', esx01Ref)}<key>vmkernel</key><start>${2 ** 31 - 1}</start><lines>0</lines>`, 'BrowseDiagnosticLog-end');
  await rec.call('BrowseDiagnosticLog', `${diagMgr}${ref('host', 'HostSystem', esx01Ref)}<key>vmkernel</key><start>1</start><lines>500</lines>`);
  await rec.call('BrowseDiagnosticLog', `${diagMgr}${ref('host', 'HostSystem', esx02Ref)}<key>vmkernel</key><start>1</start><lines>500</lines>`, 'BrowseDiagnosticLog-NoPermission', { expectFault: true });

  // A dvPortgroup reconfigure task that succeeds, then one with the now
  // stale configVersion, whose task fails with ConcurrentAccess.
  const web = dvPortgroups.split('<objects>').slice(1).find((b) => b.includes('>DPG-Web<'));
  const webRef = ref('_this', 'DistributedVirtualPortgroup', first(web, /<obj type="DistributedVirtualPortgroup">([^<]+)</, 'DPG-Web moref'));
  const configVersion = first(web, /<configVersion>([^<]+)</, 'configVersion');
  const accept = '<defaultPortConfig xsi:type="VMwareDVSPortSetting"><securityPolicy><inherited>false</inherited><macChanges><inherited>false</inherited><value>true</value></macChanges></securityPolicy></defaultPortConfig>';
  const runTask = async (suffix) => {
    const task = first(
      await rec.call('ReconfigureDVPortgroup_Task', `${webRef}<spec><configVersion>${configVersion}</configVersion>${accept}</spec>`, suffix === 'success' ? 'ReconfigureDVPortgroup_Task' : null),
      /<returnval type="Task">([^<]+)</,
      'task',
    );
    // vcsim types the new collector "propertyCollector" and only knows it by that type.
    const [type, value] = first(await rec.call('CreatePropertyCollector', pc, suffix === 'success' ? 'CreatePropertyCollector' : null), /<returnval (type="[^"]+">[^<]+)</, 'collector').split('">');
    const collector = ref('_this', type.slice('type="'.length), value);
    await rec.call('CreateFilter', `${collector}<spec><propSet><type>Task</type><pathSet>info</pathSet></propSet><objectSet>${ref('obj', 'Task', task)}</objectSet></spec><partialUpdates>false</partialUpdates>`, suffix === 'success' ? 'CreateFilter' : null);
    let version = '';
    for (let i = 0; i < 50; i++) {
      const update = await rec.call('WaitForUpdatesEx', `${collector}<version>${version}</version><options><maxWaitSeconds>10</maxWaitSeconds></options>`, null);
      version = /<version>([^<]*)</.exec(update)?.[1] ?? version;
      const state = /<state>([^<]+)</.exec(update)?.[1];
      if (state === 'success' || state === 'error') {
        if (state !== suffix) throw new Error(`the ${suffix} task ended in ${state}:\n${update}`);
        await rec.save(`WaitForUpdatesEx-task-${suffix}`, update);
        break;
      }
      if (state) await rec.save('WaitForUpdatesEx-task-running', update);
    }
    await rec.call('DestroyPropertyCollector', collector, suffix === 'success' ? 'DestroyPropertyCollector' : null);
  };
  await runTask('success');
  await runTask('error');

  await rec.call('Logout', sessionManager);
}

async function main() {
  for (const file of await readdir(OUT)) if (file.endsWith('.xml')) await rm(join(OUT, file));
  const password = `Rec-${randomBytes(12).toString('base64url')}&<x>`;
  const lab = await startLab({ scenario: join(OUT, 'scenario.json'), password });
  const rec = new Recorder(lab);
  try {
    await record(rec, lab);
  } finally {
    await lab.stop();
  }
  const leaks = [];
  for (const name of rec.written) {
    const text = readFileSync(join(OUT, `${name}.xml`), 'utf8');
    for (const secret of rec.secrets) if (text.includes(secret) || text.includes(esc(secret))) leaks.push(name);
  }
  if (leaks.length) throw new Error(`a secret was written to ${[...new Set(leaks)].join(', ')}`);
  console.log(`recorded ${rec.written.length} responses into ${OUT}:\n  ${[...new Set(rec.written)].sort().join('\n  ')}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
