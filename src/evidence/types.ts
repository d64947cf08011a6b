// What the audit looks at besides the inventory: vmkernel log events and
// the runtime state of distributed ports, gathered online (online.ts) or
// offline (files.ts); the audit itself is a pure function of this.
import type { VMwareDVSPortSetting } from '../vsphere/types.js';
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
