// The audit workflow: inventory and evidence in, an AuditReport out, online
// (through a vCenter session) or offline (log files alone). fix, apply and
// the session reuse the online one to plan and to verify.
import { audit, unmatchedNote } from '../audit/audit.js';
import type { AuditReport, Finding, HistoryItem } from '../audit/finding.js';
import type { EvidenceSet, UnparsedLines } from '../evidence/types.js';
import type { L2SecEvent } from '../evidence/vmkernel-log.js';
import type { Inventory } from '../inventory/model.js';
import type { Scope } from '../inventory/scope.js';
import { phase } from '../profile.js';
import { DEFAULT_SINCE, describeSince, parseSince, windowStart, type Since } from '../evidence/since.js';
import type { VimClient } from '../vsphere/client.js';
import type { Context, Endpoint } from './context.js';

export interface AuditOptions extends Scope {
  /** Log files to read instead of the hosts' own logs. */
  readonly vmkernelLog?: readonly string[];
  /** How far back log evidence counts (default: the last 7 days). */
  readonly since?: Since;
  /** The most lines read back from the end of each host's vmkernel log (0: none). */
  readonly logLines: number;
  readonly concurrency: number;
}

export interface OnlineAudit {
  readonly inventory: Inventory;
  readonly evidence: EvidenceSet;
  readonly report: AuditReport;
}

export async function auditOnline(client: VimClient, endpoint: Endpoint, options: AuditOptions, ctx: Context): Promise<OnlineAudit> {
  const { fetchInventory } = await import('../inventory/fetch.js');
  const { applyScope } = await import('../inventory/scope.js');
  const { gatherEvidence } = await import('../evidence/online.js');
  const since = options.since ?? parseSince(DEFAULT_SINCE);
  const spinner = ctx.ui.spinner('inventory: fetching');
  try {
    const whole = await phase('inventory', () =>
      fetchInventory(client, endpoint.display, { onPage: (page) => spinner.update(`inventory: page ${page}`) }),
    );
    const inventory = applyScope(whole, options);
    spinner.update('evidence: vmkernel logs and dvPorts');
    let evidence = await gatherEvidence(client, inventory, {
      logLines: options.vmkernelLog?.length ? 0 : options.logLines,
      since: windowStart(since, new Date()),
      concurrency: options.concurrency,
      onProgress: (text) => spinner.update(text),
    });
    if (options.vmkernelLog?.length) {
      const { readLogFiles } = await import('../evidence/files.js');
      evidence = { ...evidence, vmkernel: await readLogFiles([...options.vmkernelLog]) };
    }
    const report = await phase('audit', () => judge(endpoint.display, whole, inventory, evidence, since, Boolean(options.vm?.length)));
    return { inventory, evidence, report };
  } finally {
    spinner.stop();
  }
}

/**
 * The verdict: judged against every VM (a log line or an Accept may concern
 * VMs out of scope), then narrowed to the scope (`inventory`; `vmsOnly`
 * when asked about VMs by name). Pure; watch runs it on every change.
 */
export function judge(endpoint: string, whole: Inventory, inventory: Inventory, evidence: EvidenceSet, since: Since, vmsOnly: boolean): AuditReport {
  const result = audit(whole, evidence);
  const scoped = scope(whole, inventory, vmsOnly);
  return auditReport(endpoint, {
    findings: result.findings.filter(scoped.finding),
    history: result.history.filter(scoped.history),
    notes: [...result.notes, ...result.unmatched.filter(scoped.line).map(unmatchedNote)],
    warnings: unparsedWarnings(evidence.unparsed),
    vms: inventory.vms.length,
    hosts: inventory.hosts.length,
    evidence: evidenceSummary(since, evidence),
  });
}

/** An audit of log files alone: every blocked port they show is a finding. */
export async function auditOffline(paths: readonly string[], ctx: Context): Promise<AuditReport> {
  const { readLogFiles } = await import('../evidence/files.js');
  const { auditLogs } = await import('../audit/offline.js');
  const events = await readLogFiles([...paths], (path) => ctx.ui.progress(`reading ${path}`));
  return auditReport('offline', {
    findings: auditLogs(events),
    history: [],
    notes: [],
    warnings: [],
    vms: 0,
    hosts: new Set(events.map((e) => e.hostName ?? e.source)).size,
    evidence: { window: 'all lines', logs: new Set(events.map((e) => e.source)).size, lines: 0, from: null, to: null, dvSwitches: 0 },
  });
}

/** audit's exit code: 1 while any finding is a warning or worse, or any evidence could not be understood. */
export function auditExitCode(report: AuditReport): 0 | 1 {
  return report.warnings.length || report.findings.some((f) => f.severity !== 'info') ? 1 : 0;
}

/** L2Sec lines the parser did not understand: evidence that may say a port was blocked. */
function unparsedWarnings(unparsed: UnparsedLines): string[] {
  if (!unparsed.count) return [];
  const first = unparsed.samples[0];
  return [
    `${unparsed.count} vmkernel line(s) mention L2Sec_EnforcePortCompliance in a form vmfix does not understand, so they were not judged${first ? ` (first, from ${first.source}: ${first.line.trim()})` : ''}; read them yourself.`,
  ];
}

function evidenceSummary(since: Since, evidence: EvidenceSet): AuditReport['evidence'] {
  const times = evidence.sources.flatMap((s) => [s.firstTime, s.lastTime]).filter((t): t is string => t !== null).sort();
  return {
    window: describeSince(since),
    logs: evidence.sources.length,
    lines: evidence.sources.reduce((n, s) => n + s.lines, 0),
    from: times[0] ?? null,
    to: times.at(-1) ?? null,
    dvSwitches: new Set(evidence.dvPorts.map((p) => p.dvsUuid)).size,
  };
}

/**
 * What of the whole estate's verdict was asked about: findings and history
 * about VMs in scope, else about hosts or DVS in scope; asked about VMs
 * (--vm), nothing about switches and portgroups alone, and no note about
 * lines for VMs out of scope.
 */
function scope(whole: Inventory, inventory: Inventory, vmsOnly: boolean) {
  const all = whole === inventory;
  const vms = new Set(inventory.vms.map((v) => v.moref));
  const hosts = new Set(inventory.hosts.map((h) => h.moref));
  const hostNames = new Set(inventory.hosts.map((h) => h.name.toLowerCase()));
  const knownHosts = new Set(whole.hosts.map((h) => h.name.toLowerCase()));
  const dvSwitches = new Set(inventory.dvSwitches.map((d) => d.name));
  return {
    finding: (f: Finding) => {
      if (all) return true;
      if (f.vm) return f.vm.moref !== null && vms.has(f.vm.moref);
      if (vmsOnly) return false;
      if (f.host) return f.host.moref !== null && hosts.has(f.host.moref);
      return f.switch?.type === 'distributed' && dvSwitches.has(f.switch.name);
    },
    history: (h: HistoryItem) => all || (h.vm ? vms.has(h.vm.moref) : !vmsOnly && h.host !== null && hosts.has(h.host.moref)),
    line: (e: L2SecEvent) => {
      const host = (e.hostName ?? e.source).toLowerCase();
      return all || (!vmsOnly && (hostNames.has(host) || !knownHosts.has(host)));
    },
  };
}

interface Verdict {
  readonly findings: readonly Finding[];
  readonly history: readonly HistoryItem[];
  readonly notes: readonly string[];
  readonly warnings: readonly string[];
  readonly vms: number;
  readonly hosts: number;
  readonly evidence: AuditReport['evidence'];
}

function auditReport(endpoint: string, verdict: Verdict): AuditReport {
  const { findings } = verdict;
  const count = (severity: Finding['severity']) => findings.filter((f) => f.severity === severity).length;
  return {
    schemaVersion: 1,
    endpoint,
    generatedAt: new Date().toISOString(),
    summary: {
      findings: findings.length,
      critical: count('critical'),
      warning: count('warning'),
      info: count('info'),
      vmsScanned: verdict.vms,
      hostsScanned: verdict.hosts,
      history: verdict.history.length,
    },
    evidence: verdict.evidence,
    warnings: verdict.warnings,
    notes: verdict.notes,
    findings,
    history: verdict.history,
  };
}
