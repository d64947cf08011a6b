// What ties a vmkernel port id to a VM when there is no vCenter to ask: the
// host's own `net-stats -l` listing in a vm-support bundle, and vmkernel
// lines that name a port and its client or MAC as it comes up.
import { normalizePort } from './vmkernel-log.js';

export interface PortClientRecord {
  readonly port: string;
  readonly client: string | null;
  readonly mac: string | null;
}

// PortNum Type SubType SwitchName MACAddress ClientName; PortNum decimal; the
// client name is the rest of the line and may contain spaces ("NSX Manager.eth0").
const NET_STATS_ROW = /^\s*(\d+)\s+(\d+)\s+\d+\s+\S+\s+([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})\s+(\S.*?)\s*$/;
/** net-stats port types: 4 is a physical uplink (vmnic), never a VM. */
const UPLINK = '4';

export function parseNetStats(text: string): PortClientRecord[] {
  const out: PortClientRecord[] = [];
  for (const line of text.split('\n')) {
    const m = NET_STATS_ROW.exec(line);
    if (!m || m[2] === UPLINK) continue;
    out.push({ port: normalizePort(`0x${BigInt(m[1]!).toString(16)}`), client: m[4]!, mac: m[3]!.toLowerCase() });
  }
  return out;
}

// "Net: 2587: connected web-01 eth0 to VM Network, portID 0x4000004" (ESXi 5.5-8.0 as seen in
// support cases), "NetPort: 982: enabled port 0x3000007 with mac 00:50:56:84:5a:b4" (ESX 4.x-8.0)
// and "NetPort: 1580: disabled port 0x3000007" (the NIC left it; ESXi gives the id out again).
const CONNECTED = /\)Net: \d+: connected (.+) (eth\d+) to .+, portID (0x[0-9A-Fa-f]{1,16})\s*$/;
const ENABLED = /\)NetPort: \d+: enabled port (0x[0-9A-Fa-f]{1,16}) with mac ([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})\s*$/;
const DISABLED = /\)NetPort: \d+: disabled port (0x[0-9A-Fa-f]{1,16})\s*$/;

/** A vmkernel line that says which client or MAC a port has (neither: the port was disabled), else null. */
export function parsePortLine(line: string): PortClientRecord | null {
  if (line.includes('portID 0x')) {
    const m = CONNECTED.exec(line);
    if (m) return { port: normalizePort(m[3]!), client: `${m[1]}.${m[2]}`, mac: null };
  } else if (line.includes('abled port 0x')) {
    const m = ENABLED.exec(line) ?? DISABLED.exec(line);
    if (m) return { port: normalizePort(m[1]!), client: null, mac: m[2]?.toLowerCase() ?? null };
  }
  return null;
}
