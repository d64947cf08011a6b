// What the audit looks at besides the inventory: vmkernel log events and
// the runtime state of distributed ports. Gathered online or offline
// (gather.ts, log-files.ts); the audit itself is a pure function of this.
import type { VMwareDVSPortSetting } from '../vsphere/types.js';
import type { Evidence } from './finding.js';
import type { L2SecEvent } from './vmkernel-log.js';

export interface DvPortState {
  readonly dvsUuid: string;
  readonly portKey: string;
  readonly portgroupKey: string | null;
  /** state.runtimeInfo.blocked: the port is not forwarding. */
  readonly blocked: boolean;
  /** config.setting.blocked: an administrator blocked it on purpose, which is not a MAC violation. */
  readonly adminBlocked: boolean;
  readonly statusDetail: string | null;
  readonly macAddress: string | null;
  /** The VM (moref) and NIC key the port is connected to. */
  readonly vm: string | null;
  readonly nicKey: number | null;
  /** The port's MAC policies (macManagementPolicy, securityPolicy) from its setting, which repeats the portgroup's values where it does not override. */
  readonly setting: VMwareDVSPortSetting | null;
}

export interface EvidenceSet {
  readonly vmkernel: readonly L2SecEvent[];
  readonly dvPorts: readonly DvPortState[];
  /** Evidence that could not be gathered, said once each. */
  readonly notes: readonly string[];
}

/** A vmkernel log event as a finding's evidence: the contract's fields, and a sentence. */
export function logEvidence(e: L2SecEvent): Evidence {
  return {
    type: 'vmkernel-log',
    detail: logDetail(e),
    time: e.time,
    line: e.line,
    ...(e.vmName ? { vmName: e.vmName } : {}),
    ...(e.mac ? { mac: e.mac } : {}),
    ...(e.port ? { port: e.port } : {}),
    source: e.source,
    count: e.count,
    firstTime: e.firstTime,
    lastTime: e.lastTime,
  };
}

function logDetail(e: L2SecEvent): string {
  const times = e.count > 1 ? ` (${e.count} times${e.firstTime ? `, ${e.firstTime} to ${e.lastTime}` : ''})` : '';
  switch (e.message) {
    case 'mac-change-requested':
      return `vmkernel on ${e.source}: the guest asked to change its MAC to ${e.mac} on port ${e.port}; refused by policy${times}.`;
    case 'policy-violation-blocked':
      return `vmkernel on ${e.source}: port ${e.port} blocked for policy violations${times}.`;
    case 'peer-blocked':
      return `vmkernel on ${e.source}: port ${e.port} blocked, the peer may not change its address${times}.`;
  }
}
