// The audit's output, shaped as CLI-CONTRACT.md's Finding. Fields a finding
// cannot know (an offline audit has no inventory) are null, never absent.
import { createHash } from 'node:crypto';
import type { LogSource, UnparsedLines } from '../evidence/types.js';
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
  | { readonly type: 'dvport-blocked'; readonly detail: string; readonly portKey: string; readonly statusDetail: string | null };

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
  readonly policy: { readonly macChanges: 'reject' | 'accept'; readonly source: PolicySource | null };
  readonly evidence: readonly Evidence[];
  readonly remedies: readonly Remedy[];
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
  };
  /** Evidence that could not be gathered, and log lines no NIC could be matched to. */
  readonly notes: readonly string[];
  /** What the log evidence rests on, where logs were read. */
  readonly logs?: LogReadout;
  readonly findings: readonly Finding[];
}

export interface LogReadout {
  /** Every log read: its lines, their times, and where the --since window started. */
  readonly sources: readonly LogSource[];
  /** The --since window in words ("7 days back from each log's newest line"), or null. */
  readonly window: string | null;
  /** L2Sec_EnforcePortCompliance lines not understood: not in the verdict, so it cannot pass as clean. */
  readonly unparsed: UnparsedLines;
  /** Parts that could not be read (a bundle member, a fragment): the verdict may miss evidence there. */
  readonly problems: readonly string[];
}

/** Stable across runs: derived from what the finding is about, never from when or in what order. */
export function findingId(kind: FindingKind, ...parts: (string | number | null)[]): string {
  return createHash('sha256').update([kind, ...parts].join('\u0000')).digest('hex').slice(0, 12);
}
