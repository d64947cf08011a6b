// A two-site estate for the inventory acceptance suite, written for it and
// never tuned to the code: Amsterdam runs a 7.0/8.0 cluster plus an old
// standalone 6.7 host and a current DVS; Berlin is an edge cluster on 6.5
// with a DVS from before vCenter 6.7 (securityPolicy only).

const reject = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };
const teaming = (policy: string, activeNic: string[], standbyNic: string[] = []) => ({ policy, activeNic, standbyNic });

export const TWO_SITES = {
  mode: 'vcenter',
  datacenters: [
    {
      name: 'DC-Amsterdam',
      clusters: ['Prod-A', 'Empty-Cluster'],
      hosts: [
        {
          name: 'esx-ams-01.corp.example',
          cluster: 'Prod-A',
          version: '7.0.3',
          build: '21930508',
          vswitches: [
            { name: 'vSwitch0', nics: ['vmnic0', 'vmnic1'], policy: { ...reject, teaming: teaming('loadbalance_srcid', ['vmnic0', 'vmnic1']) } },
            // Built by a host profile: the spec carries no policy at all.
            { name: 'vSwitch1', nics: ['vmnic2', 'vmnic3'], mtu: 9000, policy: null },
            { name: 'vSwitch-Lab', nics: ['vmnic4'], policy: { allowPromiscuous: true, macChanges: true, forgedTransmits: false } },
          ],
          portgroups: [
            { name: 'Management Network', vswitch: 'vSwitch0', vlanId: 10 },
            { name: 'VM Network', vswitch: 'vSwitch0', vlanId: 0 },
            { name: 'DMZ-Web', vswitch: 'vSwitch0', vlanId: 210, policy: { macChanges: true } },
            { name: 'iSCSI-A', vswitch: 'vSwitch1', vlanId: 20 },
            {
              name: 'NLB-Cluster',
              vswitch: 'vSwitch1',
              vlanId: 110,
              policy: { forgedTransmits: true, teaming: teaming('failover_explicit', ['vmnic3'], ['vmnic2']) },
            },
            { name: 'Lab-Trunk', vswitch: 'vSwitch-Lab', vlanId: 4095, policy: { macChanges: false, allowPromiscuous: false } },
            { name: 'Lab-Sniffer', vswitch: 'vSwitch-Lab', vlanId: 4095 },
          ],
          vmkernelLog: { filler: 50, lines: [] },
        },
        {
          name: 'esx-ams-02.corp.example',
          cluster: 'Prod-A',
          version: '8.0.2',
          build: '22380479',
          vswitches: [
            { name: 'vSwitch0', nics: ['vmnic0', 'vmnic1'], policy: { ...reject, teaming: teaming('loadbalance_srcid', ['vmnic0', 'vmnic1']) } },
            { name: 'vSwitch1', nics: ['vmnic2', 'vmnic3'], policy: { ...reject, teaming: teaming('loadbalance_ip', ['vmnic2', 'vmnic3']) } },
          ],
          portgroups: [
            { name: 'Management Network', vswitch: 'vSwitch0', vlanId: 10 },
            { name: 'VM Network', vswitch: 'vSwitch0', vlanId: 0 },
            // Same name as on esx-ams-01, but without its override.
            { name: 'DMZ-Web', vswitch: 'vSwitch0', vlanId: 210 },
            { name: 'NLB-Cluster', vswitch: 'vSwitch1', vlanId: 111, policy: { macChanges: true } },
          ],
        },
        {
          name: 'esx-ams-03.corp.example',
          version: '6.7.0',
          build: '8169922',
          vswitches: [
            // The old ESXi defaults: MAC changes and forged transmits Accept.
            { name: 'vSwitch0', nics: ['vmnic0'], policy: { allowPromiscuous: false, macChanges: true, forgedTransmits: true } },
          ],
          portgroups: [
            { name: 'VM Network', vswitch: 'vSwitch0', vlanId: 0 },
            { name: 'Backup', vswitch: 'vSwitch0', vlanId: 300, policy: { macChanges: false, shaping: { enabled: true, averageBandwidth: 100000000, peakBandwidth: 200000000, burstSize: 104857600 } } },
          ],
        },
      ],
      dvSwitches: [
        {
          name: 'DVS-Prod',
          version: '7.0.3',
          uuid: '50 2a 6b 1c 9e 4d 7f 3a-b1 c2 d3 e4 f5 06 17 28',
          hosts: ['esx-ams-01.corp.example', 'esx-ams-02.corp.example'],
          defaultPortConfig: { allowPromiscuous: false, macChanges: false, forgedTransmits: false, macLearning: null },
          portgroups: [
            { name: 'DPG-App', vlanId: 100, policy: { macChanges: null, forgedTransmits: null, allowPromiscuous: null } },
            {
              name: 'DPG-Nested-ESXi', vlanId: 50, numPorts: 16, policy: { macChanges: true, forgedTransmits: true },
              macLearning: { enabled: true, allowUnicastFlooding: true, limit: 4096, limitPolicy: 'DROP' },
            },
            { name: 'DPG-Monitor', vlanId: 4000, policy: { allowPromiscuous: true } },
            { name: 'DPG-Locked', vlanId: 60, policy: { macChanges: false, forgedTransmits: false, allowPromiscuous: false } },
          ],
        },
      ],
      vms: [
        { name: 'web-ams-01', host: 'esx-ams-01.corp.example', nics: [{ network: 'VM Network' }, { network: 'DMZ-Web' }] },
        { name: 'web-ams-02', host: 'esx-ams-02.corp.example', nics: [{ network: 'VM Network' }, { network: 'DMZ-Web' }] },
        { name: 'db-ams-01', host: 'esx-ams-01.corp.example', nics: [{ network: 'VM Network' }, { network: 'iSCSI-A', type: 'e1000e' }] },
        { name: 'nlb-ams-01', host: 'esx-ams-02.corp.example', nics: [{ network: 'NLB-Cluster' }] },
        { name: 'app-ams-01', host: 'esx-ams-01.corp.example', nics: [{ network: 'DPG-App' }] },
        { name: 'app-ams-02', host: 'esx-ams-02.corp.example', nics: [{ network: 'DPG-App' }, { network: 'DPG-Monitor' }] },
        { name: 'nested-esx-01', host: 'esx-ams-02.corp.example', nics: [{ network: 'DPG-Nested-ESXi' }, { network: 'DPG-Nested-ESXi' }] },
        { name: 'backup-ams-03', host: 'esx-ams-03.corp.example', nics: [{ network: 'VM Network' }, { network: 'Backup' }] },
        { name: 'tmpl-win2019', host: 'esx-ams-03.corp.example', powerState: 'poweredOff', nics: [{ network: 'VM Network', type: 'e1000e' }] },
      ],
    },
    {
      name: 'DC-Berlin',
      clusters: ['Edge'],
      hosts: ['esx-ber-01.corp.example', 'esx-ber-02.corp.example'].map((name, i) => ({
        name,
        cluster: 'Edge',
        version: '6.5.0',
        build: '5969303',
        vswitches: [{ name: 'vSwitch0', nics: ['vmnic0', 'vmnic1'], policy: { ...reject, teaming: teaming('loadbalance_srcid', ['vmnic0', 'vmnic1']) } }],
        portgroups: [
          // "VM Network" again: another datacenter, another Network object.
          { name: 'VM Network', vswitch: 'vSwitch0', vlanId: 0 },
          { name: 'Edge-Uplink', vswitch: 'vSwitch0', vlanId: 900, ...(i === 0 ? { policy: { forgedTransmits: true } } : {}) },
        ],
      })),
      dvSwitches: [
        {
          name: 'DVS-Legacy',
          version: '6.0.0',
          legacySecurityPolicyOnly: true,
          hosts: ['esx-ber-01.corp.example', 'esx-ber-02.corp.example'],
          defaultPortConfig: { allowPromiscuous: false, macChanges: true, forgedTransmits: true, macLearning: null },
          portgroups: [
            { name: 'Legacy-Inherit', vlanId: 500 },
            { name: 'Legacy-Reject', vlanId: 501, policy: { macChanges: false } },
          ],
        },
      ],
      vms: [
        { name: 'edge-fw-01', host: 'esx-ber-01.corp.example', nics: [{ network: 'Edge-Uplink' }, { network: 'Legacy-Inherit' }] },
        { name: 'edge-app-01', host: 'esx-ber-02.corp.example', nics: [{ network: 'Legacy-Reject' }] },
        { name: 'ber-jump', host: 'esx-ber-02.corp.example', toolsStatus: 'toolsNotRunning', nics: [{ network: 'VM Network' }] },
      ],
    },
  ],
};
