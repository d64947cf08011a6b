// The audit workflow: inventory and evidence in, an AuditReport out, online
// (through a vCenter session) or offline (log files alone). fix, apply and
// the session reuse the online one to plan and to verify.
import type { AuditReport, Finding } from '../audit/finding.js';
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
      evidence = { ...evidence, vmkernel: await readLogFiles([...options.vmkernelLog]) };
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

/** An audit of log files alone: every blocked port they show is a finding. */
export async function auditOffline(paths: readonly string[], ctx: Context): Promise<AuditReport> {
  const { readLogFiles } = await import('../evidence/files.js');
  const { auditLogs } = await import('../audit/offline.js');
  const events = await readLogFiles([...paths], (path) => ctx.ui.progress(`reading ${path}`));
  return auditReport('offline', auditLogs(events), [], 0, new Set(events.map((e) => e.hostName ?? e.source)).size);
}

/** audit's exit code: 1 while any finding is a warning or worse. */
export function auditExitCode(report: AuditReport): 0 | 1 {
  return report.findings.some((f) => f.severity !== 'info') ? 1 : 0;
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
