// The request encoder: what vCenter's XSD validation needs (schema order,
// xsi:type on subtypes), XML escaping, fields newer than the schema sent
// back where they were, and decode(encode(x)) == x on specs taken from
// answers recorded from the simulator lab.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { ResponseDecoder } from '../../src/vsphere/decode.js';
import { encodeRequest } from '../../src/vsphere/encode.js';
import { typeInfo } from '../../src/vsphere/schema.js';
import type { ObjectContent, RetrieveResult } from '../../src/vsphere/types.js';
import { recording } from '../helpers/vim-mock.js';

type Obj = Record<string, any>;

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

/** A plain element tree (saxes directly, not our decoder), to look at what was encoded. */
function parse(xml: string): XmlNode {
  const parser = new SaxesParser({ xmlns: false });
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  parser.on('opentag', (tag) => {
    const node: XmlNode = { name: tag.name, attrs: tag.attributes as Record<string, string>, children: [], text: '' };
    stack.at(-1)!.children.push(node);
    stack.push(node);
  });
  parser.on('text', (text) => void (stack.at(-1)!.text += text));
  parser.on('closetag', () => void stack.pop());
  parser.write(xml).close();
  return root.children[0]!;
}

function child(node: XmlNode, ...path: string[]): XmlNode {
  let at = node;
  for (const name of path) {
    const next = at.children.find((c) => c.name === name);
    if (!next) throw new Error(`no <${name}> in <${at.name}>: ${at.children.map((c) => c.name).join(', ')}`);
    at = next;
  }
  return at;
}

function names(node: XmlNode): string[] {
  return node.children.map((c) => c.name);
}

/** The method element of an encoded request. */
function method(request: string): XmlNode {
  return child(parse(request), 'soapenv:Body').children[0]!;
}

/** The XML of the top-level parameter `name` of an encoded request, as sent. */
function paramXml(request: string, name: string): string {
  const open = new RegExp(`<${name}[ >]`, 'g');
  const start = request.search(open);
  if (start < 0) throw new Error(`no <${name}> in the request`);
  let depth = 0;
  const tags = new RegExp(`<(/?)${name}(?=[ >])[^>]*?(/?)>`, 'g');
  tags.lastIndex = start;
  for (let m = tags.exec(request); m; m = tags.exec(request)) {
    if (m[2]) continue;
    depth += m[1] ? -1 : 1;
    if (depth === 0) return request.slice(start, m.index + m[0].length);
  }
  throw new Error(`<${name}> is not closed`);
}

/** Decodes a parameter of an encoded request as if the server had returned it. */
function decodeParam(request: string, name: string, type: string): unknown {
  const xml = paramXml(request, name);
  const inner = `<returnval${xml.slice(name.length + 1, -(name.length + 3))}</returnval>`;
  const decoder = new ResponseDecoder({ type });
  decoder.write(
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      `<soapenv:Body><XResponse xmlns="urn:vim25">${inner}</XResponse></soapenv:Body></soapenv:Envelope>`,
  );
  const decoded = decoder.end();
  if (decoded.kind !== 'result') throw new Error('a fault');
  return decoded.value;
}

function decodedRecording(name: string): RetrieveResult {
  const decoder = new ResponseDecoder({ type: 'RetrieveResult' });
  decoder.write(recording(name));
  const decoded = decoder.end();
  if (decoded.kind !== 'result') throw new Error('a fault');
  return decoded.value as RetrieveResult;
}

function prop(objects: readonly ObjectContent[] | undefined, objectName: string, path: string): any {
  for (const o of objects ?? []) {
    const props = Object.fromEntries((o.propSet ?? []).map((p) => [p.name, p.val]));
    if (props.name === objectName) return props[path];
  }
  throw new Error(`no ${objectName}`);
}

/** The same object with every key order reversed, _typeName last. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]));
}

const HOSTS = decodedRecording('RetrievePropertiesEx-hosts').objects;
const VMS = decodedRecording('RetrievePropertiesEx-vms-page1').objects;
const DV_PORTGROUPS = decodedRecording('RetrievePropertiesEx-dvportgroups').objects;
const NETWORK_SYSTEM = { type: 'HostNetworkSystem', value: 'hostnetworksystem-10' };
const portgroupSpec = (name: string): Obj => prop(HOSTS, 'esx01.rec.local', 'config.network.portgroup').find((p: any) => p.spec.name === name).spec;
const vswitchSpec = (name: string): Obj => prop(HOSTS, 'esx01.rec.local', 'config.network.vswitch').find((v: any) => v.name === name).spec;
const nic = (vm: string, key = 4000): Obj => prop(VMS, vm, 'config.hardware.device').find((d: any) => d.key === key);

/** The XML of the first element `tag` with an exact opening tag in a recording. */
function recordedElement(xml: string, open: string, tag: string): string {
  const start = xml.indexOf(open);
  if (start < 0) throw new Error(`no ${open}`);
  return paramXml(xml.slice(start), tag);
}

describe('schema order', () => {
  it('fields go in XSD order whatever the key order of the object, parameters too', () => {
    const spec = portgroupSpec('App-Tier');
    const request = encodeRequest('UpdatePortGroup', reversed({ _this: NETWORK_SYSTEM, pgName: 'App-Tier', portgrp: spec }) as Obj);
    const portgrp = child(method(request), 'portgrp');

    expect(names(method(request))).toEqual(['_this', 'pgName', 'portgrp']);
    expect(names(portgrp)).toEqual(['name', 'vlanId', 'vswitchName', 'policy']);
    expect(names(child(portgrp, 'policy'))).toEqual(['security', 'nicTeaming', 'offloadPolicy', 'shapingPolicy']);
    expect(request).toBe(encodeRequest('UpdatePortGroup', { _this: NETWORK_SYSTEM, pgName: 'App-Tier', portgrp: spec }));
  });

  it('a spec decoded from the lab is encoded back exactly as the lab wrote it', () => {
    const request = encodeRequest('UpdatePortGroup', { _this: NETWORK_SYSTEM, pgName: 'App-Tier', portgrp: portgroupSpec('App-Tier') });
    const sent = paramXml(request, 'portgrp');
    const hosts = recording('RetrievePropertiesEx-hosts');
    const specs = [...hosts.matchAll(/<spec><name>App-Tier<\/name>[\s\S]*?<\/spec>/g)].map((m) => m[0]);

    expect(specs).toHaveLength(1);
    expect(sent).toBe(specs[0]!.replace(/^<spec>/, '<portgrp>').replace(/<\/spec>$/, '</portgrp>'));
  });

  it('falsy values are sent (vlanId 0, false), absent ones are not, repeated fields repeat', () => {
    const request = encodeRequest('UpdatePortGroup', {
      _this: NETWORK_SYSTEM,
      pgName: 'VM Network',
      portgrp: {
        name: 'VM Network',
        vlanId: 0,
        vswitchName: 'vSwitch0',
        policy: { security: { macChanges: false, forgedTransmits: undefined, allowPromiscuous: null }, nicTeaming: { nicOrder: { activeNic: ['vmnic0', 'vmnic1'], standbyNic: [] } } },
      },
    });

    expect(paramXml(request, 'portgrp')).toBe(
      '<portgrp><name>VM Network</name><vlanId>0</vlanId><vswitchName>vSwitch0</vswitchName><policy>' +
        '<security><macChanges>false</macChanges></security>' +
        '<nicTeaming><nicOrder><activeNic>vmnic0</activeNic><activeNic>vmnic1</activeNic></nicOrder></nicTeaming>' +
        '</policy></portgrp>',
    );
  });
});

describe('xsi:type on polymorphic values', () => {
  it('PropertyFilterSpec: the select set is a TraversalSpec, nested ones too; a plain SelectionSpec has none', () => {
    const request = encodeRequest('RetrievePropertiesEx', {
      _this: { type: 'PropertyCollector', value: 'propertyCollector' },
      specSet: [
        {
          _typeName: 'PropertyFilterSpec',
          propSet: [{ type: 'HostSystem', pathSet: ['name', 'config.network.vswitch'] }],
          objectSet: [
            {
              obj: { type: 'ContainerView', value: 'session[1]view' },
              skip: true,
              selectSet: [
                {
                  _typeName: 'TraversalSpec',
                  name: 'view',
                  type: 'ContainerView',
                  path: 'view',
                  skip: false,
                  selectSet: [{ _typeName: 'SelectionSpec', name: 'view' }, { _typeName: 'TraversalSpec', name: 'toHost', type: 'ComputeResource', path: 'host', skip: false }],
                },
              ],
            },
          ],
        },
      ],
      options: { maxObjects: 2 },
    });
    const objectSet = child(method(request), 'specSet', 'objectSet');
    const traversal = child(objectSet, 'selectSet');

    expect(child(method(request), 'specSet').attrs).toEqual({});
    expect(objectSet.attrs).toEqual({});
    expect(traversal.attrs).toEqual({ 'xsi:type': 'TraversalSpec' });
    expect(names(traversal)).toEqual(['name', 'type', 'path', 'skip', 'selectSet', 'selectSet']);
    expect(traversal.children.filter((c) => c.name === 'selectSet').map((c) => c.attrs)).toEqual([{}, { 'xsi:type': 'TraversalSpec' }]);
    expect(child(method(request), 'options', 'maxObjects').text).toBe('2');
    expect(child(objectSet, 'obj').attrs).toEqual({ type: 'ContainerView' });
  });

  it('VirtualDeviceConfigSpec: the device is a VirtualVmxnet3 and its backing a dvPort backing', () => {
    const device = { ...nic('db01'), addressType: 'manual', macAddress: '00:0c:29:5e:11:a0' };
    const request = encodeRequest('ReconfigVM_Task', {
      _this: { type: 'VirtualMachine', value: 'vm-30' },
      spec: { _typeName: 'VirtualMachineConfigSpec', deviceChange: [{ _typeName: 'VirtualDeviceConfigSpec', operation: 'edit', device }] },
    });
    const encoded = child(method(request), 'spec', 'deviceChange', 'device');

    expect(method(request).name).toBe('ReconfigVM_Task');
    expect(encoded.attrs).toEqual({ 'xsi:type': 'VirtualVmxnet3' });
    expect(child(encoded, 'backing').attrs).toEqual({ 'xsi:type': 'VirtualEthernetCardDistributedVirtualPortBackingInfo' });
    expect(child(encoded, 'backing', 'port').attrs).toEqual({});
    expect(child(encoded, 'slotInfo').attrs).toEqual({ 'xsi:type': 'VirtualDevicePciBusSlotInfo' });
    expect(child(encoded, 'deviceInfo').attrs).toEqual({});
    // VirtualDevice's fields, then VirtualEthernetCard's.
    expect(names(encoded)).toEqual([
      'key', 'deviceInfo', 'backing', 'connectable', 'slotInfo', 'controllerKey', 'unitNumber',
      'addressType', 'macAddress', 'wakeOnLanEnabled', 'uptCompatibilityEnabled',
    ]);
  });

  it('DVPortgroupConfigSpec: defaultPortConfig is a VMwareDVSPortSetting; its policies are as declared', () => {
    const request = encodeRequest('ReconfigureDVPortgroup_Task', {
      _this: { type: 'DistributedVirtualPortgroup', value: 'dvportgroup-27' },
      spec: {
        _typeName: 'DVPortgroupConfigSpec',
        configVersion: '3',
        defaultPortConfig: {
          _typeName: 'VMwareDVSPortSetting',
          macManagementPolicy: { _typeName: 'DVSMacManagementPolicy', inherited: false, macChanges: true },
          securityPolicy: { _typeName: 'DVSSecurityPolicy', inherited: false, macChanges: { _typeName: 'BoolPolicy', inherited: false, value: true } },
        },
      },
    });
    const setting = child(method(request), 'spec', 'defaultPortConfig');

    expect(setting.attrs).toEqual({ 'xsi:type': 'VMwareDVSPortSetting' });
    expect(names(setting)).toEqual(['securityPolicy', 'macManagementPolicy']);
    expect(setting.children.map((c) => c.attrs)).toEqual([{}, {}]);
    expect(names(child(setting, 'securityPolicy'))).toEqual(['inherited', 'macChanges']);
    expect(names(child(setting, 'macManagementPolicy'))).toEqual(['inherited', 'macChanges']);
  });
});

describe('escaping', () => {
  it('text and attributes are escaped and come back as they were', () => {
    const name = `R&D <"web"> 'tier' ]]> é€`;
    const ref = { type: 'HostNetworkSystem', value: 'net&<"sys">' };
    const request = encodeRequest('UpdatePortGroup', { _this: ref, pgName: name, portgrp: { name, vlanId: 5, vswitchName: 'vSwitch0' } });
    const call = method(request);

    expect(paramXml(request, 'pgName')).toBe('<pgName>R&amp;D &lt;&quot;web&quot;&gt; &apos;tier&apos; ]]&gt; é€</pgName>');
    expect(child(call, 'pgName').text).toBe(name);
    expect(child(call, '_this').text).toBe(ref.value);
    expect(decodeParam(request, 'portgrp', 'HostPortGroupSpec')).toEqual({ _typeName: 'HostPortGroupSpec', name, vlanId: 5, vswitchName: 'vSwitch0' });
  });
});

describe('fields newer than the schema', () => {
  const vcenter = readFileSync(join(import.meta.dirname, '..', '..', 'mocks', 'soap', 'handmade', 'RetrievePropertiesEx-vcenter.xml'), 'utf8');

  it('a device decoded from vCenter is sent back with its newer fields where vCenter had them', () => {
    const decoder = new ResponseDecoder({ type: 'RetrieveResult' });
    decoder.write(vcenter);
    const decoded = decoder.end();
    if (decoded.kind !== 'result') throw new Error('a fault');
    const [device] = (decoded.value as RetrieveResult).objects![0]!.propSet!.find((p) => p.name === 'config.hardware.device')!.val as Obj[];
    const request = encodeRequest('ReconfigVM_Task', {
      _this: { type: 'VirtualMachine', value: 'vm-1042' },
      spec: { _typeName: 'VirtualMachineConfigSpec', deviceChange: [{ _typeName: 'VirtualDeviceConfigSpec', operation: 'edit', device }] },
    });

    expect(paramXml(request, 'device')).toBe(
      recordedElement(vcenter, '<VirtualDevice xsi:type="VirtualVmxnet3">', 'VirtualDevice').replace(/^<VirtualDevice /, '<device ').replace(/<\/VirtualDevice>$/, '</device>'),
    );
  });

  it('an unknown field first in the object goes first; unknown MoRefs, objects and repeats keep their shape', () => {
    const request = encodeRequest('UpdatePortGroup', {
      _this: NETWORK_SYSTEM,
      pgName: 'VM Network',
      portgrp: {
        futureFirst: 'a',
        name: 'VM Network',
        futureRef: { type: 'HostSystem', value: 'host-1' },
        futureList: ['x', 'y'],
        vlanId: 7,
        futureTyped: { _typeName: 'FutureThing', size: '2', inner: { depth: '1' } },
        vswitchName: 'vSwitch0',
      },
    });

    expect(paramXml(request, 'portgrp')).toBe(
      '<portgrp><futureFirst>a</futureFirst><name>VM Network</name><futureRef type="HostSystem">host-1</futureRef><futureList>x</futureList><futureList>y</futureList>' +
        '<vlanId>7</vlanId><futureTyped xsi:type="FutureThing"><size>2</size><inner><depth>1</depth></inner></futureTyped><vswitchName>vSwitch0</vswitchName></portgrp>',
    );
  });
});

describe('decode(encode(x)) == x on specs from the lab', () => {
  it.each(['VM Network', 'App-Tier', 'Storage'])('HostPortGroupSpec of %s', (name) => {
    const spec = portgroupSpec(name);
    const request = encodeRequest('UpdatePortGroup', { _this: NETWORK_SYSTEM, pgName: name, portgrp: spec });

    expect(decodeParam(request, 'portgrp', 'HostPortGroupSpec')).toEqual(spec);
  });

  it.each(['vSwitch0', 'vSwitch1'])('HostVirtualSwitchSpec of %s', (name) => {
    const spec = vswitchSpec(name);
    const request = encodeRequest('UpdateVirtualSwitch', { _this: NETWORK_SYSTEM, vswitchName: name, spec });

    expect(decodeParam(request, 'spec', 'HostVirtualSwitchSpec')).toEqual(spec);
  });

  it.each([
    ['web01', 4000, 'VirtualVmxnet3'],
    ['db01', 4000, 'VirtualVmxnet3'],
    ['db01', 4001, 'VirtualE1000e'],
  ])('the whole NIC of %s (key %i, a %s)', (vm, key, type) => {
    const device = nic(vm, key);
    const request = encodeRequest('ReconfigVM_Task', {
      _this: { type: 'VirtualMachine', value: 'vm-1' },
      spec: { _typeName: 'VirtualMachineConfigSpec', deviceChange: [{ _typeName: 'VirtualDeviceConfigSpec', operation: 'edit', device }] },
    });

    expect(device._typeName).toBe(type);
    expect(decodeParam(request, 'device', 'VirtualDevice')).toEqual(device);
  });

  it.each(['DPG-Web', 'DPG-MacLearn'])('DVPortgroupConfigInfo of %s turned into a DVPortgroupConfigSpec', (name) => {
    const info: Obj = prop(DV_PORTGROUPS, name, 'config');
    const specFields = typeInfo('DVPortgroupConfigSpec')!.byName;
    const spec: Obj = { _typeName: 'DVPortgroupConfigSpec' };
    for (const [key, val] of Object.entries(info)) if (specFields.has(key)) spec[key] = val;
    const request = encodeRequest('ReconfigureDVPortgroup_Task', { _this: { type: 'DistributedVirtualPortgroup', value: info.key }, spec });

    expect(Object.keys(spec)).toEqual(expect.arrayContaining(['configVersion', 'name', 'numPorts', 'defaultPortConfig', 'type', 'policy']));
    expect(child(method(request), 'spec', 'defaultPortConfig').attrs).toEqual({ 'xsi:type': 'VMwareDVSPortSetting' });
    expect(child(method(request), 'spec', 'policy').attrs).toEqual({ 'xsi:type': 'VMwareDVSPortgroupPolicy' });
    expect(decodeParam(request, 'spec', 'DVPortgroupConfigSpec')).toEqual(spec);
  });
});
