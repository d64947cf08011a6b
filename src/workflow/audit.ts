// The audit workflow: inventory and evidence in, an AuditReport out, online
// (through a vCenter session) or offline (log files alone). fix, apply and
// the session reuse the online one to plan and to verify.
import type { AuditReport, Finding, LogReadout } from '../audit/finding.js';
import type { Since } from '../evidence/since.js';
import type { EvidenceSet } from '../evidence/types.js';
import type { Inventory } from '../inventory/model.js';
import type { Scope } from '../inventory/scope.js';
import { phase } from '../profile.js';
import type { VimClient } from '../vsphere/client.js';
import type { Context, Endpoint } from './context.js';

export interface AuditOptions extends Scope {
  /** Log files to read instead of the hosts' own logs. */
  readonly vmkernelLog?: readonly string[];
  /** Lines read from the end of each host's vmkernel log (0: none). */
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
  const { audit } = await import('../audit/audit.js');
  const spinner = ctx.ui.spinner('inventory: fetching');
  try {
    const whole = await phase('inventory', () =>
      fetchInventory(client, endpoint.display, { onPage: (page) => spinner.update(`inventory: page ${page}`) }),
    );
    const inventory = applyScope(whole, options);
    spinner.update('evidence: vmkernel logs and dvPorts');
    let evidence = await gatherEvidence(client, inventory, {
      logLines: options.vmkernelLog?.length ? 0 : options.logLines,
      concurrency: options.concurrency,
      onProgress: (text) => spinner.update(text),
    });
    if (options.vmkernelLog?.length) {
      const { readLogFiles } = await import('../evidence/files.js');
      const logs = await readLogFiles(options.vmkernelLog);
      evidence = {
        ...evidence,
        vmkernel: logs.events,
        sources: logs.sources,
        portClients: logs.portClients,
        unparsed: logs.unparsed,
        notes: [...evidence.notes, ...logs.notes, ...logs.problems],
      };
    }
    // Judged against every VM (a log line or an Accept may concern VMs out of scope), then narrowed.
    const result = await phase('audit', () => audit(whole, evidence));
    const findings = whole === inventory ? result.findings : result.findings.filter(inScope(inventory, Boolean(options.vm?.length)));
    return {
      inventory,
      evidence,
      report: auditReport(endpoint.display, findings, result.notes, inventory.vms.length, inventory.hosts.length),
    };
  } finally {
    spinner.stop();
  }
}

export interface OfflineOptions {
  /** How far back log evidence counts, from each log's newest line; undefined: all of it. */
  readonly since?: Since;
}

/**
 * An audit of log files alone: every blocked port they show is a finding. What the logs could not
 * give (unreadable parts, lines not understood) is in report.logs, and keeps the exit code off 0.
 */
export async function auditOffline(paths: readonly string[], ctx: Context, options: OfflineOptions = {}): Promise<AuditReport> {
  const { readLogFiles } = await import('../evidence/files.js');
  const { auditLogs } = await import('../audit/offline.js');
  const { describeSince } = await import('../evidence/since.js');
  const logs = await readLogFiles(paths, { ...(options.since ? { since: options.since } : {}), onFile: (name) => ctx.ui.progress(`reading ${name}`) });
  const window = options.since ? ('time' in options.since ? describeSince(options.since) : `${describeSince(options.since)} back from each log's newest line`) : null;
  const readout: LogReadout = { sources: logs.sources, window, unparsed: logs.unparsed, problems: logs.problems };
  const hosts = new Set(logs.sources.map((s) => (s.hostName ?? s.name).toLowerCase())).size;
  const notes = [...logReadoutNotes(readout), ...logs.notes];
  return { ...auditReport('offline', auditLogs(logs.events, logs.portClients), notes, 0, hosts), logs: readout };
}

/** What the logs rest on, in sentences: the report's notes, for the formats that show only those. */
function logReadoutNotes(readout: LogReadout): string[] {
  const out: string[] = [];
  const lines = readout.sources.reduce((sum, s) => sum + s.lines, 0);
  out.push(`Read ${lines} log line(s) from ${readout.sources.length} source(s)${readout.window ? `; evidence counted ${readout.window}` : ''}.`);
  const shown = readout.sources.slice(0, 20);
  for (const s of shown) {
    const span = s.firstTime ? `${s.firstTime} to ${s.lastTime}` : 'no line with a full date';
    out.push(`${s.hostName ? `${s.hostName}: ` : ''}${s.name}: ${s.lines} line(s), ${span}${s.since ? `, window from ${s.since}` : ''}.`);
  }
  if (readout.sources.length > shown.length) out.push(`… and ${readout.sources.length - shown.length} more source(s) (all of them in the JSON output).`);
  if (readout.unparsed.count) {
    const sample = readout.unparsed.samples[0];
    out.push(
      `${readout.unparsed.count} L2Sec_EnforcePortCompliance line(s) were not understood and are not in the verdict${sample ? `; the first, in ${sample.source}: ${sample.line.trim()}` : ''}.`,
    );
  }
  for (const problem of readout.problems) out.push(`Not fully read: ${problem}`);
  return out;
}

/** audit's exit code: 1 while any finding is a warning or worse, or log evidence could not all be read or understood. */
export function auditExitCode(report: AuditReport): 0 | 1 {
  const logsIncomplete = (report.logs?.problems.length ?? 0) > 0 || (report.logs?.unparsed.count ?? 0) > 0;
  return logsIncomplete || report.findings.some((f) => f.severity !== 'info') ? 1 : 0;
}

/**
 * A finding about a VM in scope, else about a host or DVS in scope. Asked
 * about VMs (--vm), findings about switches and portgroups alone are not
 * what was asked.
 */
function inScope(inventory: Inventory, vmsOnly: boolean): (f: Finding) => boolean {
  const vms = new Set(inventory.vms.map((v) => v.moref));
  const hosts = new Set(inventory.hosts.map((h) => h.moref));
  const dvSwitches = new Set(inventory.dvSwitches.map((d) => d.name));
  return (f) => {
    if (f.vm) return f.vm.moref !== null && vms.has(f.vm.moref);
    if (vmsOnly) return false;
    if (f.host) return f.host.moref !== null && hosts.has(f.host.moref);
    return f.switch?.type === 'distributed' && dvSwitches.has(f.switch.name);
  };
}

function auditReport(endpoint: string, findings: readonly Finding[], notes: readonly string[], vms: number, hosts: number): AuditReport {
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
      vmsScanned: vms,
      hostsScanned: hosts,
    },
    notes,
    findings,
  };
}
