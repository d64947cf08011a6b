// vmfix audit: which VMs lose connectivity because their guest changed its
// MAC under a Reject policy, why, and the narrowest fix. Changes nothing.
import type { AuditReport, Finding } from '../../audit/finding.js';
import type { EvidenceSet } from '../../audit/evidence.js';
import { UsageError } from '../../errors.js';
import { phase } from '../../profile.js';
import type { Inventory } from '../../inventory/model.js';
import type { VimClient } from '../../vsphere/client.js';
import type { Result } from '../../report/render.js';
import { withSession, type Endpoint } from '../connect.js';
import type { Context } from '../context.js';
import type { CommonArgs, ConnectionArgs, ScopeArgs } from '../options.js';

export interface AuditArgs extends ConnectionArgs, ScopeArgs, CommonArgs {
  vmkernelLog?: string[];
  logLines: number;
  concurrency: number;
}

export async function audit(args: AuditArgs, ctx: Context): Promise<{ result: Result; exitCode: 0 | 1 }> {
  validate(args);
  const report = args.vcenter === undefined && args.vmkernelLog?.length ? await offline(args.vmkernelLog, ctx) : await online(args, ctx);
  const exitCode = report.findings.some((f) => f.severity !== 'info') ? 1 : 0;
  return { result: { kind: 'audit', report }, exitCode };
}

function validate(args: AuditArgs): void {
  if (!Number.isInteger(args.logLines) || args.logLines < 0) throw new UsageError(`--log-lines must be a whole number of lines, not ${args.logLines}.`);
  if (!Number.isInteger(args.concurrency) || args.concurrency < 1 || args.concurrency > 64) {
    throw new UsageError(`--concurrency must be between 1 and 64, not ${args.concurrency}.`);
  }
}

async function offline(paths: string[], ctx: Context): Promise<AuditReport> {
  const { readVmkernelLogs } = await import('../../audit/log-files.js');
  const { auditLogs } = await import('../../audit/offline.js');
  const events = await readVmkernelLogs(paths, (path) => ctx.ui.progress(`reading ${path}`));
  return report('offline', auditLogs(events), [], 0, new Set(events.map((e) => e.hostName ?? e.source)).size);
}

/** The online audit, for fix to reuse: inventory, evidence, findings. */
export async function auditOnline(
  client: VimClient,
  endpoint: Endpoint,
  args: AuditArgs,
  ctx: Context,
): Promise<{ inventory: Inventory; evidence: EvidenceSet; report: AuditReport }> {
  const { fetchInventory } = await import('../../inventory/fetch.js');
  const { applyScope } = await import('../../inventory/scope.js');
  const { gatherEvidence } = await import('../../audit/gather.js');
  const { audit: runAudit } = await import('../../audit/audit.js');
  const spinner = ctx.ui.spinner('inventory: fetching');
  try {
    const whole = await phase('inventory', () =>
      fetchInventory(client, endpoint.display, { onPage: (page) => spinner.update(`inventory: page ${page}`) }),
    );
    const inventory = applyScope(whole, args);
    spinner.update('evidence: vmkernel logs and dvPorts');
    let evidence = await gatherEvidence(client, inventory, {
      logLines: args.vmkernelLog?.length ? 0 : args.logLines,
      concurrency: args.concurrency,
      onProgress: (text) => spinner.update(text),
    });
    if (args.vmkernelLog?.length) {
      const { readVmkernelLogs } = await import('../../audit/log-files.js');
      evidence = { ...evidence, vmkernel: await readVmkernelLogs(args.vmkernelLog) };
    }
    // Judged against every VM (a log line or an Accept may concern VMs out of scope), then narrowed.
    const result = await phase('audit', () => runAudit(whole, evidence));
    const findings = whole === inventory ? result.findings : result.findings.filter(inScope(inventory, Boolean(args.vm?.length)));
    return {
      inventory,
      evidence,
      report: report(endpoint.display, findings, result.notes, inventory.vms.length, inventory.hosts.length),
    };
  } finally {
    spinner.stop();
  }
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

async function online(args: AuditArgs, ctx: Context): Promise<AuditReport> {
  return withSession(args, ctx, async (client, endpoint) => (await auditOnline(client, endpoint, args, ctx)).report);
}

function report(endpoint: string, findings: readonly Finding[], notes: readonly string[], vms: number, hosts: number): AuditReport {
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
