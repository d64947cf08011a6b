// The audit acceptance suite's estate, written for it: one datacenter with
// a three-host 7.0/8.0 cluster (one host whose logs vCenter may not read), a
// standalone 6.7 host with a pre-6.7 DVS, and a current DVS.
//
// What is wrong in it, and how each thing shows:
//   blocked (critical)
//     nlb-web-01       NLB-Front (portgroup override Reject on an Accept vSwitch), ESXi 8 "In(182) vmkernel:" lines, twice
//     lb-appliance-02  App-Tier (inherits Reject), no VMware Tools: only "0x2000005: peer not allowed…" ties it, by port
//     nested-esx-01    DPG-Nested (inherits the DVS's Reject): blocked dvPort with statusDetail, on the host whose logs are unreadable
//     legacy-app-01    VM Network on the 6.7 host: lines without ISO timestamps (BSD syslog head, bare "cpuN:" form)
//     nlb-legacy-03    VM Network on the 6.7 host, no Tools: the guest asked for a multicast MAC
//     erp-01           ERP on the 6.7 host: one old line, followed by 700 unrelated ones (outside a short --log-lines tail)
//   at risk (warning: the guest uses another MAC, nothing blocked yet)
//     nlb-web-02       NLB-Front: the same unicast NLB MAC as nlb-web-01
//     sip-proxy-01     App-Tier (inherits from vSwitch0)
//     k8s-worker-03    DPG-K8s (its own Reject) on a 7.0.3 DVS
//     vpn-gw-01        DPG-Edge is Accept and lets ports override; vpn-gw-01's dvPort overrides to Reject
//     rac-node-02      Legacy-DB (its own Reject) on a 6.5 DVS that has securityPolicy only
//   decoys: test-clone-01 (mismatch on the Accept Lab-Accept), nested-esx-lab (mismatch on the Accept
//     DPG-Edge), db-01 / app-02 / web-03 / mon-01 (nothing changed), jump-01 (Tools not running),
//     old-nlb-04 (powered off, guest info still says another MAC), a log line for decom-ftp-02 (gone,
//     with no removal in vCenter's events: a warning, as for a VM this user cannot see)
//   Accept nobody needs (info): vSwitch1 on esx-p1 and esx-p2, Lab-Accept on esx-p2, DPG-Spare.

export const DC = 'DC-Rotterdam';
export const P1 = 'esx-p1.rtm.corp.example';
export const P2 = 'esx-p2.rtm.corp.example';
export const P3 = 'esx-p3.rtm.corp.example';
export const P4 = 'esx-p4.rtm.corp.example';
export const NLB_MAC = '02:bf:0a:14:00:50';
export const NLB_WEB_01_MAC = '00:50:56:a4:11:01';
export const NESTED_GUEST_MAC = '00:0c:29:5e:11:a0';
export const SIP_GUEST_MAC = '00:50:56:3a:10:22';
export const LEGACY_APP_REQUESTED = '00:50:56:3a:20:09';
export const MULTICAST_REQUESTED = '03:bf:0a:14:00:63';
export const ERP_GUEST_MAC = '00:50:56:3a:20:01';
export const NESTED_STATUS = 'Port blocked: guest MAC address change disallowed by security policy (L2Sec)';

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const team = (activeNic: string[]) => ({ policy: 'loadbalance_srcid', activeNic, standbyNic: [] as string[] });
const vSwitch0 = { name: 'vSwitch0', nics: ['vmnic0', 'vmnic1'], policy: { ...reject, teaming: team(['vmnic0', 'vmnic1']) } };
// Accept left over from a migration; NLB-Front overrides it back to Reject.
const vSwitch1 = { name: 'vSwitch1', nics: ['vmnic2', 'vmnic3'], policy: { allowPromiscuous: false, macChanges: true, forgedTransmits: true, teaming: team(['vmnic2', 'vmnic3']) } };
const corePortgroups = [
  { name: 'Management Network', vswitch: 'vSwitch0', vlanId: 10 },
  { name: 'VM Network', vswitch: 'vSwitch0', vlanId: 0 },
  { name: 'App-Tier', vswitch: 'vSwitch0', vlanId: 120 },
];
const nlbPortgroups = [
  { name: 'Lab-Accept', vswitch: 'vSwitch0', vlanId: 200, policy: { macChanges: true, forgedTransmits: true } },
  { name: 'NLB-Front', vswitch: 'vSwitch1', vlanId: 110, policy: { macChanges: false } },
];

export const P1_LINES = [
  `2024-05-14T09:21:07.123Z In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client nlb-web-01 requested mac address change to ${NLB_MAC} on port 0x4000004, disallowed by vswitch policy`,
  '2024-05-14T09:21:07.123Z In(182) vmkernel: cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client nlb-web-01 has policy violations on port 0x4000004. Port is blocked',
  '2024-05-14T09:21:09.881Z In(182) vmkernel: cpu12:2097682)NetPort: 1580: disabled port 0x4000004',
  '2024-05-14T10:02:11.402Z Wa(180) vmkernel: cpu30:2097413)WARNING: Heap: 3651: Heap_Align(vmfs3, 4096/4096 bytes, 8 align) failed.  caller: 0x41801c2c4d0d',
  `2024-05-14T11:02:45.310Z In(182) vmkernel: cpu7:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client nlb-web-01 requested mac address change to ${NLB_MAC} on port 0x4000004, disallowed by vswitch policy`,
  // A VM deleted since: no NIC to tie it to.
  '2024-05-14T12:40:01.554Z In(182) vmkernel: cpu7:2098800)etherswitch: L2Sec_EnforcePortCompliance:247: client decom-ftp-02 requested mac address change to 00:0c:29:de:ad:01 on port 0x2000011, disallowed by vswitch policy',
];

export const P2_LINES = [
  '2024-05-14T10:15:32.870Z cpu14:2099312)Net: 2587: connected lb-appliance-02 eth0 to App-Tier, portID 0x2000005',
  '2024-05-14T10:15:33.019Z cpu14:2099312)etherswitch: L2Sec_EnforcePortCompliance: 0x2000005: peer not allowed to change address, blocking port',
];

// Unreadable through vCenter (diagnosticLogs: false): the audit must do without it.
export const P4_LINES = [
  `2024-05-14T08:00:01.000Z In(182) vmkernel: cpu1:2097999)etherswitch: L2Sec_EnforcePortCompliance:247: client nested-esx-01 requested mac address change to ${NESTED_GUEST_MAC} on port 0x6000008, disallowed by vswitch policy`,
];

export const ERP_OLD_LINE =
  '2024-05-13T22:04:51.771Z cpu5:2100467)etherswitch: L2Sec_EnforcePortCompliance:247: client erp-01 requested mac address change to 00:50:56:3a:20:01 on port 0x2000004, disallowed by vswitch policy';
export const NOISE_AFTER_ERP = 700;
export const LEGACY_APP_LINES = [
  `Jun  3 04:17:55 esx-p3 vmkernel: 12:03:41:07.221 cpu2:4311)etherswitch: L2Sec_EnforcePortCompliance: client legacy-app-01 requested mac address change to ${LEGACY_APP_REQUESTED} on port 0x2000005, disallowed by vswitch policy`,
  'cpu2:4311)etherswitch: L2Sec_EnforcePortCompliance:155: client legacy-app-01 has policy violations on port 0x2000005. Port is blocked',
];
export const MULTICAST_LINE = `2024-05-14T13:30:00.002Z cpu9:2101877)etherswitch: L2Sec_EnforcePortCompliance:247: client nlb-legacy-03 requested mac address change to ${MULTICAST_REQUESTED} on port 0x2000006, disallowed by vswitch policy`;

function noise(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const t = new Date(Date.UTC(2024, 4, 13, 22, 5, 0) + i * 4_321).toISOString();
    out.push(
      i % 3 === 0
        ? `${t} cpu${i % 16}:2097${(152 + i) % 1000})NetPort: 1580: disabled port 0x${(0x2000010 + (i % 40)).toString(16)}`
        : i % 3 === 1
          ? `${t} cpu${i % 16}:2098${i % 1000})ScsiDeviceIO: 4325: Cmd(0x45b8c1${i % 10}) 0x85, CmdSN 0x${i.toString(16)} from world 2098${i % 1000} to dev "naa.600508b1001c3a2b" failed H:0x0 D:0x2 P:0x0`
          : `${t} cpu${i % 16}:2097${i % 1000})Net: 2587: connected vm-${i} eth0 to VM Network, portID 0x${(0x2000100 + i).toString(16)}`,
    );
  }
  return out;
}

export const P3_LINES = [ERP_OLD_LINE, ...noise(NOISE_AFTER_ERP), ...LEGACY_APP_LINES, MULTICAST_LINE];

export const ROTTERDAM = {
  mode: 'vcenter',
  datacenters: [
    {
      name: DC,
      clusters: ['CL-Prod'],
      hosts: [
        {
          name: P1, cluster: 'CL-Prod', version: '8.0.2', build: '22380479',
          vswitches: [vSwitch0, vSwitch1], portgroups: [...corePortgroups, ...nlbPortgroups],
          vmkernelLog: { filler: 1500, lines: P1_LINES },
        },
        {
          name: P2, cluster: 'CL-Prod', version: '7.0.3', build: '21930508',
          vswitches: [vSwitch0, vSwitch1], portgroups: [...corePortgroups, ...nlbPortgroups],
          vmkernelLog: { filler: 900, lines: P2_LINES },
        },
        {
          name: P4, cluster: 'CL-Prod', version: '8.0.1', build: '21495797',
          vswitches: [vSwitch0], portgroups: corePortgroups,
          vmkernelLog: { filler: 300, lines: P4_LINES },
          diagnosticLogs: false,
        },
        {
          name: P3, version: '6.7.0', build: '8169922',
          vswitches: [{ name: 'vSwitch0', nics: ['vmnic0'], policy: { ...reject, teaming: team(['vmnic0']) } }],
          portgroups: [
            { name: 'VM Network', vswitch: 'vSwitch0', vlanId: 0 },
            { name: 'ERP', vswitch: 'vSwitch0', vlanId: 80 },
          ],
          vmkernelLog: { filler: 200, lines: P3_LINES },
        },
      ],
      dvSwitches: [
        {
          name: 'DVS-Prod', version: '7.0.3', hosts: [P1, P2, P4],
          defaultPortConfig: { ...reject, macLearning: null },
          portgroups: [
            { name: 'DPG-Nested', vlanId: 50, numPorts: 8 },
            { name: 'DPG-K8s', vlanId: 60, numPorts: 8, policy: { macChanges: false, forgedTransmits: true } },
            {
              name: 'DPG-Edge', vlanId: 70, numPorts: 8, policy: { macChanges: true, forgedTransmits: true },
              securityPolicyOverrideAllowed: true, macManagementOverrideAllowed: true,
            },
            { name: 'DPG-Spare', vlanId: 90, numPorts: 8, policy: { macChanges: true } },
          ],
        },
        {
          name: 'DVS-Old', version: '6.5.0', legacySecurityPolicyOnly: true, hosts: [P3],
          defaultPortConfig: { ...reject, macLearning: null },
          portgroups: [{ name: 'Legacy-DB', vlanId: 30, numPorts: 8, policy: { macChanges: false } }],
        },
      ],
      vms: [
        // esx-p1. Standard ports in this order: vSwitch1 0x4000004, 0x4000005; vSwitch0 0x2000004, …
        { name: 'nlb-web-01', host: P1, nics: [{ network: 'NLB-Front', mac: NLB_WEB_01_MAC, guestMac: NLB_MAC }, { network: 'VM Network' }] },
        { name: 'db-01', host: P1, nics: [{ network: 'VM Network' }, { network: 'App-Tier' }] },
        { name: 'test-clone-01', host: P1, nics: [{ network: 'Lab-Accept', guestMac: '00:50:56:3a:40:77' }] },
        { name: 'jump-01', host: P1, toolsStatus: 'toolsNotRunning', nics: [{ network: 'VM Network' }] },
        { name: 'k8s-worker-03', host: P1, nics: [{ network: 'DPG-K8s', guestMac: '00:0c:29:c3:9e:51' }] },
        { name: 'web-03', host: P1, nics: [{ network: 'NLB-Front' }] },
        { name: 'nested-esx-lab', host: P1, guestId: 'vmkernel8Guest', nics: [{ network: 'DPG-Edge', portKey: '20', guestMac: '00:0c:29:71:00:02' }] },
        // esx-p2
        { name: 'nlb-web-02', host: P2, nics: [{ network: 'NLB-Front', mac: '00:50:56:a4:11:02', guestMac: NLB_MAC }] },
        { name: 'app-02', host: P2, nics: [{ network: 'App-Tier' }] },
        { name: 'lb-appliance-02', host: P2, toolsStatus: 'toolsNotInstalled', nics: [{ network: 'App-Tier', mac: '00:50:56:a4:22:05' }] },
        { name: 'sip-proxy-01', host: P2, nics: [{ network: 'App-Tier', guestMac: SIP_GUEST_MAC }] },
        { name: 'old-nlb-04', host: P2, powerState: 'poweredOff', nics: [{ network: 'NLB-Front', guestMac: '02:bf:0a:14:00:51' }] },
        {
          name: 'vpn-gw-01', host: P2,
          nics: [{ network: 'DPG-Edge', portKey: '17', guestMac: '00:0c:29:71:00:01', port: { blocked: false, statusDetail: '', macChanges: false } }],
        },
        { name: 'mon-01', host: P2, nics: [{ network: 'DPG-Spare' }] },
        // esx-p4 (logs unreadable)
        {
          name: 'nested-esx-01', host: P4, guestId: 'vmkernel7Guest',
          nics: [{ network: 'DPG-Nested', portKey: '3', mac: '00:50:56:a4:33:01', guestMac: NESTED_GUEST_MAC, port: { blocked: true, statusDetail: NESTED_STATUS } }],
        },
        { name: 'app-04', host: P4, nics: [{ network: 'App-Tier' }] },
        // esx-p3 (standalone 6.7). Ports: 0x2000004 erp-01, 0x2000005 legacy-app-01, 0x2000006 nlb-legacy-03
        { name: 'erp-01', host: P3, nics: [{ network: 'ERP', mac: '00:50:56:a4:44:01', guestMac: ERP_GUEST_MAC }] },
        { name: 'legacy-app-01', host: P3, toolsStatus: 'toolsOld', nics: [{ network: 'VM Network', mac: '00:50:56:a4:44:02', type: 'e1000' }] },
        { name: 'nlb-legacy-03', host: P3, toolsStatus: 'toolsNotRunning', nics: [{ network: 'VM Network', mac: '00:50:56:a4:44:03' }] },
        { name: 'rac-node-02', host: P3, nics: [{ network: 'Legacy-DB', guestMac: '00:0c:29:44:55:66' }] },
      ],
    },
  ],
};
