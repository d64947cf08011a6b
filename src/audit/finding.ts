// The audit's output, shaped as CLI-CONTRACT.md's Finding. Fields a finding
// cannot know (an offline audit has no inventory) are null, never absent.
import { createHash } from 'node:crypto';
import type { LogSource } from '../evidence/types.js';
import type { PolicySource } from '../inventory/policy.js';

export type FindingKind = 'mac-change-blocked' | 'mac-change-at-risk' | 'mac-accept-unneeded';
export type Severity = 'critical' | 'warning' | 'info';
/** Every remedy; among equally narrow ones, this order: the least policy opened first. */
export const STRATEGIES = ['pin-mac', 'portgroup-accept', 'dedicated-portgroup', 'mac-learning', 'vswitch-accept'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const SEVERITY: Record<FindingKind, Severity> = {
  'mac-change-blocked': 'critical',
  'mac-change-at-risk': 'warning',
  'mac-accept-unneeded': 'info',
};

export type Evidence =
  | {
      readonly type: 'vmkernel-log';
      readonly detail: string;
      readonly time: string | null;
      readonly line: string;
      readonly vmName?: string;
      readonly mac?: string;
      readonly port?: string;
      /** The host name (online) or file (offline) the line came from. */
      readonly source: string;
      readonly count: number;
      readonly firstTime: string | null;
      readonly lastTime: string | null;
    }
  | { readonly type: 'guest-mac-mismatch'; readonly detail: string; readonly guestMac: string; readonly configuredMac: string | null }
  | { readonly type: 'dvport-blocked'; readonly detail: string; readonly portKey: string; readonly statusDetail: string | null }
  | {
      /** vCenter's DvsPortBlockedEvent for the port the NIC is on now: a block it saw, perhaps released since. */
      readonly type: 'dvport-event';
      readonly detail: string;
      readonly time: string;
      /** The distributed switch's name. */
      readonly dvs: string;
      readonly portKey: string;
      /** When vCenter saw the port released (DvsPortUnblockedEvent), or null. */
      readonly releasedAt: string | null;
    };

export interface Remedy {
  readonly strategy: Strategy;
  readonly summary: string;
  /** Who else the change touches: VMs newly allowed to change MACs, portgroups inheriting it. */
  readonly blastRadius: { readonly vms: readonly string[]; readonly portgroups: readonly string[] };
  /** What to know first: power-off, hardening guide, vMotion. */
  readonly notes: readonly string[];
  /** pin-mac: the MAC the NIC would get. */
  readonly mac?: string;
}

/** A remedy the audit did not offer for a finding, and why. */
export interface NotOffered {
  readonly strategy: Strategy;
  readonly reason: string;
}

export interface Finding {
  readonly id: string;
  readonly kind: FindingKind;
  readonly severity: Severity;
  /** One plain sentence: what is happening. */
  readonly summary: string;
  readonly vm: { readonly name: string; readonly moref: string | null; readonly powerState: string | null } | null;
  readonly nic: {
    readonly label: string;
    readonly key: number;
    readonly configuredMac: string | null;
    readonly addressType: string;
    readonly guestMac: string | null;
  } | null;
  readonly host: { readonly name: string; readonly moref: string | null } | null;
  readonly datacenter: string | null;
  readonly cluster: string | null;
  readonly switch: { readonly type: 'standard' | 'distributed'; readonly name: string } | null;
  readonly portgroup: { readonly name: string; readonly moref: string | null; readonly portKey: string | null } | null;
  /** `unknown`: set where vCenter does not show it (an NSX segment), and no block says. */
  readonly policy: { readonly macChanges: 'reject' | 'accept' | 'unknown'; readonly source: PolicySource | null };
  readonly evidence: readonly Evidence[];
  readonly remedies: readonly Remedy[];
  /** A block on one of these VMs (they share the name the line gives), not telling which: `vm` is null. */
  readonly candidates?: readonly { readonly name: string; readonly moref: string }[];
  /** The remedies left out of `remedies`, each with the reason (NIC findings only). */
  readonly notOffered?: readonly NotOffered[];
}

/** Lines about a NIC or VM that no longer describe it (it moved, was fixed, or the port is gone). */
export interface HistoryItem {
  /** moref null offline, where only the logs name the VM. */
  readonly vm: { readonly name: string; readonly moref: string | null } | null;
  readonly nic: { readonly label: string; readonly key: number } | null;
  /** Null for a dvPort block event whose port no NIC vmfix sees is on now, or a log that names no host. */
  readonly host: { readonly name: string; readonly moref: string | null } | null;
  /** The vmkernel port id of a log line, or the dvPort key of a block event. */
  readonly port: string | null;
  /** When the newest of its lines was written. */
  readonly lastTime: string | null;
  /** Why it is history, in one clause. */
  readonly why: string;
  readonly evidence: readonly Evidence[];
}

export interface AuditReport {
  readonly schemaVersion: 1;
  /** host[:port], or "offline". */
  readonly endpoint: string;
  readonly generatedAt: string;
  readonly summary: {
    readonly findings: number;
    readonly critical: number;
    readonly warning: number;
    readonly info: number;
    readonly vmsScanned: number;
    readonly hostsScanned: number;
    /** Lines shown as history (not findings). */
    readonly history: number;
  };
  /** What the verdict rests on. */
  readonly evidence: {
    /** The --since window in words ("the last 7 days", offline "… back from each log's newest line"). */
    readonly window: string;
    /** Logs read, lines read from them, and the span of time they cover. */
    readonly logs: number;
    readonly lines: number;
    readonly from: string | null;
    readonly to: string | null;
    /** Distributed switches whose port state was read. */
    readonly dvSwitches: number;
    /** Every log read: its lines, their times, and where its window started. */
    readonly sources: readonly LogSource[];
  };
  /** Evidence that could not be read or understood: each one makes the exit code non-zero. */
  readonly warnings: readonly string[];
  /** What the reader should know: evidence not gathered, lines matching nothing in the inventory. */
  readonly notes: readonly string[];
  readonly findings: readonly Finding[];
  readonly history: readonly HistoryItem[];
}

/** Stable across runs: derived from what the finding is about, never from when or in what order. */
export function findingId(kind: FindingKind, ...parts: (string | number | null)[]): string {
  return createHash('sha256').update([kind, ...parts].join('\u0000')).digest('hex').slice(0, 12);
}
