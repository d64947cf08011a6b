// Benchmark scenarios for the simulator lab (format: mocks/scenarios/README.md),
// shaped like a real vCenter at scale: clusters of 10 hosts, 20 VMs a host,
// one DVS per 50 hosts, every host with a vmkernel log of 3,000 lines over
// 14 days (a quiet host: the default 7-day window holds half of it; a
// live vmkernel.log, rotated by size, spans more than a week when
// little happens). About 3 % of the VMs have a guest that changed its MAC;
// some of those are already blocked (log lines of the last half hour on standard
// portgroups, a blocked dvPort on dvPortgroups), the rest are at risk.
// Deterministic per size, but for the log's times, which end at the lab's start.

const VMS_PER_HOST = 20;
const HOSTS_PER_CLUSTER = 10;
const HOSTS_PER_DVS = 50;
/** Each host's vmkernel log at every size: lines over hours. */
export const BENCH_LOG = { lines: 3000, spanHours: 14 * 24 };

const REJECT = { allowPromiscuous: false, macChanges: false, forgedTransmits: false };

/** A small deterministic PRNG (mulberry32), so every run audits the same inventory. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (n, width) => n.toString(16).padStart(width, '0');
const mac = (prefix, n) => `${prefix}:${hex((n >> 16) & 0xff, 2)}:${hex((n >> 8) & 0xff, 2)}:${hex(n & 0xff, 2)}`;

/**
 * { scenario, expected } for `hosts` hosts and 20 VMs each. `expected`
 * counts the NICs the audit should report, as a sanity check on the run.
 * log: each host's vmkernel log, `lines` unrelated lines over `spanHours`.
 */
export function benchScenario(hosts, log = BENCH_LOG) {
  const rnd = random(hosts);
  const dvsCount = Math.ceil(hosts / HOSTS_PER_DVS);
  const hostName = (h) => `esx${String(h + 1).padStart(4, '0')}.bench.local`;
  const clusters = Array.from({ length: Math.ceil(hosts / HOSTS_PER_CLUSTER) }, (_, c) => `Cluster-${String(c + 1).padStart(3, '0')}`);
  const logLines = Array.from({ length: hosts }, () => []);
  const dvPorts = Array.from({ length: dvsCount }, () => ({ 'DPG-Web': 0, 'DPG-App': 0, 'DPG-Lab': 0 }));
  const expected = { blocked: 0, atRisk: 0 };
  const vms = [];

  for (let h = 0; h < hosts; h++) {
    const d = Math.floor(h / HOSTS_PER_DVS);
    // The lab numbers vSwitch0's ports from 0x2000004 in scenario order, as ESXi hands them out.
    let nextPort = 0x2000004;
    for (let v = 0; v < VMS_PER_HOST; v++) {
      const n = h * VMS_PER_HOST + v;
      const name = `vm${String(n + 1).padStart(5, '0')}`;
      const nicCount = rnd() < 0.5 ? 1 : 2;
      const nics = [];
      for (let i = 0; i < nicCount; i++) {
        // First NIC: half on standard portgroups, half on dvPortgroups; a second NIC on the DVS.
        const distributed = i > 0 || rnd() < 0.5;
        const pick = rnd();
        const network = distributed
          ? `${pick < 0.6 ? 'DPG-Web' : pick < 0.95 ? 'DPG-App' : 'DPG-Lab'}-${d + 1}`
          : pick < 0.6 ? 'VM Network' : pick < 0.95 ? 'App-Tier' : 'Lab-Accept';
        if (distributed) dvPorts[d][network.replace(/-\d+$/, '')]++;
        const port = distributed ? undefined : `0x${hex(nextPort++, 7)}`;
        const nic = { network, mac: mac('00:50:56', 0x800000 + n * 2 + i) };
        // 3 % of first NICs: the guest uses another MAC. Lab-* portgroups accept it (decoys).
        if (i === 0 && rnd() < 0.03) {
          const guestMac = mac('02:00:00', n);
          nic.guestMac = guestMac;
          const accepted = network.startsWith('Lab-') || network.startsWith('DPG-Lab');
          const blocked = !accepted && rnd() < 0.5;
          if (blocked && distributed) {
            nic.port = { blocked: true, statusDetail: 'Port blocked: guest MAC address change disallowed by security policy' };
          } else if (blocked) {
            // Minutes before the lab started (inside every window measured), oldest first as a log is.
            const time = `{{now-${VMS_PER_HOST - v}m}}`;
            logLines[h].push(
              `${time} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:247: client ${name} requested mac address change to ${guestMac} on port ${port}, disallowed by vswitch policy`,
              `${time} cpu3:2098131)etherswitch: L2Sec_EnforcePortCompliance:356: client ${name} has policy violations on port ${port}. Port is blocked`,
            );
          }
          if (!accepted) expected[blocked ? 'blocked' : 'atRisk']++;
        }
        nics.push(nic);
      }
      vms.push({ name, host: hostName(h), nics });
    }
  }

  const hostList = Array.from({ length: hosts }, (_, h) => ({
    name: hostName(h),
    cluster: clusters[Math.floor(h / HOSTS_PER_CLUSTER)],
    version: '8.0.2',
    build: '22380479',
    vswitches: [{ name: 'vSwitch0', numPorts: 128, mtu: 1500, nics: ['vmnic0', 'vmnic1'], policy: REJECT }],
    portgroups: [
      { name: 'Management Network', vswitch: 'vSwitch0', vlanId: 10 },
      { name: 'VM Network', vswitch: 'vSwitch0', vlanId: 0 },
      { name: 'App-Tier', vswitch: 'vSwitch0', vlanId: 120 },
      { name: 'Lab-Accept', vswitch: 'vSwitch0', vlanId: 200, policy: { macChanges: true, forgedTransmits: true } },
    ],
    vmkernelLog: { filler: log.lines, spanHours: log.spanHours, lines: logLines[h] },
  }));

  const dvSwitches = dvPorts.map((ports, d) => ({
    name: `DSwitch-${d + 1}`,
    version: '8.0.0',
    hosts: hostList.slice(d * HOSTS_PER_DVS, (d + 1) * HOSTS_PER_DVS).map((h) => h.name),
    defaultPortConfig: { ...REJECT, macLearning: null },
    portgroups: [
      { name: `DPG-Web-${d + 1}`, vlanId: 20, numPorts: Math.max(8, ports['DPG-Web']) },
      { name: `DPG-App-${d + 1}`, vlanId: 30, numPorts: Math.max(8, ports['DPG-App']) },
      { name: `DPG-Lab-${d + 1}`, vlanId: 40, numPorts: Math.max(8, ports['DPG-Lab']), policy: { macChanges: true } },
    ],
  }));

  const scenario = { mode: 'vcenter', datacenters: [{ name: 'DC-Bench', clusters, hosts: hostList, dvSwitches, vms }] };
  return { scenario, expected, vms: vms.length, nics: vms.reduce((sum, vm) => sum + vm.nics.length, 0) };
}
