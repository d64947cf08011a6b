// Shared by the fix / plan-apply / rollback acceptance suites: a scenario
// the code was never tuned to, a structural diff of /lab/state, a raw SOAP
// client (the "someone else" who changes objects behind vmfix's back), and
// small file helpers. Not a test file itself.
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vmfix, type Lab, type LabState } from '../helpers/lab.js';

// --- The scenario -------------------------------------------------------------
//
// DC "DC-East": cluster "Prod-CL" of three 8.0 hosts with two standard
// vSwitches each, a standalone edge host that also has a "NLB-Front"
// portgroup (outside the cluster: no vMotion from it), and a vSphere 8 DVS.
// The VMs: a Windows NLB pair in unicast mode (both guests send from
// 02:bf:0a:1e:00:82, one blocked in the log, one seen by Tools), a load
// balancer appliance at risk, a nested ESXi blocked on its dvPort, a
// powered-off licence server whose guest used another MAC, and decoys: MAC
// changes on an Accept portgroup and an Accept dvPortgroup, quiet VMs on the
// same portgroups, a powered-off NLB node, a MAC-learning dvPortgroup.
// A pre-6.7 vCenter with a legacy DVS is a lab of its own (legacyScenario).

export const NLB_MAC = '02:bf:0a:1e:00:82';
export const F5_GUEST_MAC = '00:50:56:a7:41:0f';
export const LIC_MAC = '00:50:56:b0:13:37';
export const LIC_GUEST_MAC = '00:50:56:3a:77:19';
export const CLUSTER_HOSTS = ['esx-a1.east.corp', 'esx-a2.east.corp', 'esx-a3.east.corp'];
export const EDGE_HOST = 'esx-edge01.east.corp';

const FILLER = 300;

function stdHost(name: string, cluster: string | undefined, nlbLog: string[]) {
  return {
    name,
    ...(cluster ? { cluster } : {}),
    version: '8.0.2',
    build: '22380479',
    vswitches: [
      {
        name: 'vSwitch0',
        numPorts: 256,
        mtu: 1500,
        nics: ['vmnic0', 'vmnic1'],
        policy: { allowPromiscuous: false, macChanges: false, forgedTransmits: false, teaming: { policy: 'loadbalance_srcid', activeNic: ['vmnic0', 'vmnic1'], standbyNic: [] } },
      },
      {
        name: 'vSwitch1',
        numPorts: 512,
        mtu: 9000,
        nics: ['vmnic2', 'vmnic3'],
        policy: { allowPromiscuous: false, macChanges: false, forgedTransmits: true, teaming: { policy: 'loadbalance_ip', activeNic: ['vmnic2', 'vmnic3'], standbyNic: [] } },
      },
    ],
    portgroups: [
      { name: 'Management Network', vswitch: 'vSwitch0', vlanId: 10 },
      { name: 'VM Network', vswitch: 'vSwitch0', vlanId: 0 },
      {
        name: 'App-Backend',
        vswitch: 'vSwitch0',
        vlanId: 220,
        policy: {
          teaming: { policy: 'failover_explicit', activeNic: ['vmnic1'], standbyNic: ['vmnic0'] },
          shaping: { enabled: true, averageBandwidth: 500000000, peakBandwidth: 1000000000, burstSize: 104857600 },
        },
      },
      {
        name: 'NLB-Front',
        vswitch: 'vSwitch1',
        vlanId: 130,
        policy: { forgedTransmits: true, allowPromiscuous: false, teaming: { policy: 'loadbalance_srcmac', activeNic: ['vmnic3'], standbyNic: ['vmnic2'] } },
      },
      { name: 'Lab-Open', vswitch: 'vSwitch1', vlanId: 140, policy: { macChanges: true, forgedTransmits: true } },
    ],
    vmkernelLog: { filler: FILLER, lines: nlbLog },
  };
}

export function scenario() {
  const a1Log = [
    `{{now-30h}} cpu14:2099041)etherswitch: L2Sec_EnforcePortCompliance:247: client nlb-web01 requested mac address change to ${NLB_MAC} on port 0x4000004, disallowed by vswitch policy`,
    '{{now-30h}} cpu14:2099041)etherswitch: L2Sec_EnforcePortCompliance:356: client nlb-web01 has policy violations on port 0x4000004. Port is blocked',
    `{{now-2h}} cpu2:2099041)etherswitch: L2Sec_EnforcePortCompliance:247: client nlb-web01 requested mac address change to ${NLB_MAC} on port 0x4000004, disallowed by vswitch policy`,
    '{{now-2h}} cpu2:2099041)etherswitch: L2Sec_EnforcePortCompliance:356: client nlb-web01 has policy violations on port 0x4000004. Port is blocked',
  ];
  const a3Log = [
    '{{now-5h}} cpu6:2101877)etherswitch: L2Sec_EnforcePortCompliance:247: client nested-esx7 requested mac address change to 00:0c:29:7e:a1:04 on port 0x8000004, disallowed by vswitch policy',
    '{{now-5h}} cpu6:2101877)etherswitch: L2Sec_EnforcePortCompliance:356: client nested-esx7 has policy violations on port 0x8000004. Port is blocked',
  ];
  return {
    mode: 'vcenter',
    datacenters: [
      {
        name: 'DC-East',
        clusters: ['Prod-CL'],
        hosts: [
          stdHost(CLUSTER_HOSTS[0]!, 'Prod-CL', a1Log),
          stdHost(CLUSTER_HOSTS[1]!, 'Prod-CL', []),
          stdHost(CLUSTER_HOSTS[2]!, 'Prod-CL', a3Log),
          stdHost(EDGE_HOST, undefined, []),
        ],
        dvSwitches: [
          {
            name: 'DSW-Prod',
            version: '8.0.0',
            hosts: CLUSTER_HOSTS,
            defaultPortConfig: { allowPromiscuous: false, macChanges: false, forgedTransmits: false },
            portgroups: [
              { name: 'DPG-Apps', vlanId: 300, numPorts: 16 },
              { name: 'DPG-Nested', vlanId: 310, numPorts: 8, policy: { forgedTransmits: true, allowPromiscuous: false }, macManagementOverrideAllowed: true },
              { name: 'DPG-Lab', vlanId: 320, numPorts: 8, policy: { macChanges: true } },
              { name: 'DPG-K8s', vlanId: 330, numPorts: 8, macLearning: { enabled: true, allowUnicastFlooding: false, limit: 1024, limitPolicy: 'ALLOW' } },
            ],
          },
        ],
        vms: [
          // The NLB pair: one blocked (log), one at risk (Tools), same 02:bf MAC.
          { name: 'nlb-web01', host: CLUSTER_HOSTS[0], nics: [{ network: 'NLB-Front', guestMac: NLB_MAC }, { network: 'Management Network', type: 'e1000e' }] },
          { name: 'nlb-web02', host: CLUSTER_HOSTS[1], nics: [{ network: 'NLB-Front', guestMac: NLB_MAC }] },
          { name: 'iis-static01', host: CLUSTER_HOSTS[1], nics: [{ network: 'NLB-Front' }] },
          { name: 'edge-proxy01', host: EDGE_HOST, nics: [{ network: 'NLB-Front' }] },
          // Decoy: an NLB node that is off; its guest view is stale.
          { name: 'nlb-web03', host: CLUSTER_HOSTS[2], powerState: 'poweredOff', nics: [{ network: 'NLB-Front', guestMac: NLB_MAC }] },
          // A load balancer appliance sending from a MAC of its own choosing.
          { name: 'f5-ve01', host: CLUSTER_HOSTS[1], nics: [{ network: 'App-Backend', type: 'e1000', guestMac: F5_GUEST_MAC }] },
          { name: 'app-svc02', host: CLUSTER_HOSTS[0], nics: [{ network: 'App-Backend' }] },
          // Nested ESXi, blocked on its dvPort.
          {
            name: 'nested-esx7',
            host: CLUSTER_HOSTS[2],
            guestId: 'vmkernel7Guest',
            nics: [{ network: 'DPG-Nested', portKey: '19', guestMac: '00:0c:29:7e:a1:04', port: { blocked: true, statusDetail: 'Port blocked: guest MAC address change disallowed by security policy.' } }],
          },
          { name: 'db-quiet01', host: CLUSTER_HOSTS[0], nics: [{ network: 'DPG-Apps' }] },
          // Decoys: MAC changes on portgroups that accept them.
          { name: 'lab-router01', host: CLUSTER_HOSTS[2], nics: [{ network: 'Lab-Open', guestMac: '02:00:5e:10:00:01' }] },
          { name: 'lab-k8s01', host: CLUSTER_HOSTS[2], nics: [{ network: 'DPG-Lab', guestMac: '02:42:ac:11:00:02' }] },
          { name: 'k8s-worker01', host: CLUSTER_HOSTS[1], nics: [{ network: 'DPG-K8s' }] },
          // Off, its guest last seen using another MAC: what pin-mac is for.
          { name: 'lic-server01', host: CLUSTER_HOSTS[2], powerState: 'poweredOff', nics: [{ network: 'VM Network', mac: LIC_MAC, guestMac: LIC_GUEST_MAC }] },
          { name: 'jump01', host: CLUSTER_HOSTS[2], nics: [{ network: 'VM Network' }] },
        ],
      },
    ],
  };
}

/**
 * A pre-6.7 vCenter (its dvPortgroups carry only the deprecated
 * securityPolicy) at a branch: two 6.5 hosts, a 6.5 DVS, an Oracle RAC pair
 * whose interconnect NIC moved its MAC (blocked), and a quiet public side.
 */
export function legacyScenario() {
  const hosts = ['esx-b1.branch.corp', 'esx-b2.branch.corp'];
  return {
    mode: 'vcenter',
    datacenters: [
      {
        name: 'DC-Branch',
        clusters: ['Branch-CL'],
        hosts: hosts.map((name, i) => ({
          name,
          cluster: 'Branch-CL',
          version: '6.5.0',
          build: '13932383',
          vswitches: [{ name: 'vSwitch0', nics: ['vmnic0', 'vmnic1'], policy: { allowPromiscuous: false, macChanges: false, forgedTransmits: false } }],
          portgroups: [{ name: 'Management Network', vswitch: 'vSwitch0', vlanId: 5 }],
          vmkernelLog: {
            filler: 120,
            lines: i === 0
              ? ['{{now-50h}} cpu1:68311)etherswitch: L2Sec_EnforcePortCompliance:247: client rac-node01 requested mac address change to 00:50:56:3f:10:21 on port 0x2000007, disallowed by vswitch policy']
              : [],
          },
        })),
        dvSwitches: [
          {
            name: 'DSW-Branch',
            version: '6.5.0',
            hosts,
            legacySecurityPolicyOnly: true,
            defaultPortConfig: { allowPromiscuous: false, macChanges: false, forgedTransmits: false },
            portgroups: [
              { name: 'LPG-Interconnect', vlanId: 900, numPorts: 8, policy: { forgedTransmits: true }, securityPolicyOverrideAllowed: true },
              { name: 'LPG-Public', vlanId: 901, numPorts: 8 },
            ],
          },
        ],
        vms: [
          { name: 'rac-node01', host: hosts[0], nics: [{ network: 'LPG-Public' }, { network: 'LPG-Interconnect', guestMac: '00:50:56:3f:10:21' }] },
          { name: 'rac-node02', host: hosts[1], nics: [{ network: 'LPG-Public' }, { network: 'LPG-Interconnect' }] },
        ],
      },
    ],
  };
}

/** What the portgroup-accept strategy must change, and nothing more. */
export function portgroupAcceptDiff(): string[] {
  const lines: string[] = [];
  for (const host of CLUSTER_HOSTS) {
    for (const pg of ['App-Backend', 'NLB-Front']) {
      lines.push(`hosts[${host}].networkInfo.portgroup[${pg}].computedPolicy.security.macChanges: false → true`);
      lines.push(`hosts[${host}].networkInfo.portgroup[${pg}].spec.policy.security.macChanges: (absent) → true`);
    }
  }
  lines.push(
    'dvPortgroups[DPG-Nested].config.configVersion: "1" → "2"',
    'dvPortgroups[DPG-Nested].config.defaultPortConfig.macManagementPolicy.macChanges: false → true',
    'dvPortgroups[DPG-Nested].config.defaultPortConfig.securityPolicy.macChanges.inherited: true → false',
    'dvPortgroups[DPG-Nested].config.defaultPortConfig.securityPolicy.macChanges.value: false → true',
  );
  return lines.sort();
}

// --- /lab/state, flattened ------------------------------------------------------

/**
 * Every leaf of the state as "path → JSON value", with list items named by
 * what identifies them (an object's name, a portgroup's spec.name, a
 * device's key), so that a diff reads as "which field of which object".
 */
export function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    value.forEach((item, i) => flatten(item, `${prefix}[${itemId(item) ?? i}]`, out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, JSON.stringify(value));
  }
  return out;
}

function itemId(item: unknown): string | undefined {
  if (!item || typeof item !== 'object') return undefined;
  const o = item as Record<string, unknown>;
  const spec = o.spec as Record<string, unknown> | undefined;
  if (o._typeName === 'HostPortGroup' && spec?.name) return String(spec.name);
  if (typeof o.name === 'string' && !o._typeName) return o.name; // lab/state entries
  if (o._typeName === 'HostVirtualSwitch' && typeof o.name === 'string') return o.name;
  if (typeof o.key === 'number' && String(o._typeName).startsWith('Virtual')) return String(o.key);
  return undefined;
}

/** The leaves that differ, as "path: before → after". */
export function diffState(before: unknown, after: unknown): string[] {
  const a = flatten(before);
  const b = flatten(after);
  const out: string[] = [];
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(path) !== b.get(path)) out.push(`${path}: ${a.get(path) ?? '(absent)'} → ${b.get(path) ?? '(absent)'}`);
  }
  return out.sort();
}

/**
 * The state without what changes on its own: a dvPortgroup's configVersion
 * (vCenter bumps it on every write) and the IDs of standard vSwitch ports (a
 * vNIC that reconnects gets a new one); the MACs on each portgroup stay.
 */
export function settled(state: unknown): unknown {
  return JSON.parse(
    JSON.stringify(state, (k, v: unknown) => {
      if (k === 'configVersion') return undefined;
      if (k === 'port' && Array.isArray(v)) return v.flatMap((p: { mac?: string[] }) => p.mac ?? []).sort();
      return v;
    }),
  );
}

export function hostPortgroup(state: LabState, host: string, portgroup: string): Record<string, any> {
  const h = state.hosts.find((x) => x.name === host)!;
  return (h.networkInfo.portgroup as Record<string, any>[]).find((p) => p.spec.name === portgroup)!;
}

export function vswitch(state: LabState, host: string, name: string): Record<string, any> {
  const h = state.hosts.find((x) => x.name === host)!;
  return (h.networkInfo.vswitch as Record<string, any>[]).find((v) => v.name === name)!;
}

export function dvPortgroup(state: LabState, name: string): Record<string, any> {
  return state.dvPortgroups.find((p) => p.name === name)!.config as Record<string, any>;
}

export function nic(state: LabState, vm: string, key = 4000): Record<string, any> {
  return (state.vms.find((v) => v.name === vm)!.nics as Record<string, any>[]).find((d) => d.key === key)!;
}

// --- Calls ------------------------------------------------------------------------

export const MODIFYING = [
  'UpdatePortGroup', 'UpdateVirtualSwitch', 'AddPortGroup', 'RemovePortGroup', 'ReconfigureDVPortgroup_Task',
  'CreateDVPortgroup_Task', 'ReconfigVM_Task', 'Destroy_Task', 'PowerOffVM_Task', 'PowerOnVM_Task', 'ShutdownGuest',
  'ReconfigureDvs_Task', 'UpdateNetworkConfig', 'UpdateDVSPortgroupRecomputePolicy',
];

export async function modifyingCalls(lab: Lab): Promise<{ method: string; this: string }[]> {
  return (await lab.calls()).filter((c) => MODIFYING.includes(c.method));
}

// --- Files --------------------------------------------------------------------------

/** vmfix against the lab, run in `dir` (where it writes its journals). */
export function run(lab: Lab, dir: string, args: string[]) {
  return vmfix(args, { ...lab.env, VMFIX_TEST_CWD: dir });
}

export async function workdir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'vmfix-e2e-'));
}

export async function readJson<T = any>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** The journals vmfix wrote by default in a directory. */
export async function journalsIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => /^vmfix-journal-.*\.json$/.test(f)).map((f) => join(dir, f));
}

// --- Someone else: a raw SOAP client, no vmfix code -----------------------------------

export class RawSoap {
  private cookie = '';
  private readonly ca: Buffer;

  constructor(private readonly lab: Lab) {
    this.ca = readFileSync(lab.caFile);
  }

  async login(): Promise<void> {
    await this.call('Login', '<_this type="SessionManager">SessionManager</_this>' + `<userName>${esc(this.lab.username)}</userName><password>${esc(this.lab.password)}</password>`);
  }

  /** Calls a method; a fault rejects with the fault's XML. */
  call(method: string, inner: string): Promise<string> {
    const envelope =
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      `<soapenv:Body><${method} xmlns="urn:vim25">${inner}</${method}></soapenv:Body></soapenv:Envelope>`;
    return new Promise((done, fail) => {
      const req = request(
        new URL('/sdk', this.lab.url),
        { method: 'POST', ca: this.ca, headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `urn:vim25/${this.lab.about.apiVersion}`, ...(this.cookie ? { Cookie: this.cookie } : {}) } },
        (res) => {
          let body = '';
          const session = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith('vmware_soap_session='));
          if (session) this.cookie = session.split(';')[0]!;
          res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => (res.statusCode === 200 ? done(body) : fail(new Error(`${method}: HTTP ${res.statusCode}: ${body}`))));
        },
      );
      req.on('error', fail);
      req.end(envelope);
    });
  }

  /** ReconfigureDVPortgroup_Task with a delta spec (XML inside <spec>), waiting for the task. */
  async reconfigureDvPortgroup(moref: string, configVersion: string, delta: string): Promise<void> {
    const res = await this.call(
      'ReconfigureDVPortgroup_Task',
      `<_this type="DistributedVirtualPortgroup">${moref}</_this><spec><configVersion>${configVersion}</configVersion>${delta}</spec>`,
    );
    await this.task(`ReconfigureDVPortgroup_Task ${moref}`, res);
  }

  /** Destroy_Task on a (powered-off) VM: someone deletes it. */
  async destroyVm(moref: string): Promise<void> {
    await this.task(`Destroy_Task ${moref}`, await this.call('Destroy_Task', `<_this type="VirtualMachine">${moref}</_this>`));
  }

  /** Rename_Task on a VM: someone renames it (vCenter posts VmRenamedEvent). */
  async renameVm(moref: string, newName: string): Promise<void> {
    await this.task(`Rename_Task ${moref}`, await this.call('Rename_Task', `<_this type="VirtualMachine">${moref}</_this><newName>${esc(newName)}</newName>`));
  }

  /** ReconfigVM_Task editing one device, given as XML (the caller sends the whole device). */
  async editDevice(vm: string, deviceXml: string): Promise<void> {
    const spec = `<spec><deviceChange><operation>edit</operation>${deviceXml}</deviceChange></spec>`;
    await this.task(`ReconfigVM_Task ${vm}`, await this.call('ReconfigVM_Task', `<_this type="VirtualMachine">${vm}</_this>${spec}`));
  }

  /** Waits for the task a call answered with. */
  private async task(what: string, answer: string): Promise<void> {
    const task = /<returnval[^>]*>([^<]+)<\/returnval>/.exec(answer)?.[1];
    if (!task) throw new Error(`${what}: ${answer}`);
    for (;;) {
      const info = await this.call(
        'RetrievePropertiesEx',
        '<_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>Task</type><pathSet>info.state</pathSet></propSet>' +
          `<objectSet><obj type="Task">${task}</obj></objectSet></specSet><options/>`,
      );
      if (/>(success)</.test(info)) return;
      if (/>(error)</.test(info)) {
        const error = await this.call(
          'RetrievePropertiesEx',
          '<_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>Task</type><pathSet>info.error</pathSet></propSet>' +
            `<objectSet><obj type="Task">${task}</obj></objectSet></specSet><options/>`,
        );
        throw new Error(`${what} failed: ${error}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** UpdatePortGroup with a spec given as XML (the caller sends the whole spec). */
  async updatePortGroup(networkSystem: string, pgName: string, specXml: string): Promise<void> {
    await this.call('UpdatePortGroup', `<_this type="HostNetworkSystem">${networkSystem}</_this><pgName>${esc(pgName)}</pgName><portgrp>${specXml}</portgrp>`);
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
