// What changed between two verdicts (vmfix watch). Findings are compared by
// what they are about, a NIC (VM moref and device key) or, for findings
// about no NIC, their id: a NIC that goes from at risk to blocked is one
// change of that NIC, not a finding resolved and another one new. Pure.
import type { Finding, FindingKind, Severity } from './finding.js';

export type ChangeType =
  /** In the first verdict: the state when watching started. */
  | 'current'
  | 'new'
  /** The same NIC (or finding) with another kind or severity. */
  | 'changed'
  | 'resolved';

/** vCenter's account of what was done to an object a change is about (VmReconfiguredEvent, DVPortgroupReconfiguredEvent, …). */
export interface Cause {
  readonly type: string;
  readonly time: string;
  readonly userName: string | null;
  readonly message: string;
}

export interface WatchChange {
  readonly schemaVersion: 1;
  readonly type: ChangeType;
  /** When vmfix saw it (ISO). */
  readonly time: string;
  /** The finding as it is now; for `resolved`, as it last was. */
  readonly finding: Finding;
  /** `changed`: what it was. */
  readonly previous?: { readonly id: string; readonly kind: FindingKind; readonly severity: Severity };
  /** Events vCenter recorded about its VM or portgroup since the last verdict, where there are some. */
  readonly causes?: readonly Cause[];
}

/** What a finding is about: its NIC, or the finding itself. */
export function subjectOf(f: Finding): string {
  return f.vm?.moref && f.nic ? `nic/${f.vm.moref}/${f.nic.key}` : `id/${f.id}`;
}

export type Verdict = ReadonlyMap<string, Finding>;

export function verdictOf(findings: readonly Finding[]): Verdict {
  return new Map(findings.map((f) => [subjectOf(f), f]));
}

/** The changes from `before` to `after`: new, changed kind or severity, resolved. */
export function diffVerdicts(before: Verdict, after: Verdict, time: string): WatchChange[] {
  const changes: WatchChange[] = [];
  for (const [subject, finding] of after) {
    const was = before.get(subject);
    if (!was) changes.push({ schemaVersion: 1, type: 'new', time, finding });
    else if (was.kind !== finding.kind || was.severity !== finding.severity) {
      changes.push({ schemaVersion: 1, type: 'changed', time, finding, previous: { id: was.id, kind: was.kind, severity: was.severity } });
    }
  }
  for (const [subject, finding] of before) {
    if (!after.has(subject)) changes.push({ schemaVersion: 1, type: 'resolved', time, finding });
  }
  return changes;
}
