// The response decoder on answers recorded from the simulator lab
// (mocks/soap/) and on hand-made ones for what the lab does not send:
// vCenter's own style, fields newer than the schema, and hostile XML.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResponseDecoder, type DecodedResponse, type ReturnSpec } from '../../src/vsphere/decode.js';
import { faultAdvice, ProtocolError, SoapFault } from '../../src/vsphere/faults.js';
import type { ObjectContent, RetrieveResult } from '../../src/vsphere/types.js';
import { recording } from '../helpers/vim-mock.js';

const SOAP_DIR = join(import.meta.dirname, '..', '..', 'mocks', 'soap');
const MOREF = { type: 'ManagedObjectReference' };
const RESULT = { type: 'RetrieveResult' };

/** What each recorded method returns, as the client asks for it. */
const RETURNS: Record<string, ReturnSpec | undefined> = {
  RetrieveServiceContent: { type: 'ServiceContent' },
  Login: { type: 'UserSession' },
  RetrievePropertiesEx: RESULT,
  ContinueRetrievePropertiesEx: RESULT,
  CreateContainerView: MOREF,
  CreatePropertyCollector: MOREF,
  CreateFilter: MOREF,
  ReconfigureDVPortgroup_Task: MOREF,
  FetchDVPorts: { type: 'DistributedVirtualPort', array: true },
  QueryDescriptions: { type: 'DiagnosticManagerLogDescriptor', array: true },
  BrowseDiagnosticLog: { type: 'DiagnosticManagerLogHeader' },
  WaitForUpdatesEx: { type: 'UpdateSet' },
};

const RECORDINGS = readdirSync(SOAP_DIR).filter((f) => f.endsWith('.xml')).map((f) => f.slice(0, -4));

function returnsOf(name: string): ReturnSpec | undefined {
  return RETURNS[name.split('-')[0]!];
}

/** Decodes XML given whole or as several chunks. */
function decode(xml: string | readonly string[], returns?: ReturnSpec): DecodedResponse {
  const decoder = new ResponseDecoder(returns);
  for (const part of typeof xml === 'string' ? [xml] : xml) decoder.write(part);
  return decoder.end();
}

function value<T>(xml: string, returns?: ReturnSpec): T {
  const decoded = decode(xml, returns);
  if (decoded.kind !== 'result') throw new Error(`a fault: ${decoded.fault.faultString}`);
  return decoded.value as T;
}

function recorded<T>(name: string): T {
  return value<T>(recording(name), returnsOf(name));
}

function handmade(name: string): string {
  return readFileSync(join(SOAP_DIR, 'handmade', `${name}.xml`), 'utf8');
}

/** The properties of a RetrieveResult, as { object name: { path: value } }. */
function byName(objects: readonly ObjectContent[] | undefined): Record<string, Record<string, any>> {
  const out: Record<string, Record<string, any>> = {};
  for (const o of objects ?? []) {
    const props = Object.fromEntries((o.propSet ?? []).map((p) => [p.name, p.val]));
    out[String(props.name ?? o.obj.value)] = { ...props, _obj: o.obj };
  }
  return out;
}

function nics(devices: any[]): any[] {
  return devices.filter((d) => 'macAddress' in d);
}

/** A minimal response envelope around `inner` (the contents of <returnval>, or a whole body). */
function envelope(body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

function returnval(method: string, inner: string): string {
  return envelope(`<${method}Response xmlns="urn:vim25"><returnval>${inner}</returnval></${method}Response>`);
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected it to throw');
}

describe('recorded answers', () => {
  it('ServiceContent: MoRefs with their type attribute, strings that look like numbers stay strings', () => {
    const content = recorded<any>('RetrieveServiceContent');

    expect(content._typeName).toBe('ServiceContent');
    expect(content.rootFolder).toEqual({ type: 'Folder', value: 'group-d1' });
    expect(content.propertyCollector).toEqual({ type: 'PropertyCollector', value: 'propertyCollector' });
    expect(content.about).toMatchObject({ _typeName: 'AboutInfo', apiType: 'VirtualCenter', apiVersion: '8.0.2.0', build: '22385739' });
  });

  it('hosts: DynamicProperty values typed by xsi:type, ArrayOfXxx as arrays, enums as text', () => {
    const { ['esx01.rec.local']: esx01 } = byName(recorded<RetrieveResult>('RetrievePropertiesEx-hosts').objects);

    expect(esx01!.parent).toEqual({ type: 'ClusterComputeResource', value: 'clustercomputeresource-7' });
    expect(esx01!['configManager.networkSystem']).toEqual({ type: 'HostNetworkSystem', value: 'hostnetworksystem-10' });
    expect(esx01!['runtime.connectionState']).toBe('connected');
    expect(esx01!['config.product.build']).toBe('22380479');
    const vswitches = esx01!['config.network.vswitch'];
    expect(vswitches.map((v: any) => [v._typeName, v.name])).toEqual([
      ['HostVirtualSwitch', 'vSwitch0'],
      ['HostVirtualSwitch', 'vSwitch1'],
    ]);
    const vSwitch0 = vswitches[0];
    expect(vSwitch0.spec.bridge._typeName).toBe('HostVirtualSwitchBondBridge');
    expect(vSwitch0.spec.policy.security).toEqual({ _typeName: 'HostNetworkSecurityPolicy', allowPromiscuous: false, macChanges: false, forgedTransmits: false });
    expect(vSwitch0.spec.policy.nicTeaming.reversePolicy).toBe(true);
    expect(vSwitch0.numPorts).toBe(128);
    expect(vSwitch0.mtu).toBe(1500);
  });

  it('a vSwitch with one portgroup and one uplink still has arrays; an absent policy stays absent', () => {
    const hosts = byName(recorded<RetrieveResult>('RetrievePropertiesEx-hosts').objects);
    const vSwitch1 = hosts['esx01.rec.local']!['config.network.vswitch'][1];
    const esx02vSwitch0 = hosts['esx02.rec.local']!['config.network.vswitch'][0];

    expect(vSwitch1.portgroup).toEqual(['key-vim.host.PortGroup-Storage']);
    expect(vSwitch1.pnic).toEqual(['key-vim.host.PhysicalNic-vmnic2']);
    expect(vSwitch1.spec.bridge.nicDevice).toEqual(['vmnic2']);
    expect(vSwitch1.spec).not.toHaveProperty('policy');
    expect(esx02vSwitch0.portgroup).toEqual(['key-vim.host.PortGroup-VM Network']);
  });

  it('portgroups: the spec as set (overrides only) beside the computed policy; one port is an array of one', () => {
    const portgroups = byName(recorded<RetrieveResult>('RetrievePropertiesEx-hosts').objects)['esx01.rec.local']!['config.network.portgroup'];
    const appTier = portgroups.find((p: any) => p.spec.name === 'App-Tier');

    expect(appTier.spec).toMatchObject({ _typeName: 'HostPortGroupSpec', vlanId: 120, vswitchName: 'vSwitch0' });
    expect(appTier.spec.policy.security).toEqual({ _typeName: 'HostNetworkSecurityPolicy', macChanges: true });
    expect(appTier.spec.policy.shapingPolicy).toMatchObject({ enabled: true, averageBandwidth: 100000000, burstSize: 104857600 });
    expect(appTier.computedPolicy.security).toMatchObject({ macChanges: true, forgedTransmits: false });
    expect(appTier.port).toEqual([{ _typeName: 'HostPortGroupPort', key: 'key-vim.host.PortGroup.Port-33554437', mac: ['00:50:56:3f:00:02'], type: 'virtualMachine' }]);
  });

  it('VMs: a VM with one NIC and one guest.net entry gets arrays of one; devices keep their concrete types', () => {
    const page = recorded<RetrieveResult>('RetrievePropertiesEx-vms-page1');
    const { web01 } = byName(page.objects);
    const [nic, ...others] = nics(web01!['config.hardware.device']);

    expect(page.token).toMatch(/./);
    expect(others).toEqual([]);
    expect(nic).toMatchObject({
      _typeName: 'VirtualVmxnet3',
      key: 4000,
      addressType: 'assigned',
      macAddress: '00:50:56:a1:10:01',
      wakeOnLanEnabled: true,
      backing: { _typeName: 'VirtualEthernetCardNetworkBackingInfo', deviceName: 'VM Network', network: { type: 'Network', value: 'network-16' } },
      connectable: { connected: true, startConnected: true },
      slotInfo: { _typeName: 'VirtualDevicePciBusSlotInfo', pciSlotNumber: 160 },
    });
    expect(web01!['guest.net']).toEqual([
      { _typeName: 'GuestNicInfo', network: 'VM Network', ipAddress: ['10.10.1.2'], macAddress: '02:bf:0a:00:00:15', connected: true, deviceConfigId: 4000 },
    ]);
    expect(web01!['config.template']).toBe(false);
    expect(web01!['runtime.powerState']).toBe('poweredOn');
    expect(web01!['runtime.host']).toEqual({ type: 'HostSystem', value: 'host-14' });
    const ps2 = web01!['config.hardware.device'].find((d: any) => d._typeName === 'VirtualPS2Controller');
    expect(ps2.device).toEqual([600, 700]);
  });

  it('VMs: a dvPort backing, an e1000e with a manual MAC, and the last page without a token', () => {
    const { db01 } = byName(recorded<RetrieveResult>('RetrievePropertiesEx-vms-page1').objects);
    const [dvNic, manual] = nics(db01!['config.hardware.device']);
    const last = recorded<RetrieveResult>('ContinueRetrievePropertiesEx-vms-page3');

    expect(dvNic.backing).toEqual({
      _typeName: 'VirtualEthernetCardDistributedVirtualPortBackingInfo',
      port: { _typeName: 'DistributedVirtualSwitchPortConnection', switchUuid: expect.stringMatching(/^[0-9a-f ]+-[0-9a-f ]+$/), portgroupKey: 'dvportgroup-27', portKey: '0' },
    });
    expect(manual).toMatchObject({ _typeName: 'VirtualE1000e', key: 4001, addressType: 'manual', macAddress: '00:50:56:3f:00:02' });
    expect(last).not.toHaveProperty('token');
    expect(Object.keys(byName(last.objects))).toEqual(['off01']);
  });

  it('VMs with items: of the devices only the NICs are built, the same as in the whole decode; other properties untouched', () => {
    const items = { VirtualDevice: 'VirtualEthernetCard' };
    const xml = recording('RetrievePropertiesEx-vms-page1');
    const whole = byName(value<RetrieveResult>(xml, RESULT).objects);
    const narrow = byName(value<RetrieveResult>(xml, { ...RESULT, items }).objects);

    expect(Object.keys(narrow)).toEqual(Object.keys(whole));
    for (const [name, props] of Object.entries(narrow)) {
      const devices = whole[name]!['config.hardware.device'];
      expect(devices.length).toBeGreaterThan(nics(devices).length);
      expect(props['config.hardware.device']).toEqual(nics(devices));
      expect({ ...props, 'config.hardware.device': null }).toEqual({ ...whole[name], 'config.hardware.device': null });
    }
  });

  it('VMs with items: a NIC type newer than the schema is built; markup in a dropped device is still checked', () => {
    const items = { VirtualDevice: 'VirtualEthernetCard' };
    const devices = (extra: string) => returnval('ArrayOfVirtualDevice',
      '<VirtualDevice xsi:type="VirtualDisk"><key>2000</key><capacityInKB>1024</capacityInKB>' + extra + '</VirtualDevice>' +
      '<VirtualDevice xsi:type="VirtualVmxnet9"><key>4000</key><macAddress>00:50:56:00:00:01</macAddress></VirtualDevice>' +
      '<VirtualDevice xsi:type="VirtualVmxnet3"><key>4001</key><macAddress>00:50:56:00:00:02</macAddress></VirtualDevice>');
    const built = value<any[]>(devices(''), { type: 'ArrayOfVirtualDevice', items });

    expect(built.map((d) => d.key)).toEqual(['4000', 4001]);
    expect(built[0]).toMatchObject({ _typeName: 'VirtualVmxnet9', macAddress: '00:50:56:00:00:01' });
    // The decoder reads nothing inside a dropped device: the scanner checks it alone, nested or not.
    const nested = '<c xsi:type="xsd:string"><d a="&amp;&#34;">x &lt; y<![CDATA[<z>]]><!-- note --></d><e/></c>';
    expect(value<any[]>(devices(nested), { type: 'ArrayOfVirtualDevice', items }).map((d) => d.key)).toEqual(['4000', 4001]);
    const bad = [
      '<a>x</b>', '&xxe;', '<b c="1" c="2"/>', 'a]]>b', '<b c="<"/>', '<b c="&bogus;"/>', '<b c=1/>', '<!-- a -- b -->',
      '<?pi x?>', '<!DOCTYPE x>', '<c><d>x</d>', '<c><d a="&#0;"/></c>', 'a\u0001b', '<c>x</c></VirtualDevice><x>',
    ];
    for (const markup of bad) {
      expect(thrown(() => decode(devices(markup), { type: 'ArrayOfVirtualDevice', items })), markup).toBeInstanceOf(ProtocolError);
    }
  });

  it('ArrayOfManagedObjectReference inside a DynamicProperty val', () => {
    const networks = byName(recorded<RetrieveResult>('RetrievePropertiesEx-networks').objects);

    expect(networks['App-Tier']!.host).toEqual([{ type: 'HostSystem', value: 'host-14' }]);
    expect(networks['VM Network']!.vm).toEqual([
      { type: 'VirtualMachine', value: 'vm-29' },
      { type: 'VirtualMachine', value: 'vm-32' },
    ]);
  });

  it('dvPortgroups: defaultPortConfig as the VMware subtype the schema only declares as DVPortSetting', () => {
    const { ['DPG-Web']: web, ['DPG-MacLearn']: macLearn } = byName(recorded<RetrieveResult>('RetrievePropertiesEx-dvportgroups').objects);
    const config = web!.config;

    expect(config._typeName).toBe('DVPortgroupConfigInfo');
    expect(config.configVersion).toMatch(/^\d+$/);
    expect(config.defaultPortConfig._typeName).toBe('VMwareDVSPortSetting');
    expect(config.defaultPortConfig.securityPolicy.macChanges).toEqual({ _typeName: 'BoolPolicy', inherited: true, value: false });
    expect(config.defaultPortConfig.vlan).toMatchObject({ _typeName: 'VmwareDistributedVirtualSwitchVlanIdSpec', vlanId: 60 });
    expect(macLearn!.config.defaultPortConfig.macManagementPolicy.macLearningPolicy).toMatchObject({
      _typeName: 'DVSMacLearningPolicy',
      enabled: true,
      allowUnicastFlooding: true,
      limit: 4096,
      limitPolicy: 'DROP',
    });
  });

  it('FetchDVPorts: an array result; port keys stay strings; the blocked port and its connectee', () => {
    const ports = recorded<any[]>('FetchDVPorts');
    const blocked = ports.filter((p) => p.state?.runtimeInfo?.blocked);

    expect(ports.every((p) => p._typeName === 'DistributedVirtualPort' && typeof p.key === 'string')).toBe(true);
    expect(blocked).toHaveLength(1);
    expect(blocked[0]).toMatchObject({
      key: '0',
      portgroupKey: 'dvportgroup-27',
      connectee: { connectedEntity: { type: 'VirtualMachine', value: 'vm-30' }, nicKey: '4000' },
      state: { runtimeInfo: { blocked: true, statusDetail: 'Port blocked: guest MAC address change disallowed by security policy' } },
    });
    expect(blocked[0].config.setting._typeName).toBe('VMwareDVSPortSetting');
    // Plain objects, as JSON.parse would make them (what a plan, a journal or a deep comparison sees).
    for (const object of [blocked[0], blocked[0].config, blocked[0].config.setting, blocked[0].state.runtimeInfo]) {
      expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
      expect(object.constructor).toBe(Object);
    }
    expect(structuredClone(ports)).toStrictEqual(JSON.parse(JSON.stringify(ports)));
  });

  it('FetchDVPorts with keep: only the named fields are built, each as the whole decode has it', () => {
    const keep = ['key', 'connectee.nicKey', 'state.runtimeInfo', 'config.setting.securityPolicy', 'config.setting.securityPolicy.macChanges'];
    const whole = recorded<any[]>('FetchDVPorts');
    const narrow = value<any[]>(recording('FetchDVPorts'), { type: 'DistributedVirtualPort', array: true, keep });

    expect(narrow).toHaveLength(whole.length);
    for (const [i, port] of narrow.entries()) {
      const full = whole[i];
      expect(port).toEqual({
        _typeName: 'DistributedVirtualPort',
        key: full.key,
        config: { _typeName: full.config._typeName, setting: { _typeName: 'VMwareDVSPortSetting', securityPolicy: full.config.setting.securityPolicy } },
        ...(full.connectee ? { connectee: { _typeName: full.connectee._typeName, nicKey: full.connectee.nicKey } } : {}),
        ...(full.state ? { state: { _typeName: full.state._typeName, runtimeInfo: full.state.runtimeInfo } } : {}),
      });
    }
    // A path that another extends keeps its element whole.
    expect(narrow[0].config.setting.securityPolicy.allowPromiscuous).toBeDefined();
  });

  it('FetchDVPorts with keep: XML in the fields not built is still checked', () => {
    const keep = { type: 'DistributedVirtualPort', array: true, keep: ['key'] } as const;
    const xml = recording('FetchDVPorts');
    const damaged = [
      xml.replace('<vmDirectPathGen2Allowed>', '<vmDirectPathGen2Allowed x=1>'),
      xml.replace('<value>100000000</value>', '<value>100000000</valu>'),
      xml.replace('<value>loadbalance_srcid</value>', '<value>&xxe;</value>'),
      xml.replace('<value>loadbalance_srcid</value>', '<value>a\u0001b</value>'),
      xml.slice(0, xml.indexOf('</config>')),
    ];
    for (const answer of damaged) {
      expect(answer).not.toBe(xml);
      expect(thrown(() => decode(answer, keep))).toBeInstanceOf(ProtocolError);
    }
  });

  it('BrowseDiagnosticLog: numbers and the lines; a seek past the end has no lines', () => {
    const log = recorded<any>('BrowseDiagnosticLog');
    const end = recorded<any>('BrowseDiagnosticLog-end');

    expect(log).toMatchObject({ lineStart: 1, lineEnd: 5 });
    expect(log.lineText).toHaveLength(5);
    expect(log.lineText[4]).toContain('L2Sec_EnforcePortCompliance:356: client web01 has policy violations');
    expect(end).toEqual({ _typeName: 'DiagnosticManagerLogHeader', lineStart: 2147483647, lineEnd: 5 });
  });

  it('methods that return nothing, an empty retrieval, and MoRef results (vcsim types its collectors "propertyCollector")', () => {
    expect(recorded('UpdatePortGroup')).toBeUndefined();
    expect(recorded('Logout')).toBeUndefined();
    expect(recorded('RetrievePropertiesEx-empty')).toBeUndefined();
    expect(recorded('CreateContainerView')).toEqual({ type: 'ContainerView', value: expect.stringMatching(/./) });
    expect(recorded<any>('CreatePropertyCollector').type).toBe('propertyCollector');
  });

  it('tasks: a finished TaskInfo, and a failed one whose fault becomes a typed SoapFault', () => {
    const info = (name: string) => recorded<any>(name).filterSet[0].objectSet[0].changeSet[0].val;
    const success = info('WaitForUpdatesEx-task-success');
    const failed = info('WaitForUpdatesEx-task-error');

    expect(success).toMatchObject({ _typeName: 'TaskInfo', state: 'success', entity: { type: 'DistributedVirtualPortgroup' }, reason: { _typeName: 'TaskReasonUser' } });
    expect(failed.state).toBe('error');
    const fault = SoapFault.fromLocalized(failed.error);
    expect(fault.faultType).toBe('ConcurrentAccess');
    expect(faultAdvice(fault)).toMatch(/Someone else changed this object/);
  });

  it('early: a page\'s token is told as soon as it closes, before the objects after it arrive', () => {
    const xml = recording('RetrievePropertiesEx-vms-page1');
    const cut = xml.indexOf('</token>') + '</token>'.length;
    const told: unknown[] = [];
    const decoder = new ResponseDecoder({ ...RESULT, early: { field: 'token', then: (value) => told.push(value) } });
    decoder.write(xml.slice(0, cut));
    const token = /<token>([^<]+)</.exec(xml)![1];
    expect(told).toEqual([token]);
    decoder.write(xml.slice(cut));
    const answer = decoder.end();
    expect(told).toEqual([token]);
    expect(answer.kind === 'result' && (answer.value as RetrieveResult).token).toBe(token);
  });

  it('early: a field of the same name deeper in the answer is not told', () => {
    const told: unknown[] = [];
    const decoded = decode(recording('RetrievePropertiesEx-vms-page1'), { ...RESULT, early: { field: 'name', then: (v) => told.push(v) } });
    expect(decoded.kind).toBe('result');
    expect(told).toEqual([]);
  });

  it('decodes the same whatever the chunks the answer arrives in', () => {
    for (const name of ['RetrievePropertiesEx-vms-page1', 'FetchDVPorts', 'WaitForUpdatesEx-task-error']) {
      const xml = recording(name);
      const chunks = xml.match(/[\s\S]{1,7}/g)!;
      expect(decode(chunks, returnsOf(name))).toEqual(decode(xml, returnsOf(name)));
    }
  });
});

describe('only: a log page of which few lines matter', () => {
  const MARKER = 'L2Sec_EnforcePortCompliance';
  const ONLY = { field: 'lineText', containing: [MARKER, 'last message repeated'], head: 2 };
  const PAGE = { type: 'DiagnosticManagerLogHeader' };
  const page = (lines: string[]) =>
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
    '<BrowseDiagnosticLogResponse xmlns="urn:vim25"><returnval><lineStart>1</lineStart><lineEnd>' + lines.length + '</lineEnd>' +
    lines.map((l) => `<lineText>${l}</lineText>`).join('') + '</returnval></BrowseDiagnosticLogResponse></soapenv:Body></soapenv:Envelope>';
  const LINES = [
    '2026-12-01T10:00:00.000Z In(182) vmkernel: cpu1:2098000)NetPort: 1580: disabled port 0x2000002',
    '2026-12-01T10:00:01.000Z In(182) vmkernel: cpu1:2098000)FSS: Failed to open file &#39;hpilo&#39;; Busy',
    '2026-12-01T10:00:02.000Z In(182) vmkernel: cpu1:2098000)ScsiDeviceIO: to dev &#34;naa.6005&#34; failed',
    `2026-12-01T10:00:03.000Z In(182) vmkernel: cpu3:2098131)etherswitch: ${MARKER}:247: client web01 requested mac address change to 02:bf:0a:1e:00:50 on port 0x4000004, disallowed by vswitch policy`,
    '2026-12-01T10:00:04.000Z In(182) --- last message repeated 3 times ---',
    // A quote made a reference, beside the marker: kept, and decoded.
    `2026-12-01T10:00:05.000Z In(182) vmkernel: cpu3:2098131)etherswitch: ${MARKER}: client &#34;db 01&#34; has policy violations on port 0x4000005. Port is blocked`,
    // The marker written with references, as no vSphere encoder does but XML allows: still found.
    '2026-12-01T10:00:06.000Z In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec&#95;EnforcePortCompliance: client app01 has policy violations on port 0x4000006. Port is blocked',
    '2026-12-01T10:00:07.000Z In(182) vmkernel: cpu1:2098000)CpuSched: user latency &amp; more &lt;6&gt;',
  ];
  const lines = (decoded: DecodedResponse) => (decoded.kind === 'result' ? (decoded.value as { lineText: string[] }).lineText : []);
  const whole = lines(decode(page(LINES), PAGE));

  it('builds the first `head` lines and those holding a wanted string; the others are "", in any chunks', () => {
    const expected = whole.map((line, i) => (i < 2 || line.includes(MARKER) || line.includes('last message repeated') ? line : ''));
    expect(expected.filter(Boolean)).toHaveLength(6);
    const xml = page(LINES);
    for (const size of [1, 7, 64, 1000, xml.length]) {
      const chunks = Array.from({ length: Math.ceil(xml.length / size) }, (_, i) => xml.slice(i * size, (i + 1) * size));
      expect(lines(decode(chunks, { ...PAGE, only: ONLY })), `chunks of ${size}`).toEqual(expected);
    }
    expect(whole[6]).toContain('L2Sec_EnforcePortCompliance: client app01');
  });

  it('a page cut in two anywhere reads the same lines, kept or not; cut short anywhere inside, it is refused', () => {
    // Its lines go into one array of the page's exact size, gathered across the chunks they come in.
    const many = Array.from({ length: 12 }, (_, i) => `${LINES[i % LINES.length]!} #${i}`);
    const xml = page(many);
    const all = lines(decode(xml, PAGE));
    const kept = lines(decode(xml, { ...PAGE, only: ONLY }));
    expect(all).toHaveLength(12);
    expect(kept.filter(Boolean)).toHaveLength(7);
    const end = xml.indexOf('</returnval>');
    for (let cut = xml.indexOf('<lineText>') - 3; cut <= end + 3; cut++) {
      const halves = [xml.slice(0, cut), xml.slice(cut)];
      expect(lines(decode(halves, PAGE)), `cut at ${cut}`).toEqual(all);
      expect(lines(decode(halves, { ...PAGE, only: ONLY })), `cut at ${cut}`).toEqual(kept);
      expect(() => decode([xml.slice(0, cut)], PAGE), `ends at ${cut}`).toThrow(ProtocolError);
    }
  });

  it('lines with comments and white space between them: every line, in order, in any chunks', () => {
    const many = Array.from({ length: 40 }, (_, i) => `${LINES[i % LINES.length]!} #${i}`);
    const xml = page(many).replace(/<\/lineText><lineText>/g, (m, at: number) => (at % 3 === 0 ? '</lineText><!-- x --><lineText>' : '</lineText>\n  <lineText>'));
    const all = lines(decode(page(many), PAGE));
    const kept = lines(decode(page(many), { ...PAGE, only: ONLY }));
    for (const size of [1, 7, 64, 1000, xml.length]) {
      const chunks = Array.from({ length: Math.ceil(xml.length / size) }, (_, i) => xml.slice(i * size, (i + 1) * size));
      expect(lines(decode(chunks, PAGE)), `chunks of ${size}`).toEqual(all);
      expect(lines(decode(chunks, { ...PAGE, only: ONLY })), `chunks of ${size}`).toEqual(kept);
    }
  });

  it('an ArrayOfString in chunks: the same strings in one array', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>' +
      '<XResponse xmlns="urn:vim25"><returnval xsi:type="ArrayOfString">' +
      Array.from({ length: 30 }, (_, i) => `<string>s${i} &amp; more</string>`).join('\n') +
      '</returnval></XResponse></soapenv:Body></soapenv:Envelope>';
    const expected = Array.from({ length: 30 }, (_, i) => `s${i} & more`);
    for (const size of [1, 5, 33, 200, xml.length]) {
      const chunks = Array.from({ length: Math.ceil(xml.length / size) }, (_, i) => xml.slice(i * size, (i + 1) * size));
      expect((decode(chunks, { type: 'ArrayOfString' }) as { value: unknown }).value, `chunks of ${size}`).toEqual(expected);
    }
  });

  it('still checks the lines it does not build', () => {
    for (const bad of ['a &bogus; reference', 'a character &#1; XML excludes', 'text with ]]> in it', 'an & alone']) {
      const xml = page([LINES[0]!, LINES[1]!, `2026-12-01T10:00:09.000Z ${bad}`, LINES[3]!]);
      expect(() => decode(xml, { ...PAGE, only: ONLY }), bad).toThrow(ProtocolError);
    }
  });
});

describe('faults', () => {
  it('InvalidLogin: fault code, string and the typed detail', () => {
    expect(decode(recording('Login-InvalidLogin'), { type: 'UserSession' })).toEqual({
      kind: 'fault',
      fault: { faultCode: 'ServerFaultCode', faultString: 'Login failure', detail: { _typeName: 'InvalidLogin' } },
    });
  });

  it('NoPermission: the object and the privilege, and advice that names them', () => {
    const decoded = decode(recording('BrowseDiagnosticLog-NoPermission'), RETURNS.BrowseDiagnosticLog);
    if (decoded.kind !== 'fault') throw new Error('expected a fault');
    const fault = new SoapFault(decoded.fault.detail!._typeName as string, decoded.fault.faultString, decoded.fault.detail);

    expect(decoded.fault.detail).toEqual({ _typeName: 'NoPermission', object: { type: 'HostSystem', value: 'host-24' }, privilegeId: 'Global.Diagnostics' });
    expect(fault.privilegeId).toBe('Global.Diagnostics');
    expect(faultAdvice(fault)).toBe(
      'The vCenter user lacks the privilege Global.Diagnostics on HostSystem host-24. Ask your vCenter administrator to grant it, or use an account that has it.',
    );
  });

  it.each([
    ['RetrievePropertiesEx-NotAuthenticated', { _typeName: 'NotAuthenticated', object: { type: 'PropertyCollector', value: 'propertyCollector' }, privilegeId: 'System.View' }],
    ['ContinueRetrievePropertiesEx-InvalidArgument', { _typeName: 'InvalidArgument', invalidProperty: 'token' }],
    ['UpdatePortGroup-NotFound', { _typeName: 'NotFound' }],
  ])('%s', (name, detail) => {
    const decoded = decode(recording(name), returnsOf(name));

    expect(decoded).toMatchObject({ kind: 'fault', fault: { faultCode: 'ServerFaultCode', detail } });
  });

  it('a vCenter NoPermission with the newer missingPrivileges: known fields typed, the new one kept, its MoRef too', () => {
    const decoded = decode(handmade('NoPermission-vcenter'), undefined);

    expect(decoded).toEqual({
      kind: 'fault',
      fault: {
        faultCode: 'ServerFaultCode',
        faultString: 'Permission to perform this operation was denied.',
        detail: {
          _typeName: 'NoPermission',
          object: { type: 'HostNetworkSystem', value: 'networkSystem-1011' },
          privilegeId: 'Host.Config.Network',
          missingPrivileges: { entity: { type: 'HostSystem', value: 'host-1011' }, privileges: 'Host.Config.Network' },
        },
      },
    });
  });
});

describe('the XML Schema instance prefix', () => {
  // What vcsim itself writes (the lab rewrites it to xsi:): a prefix declared on each typed element.
  const vcsimNative = (xml: string) =>
    xml.replace(/ xsi:type="/g, ' xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="');

  it.each(RECORDINGS)('%s decodes the same with vcsim\'s XMLSchema-instance: prefix', (name) => {
    const xml = recording(name);
    const native = vcsimNative(xml);

    expect(native).not.toContain(' xsi:type=');
    expect(decode(native, returnsOf(name))).toEqual(decode(xml, returnsOf(name)));
  });

  it('a vCenter-style answer: xsi declared once, line breaks between envelope elements, xsd:int, type before xsi:type', () => {
    const [vm] = Object.values(byName(value<RetrieveResult>(handmade('RetrievePropertiesEx-vcenter'), RESULT).objects));

    expect(vm!['summary.config.numEthernetCards']).toBe(1);
    expect(vm!['config.template']).toBe(false);
    expect(vm!['runtime.powerState']).toBe('poweredOn');
    expect(vm!['runtime.host']).toEqual({ type: 'HostSystem', value: 'host-1011' });
    expect(vm!['guest.net'][0].ipAddress).toEqual(['10.20.30.41', 'fe80::250:56ff:fe9a:3c11']);
    expect(vm!['config.hardware.device'][0]).toMatchObject({
      _typeName: 'VirtualVmxnet3',
      backing: { _typeName: 'VirtualEthernetCardDistributedVirtualPortBackingInfo', port: { portKey: '17', connectionCookie: 1730411598 } },
      connectable: { migrateConnect: 'unset' },
      resourceAllocation: { reservation: 0, limit: -1, share: { shares: 50, level: 'normal' } },
    });
  });

  it('fields newer than the schema are kept, in the order they came, nested ones as objects', () => {
    const [vm] = Object.values(byName(value<RetrieveResult>(handmade('RetrievePropertiesEx-vcenter'), RESULT).objects));
    const nic = vm!['config.hardware.device'][0];

    expect(nic.numaNode).toBe('0');
    expect(nic.deviceGroupInfo).toEqual({ groupInstanceKey: '1', sequenceId: '0' });
    expect(nic.uptv2Enabled).toBe('false');
    expect(Object.keys(nic)).toEqual([
      '_typeName', 'key', 'deviceInfo', 'backing', 'connectable', 'slotInfo', 'controllerKey', 'unitNumber',
      'numaNode', 'deviceGroupInfo',
      'addressType', 'macAddress', 'wakeOnLanEnabled', 'resourceAllocation', 'uptCompatibilityEnabled',
      'uptv2Enabled',
    ]);
  });
});

describe('hand-made edge cases', () => {
  it('xsi:nil leaves the field out, in an object and as a property value', () => {
    const result = value<RetrieveResult>(
      returnval(
        'RetrievePropertiesEx',
        '<objects><obj type="HostSystem">host-1</obj>' +
          '<propSet><name>summary.config.name</name><val xsi:nil="true"/></propSet>' +
          '<propSet><name>config.network.vswitch</name><val xsi:type="ArrayOfHostVirtualSwitch"><HostVirtualSwitch><name>vSwitch0</name><spec><numPorts>8</numPorts><policy xsi:nil="true"/><mtu>1500</mtu></spec></HostVirtualSwitch></val></propSet></objects>',
      ),
      RESULT,
    );
    const [nil, vswitch] = result.objects![0]!.propSet!;

    expect(nil).toEqual({ _typeName: 'DynamicProperty', name: 'summary.config.name' });
    expect((vswitch!.val as any)[0].spec).toEqual({ _typeName: 'HostVirtualSwitchSpec', numPorts: 8, mtu: 1500 });
  });

  it('an empty ArrayOfXxx is an empty array; an xsd:long and a negative int are numbers', () => {
    const result = value<RetrieveResult>(
      returnval(
        'RetrievePropertiesEx',
        '<objects><obj type="VirtualMachine">vm-1</obj><propSet><name>guest.net</name><val xsi:type="ArrayOfGuestNicInfo"></val></propSet>' +
          '<propSet><name>summary.storage.committed</name><val xsi:type="xsd:long">42949672960</val></propSet>' +
          '<propSet><name>config.hardware.device</name><val xsi:type="ArrayOfVirtualDevice"><VirtualDevice xsi:type="VirtualVmxnet3"><key>-100</key></VirtualDevice></val></propSet></objects>',
      ),
      RESULT,
    );
    const props = Object.fromEntries(result.objects![0]!.propSet!.map((p) => [p.name, p.val]));

    expect(props['guest.net']).toEqual([]);
    expect(props['summary.storage.committed']).toBe(42949672960);
    expect(props['config.hardware.device']).toEqual([{ _typeName: 'VirtualVmxnet3', key: -100 }]);
  });

  it('predefined entities, character references and CDATA are text', () => {
    const name = value<string>(returnval('X', 'R&amp;D &lt;lab&gt; &#x41;&#66; <![CDATA[a<b>&c]]>'), { type: 'string' });

    expect(name).toBe('R&D <lab> AB a<b>&c');
  });

  it('a body cut anywhere is a ProtocolError, never a partial result', () => {
    const xml = recording('RetrievePropertiesEx-vms-page1');
    const end = xml.trimEnd().length;
    const cuts = [0, 1, 10, 38, 39, 100, 250, 251, 400, ...Array.from({ length: 60 }, (_, i) => Math.floor(((i + 1) * end) / 61)), end - 10, end - 1];
    for (const cut of cuts) {
      const err = thrown(() => decode(xml.slice(0, cut), RESULT));
      expect(err, `cut at ${cut}`).toBeInstanceOf(ProtocolError);
    }
  });

  it('an HTML page is not a SOAP envelope', () => {
    const err = thrown(() => decode('<html><body>503 Service Unavailable</body></html>', RESULT));

    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/SOAP Envelope/);
  });
});

describe('hostile XML', () => {
  const billionLaughs =
    '<?xml version="1.0"?><!DOCTYPE soapenv:Envelope [' +
    '<!ENTITY lol "lol">' +
    Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') +
    ']>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><XResponse xmlns="urn:vim25"><returnval>&lol9;</returnval></XResponse></soapenv:Body></soapenv:Envelope>';
  const xxe =
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><XResponse xmlns="urn:vim25"><returnval>&xxe;</returnval></XResponse></soapenv:Body></soapenv:Envelope>';

  it('an entity bomb is refused at its DOCTYPE, without expanding anything', () => {
    const err = thrown(() => decode(billionLaughs, { type: 'string' }));

    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/DOCTYPE/);
  });

  it('an external entity (XXE) is refused, and nothing of the file it names shows up', () => {
    const err = thrown(() => decode(xxe, { type: 'string' }));

    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/DOCTYPE/);
    expect(err.message).not.toMatch(/root:/);
  });

  it('a DOCTYPE is refused even when it arrives split across chunks', () => {
    const err = thrown(() => decode(xxe.match(/[\s\S]{1,5}/g)!, { type: 'string' }));

    expect(err).toBeInstanceOf(ProtocolError);
  });

  it('an entity that was never declared is not well-formed', () => {
    const err = thrown(() => decode(returnval('X', '&xxe;'), { type: 'string' }));

    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/not well-formed/);
  });
});
