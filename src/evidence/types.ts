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
  /** The VM (moref) and NIC key the port is connected to; null where its connectee is no VM (connectedEntity not a VirtualMachine). */
  readonly vm: string | null;
  readonly nicKey: number | null;
  /**
   * The host's own port (connectee.connectedEntity a HostSystem): an uplink (connectee.type `pnic`) or a
   * vmkernel adapter (`hostVmkVnic`). No guest's NIC, so no guest's MAC change. Absent where not read.
   */
  readonly hostPort?: { readonly host: string; readonly type: string | null } | null;
  /** The port's MAC policies (macManagementPolicy, securityPolicy) from its setting, which repeats the portgroup's values where it does not override. */
  readonly setting: VMwareDVSPortSetting | null;
}

/**
 * vCenter's record that a dvPort was blocked or released
 * (DvsPortBlockedEvent, DvsPortUnblockedEvent): a block it has seen, even
 * after the port was released, the VM moved or the log rotated; or that the
 * port was connected anew (DvsPortConnectedEvent: a NIC took it;
 * DvsPortLinkUpEvent: its NIC came up, at power-on or when "Connected" is ticked).
 */
export interface DvPortEvent {
  /** The event's key: vCenter numbers events in the order it made them. */
  readonly key: number;
  readonly kind: 'blocked' | 'unblocked' | 'connected';
  readonly time: string;
  /** The distributed switch (moref) and its name when the event was made. */
  readonly dvs: string;
  readonly dvsName: string;
  readonly portKey: string;
  readonly statusDetail: string | null;
  /** runtimeInfo.macAddress: the vNIC's MAC on the port then. */
  readonly macAddress: string | null;
  /** runtimeInfo.linkPeer: what the port was connected to then, as vCenter names it. */
  readonly linkPeer: string | null;
}

/**
 * vCenter's record that a VM left its inventory (VmRemovedEvent: unregistered
 * or deleted) or took another name (VmRenamedEvent; VmAutoRenameEvent where vCenter
 * renamed it to resolve a conflict): what tells a line
 * naming a VM the inventory lacks from one naming a VM this user cannot see.
 * Names as the API has them (escaped: %2f).
 */
export type VmNameEvent =
  | { readonly key: number; readonly type: 'VmRemovedEvent'; readonly time: string; readonly vm: string; readonly name: string }
  | { readonly key: number; readonly type: 'VmRenamedEvent' | 'VmAutoRenameEvent'; readonly time: string; readonly vm: string; readonly oldName: string; readonly newName: string };

/**
 * One log that evidence was read from: a host's live vmkernel log online; a
 * file, a bundle's log family or one host's share of a collector file
 * offline. Every source says what was read and over which time, so a
 * verdict can say what it rests on.
 */
export interface LogSource {
  /** A host name (online), or a path (offline; inside an archive `archive!member`). */
  readonly name: string;
  /** The host the lines are about, where known. */
  readonly hostName: string | null;
  /** Lines read from it. */
  readonly lines: number;
  /** The oldest and newest time of the lines read; null where no line had a usable time. */
  readonly firstTime: string | null;
  readonly lastTime: string | null;
  /**
   * The start of the --since window applied to it (online: back from now;
   * offline: back from its newest line), or null where no window applied.
   */
  readonly since: string | null;
  /**
   * Where its lines name no host, the log that stands for the host: a loose vmkwarning.log is of the host
   * whose vmkernel.log is beside it. Absent where the log stands for itself.
   */
  readonly hostOf?: string;
}

/**
 * A vmkernel port and the VM NIC on it, as the host itself listed it: a
 * bundle's `commands/net-stats_-l.txt`, or a vmkernel line such as
 * "NetPort: enabled port 0x3000007 with mac 00:50:56:…". Offline, this is
 * what ties a port id in a log line to a VM.
 */
export interface PortClient {
  /** null where the log names no host (a host's own vmkernel.log): then `source`, that log, stands for it. */
  readonly hostName: string | null;
  /** Lower-case hex with 0x, as L2SecLine.port. */
  readonly port: string;
  /** The client as ESXi names it: the VM's display name, perhaps with ".eth0". */
  readonly client: string | null;
  readonly mac: string | null;
  /**
   * When it was so: a log line's time. null for a listing (net-stats), which
   * shows the port as it was when the bundle was collected and before, back to
   * the port's last "connected" line.
   */
  readonly time: string | null;
  /**
   * A listing's own time: its bundle's collection (the bundle's name), else the bundle's newest line;
   * null where neither is known. It says nothing of a line after it.
   */
  readonly listedAt?: string | null;
  /** The file (or host) that said so. */
  readonly source: string;
}

/** L2Sec_EnforcePortCompliance lines that were not understood: counted and shown, never dropped silently. */
export interface UnparsedLines {
  readonly count: number;
  /** The first few, with where they came from. */
  readonly samples: readonly { readonly source: string; readonly line: string }[];
}

export interface EvidenceSet {
  readonly vmkernel: readonly L2SecEvent[];
  readonly dvPorts: readonly DvPortState[];
  /** dvPort block events inside the window, oldest first (online only). */
  readonly dvPortEvents?: readonly DvPortEvent[];
  /**
   * VM removals and renames vCenter recorded in the window, oldest first:
   * read online when a line names a VM the inventory does not have; absent
   * where they were not read (offline, a standalone host, refused).
   */
  readonly vmNameEvents?: readonly VmNameEvent[];
  /** What the reader should know about the evidence (a log starting after the window), said once each. */
  readonly notes: readonly string[];
  /**
   * Evidence that could not be read (a host's log refused or out of reach,
   * the --log-lines cap hit inside the window, a DVS's ports): each is a
   * warning, so that no verdict passes as an all-clear without it.
   */
  readonly problems: readonly string[];
  /** Every log read, with its lines and times. */
  readonly sources: readonly LogSource[];
  readonly portClients: readonly PortClient[];
  readonly unparsed: UnparsedLines;
}
